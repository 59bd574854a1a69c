/*
 * Exercise 03 — a data race on a counter: reference solution.
 *
 * The read-modify-write of `hits` happens under one mutex, so no two
 * visitors interleave inside it and every unlock happens-before the next
 * lock: the analyzer sees an ordered chain of accesses and no race.
 * (An atomic_i64 with atomic_i64_add would be the other good answer.)
 */
#include <stdio.h>

#include "chanscope.h"

#define VISITORS 8
#define HITS_EACH 100

static long hits;                 /* guarded by hits_mu */
static mutex_t hits_mu = MUTEX_INIT;
static waitgroup_t wg = WAITGROUP_INIT;

static void visitor(void *arg) {
    (void)arg;
    for (int i = 0; i < HITS_EACH; i++) {
        mutex_lock(&hits_mu);
        SHARED_READ(hits);
        long seen = hits;
        if (i % 10 == 0) go_yield(); /* a context switch here is harmless now */
        SHARED_WRITE(hits);
        hits = seen + 1;
        mutex_unlock(&hits_mu);
    }
    wg_done(&wg);
}

int main(void) {
    mutex_set_name(&hits_mu, "hits_mu");
    wg_add(&wg, VISITORS);
    for (int i = 0; i < VISITORS; i++) go(visitor, NULL);
    wg_wait(&wg); /* every visitor's last unlock happens-before this returns */
    SHARED_READ(hits);
    printf("hits: %ld\n", hits);
    return 0;
}
