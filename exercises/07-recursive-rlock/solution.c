/*
 * Exercise 07 — a recursive read lock behind a writer: reference solution.
 *
 * The lookup is split in two: get_locked() assumes the caller holds the
 * lock (read or write) and never locks; get() is the public wrapper that
 * takes the read lock around it.  describe() holds the read lock once and
 * uses get_locked(), so no goroutine ever asks for a read lock it already
 * holds, and a waiting writer simply waits for describe() to finish.
 */
#include <stdio.h>
#include <string.h>

#include "chanscope.h"

#define NKEYS 3

typedef struct store {
    rwmutex_t mu;
    const char *keys[NKEYS];
    int values[NKEYS];
} store;

static store settings = {RWMUTEX_INIT, {"workers", "retries", "timeout_ms"}, {4, 3, 250}};
static waitgroup_t wg = WAITGROUP_INIT;
static atomic_i64 describing = ATOMIC_I64_INIT; /* lets the admin arrive at the worst moment */

/* Caller holds s->mu (read or write). */
static int get_locked(store *s, const char *key) {
    for (int i = 0; i < NKEYS; i++)
        if (!strcmp(s->keys[i], key)) return s->values[i];
    return -1;
}

static int get(store *s, const char *key) {
    rwmutex_rlock(&s->mu);
    int v = get_locked(s, key);
    rwmutex_runlock(&s->mu);
    return v;
}

static void set(store *s, const char *key, int value) {
    rwmutex_lock(&s->mu);
    for (int i = 0; i < NKEYS; i++)
        if (!strcmp(s->keys[i], key)) s->values[i] = value;
    rwmutex_unlock(&s->mu);
}

/* A consistent snapshot: the read lock is held for the whole description. */
static void describe(store *s, char *out, size_t n) {
    rwmutex_rlock(&s->mu);
    atomic_i64_store(&describing, 1);
    time_sleep(30 * MILLISECOND); /* formatting is slow; the writer arrives meanwhile */
    snprintf(out, n, "workers=%d retries=%d timeout_ms=%d", get_locked(s, "workers"),
             get_locked(s, "retries"), get_locked(s, "timeout_ms"));
    rwmutex_runlock(&s->mu);
}

static void reporter(void *arg) {
    (void)arg;
    char line[128];
    describe(&settings, line, sizeof line);
    printf("report: %s\n", line);
    wg_done(&wg);
}

static void admin(void *arg) {
    (void)arg;
    while (atomic_i64_load(&describing) == 0) /* arrive while the reporter is describing */
        time_sleep(MILLISECOND);
    set(&settings, "retries", 5);
    wg_done(&wg);
}

int main(void) {
    rwmutex_set_name(&settings.mu, "settings.mu");
    wg_add(&wg, 2);
    go(reporter, NULL);
    go(admin, NULL);
    wg_wait(&wg);
    printf("retries now: %d\n", get(&settings, "retries"));
    return 0;
}
