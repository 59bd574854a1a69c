/* partial_lockchan.c — partial deadlock: holder keeps mutex mu while it
 * waits for a reply on a channel; the only goroutine that would send the
 * reply first needs mu.  Correct version: partial_lockchan_ok.c (release
 * the lock before waiting). */
#include <stdio.h>

#include "chanscope.h"

static mutex_t mu = MUTEX_INIT;
static chan_t *reply;

static void holder(void *arg) {
    (void)arg;
    int v;
    mutex_lock(&mu);
    chan_recv(reply, &v); /* EXPECT(partial_deadlock) */
    mutex_unlock(&mu);
}

static void replier(void *arg) {
    (void)arg;
    time_sleep(20 * MILLISECOND);
    mutex_lock(&mu); /* EXPECT(partial_deadlock) */
    chan_send_v(reply, int, 1);
    mutex_unlock(&mu);
}

int main(void) {
    mutex_set_name(&mu, "mu");
    reply = chan_make_named("reply", int, 0);
    go(holder, NULL);
    go(replier, NULL);
    time_sleep(100 * MILLISECOND);
    printf("main: gave up waiting\n");
    return 0;
}
