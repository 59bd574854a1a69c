/*
 * goroutines-and-context/main.c — start goroutines, and give every one of
 * them a way to stop: a loop that checks ctx.Done() between units of work.
 *
 * Go:
 *   func worker(ctx context.Context, id int, wg *sync.WaitGroup, rounds *[4]int) {
 *       defer wg.Done()
 *       for {
 *           select {
 *           case <-ctx.Done():
 *               return                      // exit when cancelled
 *           default:
 *               time.Sleep(5 * time.Millisecond)   // one unit of work
 *               rounds[id]++
 *           }
 *       }
 *   }
 *   func main() {
 *       ctx, cancel := context.WithCancel(context.Background())
 *       var wg sync.WaitGroup
 *       var rounds [4]int
 *       for id := 1; id <= 3; id++ {
 *           wg.Add(1)
 *           go worker(ctx, id, &wg, &rounds)
 *       }
 *       time.Sleep(30 * time.Millisecond)
 *       cancel()                            // every worker sees Done and returns
 *       wg.Wait()                           // ... and we wait until they have
 *       fmt.Println("all workers stopped:", ctx.Err())
 *   }
 */
#include <stdio.h>

#include "chanscope.h"
#include "params.h"

typedef struct {
    ctx_t *ctx;
    int id;
    waitgroup_t *wg;
    int rounds; /* written by this worker only; main reads it after wg.Wait */
} worker_args;

static void worker(void *arg) {
    worker_args *a = arg;
    for (;;) {
        switch (chan_select(select_recv(ctx_done(a->ctx), NULL, NULL), select_default())) {
        case 0:
            trace_log("worker %d: cancelled after %d rounds", a->id, a->rounds);
            wg_done(a->wg);
            return;
        default:
            time_sleep(5 * MILLISECOND); /* one unit of work */
            SHARED_WRITE(a->rounds);
            a->rounds++;
        }
    }
}

int main(int argc, char **argv) {
    int workers = param_int(argc, argv, "workers", 3);
    int run_ms = param_int(argc, argv, "run-ms", 30);
    params_end(argc, argv);

    cancel_func cancel;
    ctx_t *ctx = ctx_with_cancel(ctx_background(), &cancel);
    waitgroup_t wg = WAITGROUP_INIT;
    worker_args args[workers > 0 ? workers : 1];
    for (int i = 0; i < workers; i++) {
        args[i] = (worker_args){ctx, i + 1, &wg, 0};
        wg_add(&wg, 1);
        go(worker, &args[i]);
    }
    time_sleep(run_ms * MILLISECOND);
    ctx_cancel(cancel);
    wg_wait(&wg);
    int total = 0;
    for (int i = 0; i < workers; i++) {
        SHARED_READ(args[i].rounds);
        total += args[i].rounds > 0;
    }
    printf("%d workers ran, %d did some work, all stopped: %s\n", workers, total,
           err_msg(ctx_err(ctx)));
    return 0;
}
