/* context: the canceller's write AFTER cancel races with the read after
 * Done was seen closed. */
#include "chanscope.h"
#include "race_test.h"

static int x;
static cancel_func cancel;
static waitgroup_t wg;

static void canceller(void *arg) {
    (void)arg;
    ctx_cancel(cancel);
    x = 1;
    wg_done(&wg);
}

int main(void) {
    ctx_t *ctx = ctx_with_cancel(ctx_background(), &cancel);
    wg_add(&wg, 1);
    go(canceller, NULL);
    char v; /* Done: a chan struct{} of 1-byte elements here */
    chan_recv(ctx_done(ctx), &v);
    USE(x);
    wg_wait(&wg);
    return 0;
}
