/* misuse.c — misuse of the primitives, one per mode (argv[1]).
 * MODES: send_on_closed double_close close_nil negative_wg unlock_unlocked wg_add_during_wait
 * Correct version: misuse_ok.c (same modes, done right). */
#include <stdio.h>
#include <string.h>

#include "chanscope.h"

static waitgroup_t wg = WAITGROUP_INIT;
static chan_t *finished;

static void late_worker(void *arg) {
    (void)arg;
    time_sleep(10 * MILLISECOND);
    wg_add(&wg, 1); /* EXPECT(misuse,wg_add_during_wait) */
    wg_done(&wg);
    chan_send_v(finished, int, 1);
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "send_on_closed")) {
        chan_t *out = chan_make_named("out", int, 1);
        chan_close(out);
        chan_send_v(out, int, 1); /* EXPECT(misuse,send_on_closed) */
    } else if (!strcmp(mode, "double_close")) {
        chan_t *done = chan_make_named("done", int, 0);
        chan_close(done);
        chan_close(done); /* EXPECT(misuse,double_close) */
    } else if (!strcmp(mode, "close_nil")) {
        chan_t *never_made = NULL;
        chan_close(never_made); /* EXPECT(misuse,close_nil) */
    } else if (!strcmp(mode, "negative_wg")) {
        wg_add(&wg, 1);
        wg_done(&wg);
        wg_done(&wg); /* EXPECT(misuse,negative_wg) */
    } else if (!strcmp(mode, "unlock_unlocked")) {
        mutex_t mu = MUTEX_INIT;
        mutex_lock(&mu);
        mutex_unlock(&mu);
        mutex_unlock(&mu); /* EXPECT(misuse,unlock_unlocked) */
    } else if (!strcmp(mode, "wg_add_during_wait")) {
        finished = chan_make_named("finished", int, 2);
        for (int i = 0; i < 2; i++) go(late_worker, NULL);
        wg_wait(&wg); /* EXPECT(misuse,wg_add_during_wait) */
        for (int i = 0; i < 2; i++) chan_recv(finished, NULL); /* let them run */
    } else {
        fprintf(stderr, "usage: misuse MODE\n");
        return 2;
    }
    return 0;
}
