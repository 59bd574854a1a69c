# chanscope — build, test, demo.  See docs/architecture.md for the layout.
#
#   make            library (build/lib/libchanscope.a) and build/bin/chanscope
#   make demo       run every catalog pattern traced, check each, print a table
#   make test       unit tests (Criterion), sanitizers, end-to-end, viewer tests
#   make sanitize   runtime tests under ThreadSanitizer and ASan+UBSan
#   make bench      benchmarks, C beside Go
#   make site       the catalog as a static site in build/site (site/build.mk)
#   make install    PREFIX=/usr/local DESTDIR=

.DEFAULT_GOAL := all
CC      ?= cc
PREFIX  ?= /usr/local
BUILD   ?= build
OPT     ?= -O2
CSTD    := -std=c11 -D_GNU_SOURCE
WARN    := -Wall -Wextra -Werror
CFLAGS  ?= $(OPT) -g
ALL_CFLAGS = $(CSTD) $(WARN) $(CFLAGS) -pthread -Iruntime -Itracer -Ianalyzer $(EXTRA_CFLAGS)
LDLIBS_LIB = -lsqlite3 -pthread
LDLIBS_CLI = -lsqlite3 -lcjson -lm -pthread

# Set-up: install missing Debian packages only when something is missing.
DEPS_OK := $(BUILD)/.deps-ok
$(DEPS_OK): scripts/install-deps scripts/check-deps scripts/deps.txt
	@scripts/check-deps 2>/dev/null || scripts/install-deps
	@scripts/check-deps
	@mkdir -p $(BUILD) && touch $@

RUNTIME_SRC  := $(wildcard runtime/*.c)
TRACER_SRC   := $(wildcard tracer/*.c)
ANALYZER_SRC := $(wildcard analyzer/*.c)
CLI_SRC      := $(wildcard cli/*.c)
LIB_SRC      := $(RUNTIME_SRC) $(TRACER_SRC)
HDRS         := $(wildcard runtime/*.h tracer/*.h analyzer/*.h cli/*.h)

LIB      := $(BUILD)/lib/libchanscope.a
ANALIB   := $(BUILD)/lib/libchanscope-analyzer.a
CLI      := $(BUILD)/bin/chanscope

.PHONY: all demo test unit sanitize e2e viewer-test bench install clean fuzz deps
all: $(LIB) $(CLI)
deps: $(DEPS_OK)

$(BUILD)/obj/%.o: %.c $(HDRS) | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(ANALIB): $(ANALYZER_SRC:%.c=$(BUILD)/obj/%.o)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(CLI): $(CLI_SRC:%.c=$(BUILD)/obj/%.o) $(ANALIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $(filter %.o,$^) $(ANALIB) $(LIB) $(LDLIBS_CLI)

include runtime/build.mk
-include tracer/build.mk
-include analyzer/build.mk
-include patterns/build.mk
-include tests/build.mk
-include bench/build.mk
-include viewer/build.mk
-include exercises/build.mk
include site/build.mk

install: all
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/bin
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/
	install -m 644 runtime/chanscope.h $(DESTDIR)$(PREFIX)/include/
	install -m 755 $(CLI) $(DESTDIR)$(PREFIX)/bin/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|0.1.0|g' scripts/chanscope.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/chanscope.pc
	if [ -f docs/chanscope.1 ]; then install -d $(DESTDIR)$(PREFIX)/share/man/man1 && \
	    install -m 644 docs/chanscope.1 $(DESTDIR)$(PREFIX)/share/man/man1/; fi
	if [ -d viewer ]; then install -d $(DESTDIR)$(PREFIX)/share/chanscope/viewer && \
	    cp -r viewer/*.tcl $(DESTDIR)$(PREFIX)/share/chanscope/viewer/ 2>/dev/null || true; fi

clean:
	rm -rf $(BUILD) traces
