/* partial_lockchan.c — partial deadlock: holder keeps mutex mu while it
 * waits for a reply on a channel; the only goroutine that would send the
 * reply first needs mu.  The `locked` and `trying` channels only order the
 * steps so that the bug shows on every run.
 * Correct version: partial_lockchan_ok.c (release the lock before waiting). */
#include <stdio.h>

#include "chanscope.h"

static mutex_t mu = MUTEX_INIT;
static chan_t *reply, *locked, *trying;

static void holder(void *arg) {
    (void)arg;
    int v;
    mutex_lock(&mu);
    chan_send_v(locked, int, 1);
    chan_recv(reply, &v); /* EXPECT(partial_deadlock) */
    mutex_unlock(&mu);
}

static void replier(void *arg) {
    (void)arg;
    chan_recv(locked, NULL);
    chan_send_v(trying, int, 1);
    mutex_lock(&mu); /* EXPECT(partial_deadlock) */
    chan_send_v(reply, int, 1);
    mutex_unlock(&mu);
}

int main(void) {
    mutex_set_name(&mu, "mu");
    reply = chan_make_named("reply", int, 0);
    locked = chan_make_named("locked", int, 1);
    trying = chan_make_named("trying", int, 1);
    go(holder, NULL);
    go(replier, NULL);
    chan_recv(trying, NULL);
    time_sleep(100 * MILLISECOND); /* both are stuck by now */
    printf("main: gave up waiting\n");
    return 0;
}
