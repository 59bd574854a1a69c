# tracer/ — compiled into the library by the top Makefile (tracer/*.c).
# This fragment adds:
#   - the tracer's test programs tests/programs/trace_*.c, built into
#     $(BUILD)/tests/programs/ against the library (used by tests/e2e/trace_*.sh)
#   - make bench-trace: bench/trace_bench.c — producer ns per traced event,
#     conversion events/s (log -> SQLite, indexes included), traced/untraced
#     ratio on a 4-worker pool with 1 M jobs, events emitted vs rows at 10 M
#     events, and completed round trips lost to kill -9 (trace_pingpong
#     killed at 10 random moments); prints the figures and writes them as
#     JSON to $(BUILD)/bench-trace.json (folded into `make bench`).
#     TRACE_BENCH_EVENTS=N scales the 10 M figure down;
#     `$(BUILD)/bench/trace_bench --only kill` runs one figure.

# Where a traced program finds `chanscope import` at its exit (after
# $$CHANSCOPE_BIN): this build tree's binary, then the installed one.
TRACE_BIN_DEFS = -DCS_BUILD_BIN='"$(abspath $(CLI))"' -DCS_PREFIX_BIN='"$(PREFIX)/bin/chanscope"'
$(BUILD)/obj/tracer/trace_start.o $(BUILD)/race/obj/tracer/trace_start.o: EXTRA_CFLAGS += $(TRACE_BIN_DEFS)
$(BUILD)/tsan/obj/tracer/trace_start.o $(BUILD)/asan/obj/tracer/trace_start.o: SAN_COMMON += $(TRACE_BIN_DEFS)

TRACE_PROG_SRC := $(wildcard tests/programs/trace_*.c)
TRACE_PROG_BIN := $(TRACE_PROG_SRC:tests/programs/%.c=$(BUILD)/tests/programs/%)

$(BUILD)/tests/programs/trace_%: tests/programs/trace_%.c $(LIB)
	$(call link,$(CC) $(ALL_CFLAGS),$(LDLIBS_LIB))

.PHONY: trace-programs bench-trace
trace-programs: $(TRACE_PROG_BIN)
e2e: trace-programs

TRACE_BENCH_BIN := $(BUILD)/bench/trace_bench
$(TRACE_BENCH_BIN): bench/trace_bench.c $(CONVLIB) $(LIB) | $(CLI)
	$(call link,$(CC) $(ALL_CFLAGS),$(LDLIBS_LIB) -lsqlite3)

bench-trace: $(TRACE_BENCH_BIN) $(BUILD)/tests/programs/trace_pingpong
	$(TRACE_BENCH_BIN) --json $(BUILD)/bench-trace.json --dir $(BUILD)/bench \
	    --pingpong $(BUILD)/tests/programs/trace_pingpong
