/* deadlock.c — global deadlock: main sends on an unbuffered channel that
 * nobody receives from, so every goroutine (just main) is asleep.
 * Correct version: deadlock_ok.c (a receiver goroutine). */
#include <stdio.h>

#include "chanscope.h"

int main(void) {
    chan_t *results = chan_make_named("results", int, 0);
    int v = 42;
    chan_send(results, &v); /* EXPECT(deadlock) */
    chan_recv(results, &v);
    printf("got %d\n", v);
    return 0;
}
