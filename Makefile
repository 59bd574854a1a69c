# chanscope — build, test, demo.  See docs/architecture.md for the layout.
#
#   make            library (build/lib/libchanscope.a) and build/bin/chanscope
#   make demo       run every catalog pattern traced, check each, print a table
#   make test       unit tests (Criterion), sanitizers, end-to-end, viewer tests
#   make sanitize   runtime tests under ThreadSanitizer and ASan+UBSan
#   make bench      benchmarks, C beside Go
#   make stress     the catalog 20 times per variant under load (not in make test)
#   make install    PREFIX=/usr/local DESTDIR= [WITH_SOLUTIONS=1]; make uninstall
#   make handout    course guide and exercise sheets, HTML and PDF (docs/build.mk)
#   make site       the catalog as a static site in build/site (site/build.mk)
#   make cross-aarch64  the runtime cross-built for aarch64, run under qemu (tests/cross.mk)

.DEFAULT_GOAL := all
CC      ?= cc
PREFIX  ?= /usr/local
BUILD   ?= build
OPT     ?= -O2
CSTD    := -std=c11 -D_GNU_SOURCE
WARN    := -Wall -Wextra -Werror
CFLAGS  ?= $(OPT) -g
ALL_CFLAGS = $(CSTD) $(WARN) $(CFLAGS) -pthread -Iruntime -Itracer -Iconvert -Ianalyzer -Iformat -I$(BUILD)/format $(EXTRA_CFLAGS)
# The runtime library does not link SQLite (tests/e2e/trace_nosqlite.sh):
# traced programs write a binary log that the converter (convert/, linked by
# the CLI) turns into the SQLite trace.
LDLIBS_LIB = -pthread
LDLIBS_CLI = -lsqlite3 -lcjson -lm -pthread

# Header dependencies: every compile writes its own make rules (X.o -> X.d,
# or PROG -> PROG.d for a program compiled and linked in one step); they are
# included at the end of this file.  -MP: a deleted header is no error.
DEPFLAGS := -MMD -MP

# The one version source: CHANSCOPE_VERSION in runtime/chanscope.h (a program
# built against an installed header needs it there).  The CLI's --version,
# the tracer's meta.chanscope_version and the pkg-config file all use it.
VERSION := $(shell sed -n 's/^\#define CHANSCOPE_VERSION "\(.*\)"$$/\1/p' runtime/chanscope.h)
$(if $(VERSION),,$(error cannot read CHANSCOPE_VERSION from runtime/chanscope.h))

# The one link rule, for every program: compile and link the .c and .o
# prerequisites of $@ with the libraries (.a) among them, then LIBS.
#   $(call link,COMPILER AND FLAGS,LIBS)
define link
@mkdir -p $(@D)
$(1) $(DEPFLAGS) -o $@ $(filter %.c %.o,$^) $(filter %.a,$^) $(2)
endef

# Set-up: install missing Debian packages only when something is missing.
DEPS_OK := $(BUILD)/.deps-ok
$(DEPS_OK): scripts/install-deps scripts/check-deps scripts/deps.txt
	@scripts/check-deps 2>/dev/null || scripts/install-deps
	@scripts/check-deps
	@mkdir -p $(BUILD) && touch $@

# The trace contract (format/): generated headers and the viewer's Tcl tables.
include format/build.mk

RUNTIME_SRC  := $(wildcard runtime/*.c)
TRACER_SRC   := $(wildcard tracer/*.c)
CONVERT_SRC  := $(wildcard convert/*.c)
ANALYZER_SRC := $(wildcard analyzer/*.c)
CLI_SRC      := $(wildcard cli/*.c)
LIB_SRC      := $(RUNTIME_SRC) $(TRACER_SRC)

LIB      := $(BUILD)/lib/libchanscope.a
ANALIB   := $(BUILD)/lib/libchanscope-analyzer.a
CONVLIB  := $(BUILD)/lib/libchanscope-convert.a
CLI      := $(BUILD)/bin/chanscope

.PHONY: all demo test unit sanitize e2e viewer-test bench clean fuzz deps version
all: $(LIB) $(CLI) $(FORMAT_TCL)
deps: $(DEPS_OK)
version:
	@echo $(VERSION)

$(BUILD)/obj/%.o: %.c | $(DEPS_OK) $(FORMAT_SQL_H)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(LIB): $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(ANALIB): $(ANALYZER_SRC:%.c=$(BUILD)/obj/%.o)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(CONVLIB): $(CONVERT_SRC:%.c=$(BUILD)/obj/%.o)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(CLI): $(CLI_SRC:%.c=$(BUILD)/obj/%.o) $(ANALIB) $(CONVLIB) $(LIB)
	$(call link,$(CC) $(ALL_CFLAGS),$(LDLIBS_CLI))

include runtime/build.mk
include tracer/build.mk
include race/build.mk
include analyzer/build.mk
include patterns/build.mk
include tests/build.mk
include tests/cross.mk
include bench/build.mk
include viewer/build.mk
include exercises/build.mk
include site/build.mk

include scripts/install.mk
include docs/build.mk

clean:
	rm -rf $(BUILD) traces

# The header dependencies written by the compiles above (none before the
# first build).
include $(shell find $(BUILD) -path '$(BUILD)/go*' -prune -o -name '*.d' -type f -print 2>/dev/null)
