# race/ — the race detector runtime: build/lib/libchanscope-race.a
#
# The library is the whole runtime (runtime/*.c, tracer/*.c) compiled with
# -DCS_RACE, plus the detector (race/*.c), all WITHOUT instrumentation: the
# runtime's own lock-free code is never checked.  A program is compiled
# with `clang -fsanitize=thread` and linked WITHOUT -fsanitize=thread (no
# libtsan) against this library:
#
#   clang -fsanitize=thread -O1 -g -c prog.c -I runtime -o prog.o
#   objcopy --redefine-sym memcpy=__tsan_memcpy --redefine-sym memmove=__tsan_memmove \
#           --redefine-sym memset=__tsan_memset prog.o            ($(RACE_OBJCOPY))
#   clang -o prog prog.o build/lib/libchanscope-race.a -pthread
#
# The objcopy step: clang 14 lowers the program's memory intrinsics to
# plain memcpy/memmove/memset calls (libtsan intercepts those); renaming
# them in the program's own objects sends them to our checked versions
# (race/mem.c) without touching the runtime's or the C library's.
#
# -DCS_RACE turns on the hooks of runtime/race_hooks.h and makes every
# runtime event reach the detector whether or not a trace is recorded.
#
# make race-test: every tests/race/*.c built with the race build and run by
# tests/race/run.sh (a racy_* program must report, a clean_* one must not),
# then the catalog's race-free variants and the exercises' solutions under
# the race build (none may report).

RACE_SRC   := $(wildcard race/*.c)
RACE_LIB   := $(BUILD)/lib/libchanscope-race.a
RACE_LIB_CFLAGS = $(ALL_CFLAGS) -DCS_RACE -Irace
RACE_CC    ?= clang
# How a program is built for the race detector (compile, then link).
RACE_PROG_CFLAGS = $(CSTD) -O1 -g -fsanitize=thread -pthread -Iruntime -Irace
# -u, -ldw -lelf: the strong cs_race_report (race/race_report.c, libdw)
RACE_PROG_LIBS   = $(RACE_LIB) -Wl,-u,cs_race_report_symbolized -ldw -lelf -lm -pthread
RACE_OBJCOPY     = objcopy --redefine-sym memcpy=__tsan_memcpy --redefine-sym memmove=__tsan_memmove \
                   --redefine-sym memset=__tsan_memset

$(BUILD)/race/obj/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(RACE_LIB_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(RACE_LIB): $(LIB_SRC:%.c=$(BUILD)/race/obj/%.o) $(RACE_SRC:%.c=$(BUILD)/race/obj/%.o)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

all: $(RACE_LIB)

# Test programs: compiled instrumented, linked without libtsan.
RACE_TEST_SRC := $(wildcard tests/race/*.c)
RACE_TEST_BIN := $(RACE_TEST_SRC:tests/race/%.c=$(BUILD)/tests/race/%)
.SECONDARY: $(RACE_TEST_SRC:tests/race/%.c=$(BUILD)/tests/race/%.o) $(RACE_PAT_SRC:patterns/%.c=$(BUILD)/race-patterns/%.o)
$(BUILD)/tests/race/%.o: tests/race/%.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(RACE_CC) $(RACE_PROG_CFLAGS) $(WARN) -Itests/race $(DEPFLAGS) -c $< -o $@
	$(RACE_OBJCOPY) $@
$(BUILD)/tests/race/%: $(BUILD)/tests/race/%.o $(RACE_LIB)
	$(RACE_CC) -o $@ $< $(RACE_PROG_LIBS)

# The catalog's programs under the race build (patterns/*/*.c).
RACE_PAT_SRC := $(wildcard patterns/*/*.c)
RACE_PAT_BIN := $(filter-out $(BUILD)/race-patterns/common/%,$(RACE_PAT_SRC:patterns/%.c=$(BUILD)/race-patterns/%))
$(BUILD)/race-patterns/%.o: patterns/%.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(RACE_CC) $(RACE_PROG_CFLAGS) -Ipatterns/common $(DEPFLAGS) -c $< -o $@
	$(RACE_OBJCOPY) $@
$(BUILD)/race-patterns/%: $(BUILD)/race-patterns/%.o $(RACE_LIB)
	$(RACE_CC) -o $@ $< $(RACE_PROG_LIBS)

# The exercises' solutions under the race build (exercises/*/solution.c).
RACE_EX_SRC := $(wildcard exercises/*/solution.c)
RACE_EX_BIN := $(RACE_EX_SRC:exercises/%/solution.c=$(BUILD)/race-exercises/%)
$(BUILD)/race-exercises/%.o: exercises/%/solution.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(RACE_CC) $(RACE_PROG_CFLAGS) -Iexercises/$* $(DEPFLAGS) -c $< -o $@
	$(RACE_OBJCOPY) $@
$(BUILD)/race-exercises/%: $(BUILD)/race-exercises/%.o $(RACE_LIB)
	$(RACE_CC) -o $@ $< $(RACE_PROG_LIBS)
.SECONDARY: $(RACE_EX_SRC:exercises/%/solution.c=$(BUILD)/race-exercises/%.o)

.PHONY: race-test race-patterns
race-patterns: $(RACE_PAT_BIN) $(RACE_EX_BIN)
race-test: $(RACE_TEST_BIN) $(RACE_PAT_BIN) $(RACE_EX_BIN)
	BUILD=$(CURDIR)/$(BUILD) bash tests/race/run.sh
