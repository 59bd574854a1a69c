/* context deadline: making the context (starting its timer) happens
 * before the cancel its timer does, hence before Done is seen closed.
 * The watcher gets the context through a relaxed atomic (no order), so
 * only the deadline orders main's write of x before its read. */
#include <stdatomic.h>

#include "chanscope.h"
#include "race_test.h"

static int x;
static _Atomic(ctx_t *) shared_ctx;
static waitgroup_t wg;

static void watcher(void *arg) {
    (void)arg;
    ctx_t *ctx;
    while (!(ctx = atomic_load_explicit(&shared_ctx, memory_order_relaxed))) go_yield();
    char v;
    chan_recv(ctx_done(ctx), &v);
    USE(x);
    wg_done(&wg);
}

int main(void) {
    wg_add(&wg, 1);
    go(watcher, NULL);
    x = 1;
    ctx_t *ctx = ctx_with_timeout(ctx_background(), 1000000 /* 1 ms */, NULL);
    atomic_store_explicit(&shared_ctx, ctx, memory_order_relaxed);
    wg_wait(&wg);
    return 0;
}
