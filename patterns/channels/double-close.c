/*
 * channels/double-close.c — MISUSE: two goroutines each think they own the
 * close.  The second close panics: "panic: close of closed channel".
 *
 * Go:
 *   func main() {
 *       done := make(chan struct{})
 *       var wg sync.WaitGroup
 *       for id := 1; id <= 2; id++ {
 *           wg.Add(1)
 *           go func(id int) {
 *               defer wg.Done()
 *               fmt.Println("worker", id, "finished, closing done")
 *               close(done)               // BUG: both workers close
 *           }(id)
 *       }
 *       <-done
 *       wg.Wait()
 *   }
 *
 * On every run: whichever worker comes second closes a closed channel (in
 * every schedule `chanscope explore` tries; which one varies).
 * Fix: close in exactly one place — after wg.Wait(), or guarded by sync.Once.
 */
#include <stdio.h>

#include "chanscope.h"
#include "params.h"

typedef struct {
    int id;
    chan_t *done;
    waitgroup_t *wg;
} worker_args;

static void worker(void *arg) {
    worker_args *a = arg;
    printf("worker %d finished, closing done\n", a->id);
    fflush(stdout);
    chan_close(a->done); /* BUG: both workers close */
    wg_done(a->wg);
}

int main(int argc, char **argv) {
    params_end(argc, argv);
    chan_t *done = chan_make_named("done", char, 0);
    waitgroup_t wg = WAITGROUP_INIT;
    worker_args args[2];
    for (int id = 1; id <= 2; id++) {
        args[id - 1] = (worker_args){id, done, &wg};
        wg_add(&wg, 1);
        go(worker, &args[id - 1]);
    }
    chan_recv(done, NULL);
    wg_wait(&wg);
    printf("not reached\n");
    return 0;
}
