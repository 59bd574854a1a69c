# analyzer/ — `chanscope check` / `chanscope export` (see analyzer/analyzer.h).
# The top Makefile builds every analyzer/*.c into $(ANALIB).  Here:
#   analyzer-progs   tests/analyzer/*.c: one small program per finding kind
#                    and its correct twin (*_ok.c), run by
#                    tests/e2e/analyzer_programs.sh (e2e depends on them)
#   fuzz             libFuzzer + ASan target over trace contents (long run)
#   fuzz-short       a few seconds of it (part of analyzer-test)
#   analyzer-test    what `make test` should run for the analyzer beyond
#                    unit/e2e: the short fuzz run
#   bench-analyzer   events/s on a 10 M-event synthetic trace, peak RSS;
#                    JSON in $(BUILD)/bench-analyzer.json

AN_PROG_SRC := $(wildcard tests/analyzer/*.c)
AN_PROG_BIN := $(AN_PROG_SRC:tests/analyzer/%.c=$(BUILD)/analyzer-progs/%)

$(BUILD)/analyzer-progs/%: tests/analyzer/%.c $(LIB)
	$(call link,$(CC) $(ALL_CFLAGS),$(LDLIBS_LIB))

.PHONY: analyzer-progs analyzer-test fuzz-short bench-analyzer
analyzer-progs: $(AN_PROG_BIN)
e2e: analyzer-progs

# ---- fuzzing (clang) -------------------------------------------------------
FUZZ_CC   ?= clang
FUZZ_SRC  := analyzer/fuzz_trace.c $(filter-out analyzer/fuzz_%.c,$(ANALYZER_SRC))
FUZZ_BIN  := $(BUILD)/fuzz/fuzz_trace
FUZZ_TIME ?= 300
FUZZ_FLAGS = $(CSTD) $(WARN) -O1 -g -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=all -Iruntime -Ianalyzer

# Each source compiled on its own (its header dependencies in its .d), the
# libFuzzer main linked in by -fsanitize=fuzzer.
$(BUILD)/fuzz/obj/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(DEPFLAGS) -c $< -o $@
$(FUZZ_BIN): $(FUZZ_SRC:%.c=$(BUILD)/fuzz/obj/%.o)
	$(call link,$(FUZZ_CC) $(FUZZ_FLAGS),-lsqlite3 -lcjson -lm)

fuzz: $(FUZZ_BIN)
	@mkdir -p $(BUILD)/fuzz/corpus
	$(FUZZ_BIN) -max_total_time=$(FUZZ_TIME) -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix=$(BUILD)/fuzz/ \
	    $(BUILD)/fuzz/corpus

fuzz-short: $(FUZZ_BIN)
	@mkdir -p $(BUILD)/fuzz/corpus
	$(FUZZ_BIN) -max_total_time=8 -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix=$(BUILD)/fuzz/ $(BUILD)/fuzz/corpus \
	    2>$(BUILD)/fuzz/short.log || { tail -40 $(BUILD)/fuzz/short.log; exit 1; }
	@grep -E "^Done|#[0-9]+ *DONE" $(BUILD)/fuzz/short.log | tail -1

analyzer-test: fuzz-short

# ---- benchmark --------------------------------------------------------------
BENCH_AN_EVENTS ?= 10000000
$(BUILD)/bench/bench_analyzer: tests/analyzer/bench/bench_analyzer.c $(ANALIB) $(LIB)
	$(call link,$(CC) $(ALL_CFLAGS),$(LDLIBS_CLI))

bench-analyzer: $(BUILD)/bench/bench_analyzer
	$(BUILD)/bench/bench_analyzer $(BENCH_AN_EVENTS) $(BUILD)/bench/analyzer-trace.db \
	    $(BUILD)/bench-analyzer.json
