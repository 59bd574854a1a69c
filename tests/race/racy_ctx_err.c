/* context: Err returning non-nil orders only what came before the cancel:
 * the canceller's later write races with the poller's read. */
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
    while (ctx_err(ctx) == NULL) go_yield();
    USE(x);
    wg_wait(&wg);
    return 0;
}
