/* timer: main writes x AFTER resetting the timer: a race with the
 * receiver's read after the fire. */
#include "chanscope.h"
#include "race_test.h"

static int x;
static waitgroup_t wg;

static void receiver(void *arg) {
    time_timer *t = arg;
    int64_t when;
    chan_recv(t->C, &when);
    USE(x);
    wg_done(&wg);
}

int main(void) {
    time_timer *t = time_new_timer((duration_t)3600 * 1000000000);
    wg_add(&wg, 1);
    go(receiver, t);
    time_timer_reset(t, 1000000); /* 1 ms */
    x = 1;
    wg_wait(&wg);
    return 0;
}
