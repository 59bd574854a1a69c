/*
 * periodic-task / ignores-ctx — MISUSE: the periodic loop ranges over the
 * ticker and never looks at the context.
 *
 * The Go program this one follows:
 *
 *   func runPeriodic(ctx context.Context, interval time.Duration, fn func(int)) {
 *       ticker := time.NewTicker(interval)
 *       n := 0
 *       for range ticker.C {          // BUG: no way out; ctx is never read
 *           fn(n)
 *           n++
 *       }
 *   }
 *
 *   func main() {
 *       ctx, cancel := context.WithCancel(context.Background())
 *       go runPeriodic(ctx, 10*time.Millisecond, healthCheck)
 *       time.Sleep(55 * time.Millisecond)
 *       cancel()                      // believed to stop the task
 *       fmt.Println("shut down")
 *   }
 *
 * What goes wrong: cancel() closes ctx.Done(), but nobody is listening.
 * A ticker channel is never closed (Stop does not close it either), so
 * `for range ticker.C` has no end: the goroutine is still alive when main
 * returns, waiting for its next tick.  In a long-running program each call of
 * runPeriodic adds one more goroutine and one more ticker that never stop.
 * The analyzer reports the goroutine as leaked (wakeable: its ticker still
 * fires).
 *
 * It fails on every run: the loop has no exit at all.
 * The fix is main.c: select on ticker.C and ctx.Done(), and defer Stop.
 */
#include <stdio.h>

#include "chanscope.h"
#include "params.h"

typedef struct {
    ctx_t *ctx;
    duration_t interval;
} periodic_args;

static void health_check(int n) {
    trace_log("health check %d: ok", n);
}

static void run_periodic(void *arg) {
    periodic_args *p = arg; /* p->ctx is never read: the bug */
    time_ticker *ticker = time_new_ticker(p->interval);
    int64_t tick;
    int n = 0;
    while (chan_recv(ticker->C, &tick)) { /* BUG: for range ticker.C never ends */
        health_check(n);
        n++;
    }
}

int main(int argc, char **argv) {
    params_end(argc, argv);

    cancel_func cancel;
    ctx_t *ctx = ctx_with_cancel(ctx_background(), &cancel);
    periodic_args args = {ctx, 10 * MILLISECOND};
    go(run_periodic, &args);
    time_sleep(55 * MILLISECOND);
    ctx_cancel(cancel); /* believed to stop the task */
    printf("shut down; goroutines still running: %d\n", goroutine_count() - 1);
    return 0;
}
