/* exit_worker_ok.c — exit_worker.c without the stuck logger: a worker
 * calls exit() while main waits and another worker is busy.  Nothing is
 * leaked: exit() cut them short on purpose (as os.Exit does in Go). */
#include <stdio.h>
#include <stdlib.h>

#include "chanscope.h"

static waitgroup_t wg = WAITGROUP_INIT;
static chan_t *started;

static void busy(void *arg) {
    (void)arg;
    chan_send_v(started, int, 1);
    for (;;) time_sleep(MILLISECOND); /* long work */
}

static void failing(void *arg) {
    (void)arg;
    chan_recv(started, NULL);
    fprintf(stderr, "worker: fatal configuration error\n");
    exit(3);
}

int main(void) {
    started = chan_make_named("started", int, 1);
    wg_add(&wg, 2);
    go(busy, NULL);
    go(failing, NULL);
    wg_wait(&wg);
    return 0;
}
