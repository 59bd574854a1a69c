/*
 * cancellation/background-in-callee.c — MISUSE: a callee starts from
 * context.Background() instead of the context it was given.  The chain is
 * cut: the root's cancel never reaches that service's queries, which wait
 * forever; the service waits for them and main for the service: "fatal
 * error: all goroutines are asleep - deadlock!".  (With a real long poll the
 * request would hang until some unrelated timeout.)
 *
 * Go (main.c's service, with one change):
 *   func service(ctx context.Context, s int, outs []string) {
 *       ctx, cancel := context.WithCancel(context.Background())   // BUG: not from ctx
 *       defer cancel()
 *       ...                                       // queries wait on this ctx
 *   }
 *
 * On every run: nothing ever arrives on `notifications`, and nothing can
 * cancel the services' contexts.
 * Fix: always derive from the context you were given (main.c).
 */
#include <stdio.h>
#include <stdlib.h>

#include "chanscope.h"
#include "params.h"

static const char request_id_key[] = "request-id"; /* the key is its address */
static chan_t *notifications;                       /* a long poll: nothing ever arrives */

typedef struct {
    ctx_t *ctx;
    int s, q;
    char out[96];
    waitgroup_t *wg;
} query_args;

static void query(void *arg) {
    query_args *a = arg;
    char n[32];
    switch (chan_select(select_recv(notifications, n, NULL),
                        select_recv(ctx_done(a->ctx), NULL, NULL))) {
    case 0:
        snprintf(a->out, sizeof a->out, "notified: %s", n);
        break;
    case 1: /* the root's cancel reaches us here */
        snprintf(a->out, sizeof a->out, "%s: %s", (const char *)ctx_value(a->ctx, request_id_key),
                 err_msg(ctx_err(a->ctx)));
        break;
    }
    wg_done(a->wg);
}

typedef struct {
    ctx_t *ctx;
    int s;
    query_args queries[2];
    waitgroup_t *wg;
} service_args;

static void service(void *arg) {
    service_args *a = arg;
    cancel_func cancel;
    ctx_t *ctx = ctx_with_cancel(ctx_background(), &cancel); /* BUG: not from a->ctx */
    waitgroup_t wg = WAITGROUP_INIT;
    for (int q = 0; q < 2; q++) {
        a->queries[q] = (query_args){.ctx = ctx, .s = a->s, .q = q, .wg = &wg};
        wg_add(&wg, 1);
        go(query, &a->queries[q]);
    }
    wg_wait(&wg);
    ctx_cancel(cancel); /* Go: defer cancel() */
    wg_done(a->wg);
}

static void cancel_later(void *arg) {
    time_sleep(5 * MILLISECOND);
    ctx_cancel(*(cancel_func *)arg);
}

int main(int argc, char **argv) {
    params_end(argc, argv);
    notifications = chan_make_named("notifications", char[32], 0);

    /* 1. cancel */
    cancel_func cancel;
    ctx_t *ctx = ctx_with_cancel(ctx_background(), &cancel);
    go(cancel_later, &cancel);
    chan_recv(ctx_done(ctx), NULL);
    printf("1. WithCancel: %s\n", err_msg(ctx_err(ctx)));

    /* 2. timeout */
    ctx = ctx_with_timeout(ctx_background(), 10 * MILLISECOND, &cancel);
    chan_recv(ctx_done(ctx), NULL);
    printf("2. WithTimeout: %s\n", err_msg(ctx_err(ctx)));
    ctx_cancel(cancel);

    /* 3. deadline */
    int64_t dl = time_now() + 15 * MILLISECOND, d = 0;
    ctx = ctx_with_deadline(ctx_background(), dl, &cancel);
    bool ok = ctx_deadline(ctx, &d);
    chan_recv(ctx_done(ctx), NULL);
    printf("3. WithDeadline: deadline set: %s, err: %s\n", ok && d == dl ? "true" : "false",
           err_msg(ctx_err(ctx)));
    ctx_cancel(cancel);

    /* 4. a value, and 5. one cancel through a call tree */
    ctx_t *root = ctx_with_value(ctx_background(), request_id_key, "req-7");
    root = ctx_with_cancel(root, &cancel);
    waitgroup_t wg = WAITGROUP_INIT;
    service_args services[2];
    for (int s = 0; s < 2; s++) {
        services[s] = (service_args){.ctx = root, .s = s, .wg = &wg};
        wg_add(&wg, 1);
        go(service, &services[s]);
    }
    time_sleep(10 * MILLISECOND);
    ctx_cancel(cancel); /* one cancel, every level stops */
    wg_wait(&wg);
    printf("4+5. call tree, cancelled at the root:\n");
    for (int s = 0; s < 2; s++)
        for (int q = 0; q < 2; q++)
            printf("  service %d / query %d: %s\n", s + 1, q + 1, services[s].queries[q].out);
    return 0;
}
