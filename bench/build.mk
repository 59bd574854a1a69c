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
BENCH_PARTS := trace:tracer analyzer:analyzer viewer:viewer explore:patterns

export BENCH_RUNS BENCH_TRACE_RUNS BENCH_WORKLOADS BENCH_NO_TRACE BENCH_TIMEOUT

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
