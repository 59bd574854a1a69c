/* misuse_ok.c — the correct twins of misuse.c, one per mode.
 * MODES: send_on_closed double_close close_nil negative_wg unlock_unlocked wg_add_during_wait */
#include <stdio.h>
#include <string.h>

#include "chanscope.h"

static waitgroup_t wg = WAITGROUP_INIT;

static void close_it(void *ch) { chan_close((chan_t *)ch); }

static void worker(void *arg) {
    (void)arg;
    time_sleep(10 * MILLISECOND);
    wg_done(&wg);
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "send_on_closed")) {
        chan_t *out = chan_make_named("out", int, 1);
        chan_send_v(out, int, 1); /* send first, close after the last send */
        chan_close(out);
        int v;
        while (chan_recv(out, &v)) printf("got %d\n", v);
    } else if (!strcmp(mode, "double_close")) {
        chan_t *done = chan_make_named("done", int, 0);
        once_t once = ONCE_INIT;
        for (int i = 0; i < 2; i++) once_do(&once, close_it, done); /* closed once */
    } else if (!strcmp(mode, "close_nil")) {
        chan_t *made = chan_make_named("made", int, 0);
        chan_close(made);
    } else if (!strcmp(mode, "negative_wg")) {
        wg_add(&wg, 1);
        wg_done(&wg);
        wg_wait(&wg);
    } else if (!strcmp(mode, "unlock_unlocked")) {
        mutex_t mu = MUTEX_INIT;
        mutex_lock(&mu);
        mutex_unlock(&mu);
    } else if (!strcmp(mode, "wg_add_during_wait")) {
        for (int i = 0; i < 2; i++) {
            wg_add(&wg, 1); /* counted before the goroutine starts */
            go(worker, NULL);
        }
        wg_wait(&wg);
    } else {
        fprintf(stderr, "usage: misuse_ok MODE\n");
        return 2;
    }
    return 0;
}
