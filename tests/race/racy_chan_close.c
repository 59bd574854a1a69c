/* the closer's write AFTER close races with the read after the receive
 * that saw the close. */
#include "chanscope.h"
#include "race_test.h"

static int x;
static waitgroup_t wg;

static void closer(void *arg) {
    chan_close((chan_t *)arg);
    x = 1;
    wg_done(&wg);
}

int main(void) {
    chan_t *c = chan_make(int, 0);
    wg_add(&wg, 1);
    go(closer, c);
    int v;
    while (chan_recv(c, &v)) {}
    USE(x);
    wg_wait(&wg);
    return 0;
}
