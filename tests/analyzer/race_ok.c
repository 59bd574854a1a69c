/* race_ok.c — the correct twin of race.c: the read-modify-write happens
 * under one mutex. */
#include <stdio.h>

#include "chanscope.h"

static long counter;
static mutex_t mu = MUTEX_INIT;
static waitgroup_t wg = WAITGROUP_INIT;

static void increment(void *arg) {
    time_sleep((long)(intptr_t)arg * MILLISECOND);
    mutex_lock(&mu);
    SHARED_READ(counter); long c = counter;
    time_sleep(20 * MILLISECOND);
    SHARED_WRITE(counter); counter = c + 1;
    mutex_unlock(&mu);
    wg_done(&wg);
}

int main(void) {
    wg_add(&wg, 2);
    go(increment, (void *)(intptr_t)0);
    go(increment, (void *)(intptr_t)10);
    wg_wait(&wg);
    SHARED_READ(counter);
    printf("counter = %ld\n", counter);
    return 0;
}
