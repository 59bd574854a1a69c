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
