/* exit_worker.c — a worker calls exit() when it meets an error; main was
 * waiting for the workers.  exit() ends the program at once, like os.Exit:
 * main and the workers still busy are cut short on purpose, not leaked.
 * But a goroutine that was already blocked for good is a leak all the same:
 * `logger` waits for a quit signal on a channel it never shared.
 * Correct version: exit_worker_ok.c (no such goroutine). */
#include <stdio.h>
#include <stdlib.h>

#include "chanscope.h"

static waitgroup_t wg = WAITGROUP_INIT;
static chan_t *started;

static void logger(void *arg) {
    (void)arg;
    chan_t *quit = chan_make_named("quit", int, 0); /* nobody else ever gets it */
    chan_send_v(started, int, 1);
    chan_recv(quit, NULL); /* EXPECT(leak) */
}

static void busy(void *arg) {
    (void)arg;
    chan_send_v(started, int, 1);
    for (;;) time_sleep(MILLISECOND); /* long work */
}

static void failing(void *arg) {
    (void)arg;
    chan_recv(started, NULL);
    chan_recv(started, NULL);
    fprintf(stderr, "worker: fatal configuration error\n");
    exit(3);
}

int main(void) {
    started = chan_make_named("started", int, 2);
    wg_add(&wg, 3);
    go(logger, NULL);
    go(busy, NULL);
    go(failing, NULL);
    wg_wait(&wg);
    return 0;
}
