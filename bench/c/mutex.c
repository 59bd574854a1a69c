/*
 * mutex — 4 goroutines each lock a shared mutex, increment a counter and
 * unlock, n/4 times.  One op = one lock/unlock pair under contention.
 */
#include "bench.h"

enum { MUTEX_G = 4 };

struct mutex_bench {
    mutex_t mu;
    int64_t counter; /* guarded by mu */
    int64_t per_g;
    waitgroup_t wg;
};

static void incrementer(void *arg) {
    struct mutex_bench *b = arg;
    for (int64_t i = 0; i < b->per_g; i++) {
        mutex_lock(&b->mu);
        b->counter++;
        mutex_unlock(&b->mu);
    }
    wg_done(&b->wg);
}

void wl_mutex(int64_t n) {
    struct mutex_bench *b = bench_alloc(sizeof *b);
    b->per_g = n / MUTEX_G;
    wg_add(&b->wg, MUTEX_G);
    for (int i = 0; i < MUTEX_G; i++) go(incrementer, b);
    wg_wait(&b->wg);
    mutex_lock(&b->mu);
    int64_t c = b->counter;
    mutex_unlock(&b->mu);
    BENCH_CHECK(c == MUTEX_G * b->per_g, "mutex: counter %lld, want %lld", (long long)c,
                (long long)(MUTEX_G * b->per_g));
}
