/*
 * Exercise 10 — a pipeline stage that ignores cancellation: reference solution.
 *
 * Every stage sends through a select with a ctx_done(ctx) case, so a stage
 * that holds a value nobody will read gives up when the context is
 * cancelled, instead of waiting forever.  (Go: select { case out <- v:
 * case <-ctx.Done(): return })
 */
#include <stdio.h>

#include "chanscope.h"

typedef struct stage {
    ctx_t *ctx;
    chan_t *in, *out;
    waitgroup_t *wg;
} stage;

/* Sends 1, 2, 3, ... until cancelled. */
static void numbers(void *arg) {
    stage *s = arg;
    for (int i = 1;; i++) {
        if (chan_select(select_send(s->out, &i), select_recv(ctx_done(s->ctx), NULL, NULL)) == 1)
            break;
    }
    chan_close(s->out);
    wg_done(s->wg);
}

static void square(void *arg) {
    stage *s = arg;
    int v;
    while (chan_recv(s->in, &v)) {
        int sq = v * v;
        if (chan_select(select_send(s->out, &sq), select_recv(ctx_done(s->ctx), NULL, NULL)) == 1)
            break; /* cancelled: the consumer is gone */
    }
    chan_close(s->out);
    wg_done(s->wg);
}

int main(void) {
    cancel_func cancel;
    ctx_t *ctx = ctx_with_cancel(ctx_background(), &cancel);
    waitgroup_t wg = WAITGROUP_INIT;
    chan_t *nums = chan_make_named("nums", int, 0);
    chan_t *squares = chan_make_named("squares", int, 0);
    stage gen = {ctx, NULL, nums, &wg}, sq = {ctx, nums, squares, &wg};
    wg_add(&wg, 2);
    go(numbers, &gen);
    go(square, &sq);

    for (int i = 0; i < 3; i++) {
        int v;
        chan_recv(squares, &v);
        printf("%d\n", v);
        time_sleep(10 * MILLISECOND); /* show it to the user */
    }
    ctx_cancel(cancel); /* enough: stop the pipeline */
    wg_wait(&wg);
    printf("pipeline stopped\n");
    return 0;
}
