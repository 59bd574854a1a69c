# analyzer/ — `chanscope check` / `chanscope export` (see analyzer/analyzer.h).
# The top Makefile builds every analyzer/*.c into $(ANALIB).  Here:
#   analyzer-progs   tests/analyzer/*.c: one small program per finding kind
#                    and its correct twin (*_ok.c), run by
#                    tests/e2e/analyzer_programs.sh (e2e depends on them)
#   fuzz             libFuzzer + ASan target over trace contents, seeded
#                    from every catalog trace (FUZZ_TIME seconds)
#   fuzz-short       a few seconds of it (part of analyzer-test)
#   analyzer-asan    the analyzer's unit tests under ASan + UBSan
#   analyzer-test    what `make test` runs for the analyzer beyond
#                    unit/e2e: analyzer-asan and fuzz-short
#   bench-analyzer   events/s on a 10 M-event synthetic trace, peak RSS;
#                    JSON in $(BUILD)/bench-analyzer.json

AN_PROG_SRC := $(wildcard tests/analyzer/*.c)
AN_PROG_BIN := $(AN_PROG_SRC:tests/analyzer/%.c=$(BUILD)/analyzer-progs/%)

$(BUILD)/analyzer-progs/%: tests/analyzer/%.c $(LIB)
	$(call link,$(CC) $(ALL_CFLAGS),$(LDLIBS_LIB))

.PHONY: analyzer-progs analyzer-test bench-analyzer
analyzer-progs: $(AN_PROG_BIN)
e2e: analyzer-progs

# ---- fuzzing (clang) -------------------------------------------------------
# The fuzz target (analyzer/fuzz_trace.c) runs on three kinds of input; its
# seeds are made at fuzz time from traces in the build dir (nothing big is
# committed), by analyzer/fuzz_seeds.sh:
#   seeds/progs    every tests/analyzer program, traced (a few seconds)
#   seeds/catalog  every variant of every catalog pattern, traced (~1-2 min,
#                  redone when chanscope is rebuilt)
# New inputs go to $(FUZZ_DIR)/corpus (kept between runs), crashes to
# $(FUZZ_DIR)/crash-*, the log of the last run to $(FUZZ_DIR)/fuzz.log.
#   make fuzz FUZZ_TIME=1800    as long as asked (default 300 s), all seeds
#   make fuzz-short             FUZZ_SHORT seconds (default 10), program seeds only
FUZZ_CC    ?= clang
FUZZ_SRC   := analyzer/fuzz_trace.c $(filter-out analyzer/fuzz_%.c,$(ANALYZER_SRC))
FUZZ_DIR   := $(BUILD)/fuzz
FUZZ_BIN   := $(FUZZ_DIR)/fuzz_trace
FUZZ_TIME  ?= 300
FUZZ_SHORT ?= 10
FUZZ_FLAGS  = -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
              -dict=analyzer/fuzz_trace.dict -artifact_prefix=$(FUZZ_DIR)/
FUZZ_CFLAGS = $(CSTD) $(WARN) -O1 -g -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=all -Iruntime -Ianalyzer -Iformat -I$(BUILD)/format

# Each source compiled on its own (its header dependencies in its .d), the
# libFuzzer main linked in by -fsanitize=fuzzer.
$(BUILD)/fuzz/obj/%.o: %.c | $(DEPS_OK) $(FORMAT_SQL_H)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEPFLAGS) -c $< -o $@
$(FUZZ_BIN): $(FUZZ_SRC:%.c=$(BUILD)/fuzz/obj/%.o)
	$(call link,$(FUZZ_CC) $(FUZZ_CFLAGS),-lsqlite3 -lcjson -lm)

$(FUZZ_DIR)/seeds-progs.stamp: $(AN_PROG_BIN) analyzer/fuzz_seeds.sh
	@rm -rf $(FUZZ_DIR)/traces/progs && mkdir -p $(FUZZ_DIR)/traces/progs
	@for p in $(AN_PROG_BIN); do \
	    CHANSCOPE_TRACE=$(FUZZ_DIR)/traces/progs/$${p##*/}.db timeout -k 3 20 $$p >/dev/null 2>&1; \
	done; true
	@rm -rf $(FUZZ_DIR)/seeds/progs
	analyzer/fuzz_seeds.sh $(FUZZ_DIR)/seeds/progs $(FUZZ_DIR)/traces/progs/*.db
	@touch $@

$(FUZZ_DIR)/seeds-catalog.stamp: $(CLI) analyzer/fuzz_seeds.sh | patterns
	@rm -rf $(FUZZ_DIR)/traces/catalog && mkdir -p $(FUZZ_DIR)/traces/catalog
	@$(CLI) list --variants | while read -r spec kinds; do \
	    timeout -k 3 20 $(CLI) run "$$spec" -o "$(FUZZ_DIR)/traces/catalog/$$(echo $$spec | tr / -).db" \
	        >/dev/null 2>&1; \
	done; true
	@rm -rf $(FUZZ_DIR)/seeds/catalog
	analyzer/fuzz_seeds.sh $(FUZZ_DIR)/seeds/catalog $(FUZZ_DIR)/traces/catalog/*.db
	@touch $@

.PHONY: fuzz fuzz-short fuzz-seeds analyzer-asan
fuzz-seeds: $(FUZZ_DIR)/seeds-progs.stamp $(FUZZ_DIR)/seeds-catalog.stamp

fuzz: $(FUZZ_BIN) fuzz-seeds
	@mkdir -p $(FUZZ_DIR)/corpus
	@echo "fuzzing for $(FUZZ_TIME) s (log: $(FUZZ_DIR)/fuzz.log)"
	$(FUZZ_BIN) $(FUZZ_FLAGS) -max_total_time=$(FUZZ_TIME) $(FUZZ_DIR)/corpus \
	    $(FUZZ_DIR)/seeds/progs $(FUZZ_DIR)/seeds/catalog \
	    >$(FUZZ_DIR)/fuzz.log 2>&1 || { tail -60 $(FUZZ_DIR)/fuzz.log; exit 1; }
	@grep -E "^#[0-9]+.*(INITED|DONE)|^stat::|^Done" $(FUZZ_DIR)/fuzz.log

# (a fresh corpus each time: replaying the long runs' corpus alone takes a minute)
fuzz-short: $(FUZZ_BIN) $(FUZZ_DIR)/seeds-progs.stamp
	@rm -rf $(FUZZ_DIR)/corpus-short && mkdir -p $(FUZZ_DIR)/corpus-short
	$(FUZZ_BIN) $(FUZZ_FLAGS) -max_total_time=$(FUZZ_SHORT) $(FUZZ_DIR)/corpus-short \
	    $(FUZZ_DIR)/seeds/progs \
	    >$(FUZZ_DIR)/short.log 2>&1 || { tail -60 $(FUZZ_DIR)/short.log; exit 1; }
	@grep -E "^#[0-9]+.*DONE|^Done" $(FUZZ_DIR)/short.log | tail -1

# The analyzer's unit tests again under ASan + UBSan (a use-after-free or an
# overflow on a malformed trace need not crash an ordinary build).
AN_ASAN_LIB   := $(BUILD)/asan/libchanscope-analyzer.a
AN_ASAN_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/asan/%,$(wildcard tests/unit/test_analyzer_*.c))
$(AN_ASAN_LIB): $(ANALYZER_SRC:%.c=$(BUILD)/asan/obj/%.o)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/asan/test_analyzer_%: tests/unit/test_analyzer_%.c $(wildcard tests/unit/*.h) $(AN_ASAN_LIB)
	$(SAN_CC) $(SAN_COMMON) $(ASAN_FLAGS) -Ianalyzer -o $@ $< $(AN_ASAN_LIB) -lsqlite3 -lcjson -lm \
	    -lcriterion
analyzer-asan: $(AN_ASAN_TESTS)
	@set -e; for b in $(AN_ASAN_TESTS); do echo "== [asan+ubsan] $$b"; \
	    ASAN_OPTIONS="detect_leaks=1" LSAN_OPTIONS="suppressions=$(CURDIR)/tests/unit/lsan.supp" \
	    UBSAN_OPTIONS="halt_on_error=1 print_stacktrace=1" \
	    $$b --jobs 2 || exit 1; done

analyzer-test: analyzer-asan fuzz-short

# ---- benchmark --------------------------------------------------------------
BENCH_AN_EVENTS ?= 10000000
$(BUILD)/bench/bench_analyzer: tests/analyzer/bench/bench_analyzer.c $(ANALIB) $(LIB)
	$(call link,$(CC) $(ALL_CFLAGS),$(LDLIBS_CLI))

bench-analyzer: $(BUILD)/bench/bench_analyzer
	$(BUILD)/bench/bench_analyzer $(BENCH_AN_EVENTS) $(BUILD)/bench/analyzer-trace.db \
	    $(BUILD)/bench-analyzer.json
