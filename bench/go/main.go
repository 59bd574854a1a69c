// Command bench-go is the Go side of `make bench`: the same workloads as
// bench/c/, written the way a Go programmer would write them.
//
//	bench-go WORKLOAD [OPS]   run it once (after an untimed warm-up of OPS/10)
//	bench-go list             names and default op counts
//
// BENCH_GO_TRACE=FILE: the timed run is recorded by Go's execution tracer.
//
// It prints one machine-readable line, exactly like bench-c:
//
//	BENCH lang=go workload=<name> ops=<n> ns_op=<float> rss_kb=<peak RSS>
//
// Each workload checks its own result and exits 1 on a wrong answer.
package main

import (
	"fmt"
	"os"
	"runtime/trace"
	"strconv"
	"syscall"
	"time"
)

type workload struct {
	name       string
	fn         func(n int64)
	defaultOps int64
}

// Same order and op counts as bench/c/main.c.
var workloads = []workload{
	{"pingpong", pingpong, 200000},
	{"spsc", spsc, 2000000},
	{"mpmc", mpmc, 1000000},
	{"select", selectBench, 1000000},
	{"spawn", spawn, 100000},
	{"pool", pool, 1000000},
	{"mutex", mutexBench, 2000000},
	{"parked", parked, 100000},
}

// A workload that times only part of its run (parked: not the teardown)
// stores that part here; main then reports it instead of the whole call.
var elapsedOverride time.Duration

func check(ok bool, format string, args ...interface{}) {
	if !ok {
		fmt.Fprintf(os.Stderr, "bench-go: check failed: "+format+"\n", args...)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: bench-go WORKLOAD [OPS] | bench-go list")
	os.Exit(2)
}

func main() {
	if len(os.Args) < 2 || len(os.Args) > 3 {
		usage()
	}
	if os.Args[1] == "list" {
		for _, w := range workloads {
			fmt.Printf("%s %d\n", w.name, w.defaultOps)
		}
		return
	}
	var w *workload
	for i := range workloads {
		if workloads[i].name == os.Args[1] {
			w = &workloads[i]
		}
	}
	if w == nil {
		fmt.Fprintf(os.Stderr, "bench-go: unknown workload '%s' (try: bench-go list)\n", os.Args[1])
		os.Exit(2)
	}
	n := w.defaultOps
	if len(os.Args) == 3 {
		v, err := strconv.ParseInt(os.Args[2], 10, 64)
		if err != nil || v < 8 {
			fmt.Fprintf(os.Stderr, "bench-go: OPS must be an integer >= 8, not '%s'\n", os.Args[2])
			os.Exit(2)
		}
		n = v
	}
	// Rounded to a multiple of 8 so that every workload splits it evenly.
	n -= n % 8
	// BENCH_WARMUP=0 skips the warm-up, as in bench-c.
	if warm := n/10 - (n/10)%8; warm >= 8 && os.Getenv("BENCH_WARMUP") != "0" {
		w.fn(warm)
	}
	elapsedOverride = 0
	// BENCH_GO_TRACE=FILE records the timed run with Go's execution tracer
	// (runtime/trace), for bench/run.sh's tracing on/off rows beside ours.
	var traceFile *os.File
	if path := os.Getenv("BENCH_GO_TRACE"); path != "" {
		f, err := os.Create(path)
		check(err == nil, "cannot create %s: %v", path, err)
		check(trace.Start(f) == nil, "cannot start the execution tracer")
		traceFile = f
	}
	t0 := time.Now()
	w.fn(n)
	dt := time.Since(t0)
	if traceFile != nil {
		trace.Stop()
		check(traceFile.Close() == nil, "cannot write the trace")
	}
	if elapsedOverride > 0 {
		dt = elapsedOverride
	}
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	fmt.Printf("BENCH lang=go workload=%s ops=%d ns_op=%.2f rss_kb=%d\n", w.name, n,
		float64(dt.Nanoseconds())/float64(n), ru.Maxrss)
}
