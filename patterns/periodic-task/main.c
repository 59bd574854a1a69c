/*
 * periodic-task — run a function now and then on every tick, until the
 * context is done or the function fails.
 *
 * The Go program this one follows:
 *
 *   func runPeriodic(ctx context.Context, interval time.Duration,
 *       fn func(ctx context.Context, n int) error) error {
 *       ticker := time.NewTicker(interval)
 *       defer ticker.Stop()
 *       if err := fn(ctx, 0); err != nil {   // once at start
 *           return err
 *       }
 *       for n := 1; ; n++ {
 *           select {
 *           case <-ticker.C:
 *               if err := fn(ctx, n); err != nil {
 *                   return err
 *               }
 *           case <-ctx.Done():
 *               return ctx.Err()
 *           }
 *       }
 *   }
 *
 *   func main() {
 *       ctx, cancel := context.WithTimeout(context.Background(), 115*time.Millisecond)
 *       defer cancel()
 *       var wg sync.WaitGroup
 *       wg.Add(2)
 *       go func() {     // health check every 20 ms, until the deadline
 *           defer wg.Done()
 *           healthErr = runPeriodic(ctx, 20*time.Millisecond, healthCheck)
 *       }()
 *       go func() {     // cache refresh every 30 ms; its third run fails
 *           defer wg.Done()
 *           refreshErr = runPeriodic(ctx, 30*time.Millisecond, refresh)
 *       }()
 *       wg.Wait()
 *       fmt.Println(healthErr, refreshErr)
 *   }
 *
 * What it shows: the ticker drives the loop and the context ends it; select
 * waits for whichever comes first.  A failing run ends the loop with its
 * error, the deadline ends it with context.DeadlineExceeded, and in both cases
 * the deferred Stop releases the ticker and the goroutine returns: nothing is
 * left running when main exits.
 */
#include <stdio.h>

#include "chanscope.h"
#include "params.h"

typedef err_t (*task_fn)(ctx_t *ctx, int n);

typedef struct {
    const char *name;
    ctx_t *ctx;
    duration_t interval;
    task_fn fn;
    int runs;
    err_t err;
} periodic_t;

static waitgroup_t wg;

static err_t run_periodic(ctx_t *ctx, duration_t interval, task_fn fn, int *runs) {
    time_ticker *ticker = time_new_ticker(interval);
    err_t err = fn(ctx, 0); /* once at start */
    *runs = 1;
    for (int n = 1; err == NULL; n++) {
        int64_t tick;
        switch (chan_select(select_recv(ticker->C, &tick, NULL),
                            select_recv(ctx_done(ctx), NULL, NULL))) {
        case 0:
            err = fn(ctx, n);
            *runs = n + 1;
            break;
        case 1:
            err = ctx_err(ctx);
            break;
        }
    }
    time_ticker_stop(ticker); /* defer ticker.Stop() */
    return err;
}

static err_t health_check(ctx_t *ctx, int n) {
    (void)ctx;
    trace_log("health check %d: ok", n);
    time_sleep(1 * MILLISECOND);
    return NULL;
}

static err_t refresh(ctx_t *ctx, int n) {
    (void)ctx;
    time_sleep(2 * MILLISECOND);
    if (n == 2) return errorf("refresh %d: upstream returned 503", n);
    trace_log("refresh %d: ok", n);
    return NULL;
}

static void task(void *arg) {
    periodic_t *p = arg;
    p->err = run_periodic(p->ctx, p->interval, p->fn, &p->runs);
    wg_done(&wg);
}

int main(int argc, char **argv) {
    int deadline_ms = param_int(argc, argv, "deadline-ms", 115);
    params_end(argc, argv);

    cancel_func cancel;
    ctx_t *ctx = ctx_with_timeout(ctx_background(), deadline_ms * MILLISECOND, &cancel);
    periodic_t tasks[2] = {
        {"health", ctx, 20 * MILLISECOND, health_check, 0, NULL},
        {"refresh", ctx, 30 * MILLISECOND, refresh, 0, NULL},
    };
    wg_add(&wg, 2);
    go_named("health", task, &tasks[0]);
    go_named("refresh", task, &tasks[1]);
    wg_wait(&wg);
    ctx_cancel(cancel); /* defer cancel() */

    /* Read after Wait: every write by the tasks happens before it returned. */
    for (int i = 0; i < 2; i++)
        printf("%-7s every %2lld ms: %d runs, stopped by: %s\n", tasks[i].name,
               (long long)(tasks[i].interval / MILLISECOND), tasks[i].runs,
               err_msg(tasks[i].err));
    return 0;
}
