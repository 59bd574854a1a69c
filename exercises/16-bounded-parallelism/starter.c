/*
 * Exercise 16 — implement bounded parallelism (medium).
 *
 * thumbnail_all() makes a thumbnail of each of 12 photos in parallel.  The
 * machine (or the photo service's rate contract) allows at most LIMIT
 * thumbnails at a time — but the code below starts all 12 at once.
 * Finish thumbnail_all() so that at most LIMIT run at any moment, and it
 * still returns only when every thumbnail is done.
 *
 * Check your work:  chanscope exercise check 16 --file THIS_FILE.c
 */
#include <stdio.h>

#include "chanscope.h"

#define PHOTOS 12
#define LIMIT 3

/* ---- the work (do not change) ------------------------------------------ */

static atomic_i64 running = ATOMIC_I64_INIT, most_running = ATOMIC_I64_INIT;
static atomic_i64 done_bytes = ATOMIC_I64_INIT;

static void make_thumbnail(int photo) {
    int64_t now = atomic_i64_add(&running, 1);
    int64_t seen = atomic_i64_load(&most_running);
    while (now > seen && !atomic_i64_cas(&most_running, seen, now))
        seen = atomic_i64_load(&most_running);
    time_sleep(4 * MILLISECOND); /* resize */
    atomic_i64_add(&done_bytes, 100 * photo);
    atomic_i64_add(&running, -1);
}

/* ---- your part ---------------------------------------------------------- */

typedef struct job {
    int photo;
    waitgroup_t *wg;
} job;

static void thumbnail_worker(void *arg) {
    job *j = arg;
    make_thumbnail(j->photo);
    wg_done(j->wg);
}

static void thumbnail_all(void) {
    static job jobs[PHOTOS];
    waitgroup_t wg = WAITGROUP_INIT;
    for (int i = 0; i < PHOTOS; i++) {
        /* TODO: at most LIMIT thumbnails may run at the same time. */
        jobs[i] = (job){i + 1, &wg};
        wg_add(&wg, 1);
        go(thumbnail_worker, &jobs[i]);
    }
    wg_wait(&wg);
}

/* ---- the test (do not change) ------------------------------------------ */

int main(void) {
    thumbnail_all();
    printf("bytes: %lld\n", (long long)atomic_i64_load(&done_bytes));
    printf("most at once: %lld\n", (long long)atomic_i64_load(&most_running));
    return 0;
}
