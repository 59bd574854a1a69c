/*
 * bounded-parallelism/main.c — at most N items in flight, two ways:
 * errgroup.SetLimit, and a buffered channel used as a semaphore.  Both stop
 * starting new items once one has failed (the group's context is cancelled).
 *
 * Go:
 *   func handle(item int) error {            // work that cannot be interrupted
 *       if item == 1 {
 *           time.Sleep(2 * time.Millisecond)
 *           return fmt.Errorf("item %d: corrupt", item)
 *       }
 *       time.Sleep(20 * time.Millisecond)
 *       return nil
 *   }
 *
 *   func withLimit(ctx context.Context, items []int) error {
 *       g, ctx := errgroup.WithContext(ctx)
 *       g.SetLimit(3)                        // g.Go blocks while 3 are running
 *       for _, it := range items {
 *           if ctx.Err() != nil {
 *               break                        // something failed: start nothing more
 *           }
 *           g.Go(func() error { return handle(it) })
 *       }
 *       return g.Wait()
 *   }
 *
 *   func withSemaphore(ctx context.Context, items []int) error {
 *       sem := make(chan struct{}, 3)
 *       g, ctx := errgroup.WithContext(ctx)
 *   loop:
 *       for _, it := range items {
 *           select {
 *           case sem <- struct{}{}:          // acquire a slot
 *           case <-ctx.Done():
 *               break loop                   // the label matters: leave the for
 *           }
 *           g.Go(func() error {
 *               defer func() { <-sem }()     // release the slot we hold
 *               return handle(it)
 *           })
 *       }
 *       return g.Wait()
 *   }
 *
 *   func main() {
 *       items := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
 *       fmt.Println("withLimit:", withLimit(context.Background(), items))
 *       fmt.Println("withSemaphore:", withSemaphore(context.Background(), items))
 *   }
 */
#include <stdio.h>

#include "chanscope.h"
#include "params.h"

static atomic_i64 in_flight = ATOMIC_I64_INIT, max_in_flight = ATOMIC_I64_INIT;

/* handle: work that cannot be interrupted once started; item 1 fails fast. */
static err_t handle(int item) {
    int64_t now = atomic_i64_add(&in_flight, 1);
    for (int64_t m = atomic_i64_load(&max_in_flight); now > m; m = atomic_i64_load(&max_in_flight))
        if (atomic_i64_cas(&max_in_flight, m, now)) break;
    err_t err = NULL;
    if (item == 1) {
        time_sleep(2 * MILLISECOND);
        err = errorf("item %d: corrupt", item);
    } else {
        time_sleep(20 * MILLISECOND);
    }
    atomic_i64_add(&in_flight, -1);
    return err;
}

typedef struct {
    int item;
    chan_t *sem; /* withSemaphore only */
} task_t;

static err_t limited_task(void *arg) { return handle(((task_t *)arg)->item); }

static err_t with_limit(ctx_t *parent, int nitems, int limit) {
    ctx_t *ctx;
    errgroup_t *g = errgroup_with_context(parent, &ctx);
    errgroup_set_limit(g, limit); /* errgroup_go blocks while `limit` are running */
    task_t tasks[nitems > 0 ? nitems : 1];
    for (int i = 0; i < nitems; i++) {
        if (ctx_err(ctx)) break; /* something failed: start nothing more */
        tasks[i] = (task_t){i, NULL};
        errgroup_go(g, limited_task, &tasks[i]);
    }
    return errgroup_wait(g);
}

static err_t sem_task(void *arg) {
    task_t *t = arg;
    err_t err = handle(t->item);
    chan_recv(t->sem, NULL); /* release the slot we hold (Go: deferred) */
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
        case 0: /* acquired a slot */
            break;
        case 1:
            goto done; /* Go's `break loop`: leave the for, not just the select */
        }
        tasks[i] = (task_t){i, sem};
        errgroup_go(g, sem_task, &tasks[i]);
    }
done:
    return errgroup_wait(g);
}

int main(int argc, char **argv) {
    int nitems = param_int(argc, argv, "items", 10);
    int limit = param_int(argc, argv, "limit", 3);
    params_end(argc, argv);

    err_t err = with_limit(ctx_background(), nitems, limit);
    printf("withLimit: %s (at most %d in flight: %s)\n", err_msg(err), limit,
           atomic_i64_load(&max_in_flight) <= limit ? "true" : "false");
    atomic_i64_store(&max_in_flight, 0);
    err = with_semaphore(ctx_background(), nitems, limit);
    printf("withSemaphore: %s (at most %d in flight: %s)\n", err_msg(err), limit,
           atomic_i64_load(&max_in_flight) <= limit ? "true" : "false");
    return 0;
}
