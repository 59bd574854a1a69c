# patterns/ — the catalog.  Included by the top Makefile.
#
# Every patterns/<name>/<variant>.c is one program, built into
# $(BUILD)/patterns/<name>/<variant> against the runtime library only.
# patterns/common/ holds header-only helpers (params.h) and builds nothing;
# a pattern may keep its own header beside its variants (patterns/NAME/*.h).
#
#   make patterns        build every variant
#   make demo            build everything, then `chanscope demo`: run every
#                        variant traced into traces/, check it, print one table

PATTERN_SRC  := $(filter-out patterns/common/%,$(wildcard patterns/*/*.c))
PATTERN_BIN  := $(PATTERN_SRC:%.c=$(BUILD)/%)
$(BUILD)/patterns/%: patterns/%.c $(LIB)
	$(call link,$(CC) $(ALL_CFLAGS) -Ipatterns/common,$(LDLIBS_LIB))

# Race variants ("build": "race" in their pattern.json, on the line of their
# "file") are built with the race build instead, as `chanscope build --race`
# does (cli/build_race.c, docs/races.md): compiled instrumented at -O0, the
# memory intrinsics renamed (RACE_OBJCOPY, race/build.mk), linked without
# libtsan against libchanscope-race.a.  No SHARED_READ/SHARED_WRITE marks:
# the detector sees every access.  Same output path, so `chanscope run
# NAME/VARIANT`, demo, the site and an install use them unchanged.
RACE_BUILD_CC     ?= clang
RACE_BUILD_CFLAGS  = $(CSTD) $(WARN) -g -gdwarf-aranges -O0 -fno-omit-frame-pointer \
                     -fsanitize=thread -pthread -Iruntime
RACE_BUILD_LIBS    = -lsqlite3 -Wl,-u,cs_race_report_symbolized -ldw -lelf -lm -pthread
RACE_PATTERN_SRC  := $(shell for p in patterns/*/pattern.json; do \
    sed -n 's|.*"file": *"\([^"]*\)", *"build": *"race".*|'"$${p%/pattern.json}"'/\1|p' "$$p"; done)
RACE_PATTERN_BIN  := $(RACE_PATTERN_SRC:%.c=$(BUILD)/%)
.SECONDARY: $(RACE_PATTERN_SRC:%.c=$(BUILD)/race-obj/%.o)
$(BUILD)/race-obj/patterns/%.o: patterns/%.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(RACE_BUILD_CC) $(RACE_BUILD_CFLAGS) -Ipatterns/common $(DEPFLAGS) -c $< -o $@
	$(RACE_OBJCOPY) $@
$(RACE_PATTERN_BIN): $(BUILD)/patterns/%: $(BUILD)/race-obj/patterns/%.o $(RACE_LIB)
	@mkdir -p $(@D)
	$(RACE_BUILD_CC) -o $@ $< $(RACE_LIB) $(RACE_BUILD_LIBS)

.PHONY: patterns
patterns: $(PATTERN_BIN)
all: patterns

# DEMO_FLAGS: e.g. --no-view, -j 1, or a pattern name to run just that one.
demo: all
	$(CLI) demo $(DEMO_FLAGS)

# make explore: every "explore" declaration in patterns/*/pattern.json, in
# full (tests/e2e/explore.sh with EXPLORE_FULL=1; make test runs a subset):
# each misuse variant's bug found within its declared schedules, each clean
# variant clean over its declared runs, each failing seed replayed.
.PHONY: explore bench-explore
explore: all
	EXPLORE_FULL=1 BIN=$(abspath $(CLI)) BUILD=$(abspath $(BUILD)) bash tests/e2e/explore.sh

# bench-explore (folded into make bench): schedules per second of
# `chanscope explore` on one small variant, into $(BUILD)/bench-explore.json.
bench-explore: all
	bash bench/explore.sh $(CLI) $(BUILD)/bench-explore.json
