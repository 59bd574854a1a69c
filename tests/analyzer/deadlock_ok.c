/* deadlock_ok.c — the correct twin of deadlock.c: a goroutine receives. */
#include <stdio.h>

#include "chanscope.h"

static waitgroup_t wg = WAITGROUP_INIT;

static void receiver(void *arg) {
    chan_t *results = arg;
    int v;
    chan_recv(results, &v);
    printf("got %d\n", v);
    wg_done(&wg);
}

int main(void) {
    chan_t *results = chan_make_named("results", int, 0);
    wg_add(&wg, 1);
    go(receiver, results);
    int v = 42;
    chan_send(results, &v);
    wg_wait(&wg);
    return 0;
}
