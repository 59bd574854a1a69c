/* leak.c — goroutine leak: main waits for a result with a timeout, gives
 * up and returns; the worker then blocks forever sending its result on an
 * unbuffered channel that nobody will ever read.  (The `sending` channel
 * only lets main return after the worker got stuck, on every run.)
 * Correct version: leak_ok.c (a buffer of 1, and main waits for the worker). */
#include <stdio.h>

#include "chanscope.h"

static chan_t *sending;

static void worker(void *arg) {
    chan_t *results = arg;
    time_sleep(30 * MILLISECOND); /* slow work */
    int v = 42;
    chan_send_v(sending, int, 1);
    chan_send(results, &v); /* EXPECT(leak) */
}

int main(void) {
    chan_t *results = chan_make_named("results", int, 0);
    sending = chan_make_named("sending", int, 1);
    go(worker, results);
    int v;
    bool ok;
    switch (chan_select(select_recv(results, &v, &ok), select_recv(time_after(10 * MILLISECOND), NULL, NULL))) {
    case 0: printf("result %d\n", v); break;
    default: printf("timeout\n"); break;
    }
    chan_recv(sending, NULL);
    time_sleep(50 * MILLISECOND); /* the worker is stuck in its send by now */
    return 0;
}
