/* select: the sender writes x[k] AFTER its select sent: a race with the
 * receiver's read after its select received. */
#include "chanscope.h"
#include "race_test.h"

static int x[2];
static waitgroup_t wg;

static void sender(void *arg) {
    chan_t **cs = arg;
    for (int k = 0; k < 2; k++) {
        int v = k;
        chan_select(select_send(cs[k], &v));
        x[k] = k + 1; /* BUG: after the send */
    }
    wg_done(&wg);
}

int main(void) {
    chan_t *cs[2] = {chan_make(int, 0), chan_make(int, 1)};
    wg_add(&wg, 1);
    go(sender, cs);
    chan_t *never = time_after((duration_t)3600 * 1000000000);
    for (int k = 0; k < 2; k++) {
        int v;
        int64_t t;
        int i = chan_select(select_recv(cs[k], &v, NULL), select_recv(never, &t, NULL));
        if (i != 0) return 3;
        USE(x[v]);
    }
    wg_wait(&wg);
    return 0;
}
