/* race_sem_ok.c — the correct twin of race_sem.c: a binary semaphore, a
 * buffered channel of capacity 1.  Receive k (the release) happens before
 * send k+1 (the next acquire) completes, so the two critical sections are
 * ordered: the capacity-k rule of Go's memory model. */
#include <stdio.h>

#include "chanscope.h"

static long total;
static chan_t *sem;
static waitgroup_t wg = WAITGROUP_INIT;

static void worker(void *arg) {
    time_sleep((long)(intptr_t)arg * MILLISECOND);
    chan_send_v(sem, int, 1); /* acquire the slot */
    SHARED_READ(total); long t = total;
    time_sleep(20 * MILLISECOND);
    SHARED_WRITE(total); total = t + 1;
    chan_recv(sem, NULL); /* release it */
    wg_done(&wg);
}

int main(void) {
    sem = chan_make_named("sem", int, 1);
    wg_add(&wg, 2);
    go(worker, (void *)(intptr_t)0);
    go(worker, (void *)(intptr_t)10);
    wg_wait(&wg);
    SHARED_READ(total);
    printf("total = %ld\n", total);
    return 0;
}
