/*
 * goroutines-and-context/ignores-done.c — MISUSE: goroutines with no way to
 * stop.  The workers are handed a context but never look at it, so cancel()
 * reaches nobody: they are still running when main returns (a leak).
 *
 * Go:
 *   func worker(ctx context.Context, id int) {
 *       for {                                      // BUG: never selects on ctx.Done()
 *           time.Sleep(5 * time.Millisecond)       // one unit of work
 *       }
 *   }
 *   func main() {
 *       ctx, cancel := context.WithCancel(context.Background())
 *       for id := 1; id <= 3; id++ {
 *           go worker(ctx, id)
 *       }
 *       time.Sleep(30 * time.Millisecond)
 *       cancel()                                   // nobody is listening
 *       // (a wg.Wait() here would hang forever)
 *       fmt.Println("cancelled; workers still running:", runtime.NumGoroutine()-1)
 *   }
 *
 * On every run: the workers loop forever, so they are alive at exit.
 * Fix: select { case <-ctx.Done(): return; default: } at the top of the loop
 * (main.c), and wait for the workers with a sync.WaitGroup.
 */
#include <stdio.h>

#include "chanscope.h"
#include "params.h"

typedef struct {
    ctx_t *ctx;
    int id;
} worker_args;

static void worker(void *arg) {
    worker_args *a = arg;
    (void)a->ctx; /* BUG: handed a context, never looks at it */
    for (;;) time_sleep(5 * MILLISECOND); /* one unit of work */
}

int main(int argc, char **argv) {
    int workers = param_int(argc, argv, "workers", 3);
    int run_ms = param_int(argc, argv, "run-ms", 30);
    params_end(argc, argv);

    cancel_func cancel;
    ctx_t *ctx = ctx_with_cancel(ctx_background(), &cancel);
    worker_args args[workers > 0 ? workers : 1];
    for (int i = 0; i < workers; i++) {
        args[i] = (worker_args){ctx, i + 1};
        go(worker, &args[i]);
    }
    time_sleep(run_ms * MILLISECOND);
    ctx_cancel(cancel); /* nobody is listening */
    printf("cancelled; workers still running: %d\n", goroutine_count() - 1);
    return 0;
}
