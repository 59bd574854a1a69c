/*
 * Exercise 14 — a circuit breaker that holds its mutex during the call (hard).
 *
 * breaker_call() guards a flaky service: after 3 failures in a row the
 * breaker opens and rejects calls at once.  Its state is guarded by a
 * mutex... which breaker_call() holds for the whole protected call.  Four
 * request handlers call through it at the same time; each lookup takes
 * 20 ms; they take 80 ms, one after another.  No deadlock, no leak, no
 * race: the program is correct and slow, and the checker measures it.
 *
 * Check your fix:  chanscope exercise check 14 --file THIS_FILE.c
 */
#include <stdio.h>

#include "chanscope.h"

#define HANDLERS 4

typedef enum { CLOSED, OPEN } breaker_state;

typedef struct breaker {
    mutex_t mu;          /* guards state and failures */
    breaker_state state;
    int failures;        /* consecutive failures */
    int threshold;
} breaker;

typedef err_t (*call_fn)(void *arg);
static err_t err_open;   /* "circuit open", set in main */

static err_t breaker_call(breaker *b, call_fn fn, void *arg) {
    mutex_lock(&b->mu);
    SHARED_READ(b->state);
    if (b->state == OPEN) {
        mutex_unlock(&b->mu);
        return err_open;
    }
    err_t err = fn(arg); /* the protected call */
    SHARED_WRITE(b->failures);
    if (err) {
        if (++b->failures >= b->threshold) {
            SHARED_WRITE(b->state);
            b->state = OPEN;
        }
    } else {
        b->failures = 0;
    }
    mutex_unlock(&b->mu);
    return err;
}

/* The service: a 20 ms lookup.  Counts how many run at the same time. */
static atomic_i64 in_flight = ATOMIC_I64_INIT, most_in_flight = ATOMIC_I64_INIT;

static err_t lookup(void *arg) {
    (void)arg;
    int64_t now = atomic_i64_add(&in_flight, 1);
    int64_t seen = atomic_i64_load(&most_in_flight);
    while (now > seen && !atomic_i64_cas(&most_in_flight, seen, now))
        seen = atomic_i64_load(&most_in_flight);
    time_sleep(20 * MILLISECOND);
    atomic_i64_add(&in_flight, -1);
    return NULL;
}

static breaker br = {MUTEX_INIT, CLOSED, 0, 3};
static waitgroup_t wg = WAITGROUP_INIT;
static atomic_i64 ok_calls = ATOMIC_I64_INIT;

static void handler(void *arg) {
    (void)arg;
    if (breaker_call(&br, lookup, NULL) == NULL) atomic_i64_add(&ok_calls, 1);
    wg_done(&wg);
}

int main(void) {
    err_open = error_new("circuit open");
    mutex_set_name(&br.mu, "breaker.mu");
    wg_add(&wg, HANDLERS);
    for (int i = 0; i < HANDLERS; i++) go(handler, NULL);
    wg_wait(&wg);
    printf("successful calls: %lld\n", (long long)atomic_i64_load(&ok_calls));
    printf("most calls in flight at once: %lld\n", (long long)atomic_i64_load(&most_in_flight));
    return 0;
}
