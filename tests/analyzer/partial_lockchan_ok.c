/* partial_lockchan_ok.c — the correct twin of partial_lockchan.c: the
 * holder releases mu before it waits on the channel. */
#include <stdio.h>

#include "chanscope.h"

static mutex_t mu = MUTEX_INIT;
static chan_t *reply;
static waitgroup_t wg = WAITGROUP_INIT;

static void holder(void *arg) {
    (void)arg;
    int v;
    mutex_lock(&mu);
    mutex_unlock(&mu);
    chan_recv(reply, &v);
    wg_done(&wg);
}

static void replier(void *arg) {
    (void)arg;
    time_sleep(20 * MILLISECOND);
    mutex_lock(&mu);
    mutex_unlock(&mu);
    chan_send_v(reply, int, 1);
    wg_done(&wg);
}

int main(void) {
    mutex_set_name(&mu, "mu");
    reply = chan_make_named("reply", int, 0);
    wg_add(&wg, 2);
    go(holder, NULL);
    go(replier, NULL);
    wg_wait(&wg);
    printf("main: done\n");
    return 0;
}
