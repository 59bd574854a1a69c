# tests/ — `make test` runs, in order:
#   unit      every tests/unit/test_*.c as its own Criterion binary
#   sanitize  the runtime tests (tests/unit/test_rt_*.c) under TSan and ASan+UBSan
#   race-test the race detector (race/build.mk, tests/race/run.sh)
#   e2e       every tests/e2e/*.sh (each gets BIN=build/bin/chanscope)
#   viewer    tests/viewer/run.sh (tcltest under Xvfb)
# A test program that may hang or crash runs in a child process with a
# timeout: Criterion forks each test and we give every test .timeout.
# Under TSan, Criterion itself cannot start (its shared arena collides with
# TSan's memory layout, Snaipe/Criterion#274), so the TSan build compiles the
# same test files against tests/unit/mini/criterion/criterion.h, a minimal
# fork-per-test runner of ours.

UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
RT_SRC    := $(wildcard tests/unit/test_rt_*.c)
TEST_LIBS  = $(LIB) $(LDLIBS_LIB) -lcriterion
SAN_SRC   := $(LIB_SRC)

# Runtime tests link the runtime library only; the others the analyzer too.
# The trace tests read the converted trace with SQLite themselves; the
# conversion at cs_trace_finish runs the CLI (`chanscope import`).
$(BUILD)/tests/test_rt_%: tests/unit/test_rt_%.c $(LIB) $(FORMAT_SQL_H) | $(CLI)
	$(call link,$(CC) $(ALL_CFLAGS) -Itests/unit,$(LDLIBS_LIB) -lsqlite3 -lcriterion)

$(BUILD)/tests/%: tests/unit/%.c $(ANALIB) $(CONVLIB) $(LIB) $(FORMAT_SQL_H)
	$(call link,$(CC) $(ALL_CFLAGS) -Itests/unit,$(LDLIBS_CLI) -lcriterion)

.PHONY: unit sanitize sanitize-tsan sanitize-asan e2e viewer-test
unit: $(UNIT_BIN) $(CLI)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; \
	    CHANSCOPE_BIN=$(CURDIR)/$(CLI) $$t --jobs 2 || exit 1; done

# Sanitizer builds: the library sources compiled once per sanitizer into
# $(BUILD)/<san>/libchanscope.a, then each runtime test linked against it.
SAN_CC ?= clang
SAN_COMMON = $(CSTD) $(WARN) -O1 -g -fno-omit-frame-pointer -pthread -Iruntime -Itracer -Iconvert -Iformat -I$(BUILD)/format -Itests/unit
TSAN_FLAGS = -fsanitize=thread
ASAN_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all

$(BUILD)/tsan/obj/%.o: %.c | $(DEPS_OK) $(FORMAT_SQL_H)
	@mkdir -p $(dir $@)
	$(SAN_CC) $(SAN_COMMON) $(TSAN_FLAGS) $(DEPFLAGS) -c $< -o $@
$(BUILD)/asan/obj/%.o: %.c | $(DEPS_OK) $(FORMAT_SQL_H)
	@mkdir -p $(dir $@)
	$(SAN_CC) $(SAN_COMMON) $(ASAN_FLAGS) $(DEPFLAGS) -c $< -o $@
$(BUILD)/tsan/libchanscope.a: $(LIB_SRC:%.c=$(BUILD)/tsan/obj/%.o)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/asan/libchanscope.a: $(LIB_SRC:%.c=$(BUILD)/asan/obj/%.o)
	rm -f $@ && ar rcs $@ $^

TSAN_BIN := $(RT_SRC:tests/unit/%.c=$(BUILD)/tsan/%)
ASAN_BIN := $(RT_SRC:tests/unit/%.c=$(BUILD)/asan/%)
$(BUILD)/tsan/test_rt_%: tests/unit/test_rt_%.c $(BUILD)/tsan/libchanscope.a $(FORMAT_SQL_H) | $(CLI)
	$(call link,$(SAN_CC) $(SAN_COMMON) $(TSAN_FLAGS) -Itests/unit/mini,-lsqlite3)
$(BUILD)/asan/test_rt_%: tests/unit/test_rt_%.c $(BUILD)/asan/libchanscope.a $(FORMAT_SQL_H) | $(CLI)
	$(call link,$(SAN_CC) $(SAN_COMMON) $(ASAN_FLAGS),-lsqlite3 -lcriterion)

sanitize: sanitize-tsan sanitize-asan
sanitize-tsan: $(TSAN_BIN)
	@set -e; for b in $(TSAN_BIN); do echo "== [tsan] $$b"; \
	    CHANSCOPE_BIN=$(CURDIR)/$(CLI) \
	    TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 atexit_sleep_ms=0" $$b || exit 1; done
sanitize-asan: $(ASAN_BIN)
	@set -e; for b in $(ASAN_BIN); do echo "== [asan+ubsan] $$b"; \
	    CHANSCOPE_BIN=$(CURDIR)/$(CLI) ASAN_OPTIONS="detect_leaks=1" LSAN_OPTIONS="suppressions=$(CURDIR)/tests/unit/lsan.supp" \
	    UBSAN_OPTIONS="halt_on_error=1 print_stacktrace=1" \
	    $$b --jobs 2 || exit 1; done

# catalog_stress.sh (1300 runs under load, ~4 min) is not part of `make
# test`: `make stress` runs it.
E2E_TESTS := $(filter-out tests/e2e/catalog_stress.sh,$(sort $(wildcard tests/e2e/*.sh)))
e2e: all
	@set -e; for t in $(E2E_TESTS); do echo "== $$t"; \
	    BIN=$(CURDIR)/$(CLI) BUILD=$(CURDIR)/$(BUILD) bash $$t || exit 1; done

.PHONY: stress
stress: all
	BIN=$(CURDIR)/$(CLI) BUILD=$(CURDIR)/$(BUILD) bash tests/e2e/catalog_stress.sh

viewer-test: all
	@if [ -f tests/viewer/run.sh ]; then BIN=$(CURDIR)/$(CLI) \
	    CHANSCOPE_TRACE_FORMAT=$(abspath $(FORMAT_TCL)) bash tests/viewer/run.sh; fi

# `make test`: build everything the suites need with -j2 first, then run
# the suites one after another (their output stays readable).
TEST_BUILD = all $(UNIT_BIN) $(TSAN_BIN) $(ASAN_BIN) $(RACE_TEST_BIN) $(RACE_PAT_BIN) $(RACE_EX_BIN)
test: | $(DEPS_OK)
	@$(MAKE) --no-print-directory -j2 $(TEST_BUILD)
	@$(MAKE) --no-print-directory -j2 sanitize-tsan sanitize-asan
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory race-test
	@$(MAKE) --no-print-directory e2e
	@$(MAKE) --no-print-directory viewer-test
	@$(MAKE) --no-print-directory analyzer-test
	@echo "make test: all suites passed"
