/* context: cancel happens before Done is seen closed (and before Err
 * returns non-nil). */
#include "chanscope.h"
#include "race_test.h"

static int x, y;
static cancel_func cancel;

static void canceller(void *arg) {
    (void)arg;
    x = 1;
    ctx_cancel(cancel);
}

static void err_poller(void *arg) {
    ctx_t *ctx = arg;
    while (ctx_err(ctx) == NULL) go_yield();
    USE(y); /* written before the cancel */
}

int main(void) {
    ctx_t *ctx = ctx_with_cancel(ctx_background(), &cancel);
    y = 2;
    go(err_poller, ctx);
    y = 3; /* after go: ordered before err_poller's read only by the cancel */
    go(canceller, NULL);
    char v; /* Done: a chan struct{} of 1-byte elements here */
    chan_recv(ctx_done(ctx), &v);
    USE(x);
    while (goroutine_count() > 1) go_yield();
    return 0;
}
