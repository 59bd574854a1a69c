/*
 * parked — start n goroutines that each park on one channel receive (a
 * server's idle connections, a pool's idle workers).  One op = one goroutine
 * started and parked; the time is from the first go() until the last one
 * has checked in (each calls wg_done just before it parks), and the process's
 * peak RSS (main.c prints it for every workload) is what n parked goroutines
 * cost in memory.  Then the gate is closed and every goroutine returns
 * (untimed).  Runs with no warm-up (run.sh: BENCH_WARMUP=0), so the peak RSS
 * is that of n goroutines.  On a 1:1 runtime every goroutine is a thread,
 * and the kernel's thread limits end the run with the runtime's "cannot
 * create goroutine thread" fatal error: run.sh shows that as the row's
 * failure.
 */
#include <time.h>

#include "bench.h"

struct parked {
    chan_t *gate; /* closed to release everyone */
    waitgroup_t started, done;
};

static void parked_goroutine(void *arg) {
    struct parked *p = arg;
    wg_done(&p->started);
    chan_recv(p->gate, NULL); /* parks until the gate closes */
    wg_done(&p->done);
}

void wl_parked(int64_t n) {
    struct parked *p = bench_alloc(sizeof *p);
    p->gate = chan_make(char, 0);
    wg_add(&p->started, n);
    wg_add(&p->done, n);
    int64_t t0 = time_now();
    for (int64_t i = 0; i < n; i++) go(parked_goroutine, p);
    wg_wait(&p->started);
    bench_elapsed_ns = time_since(t0);
    BENCH_CHECK(chan_len(p->gate) == 0, "parked: the gate has values");
    chan_close(p->gate);
    wg_wait(&p->done);
}
