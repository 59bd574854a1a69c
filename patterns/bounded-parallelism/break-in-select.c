/*
 * bounded-parallelism/break-in-select.c — MISUSE: `break` inside a select
 * leaves only the select.  Once the context is cancelled, the loop no longer
 * waits for a slot: it keeps spawning a goroutine for every remaining item,
 * each without a slot — and each one's deferred release then takes a slot it
 * never had.  More releases than acquires: the extra releasers block forever
 * on the empty semaphore, g.Wait() with them: "fatal error: all goroutines
 * are asleep - deadlock!".
 *
 * Go (main.c's withSemaphore, with the label dropped):
 *   for _, it := range items {
 *       select {
 *       case sem <- struct{}{}:
 *       case <-ctx.Done():
 *           break                        // BUG: leaves the select, not the loop
 *       }
 *       g.Go(func() error {
 *           defer func() { <-sem }()
 *           return handle(it)
 *       })
 *   }
 *   return g.Wait()
 *
 * (In C the same bug has the same shape: `break` inside `switch` leaves the
 * switch, not the for.)
 *
 * On every run: item 1 fails after 2 ms while the other slots are held by
 * 20 ms items that cannot be interrupted, so after the cancel the semaphore
 * is full and only the ctx.Done() case can be chosen — the loop falls
 * through to g.Go for every remaining item.
 *
 * Fix: a labelled break (`break loop`, in C a goto) or return (main.c).
 */
#include <stdio.h>

#include "chanscope.h"
#include "params.h"

/* handle: work that cannot be interrupted once started; item 1 fails fast. */
static err_t handle(int item) {
    if (item == 1) {
        time_sleep(2 * MILLISECOND);
        return errorf("item %d: corrupt", item);
    }
    time_sleep(20 * MILLISECOND);
    return NULL;
}

typedef struct {
    int item;
    chan_t *sem;
} task_t;

static err_t sem_task(void *arg) {
    task_t *t = arg;
    err_t err = handle(t->item);
    chan_recv(t->sem, NULL); /* release "the slot we hold" (Go: deferred) */
    return err;
}

static err_t with_semaphore(ctx_t *parent, int nitems, int limit) {
    chan_t *sem = chan_make_named("sem", char, limit);
    ctx_t *ctx;
    errgroup_t *g = errgroup_with_context(parent, &ctx);
    task_t tasks[nitems > 0 ? nitems : 1];
    char token = 0;
    for (int i = 0; i < nitems; i++) {
        switch (chan_select(select_send(sem, &token), select_recv(ctx_done(ctx), NULL, NULL))) {
        case 0:
            break;
        case 1:
            trace_log("cancelled: `break` leaves the select, the loop goes on with item %d", i);
            break; /* BUG: leaves the select (switch), not the loop */
        }
        tasks[i] = (task_t){i, sem};
        errgroup_go(g, sem_task, &tasks[i]);
    }
    return errgroup_wait(g);
}

int main(int argc, char **argv) {
    int nitems = param_int(argc, argv, "items", 10);
    int limit = param_int(argc, argv, "limit", 3);
    params_end(argc, argv);

    err_t err = with_semaphore(ctx_background(), nitems, limit);
    printf("withSemaphore: %s\n", err_msg(err));
    return 0;
}
