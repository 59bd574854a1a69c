/*
 * timeout/main.c — give a call a deadline: run it in a goroutine, wait in a
 * select for its result or for the context's timeout.  The result channel
 * is buffered, so a call that finishes after we stopped waiting can still
 * deliver and end; before exiting, main drains the calls still in flight.
 *
 * Go:
 *   var inflight sync.WaitGroup                  // calls we may have stopped waiting for
 *
 *   func WithTimeout[T any](ctx context.Context, d time.Duration,
 *                           fn func(context.Context) (T, error)) (T, error) {
 *       ctx, cancel := context.WithTimeout(ctx, d)
 *       defer cancel()
 *       type result struct {
 *           v   T
 *           err error
 *       }
 *       ch := make(chan result, 1)               // buffered: the call can always finish
 *       inflight.Add(1)
 *       go func() {
 *           defer inflight.Done()
 *           v, err := fn(ctx)
 *           ch <- result{v, err}
 *       }()
 *       select {
 *       case r := <-ch:
 *           return r.v, r.err
 *       case <-ctx.Done():
 *           var zero T
 *           return zero, ctx.Err()
 *       }
 *   }
 *
 *   func lookup(latency time.Duration) func(context.Context) (int, error) {
 *       return func(context.Context) (int, error) {   // a legacy call: ignores ctx
 *           time.Sleep(latency)
 *           return 42, nil
 *       }
 *   }
 *
 *   func main() {
 *       v, err := WithTimeout(context.Background(), 20*time.Millisecond, lookup(5*time.Millisecond))
 *       fmt.Println("fast lookup:", v, err)
 *       v, err = WithTimeout(context.Background(), 20*time.Millisecond, lookup(100*time.Millisecond))
 *       fmt.Println("slow lookup:", v, err)
 *       inflight.Wait()                          // drain before exit
 *   }
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
    *c = (call_args){ctx, fn, arg, chan_make_named("result", result_t, 1)}; /* buffered */
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
