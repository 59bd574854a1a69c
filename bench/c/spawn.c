/*
 * spawn — start goroutines in batches of 100 and join each batch with a
 * WaitGroup (the fan-out shape of most patterns).  One op = one goroutine
 * started, run (it only calls wg_done) and joined.
 */
#include "bench.h"

enum { SPAWN_BATCH = 100 };

static void child(void *arg) {
    waitgroup_t *wg = arg;
    wg_done(wg);
}

void wl_spawn(int64_t n) {
    waitgroup_t *wg = bench_alloc(sizeof *wg);
    for (int64_t done = 0; done < n;) {
        int64_t batch = n - done < SPAWN_BATCH ? n - done : SPAWN_BATCH;
        wg_add(wg, batch);
        for (int64_t i = 0; i < batch; i++) go(child, wg);
        wg_wait(wg);
        done += batch;
    }
}
