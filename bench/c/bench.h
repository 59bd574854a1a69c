/*
 * bench.h — the C side of `make bench`: one function per workload.
 *
 * Each workload runs `n` operations on the chanscope runtime, checks its own
 * result (a wrong answer exits 1: a broken runtime must not look fast) and
 * returns.  main.c times it and prints one machine-readable line:
 *
 *   BENCH lang=c workload=<name> ops=<n> ns_op=<float> rss_kb=<peak RSS>
 *
 * bench/go/ holds the same workloads in Go, line for line; what "one op"
 * means is stated at each workload and in docs/performance.md.
 */
#ifndef CS_BENCH_H
#define CS_BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "chanscope.h"

void wl_pingpong(int64_t n);
void wl_spsc(int64_t n);
void wl_mpmc(int64_t n);
void wl_select(int64_t n);
void wl_spawn(int64_t n);
void wl_pool(int64_t n);
void wl_mutex(int64_t n);
void wl_parked(int64_t n);
/* The kernel's floor, no runtime and no Go column (os_floor.c). */
void wl_os_handoff(int64_t n);
void wl_os_spawn(int64_t n);
/* The context switch alone, no Go column (switch.c). */
void wl_switch(int64_t n);

/* Per-run state lives on the heap and is never freed: when main moves on, a
 * goroutine may still be inside its last runtime call (wg_done, chan_close)
 * on it, where Go's garbage collector would keep it alive.  A few hundred
 * bytes per run; each run is its own process. */
void *bench_alloc(size_t size);

/* A workload that times only part of its run (parked: not the teardown)
 * stores that part's nanoseconds here; main.c then reports it instead of
 * the whole call. */
extern int64_t bench_elapsed_ns;

/* A workload found a wrong result: say what, exit 1. */
#define BENCH_CHECK(cond, ...)                                                 \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "bench-c: check failed: " __VA_ARGS__);           \
            fputc('\n', stderr);                                               \
            exit(1);                                                           \
        }                                                                      \
    } while (0)

#endif
