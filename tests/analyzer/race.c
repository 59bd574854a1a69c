/* race.c — data race: two goroutines increment a shared counter without a
 * lock.  The sleeps force the lost update: both read 0, both write 1.
 * Correct version: race_ok.c (a mutex around read-modify-write). */
#include <stdio.h>

#include "chanscope.h"

static long counter;
static waitgroup_t wg = WAITGROUP_INIT;

static void increment(void *arg) {
    time_sleep((long)(intptr_t)arg * MILLISECOND);
    SHARED_READ(counter); long c = counter; /* EXPECT(race) */
    time_sleep(20 * MILLISECOND);
    SHARED_WRITE(counter); counter = c + 1; /* EXPECT(race) */
    wg_done(&wg);
}

int main(void) {
    wg_add(&wg, 2);
    go(increment, (void *)(intptr_t)0);
    go(increment, (void *)(intptr_t)10);
    wg_wait(&wg);
    printf("counter = %ld (expected 2)\n", counter);
    return 0;
}
