/* select: a send chosen by a select happens before the receive that gets
 * it (here both sides select, over an unbuffered and a buffered channel,
 * with a timeout case that never fires first). */
#include "chanscope.h"
#include "race_test.h"

static int x[2];
static waitgroup_t wg;

static void sender(void *arg) {
    chan_t **cs = arg;
    for (int k = 0; k < 2; k++) {
        x[k] = k + 1;
        int v = k;
        chan_select(select_send(cs[k], &v));
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
