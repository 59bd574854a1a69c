/*
 * pool — the classic worker pool: a feeder sends n jobs on `jobs` (capacity
 * 100) and closes it; 4 workers range over jobs and send job*2 on `results`
 * (capacity 100); a closer waits for the workers and closes results; main
 * ranges over results and checks the sum.  One op = one job, end to end.
 * This is also the workload run with tracing on and off.
 */
#include "bench.h"

enum { POOL_WORKERS = 4, POOL_CAP = 100 };

struct pool {
    chan_t *jobs, *results;
    int64_t n;
    waitgroup_t workers;
};

static void feeder(void *arg) {
    struct pool *p = arg;
    for (int64_t j = 1; j <= p->n; j++) chan_send(p->jobs, &j);
    chan_close(p->jobs);
}

static void worker(void *arg) {
    struct pool *p = arg;
    int64_t j;
    while (chan_recv(p->jobs, &j)) {
        int64_t r = j * 2;
        chan_send(p->results, &r);
    }
    wg_done(&p->workers);
}

static void closer(void *arg) {
    struct pool *p = arg;
    wg_wait(&p->workers);
    chan_close(p->results);
}

void wl_pool(int64_t n) {
    struct pool *p = bench_alloc(sizeof *p);
    p->jobs = chan_make(int64_t, POOL_CAP);
    p->results = chan_make(int64_t, POOL_CAP);
    p->n = n;
    wg_add(&p->workers, POOL_WORKERS);
    for (int i = 0; i < POOL_WORKERS; i++) go(worker, p);
    go(feeder, p);
    go(closer, p);
    int64_t r, sum = 0, count = 0;
    while (chan_recv(p->results, &r)) {
        sum += r;
        count++;
    }
    BENCH_CHECK(count == n && sum == n * (n + 1), "pool: %lld results, sum %lld",
                (long long)count, (long long)sum);
}
