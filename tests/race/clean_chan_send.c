/* channel: a send happens before the matching receive completes (buffered
 * and unbuffered): the sender's write before the send is seen by the
 * receiver's read after the receive. */
#include "chanscope.h"
#include "race_test.h"

static int x[2];

static void sender(void *arg) {
    chan_t *c = arg;
    for (int i = 0; i < 2; i++) {
        x[i] = i + 1;
        chan_send_v(c, int, i);
    }
}

int main(void) {
    chan_t *cs[2] = {chan_make(int, 0), chan_make(int, 3)};
    for (int k = 0; k < 2; k++) {
        go(sender, cs[k]);
        for (int i = 0; i < 2; i++) {
            int v;
            chan_recv(cs[k], &v);
            USE(x[v]);
            x[v] = 0;
        }
    }
    return 0;
}
