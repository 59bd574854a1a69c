/* context deadline: main writes x AFTER making the context: a race with
 * the watcher's read after Done was seen closed by the deadline (the
 * deadline orders only what came before the context was made). */
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
    ctx_t *ctx = ctx_with_timeout(ctx_background(), 1000000 /* 1 ms */, NULL);
    x = 1;
    atomic_store_explicit(&shared_ctx, ctx, memory_order_relaxed);
    wg_wait(&wg);
    return 0;
}
