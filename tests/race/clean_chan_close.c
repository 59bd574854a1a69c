/* close happens before a receive that sees the close. */
#include "chanscope.h"
#include "race_test.h"

static int x;

static void closer(void *arg) {
    x = 1;
    chan_close((chan_t *)arg);
}

int main(void) {
    chan_t *c = chan_make(int, 0);
    go(closer, c);
    int v;
    while (chan_recv(c, &v)) {}
    USE(x);
    return 0;
}
