# bench/ — `make bench`: the workloads in C (on libchanscope) and in Go, side
# by side, plus the figures of the other bench targets; one table on stdout,
# the same as JSON in $(BUILD)/bench.json.  See docs/performance.md.
#
#   make bench                          everything (about 2-4 minutes)
#   make bench BENCH_RUNS=3 BENCH_WORKLOADS="pingpong spsc" BENCH_NO_TRACE=1
#                                       a quick subset while tuning the runtime
#
# Go: Debian's golang-go.  When `go` is missing and we are root (or have
# password-less sudo) it is installed with scripts/install-deps; otherwise the
# C side runs alone and the Go column says n/a.  The Go build never writes to
# $HOME or the network: module cache, build cache under $(BUILD), no proxy.

BENCH_DIR   := $(BUILD)/bench
BENCH_C_BIN := $(BENCH_DIR)/bench-c
BENCH_GO_BIN := $(BENCH_DIR)/bench-go
BENCH_C_SRC := $(wildcard bench/c/*.c)
BENCH_GO_ENV = GOPATH=$(abspath $(BUILD))/go GOCACHE=$(abspath $(BUILD))/go-cache \
    GOMODCACHE=$(abspath $(BUILD))/go/pkg/mod GOFLAGS=-mod=mod GOTOOLCHAIN=local \
    GOPROXY=off GOSUMDB=off GOENV=off GO111MODULE=on GOTELEMETRY=off CGO_ENABLED=0
# Other engineers' targets whose JSON ($(BUILD)/bench-<x>.json) is folded in;
# each is run only when its fragment defines it.  <x>:<folder>
BENCH_PARTS := trace:tracer analyzer:analyzer viewer:viewer explore:patterns race:bench

export BENCH_RUNS BENCH_TRACE_RUNS BENCH_WORKLOADS BENCH_NO_TRACE BENCH_TIMEOUT
export RACE_BENCH_RUNS RACE_BENCH_WORKLOADS RACE_BENCH_OPS

# Objects through the top Makefile's rule (bench.h is found beside them).
$(BENCH_C_BIN): $(BENCH_C_SRC:%.c=$(BUILD)/obj/%.o) $(LIB)
	$(call link,$(CC) $(ALL_CFLAGS),$(LDLIBS_CLI))

.PHONY: bench bench-go bench-parts
bench: $(BENCH_C_BIN) bench-go
	@$(MAKE) --no-print-directory BUILD=$(BUILD) bench-parts
	@$(CC) --version 2>/dev/null | head -n 1 > $(BENCH_DIR)/cc-version
	@bash bench/run.sh $(BUILD)

# Build bench-go when Go is (or can be made) available; else remove it so
# that run.sh reports n/a rather than an old binary's figures.
bench-go:
	@mkdir -p $(BENCH_DIR)
	@if ! command -v go >/dev/null 2>&1; then \
	    if [ "$$(id -u)" = 0 ] || sudo -n true 2>/dev/null; then \
	        echo "bench: go not found; installing golang-go" >&2; \
	        scripts/install-deps golang-go >&2 || echo "bench: could not install golang-go" >&2; \
	    else echo "bench: go not found and not root: the Go column will say n/a" >&2; fi; \
	fi
	@rm -f $(BENCH_GO_BIN) $(BENCH_DIR)/go-version
	@if command -v go >/dev/null 2>&1; then \
	    if (cd bench/go && env $(BENCH_GO_ENV) go build -trimpath -o $(abspath $(BENCH_GO_BIN)) .); then \
	        go version | awk '{print $$3}' > $(BENCH_DIR)/go-version; \
	    else rm -f $(BENCH_GO_BIN); echo "bench: the Go build failed: the Go column will say n/a" >&2; fi; \
	fi

# bench-trace (tracer/build.mk), bench-analyzer, bench-viewer: run those that
# exist; a stale JSON from an earlier run is removed first, a failing target
# is reported and leaves its rows out.
bench-parts:
	@for part in $(BENCH_PARTS); do x=$${part%%:*}; dir=$${part#*:}; \
	    rm -f $(BUILD)/bench-$$x.json; \
	    if grep -qs "^bench-$$x[[:space:]]*:" $$dir/build.mk; then \
	        echo "bench: make bench-$$x" >&2; \
	        $(MAKE) --no-print-directory BUILD=$(BUILD) bench-$$x || \
	            echo "bench: bench-$$x failed; its figures are left out" >&2; \
	    fi; \
	done

# bench-race (folded into make bench): the race build's cost, docs/races.md.
# Each catalog race variant built plain (the normal library, no detector)
# beside its race build ($(BUILD)/patterns/...), and bench-c's shared-memory
# workloads (mutex, pool, spsc) built plain and with the race build; time
# and peak RSS of each pair, into $(BUILD)/bench-race.json (bench/race.sh).
# Goals (issue 14): race build <= 10x the time, <= 4x the memory.
BENCH_RACE_PLAIN := $(RACE_PATTERN_SRC:patterns/%.c=$(BENCH_DIR)/race-plain/%)
$(BENCH_DIR)/race-plain/%: patterns/%.c $(LIB)
	$(call link,$(CC) $(ALL_CFLAGS) -Ipatterns/common,$(LDLIBS_LIB))
$(BENCH_DIR)/race-measure: bench/race_measure.c
	$(call link,$(CC) $(CSTD) $(WARN) -O2,)
.SECONDARY: $(BENCH_C_SRC:bench/c/%.c=$(BENCH_DIR)/race-obj/%.o)
$(BENCH_DIR)/race-obj/%.o: bench/c/%.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(RACE_BUILD_CC) $(RACE_BUILD_CFLAGS) -Ibench/c $(DEPFLAGS) -c $< -o $@
	$(RACE_OBJCOPY) $@
$(BENCH_DIR)/bench-c-race: $(BENCH_C_SRC:bench/c/%.c=$(BENCH_DIR)/race-obj/%.o) $(RACE_LIB)
	@mkdir -p $(@D)
	$(RACE_BUILD_CC) -o $@ $(filter %.o,$^) $(RACE_LIB) $(RACE_BUILD_LIBS)

.PHONY: bench-race
bench-race: $(BENCH_RACE_PLAIN) $(RACE_PATTERN_BIN) $(BENCH_DIR)/race-measure $(BENCH_C_BIN) \
            $(BENCH_DIR)/bench-c-race
	bash bench/race.sh $(BUILD) $(BUILD)/bench-race.json $(RACE_PATTERN_SRC)
