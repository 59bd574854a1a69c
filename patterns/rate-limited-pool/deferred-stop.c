/*
 * rate-limited-pool/deferred-stop.c — MISUSE: the ticker is stopped by a
 * deferred Stop when the constructor returns, while the workers it started
 * still wait on it.  Stop does not close limiter.C: the workers wait for a
 * tick that never comes, the feeder waits for them, main waits for results:
 * "fatal error: all goroutines are asleep - deadlock!".  (With a context
 * that is cancelled later, the same pool ends with no work done at all.)
 *
 * Go (main.c's RateLimitedPool, with the Stop moved):
 *   func RateLimitedPool(ctx context.Context, jobs <-chan int, workers int,
 *                        every time.Duration) <-chan int {
 *       results := make(chan int, workers)
 *       limiter := time.NewTicker(every)
 *       defer limiter.Stop()                       // BUG: runs when we return, now
 *       var wg sync.WaitGroup
 *       for i := 0; i < workers; i++ {
 *           wg.Add(1)
 *           go func() { ... <-limiter.C ... }()     // as in main.c
 *       }
 *       go func() { wg.Wait(); close(results) }()
 *       return results                             // the workers have only just started
 *   }
 *
 * On every run: the function returns microseconds after creating the
 * ticker; its first tick would come after 5 ms.
 *
 * Fix: stop the ticker where its last user is known to be gone — after
 * wg.Wait() in the closer goroutine (main.c).
 */
#include <stdio.h>
#include <stdlib.h>

#include "chanscope.h"
#include "params.h"

typedef struct {
    ctx_t *ctx;
    chan_t *jobs, *results;
    time_ticker *limiter;
    waitgroup_t wg;
} pool_t;

static void worker(void *arg) {
    pool_t *p = arg;
    int job;
    while (chan_recv(p->jobs, &job)) {
        switch (chan_select(select_recv(p->limiter->C, NULL, NULL),
                            select_recv(ctx_done(p->ctx), NULL, NULL))) {
        case 0: /* wait for our turn */
            break;
        case 1:
            wg_done(&p->wg);
            return;
        }
        chan_send_v(p->results, int, job * 10);
    }
    wg_done(&p->wg);
}

static void closer(void *arg) {
    pool_t *p = arg;
    wg_wait(&p->wg);
    chan_close(p->results);
}

static chan_t *rate_limited_pool(ctx_t *ctx, chan_t *jobs, int workers, duration_t every) {
    pool_t *p = calloc(1, sizeof *p);
    p->ctx = ctx;
    p->jobs = jobs;
    p->results = chan_make_named("results", int, workers);
    p->limiter = time_new_ticker(every);
    for (int i = 0; i < workers; i++) {
        wg_add(&p->wg, 1);
        go(worker, p);
    }
    go(closer, p);
    time_ticker_stop(p->limiter); /* BUG: the deferred Stop runs as we return */
    return p->results;
}

typedef struct {
    chan_t *jobs;
    int n;
} feeder_args;

static void feeder(void *arg) {
    feeder_args *f = arg;
    for (int j = 1; j <= f->n; j++) chan_send(f->jobs, &j);
    chan_close(f->jobs);
}

int main(int argc, char **argv) {
    int workers = param_int(argc, argv, "workers", 3);
    int njobs = param_int(argc, argv, "jobs", 8);
    int every_ms = param_int(argc, argv, "every-ms", 5);
    params_end(argc, argv);

    chan_t *jobs = chan_make_named("jobs", int, 0);
    feeder_args fa = {jobs, njobs};
    go(feeder, &fa);
    int64_t start = time_now();
    chan_t *results = rate_limited_pool(ctx_background(), jobs, workers, every_ms * MILLISECOND);
    int r, count = 0;
    while (chan_recv(results, &r)) {
        printf("result %d\n", r);
        count++;
    }
    printf("%d jobs, one per tick, took >= %d ms: %s\n", count, njobs * every_ms,
           time_since(start) >= njobs * every_ms * MILLISECOND ? "true" : "false");
    return 0;
}
