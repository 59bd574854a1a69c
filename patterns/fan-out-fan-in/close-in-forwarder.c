/*
 * fan-out-fan-in/close-in-forwarder.c — MISUSE: in the fan-in, every
 * forwarder closes the merged channel when its own input is done, instead
 * of one closer after wg.Wait().  The first close ends main's range early;
 * every other forwarder then sends on, or closes, a closed channel:
 * "panic: send on closed channel" / "close of closed channel".
 *
 * Go (main.c's merge, written like this):
 *   func merge(ctx context.Context, outs ...<-chan Result) <-chan Result {
 *       merged := make(chan Result)
 *       for _, c := range outs {
 *           go func(c <-chan Result) {
 *               for r := range c {
 *                   select {
 *                   case merged <- r:
 *                   case <-ctx.Done():
 *                       return
 *                   }
 *               }
 *               close(merged)                    // BUG: every forwarder closes
 *           }(c)
 *       }
 *       return merged
 *   }
 *   // main as in main.c, then the program goes on:
 *   //     time.Sleep(500 * time.Millisecond)
 *
 * On every run: only one close can be first; each other forwarder still has
 * a send or its own close to do, and main stays on for 500 ms — far longer
 * than that remaining work takes, even on a loaded machine — so the panic
 * always comes (and ends the program: the sleep costs nothing).
 *
 * Fix: count the forwarders with a WaitGroup and close once, after Wait (main.c).
 */
#include <stdio.h>
#include <stdlib.h>

#include "chanscope.h"
#include "params.h"

typedef struct {
    int worker, n, square;
} result_t;

typedef struct {
    ctx_t *ctx;
    int id;
    chan_t *in, *out;
} worker_args;

static void worker_run(void *arg) {
    worker_args *w = arg;
    int n;
    while (chan_recv(w->in, &n)) {
        time_sleep(MILLISECOND); /* the work */
        result_t r = {w->id, n, n * n};
        if (chan_select(select_send(w->out, &r), select_recv(ctx_done(w->ctx), NULL, NULL)) == 1)
            break;
    }
    chan_close(w->out);
}

static chan_t *worker(ctx_t *ctx, int id, chan_t *in) {
    worker_args *w = malloc(sizeof *w);
    *w = (worker_args){ctx, id, in, chan_make_named("out", result_t, 0)};
    go(worker_run, w);
    return w->out;
}

typedef struct {
    ctx_t *ctx;
    chan_t *c, *merged;
} forward_args;

static void forward(void *arg) {
    forward_args *f = arg;
    result_t r;
    while (chan_recv(f->c, &r))
        if (chan_select(select_send(f->merged, &r), select_recv(ctx_done(f->ctx), NULL, NULL)) == 1)
            return;
    chan_close(f->merged); /* BUG: every forwarder closes */
}

static chan_t *merge(ctx_t *ctx, chan_t **outs, int n) {
    chan_t *merged = chan_make_named("merged", result_t, 0);
    for (int i = 0; i < n; i++) {
        forward_args *f = malloc(sizeof *f);
        *f = (forward_args){ctx, outs[i], merged};
        go(forward, f);
    }
    return merged;
}

typedef struct {
    chan_t *in;
    int n;
} source_args;

static void source(void *arg) {
    source_args *s = arg;
    for (int n = 1; n <= s->n; n++) chan_send(s->in, &n);
    chan_close(s->in);
}

int main(int argc, char **argv) {
    int workers = param_int(argc, argv, "workers", 3);
    int items = param_int(argc, argv, "items", 12);
    params_end(argc, argv);

    cancel_func cancel;
    ctx_t *ctx = ctx_with_cancel(ctx_background(), &cancel);
    chan_t *in = chan_make_named("in", int, 0);
    source_args sa = {in, items};
    go(source, &sa);
    chan_t *outs[workers > 0 ? workers : 1];
    for (int i = 0; i < workers; i++) outs[i] = worker(ctx, i + 1, in); /* fan out */
    long sum = 0;
    int count = 0;
    result_t r;
    chan_t *merged = merge(ctx, outs, workers); /* fan in */
    while (chan_recv(merged, &r)) {
        sum += r.square;
        count++;
    }
    printf("%d results, sum of squares %ld\n", count, sum);
    fflush(stdout);
    /* Forced: the program goes on long enough for the other forwarders to
     * panic, even on a busy machine (the panic ends it). */
    time_sleep(500 * MILLISECOND);
    ctx_cancel(cancel);
    return 0;
}
