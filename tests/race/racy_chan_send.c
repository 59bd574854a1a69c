/* channel: the sender's write AFTER the send races with the receiver's
 * read after the receive (nothing orders them). */
#include "chanscope.h"
#include "race_test.h"

static int x;
static waitgroup_t wg;

static void sender(void *arg) {
    chan_t *c = arg;
    chan_send_v(c, int, 1);
    x = 1; /* after the send: races with main's read */
    wg_done(&wg);
}

int main(void) {
    chan_t *c = chan_make(int, 0);
    wg_add(&wg, 1);
    go(sender, c);
    int v;
    chan_recv(c, &v);
    USE(x);
    wg_wait(&wg);
    return 0;
}
