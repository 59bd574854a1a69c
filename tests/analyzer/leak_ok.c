/* leak_ok.c — the correct twin of leak.c: the result channel has room for
 * the one result, so the late worker can still finish, and main waits for
 * it before returning. */
#include <stdio.h>

#include "chanscope.h"

static waitgroup_t wg = WAITGROUP_INIT;

static void worker(void *arg) {
    chan_t *results = arg;
    time_sleep(30 * MILLISECOND);
    int v = 42;
    chan_send(results, &v);
    wg_done(&wg);
}

int main(void) {
    chan_t *results = chan_make_named("results", int, 1);
    wg_add(&wg, 1);
    go(worker, results);
    int v;
    bool ok;
    switch (chan_select(select_recv(results, &v, &ok), select_recv(time_after(10 * MILLISECOND), NULL, NULL))) {
    case 0: printf("result %d\n", v); break;
    default: printf("timeout\n"); break;
    }
    wg_wait(&wg);
    return 0;
}
