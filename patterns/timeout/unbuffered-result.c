/*
 * timeout/unbuffered-result.c — MISUSE: the timeout helper's result channel
 * is unbuffered.  When the timeout wins, nobody will ever receive from it:
 * the abandoned call finishes and then waits forever to deliver its result.
 * In a server that goroutine leaks once per timed-out request; here main's
 * final drain waits for it: "fatal error: all goroutines are asleep -
 * deadlock!".
 *
 * Go (main.c's WithTimeout, with one change):
 *       ch := make(chan result)                  // BUG: unbuffered
 *
 * On every run: the slow lookup takes 100 ms against a 20 ms timeout — a
 * margin wide enough that the deadline fires first even when a loaded
 * machine delays the timer by tens of milliseconds.
 * Fix: make(chan result, 1), so the late send always completes.
 */
#include <stdio.h>
#include <stdlib.h>

#include "chanscope.h"
#include "params.h"

typedef err_t (*call_fn)(ctx_t *ctx, void *arg, int64_t *v);

typedef struct {
    int64_t v;
    err_t err;
} result_t;

static waitgroup_t inflight = WAITGROUP_INIT; /* calls we may have stopped waiting for */

typedef struct {
    ctx_t *ctx;
    call_fn fn;
    void *arg;
    chan_t *ch;
} call_args;

static void call(void *arg) {
    call_args *c = arg;
    result_t r = {0, NULL};
    r.err = c->fn(c->ctx, c->arg, &r.v);
    chan_send(c->ch, &r);
    wg_done(&inflight);
}

static err_t with_timeout(ctx_t *parent, duration_t d, call_fn fn, void *arg, int64_t *v) {
    cancel_func cancel;
    ctx_t *ctx = ctx_with_timeout(parent, d, &cancel);
    call_args *c = malloc(sizeof *c);
    *c = (call_args){ctx, fn, arg, chan_make_named("result", result_t, 0)}; /* BUG: unbuffered */
    wg_add(&inflight, 1);
    go(call, c);
    result_t r;
    err_t err;
    switch (chan_select(select_recv(c->ch, &r, NULL), select_recv(ctx_done(ctx), NULL, NULL))) {
    case 0:
        *v = r.v;
        err = r.err;
        break;
    default:
        *v = 0;
        err = ctx_err(ctx);
    }
    ctx_cancel(cancel); /* Go: defer cancel() */
    return err;
}

/* lookup: a legacy call that ignores its context */
static err_t lookup(ctx_t *ctx, void *arg, int64_t *v) {
    (void)ctx;
    time_sleep(*(duration_t *)arg);
    *v = 42;
    return NULL;
}

int main(int argc, char **argv) {
    int timeout_ms = param_int(argc, argv, "timeout-ms", 20);
    params_end(argc, argv);

    int64_t v;
    duration_t fast = 5 * MILLISECOND, slow = 100 * MILLISECOND;
    err_t err = with_timeout(ctx_background(), timeout_ms * MILLISECOND, lookup, &fast, &v);
    printf("fast lookup: %lld %s\n", (long long)v, err_msg(err));
    err = with_timeout(ctx_background(), timeout_ms * MILLISECOND, lookup, &slow, &v);
    printf("slow lookup: %lld %s\n", (long long)v, err_msg(err));
    wg_wait(&inflight); /* drain before exit */
    return 0;
}
