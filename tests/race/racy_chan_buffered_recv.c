/* BUFFERED channel (capacity 1): the receive does NOT happen before the
 * send completes (only before the send C later), so the receiver's write
 * before its receive races with the sender's read after its send. */
#include "chanscope.h"
#include "race_test.h"

static int x;
static waitgroup_t wg;

static void sender(void *arg) {
    chan_t *c = arg;
    chan_send_v(c, int, 1);
    USE(x); /* main wrote x before its receive */
    wg_done(&wg);
}

int main(void) {
    chan_t *c = chan_make(int, 1);
    wg_add(&wg, 1);
    go(sender, c);
    x = 1;
    int v;
    chan_recv(c, &v);
    wg_wait(&wg);
    return 0;
}
