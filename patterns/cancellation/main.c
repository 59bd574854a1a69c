/*
 * cancellation/main.c — the context package in five steps: cancel, timeout,
 * deadline, a request-scoped value, and one cancel propagating through a
 * call tree (handler -> services -> queries), each level deriving its own
 * context from its parent's and waiting for its children.
 *
 * Go:
 *   type ctxKey string
 *   const requestID ctxKey = "request-id"
 *   var notifications = make(chan string)      // a long poll: nothing ever arrives
 *
 *   func query(ctx context.Context, s, q int, out *string) {
 *       select {
 *       case n := <-notifications:
 *           *out = n
 *       case <-ctx.Done():                     // the root's cancel reaches us here
 *           *out = fmt.Sprint(ctx.Value(requestID), ": ", ctx.Err())
 *       }
 *   }
 *   func service(ctx context.Context, s int, outs []string) {
 *       ctx, cancel := context.WithTimeout(ctx, time.Second)   // derived from ctx
 *       defer cancel()
 *       var wg sync.WaitGroup
 *       for q := range 2 {
 *           wg.Add(1)
 *           go func() { defer wg.Done(); query(ctx, s, q, &outs[q]) }()
 *       }
 *       wg.Wait()
 *   }
 *   func main() {
 *       ctx, cancel := context.WithCancel(context.Background())        // 1. cancel
 *       go func() { time.Sleep(5 * time.Millisecond); cancel() }()
 *       <-ctx.Done()
 *       fmt.Println("1. WithCancel:", ctx.Err())
 *
 *       ctx, cancel = context.WithTimeout(context.Background(), 10*time.Millisecond)  // 2.
 *       <-ctx.Done()
 *       fmt.Println("2. WithTimeout:", ctx.Err()); cancel()
 *
 *       dl := time.Now().Add(15 * time.Millisecond)                      // 3. deadline
 *       ctx, cancel = context.WithDeadline(context.Background(), dl)
 *       d, ok := ctx.Deadline()
 *       <-ctx.Done()
 *       fmt.Println("3. WithDeadline:", ok && d.Equal(dl), ctx.Err()); cancel()
 *
 *       root := context.WithValue(context.Background(), requestID, "req-7")  // 4. value
 *       root, cancel = context.WithCancel(root)
 *       var wg sync.WaitGroup                                            // 5. a call tree
 *       outs := [2][2]string{}
 *       for s := range 2 {
 *           wg.Add(1)
 *           go func() { defer wg.Done(); service(root, s, outs[s][:]) }()
 *       }
 *       time.Sleep(10 * time.Millisecond)
 *       cancel()                                // one cancel, every level stops
 *       wg.Wait()
 *       for s, qs := range outs { for q, o := range qs { fmt.Println(s, q, o) } }
 *   }
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
    ctx_t *ctx = ctx_with_timeout(a->ctx, SECOND, &cancel); /* derived from the caller's */
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
