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
