/* race_sem.c — data race behind a counting semaphore: a buffered channel
 * of capacity 2 lets TWO goroutines in at once, so it does not protect a
 * shared variable.  Correct version: race_sem_ok.c (capacity 1: the
 * receive that frees the slot happens before the next send completes). */
#include <stdio.h>

#include "chanscope.h"

static long total;
static chan_t *sem;
static waitgroup_t wg = WAITGROUP_INIT;

static void worker(void *arg) {
    time_sleep((long)(intptr_t)arg * MILLISECOND);
    chan_send_v(sem, int, 1); /* acquire a slot */
    SHARED_READ(total); long t = total; /* EXPECT(race) */
    time_sleep(20 * MILLISECOND);
    SHARED_WRITE(total); total = t + 1; /* EXPECT(race) */
    chan_recv(sem, NULL); /* release it */
    wg_done(&wg);
}

int main(void) {
    sem = chan_make_named("sem", int, 2);
    wg_add(&wg, 2);
    go(worker, (void *)(intptr_t)0);
    go(worker, (void *)(intptr_t)10);
    wg_wait(&wg);
    printf("total = %ld\n", total);
    return 0;
}
