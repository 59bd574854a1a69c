/*
 * Exercise 03 — a data race on a counter (easy).
 *
 * Eight visitors each record 100 page hits in one shared counter.  The total
 * should be 800.  Sometimes it is, sometimes it is not — and even when it is,
 * the program is wrong.  SHARED_READ / SHARED_WRITE tell the analyzer about
 * every access to `hits` so it can check them; keep them next to the accesses.
 *
 * Check your fix:  chanscope exercise check 03 --file THIS_FILE.c
 */
#include <stdio.h>

#include "chanscope.h"

#define VISITORS 8
#define HITS_EACH 100

static long hits; /* shared by every visitor */
static waitgroup_t wg = WAITGROUP_INIT;

static void visitor(void *arg) {
    (void)arg;
    for (int i = 0; i < HITS_EACH; i++) {
        SHARED_READ(hits);
        long seen = hits;
        if (i % 10 == 0) go_yield(); /* a context switch can land here */
        SHARED_WRITE(hits);
        hits = seen + 1;
    }
    wg_done(&wg);
}

int main(void) {
    wg_add(&wg, VISITORS);
    for (int i = 0; i < VISITORS; i++) go(visitor, NULL);
    wg_wait(&wg);
    SHARED_READ(hits);
    printf("hits: %ld\n", hits);
    return 0;
}
