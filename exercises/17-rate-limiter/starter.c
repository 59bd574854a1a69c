/*
 * Exercise 17 — implement a token-bucket rate limiter (hard).
 *
 * Three clients share one limiter: at most one request per EVERY, with a
 * burst of BURST requests allowed at once after a quiet period.  The
 * limiter below is a stub that lets everything through.  Implement
 * limiter_new(), limiter_wait() and limiter_stop() ("your part").
 *
 * Check your work:  chanscope exercise check 17 --file THIS_FILE.c
 */
#include <stdio.h>
#include <stdlib.h>

#include "chanscope.h"

#define BURST 3
#define EVERY (20 * MILLISECOND)
#define CLIENTS 3
#define REQUESTS_EACH 3

/* ---- your part ---------------------------------------------------------- */

typedef struct limiter {
    int burst;
    duration_t every;
    /* TODO: what does a token bucket need? */
} limiter;

/* A limiter that starts full (burst tokens) and adds one token per `every`,
 * never holding more than `burst`. */
static limiter *limiter_new(int burst, duration_t every) {
    limiter *l = calloc(1, sizeof *l);
    l->burst = burst;
    l->every = every;
    return l;
}

/* Blocks until a token is available, and takes it. */
static void limiter_wait(limiter *l) {
    (void)l; /* TODO */
}

/* Stops refilling.  When it returns, nothing the limiter started is left. */
static void limiter_stop(limiter *l) {
    (void)l; /* TODO */
}

/* ---- the test (do not change) ------------------------------------------ */

static limiter *lim;
static int64_t start;
static atomic_i64 granted = ATOMIC_I64_INIT, burst_ms = ATOMIC_I64_INIT,
                  all_ms = ATOMIC_I64_INIT;
static waitgroup_t clients = WAITGROUP_INIT;

static void client(void *arg) {
    (void)arg;
    for (int i = 0; i < REQUESTS_EACH; i++) {
        limiter_wait(lim);
        int64_t n = atomic_i64_add(&granted, 1);
        int64_t ms = time_since(start) / MILLISECOND;
        if (n == BURST) atomic_i64_store(&burst_ms, ms);
        if (n == CLIENTS * REQUESTS_EACH) atomic_i64_store(&all_ms, ms);
    }
    wg_done(&clients);
}

int main(void) {
    lim = limiter_new(BURST, EVERY);
    start = time_now();
    wg_add(&clients, CLIENTS);
    for (int i = 0; i < CLIENTS; i++) go(client, NULL);
    wg_wait(&clients);
    limiter_stop(lim);
    printf("requests: %lld\n", (long long)atomic_i64_load(&granted));
    printf("first %d served after: %lld ms\n", BURST, (long long)atomic_i64_load(&burst_ms));
    printf("all served after: %lld ms\n", (long long)atomic_i64_load(&all_ms));
    return 0;
}
