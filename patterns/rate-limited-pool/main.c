/*
 * rate-limited-pool/main.c — a worker pool whose workers share one ticker:
 * each job waits for a tick, so the pool as a whole runs at most one job per
 * tick however many workers it has.  The ticker is stopped only after the
 * last worker has finished with it.
 *
 * Go:
 *   func RateLimitedPool(ctx context.Context, jobs <-chan int, workers int,
 *                        every time.Duration) <-chan int {
 *       results := make(chan int, workers)
 *       limiter := time.NewTicker(every)
 *       var wg sync.WaitGroup
 *       for i := 0; i < workers; i++ {
 *           wg.Add(1)
 *           go func() {
 *               defer wg.Done()
 *               for job := range jobs {
 *                   select {
 *                   case <-limiter.C:              // wait for our turn
 *                   case <-ctx.Done():
 *                       return
 *                   }
 *                   results <- job * 10
 *               }
 *           }()
 *       }
 *       go func() {
 *           wg.Wait()
 *           limiter.Stop()                         // nobody can wait on it any more
 *           close(results)
 *       }()
 *       return results
 *   }
 *   func main() {
 *       jobs := make(chan int)
 *       go func() { defer close(jobs); for j := 1; j <= 8; j++ { jobs <- j } }()
 *       start := time.Now()
 *       for r := range RateLimitedPool(context.Background(), jobs, 3, 5*time.Millisecond) {
 *           fmt.Println("result", r)
 *       }
 *       fmt.Println("8 jobs, one per tick, took >= 40ms:", time.Since(start) >= 40*time.Millisecond)
 *   }
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
    time_ticker_stop(p->limiter); /* nobody can wait on it any more */
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
