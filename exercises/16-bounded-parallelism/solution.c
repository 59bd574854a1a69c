/*
 * Exercise 16 — implement bounded parallelism: reference solution.
 *
 * A buffered channel with LIMIT slots is a counting semaphore: the loop
 * sends a token before starting a worker (blocking while LIMIT are
 * running), each worker receives one back when it is done.  So the loop
 * itself is throttled, and never more than LIMIT goroutines exist at once.
 * (Alternatives: semaphore_new(LIMIT), or an errgroup with
 * errgroup_set_limit(g, LIMIT); or LIMIT workers reading a jobs channel.)
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
    chan_t *slots;
} job;

static void thumbnail_worker(void *arg) {
    job *j = arg;
    make_thumbnail(j->photo);
    chan_recv(j->slots, NULL); /* give the slot back */
    wg_done(j->wg);
}

static void thumbnail_all(void) {
    static job jobs[PHOTOS];
    waitgroup_t wg = WAITGROUP_INIT;
    chan_t *slots = chan_make_named("slots", int, LIMIT);
    for (int i = 0; i < PHOTOS; i++) {
        chan_send_v(slots, int, 1); /* take a slot: waits while LIMIT are running */
        jobs[i] = (job){i + 1, &wg, slots};
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
