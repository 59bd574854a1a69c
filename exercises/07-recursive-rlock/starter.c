/*
 * Exercise 07 — a recursive read lock behind a writer (medium).
 *
 * A settings store guarded by an RWMutex.  get() takes the read lock;
 * describe() takes the read lock too, and calls get() while holding it.
 * Two read locks at once are fine... until a writer arrives in between:
 * RWMutex prefers writers, so the second RLock waits for the writer, and
 * the writer waits for the first RLock to be released.
 *
 * Check your fix:  chanscope exercise check 07 --file THIS_FILE.c
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

static int get(store *s, const char *key) {
    rwmutex_rlock(&s->mu);
    int v = -1;
    for (int i = 0; i < NKEYS; i++)
        if (!strcmp(s->keys[i], key)) v = s->values[i];
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
    snprintf(out, n, "workers=%d retries=%d timeout_ms=%d", get(s, "workers"),
             get(s, "retries"), get(s, "timeout_ms"));
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
