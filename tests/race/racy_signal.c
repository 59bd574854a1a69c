/* signal_notify: main writes x AFTER registering and raising: a race
 * with the receiver's read after the delivery. */
#include <signal.h>

#include "chanscope.h"
#include "race_test.h"

static int x;
static waitgroup_t wg;

static void receiver(void *arg) {
    int sig;
    chan_recv((chan_t *)arg, &sig);
    USE(x);
    wg_done(&wg);
}

int main(void) {
    chan_t *ch = chan_make(int, 1);
    wg_add(&wg, 1);
    go(receiver, ch);
    signal_notify(ch, SIGUSR1);
    raise(SIGUSR1);
    x = 1;
    wg_wait(&wg);
    return 0;
}
