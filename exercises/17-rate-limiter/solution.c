/*
 * Exercise 17 — implement a token-bucket rate limiter: reference solution.
 *
 * The bucket is a buffered channel of capacity `burst`, filled at the
 * start.  A refiller goroutine adds one token per tick, dropping it when
 * the bucket is full (select + default), so at most `burst` accumulate.
 * Waiting is receiving a token.  Stop closes `quit`, waits for the refiller
 * to acknowledge by closing `stopped`, then stops the ticker.
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
    chan_t *tokens;       /* the bucket: capacity burst */
    time_ticker *ticker;  /* one new token per tick */
    chan_t *quit;         /* closed by limiter_stop */
    chan_t *stopped;      /* closed by the refiller as it ends */
} limiter;

static void refill(void *arg) {
    limiter *l = arg;
    for (;;) {
        switch (chan_select(select_recv(l->ticker->C, NULL, NULL),
                            select_recv(l->quit, NULL, NULL))) {
        case 0: /* a tick: add a token unless the bucket is full */
            chan_select(select_send(l->tokens, &(int){1}), select_default());
            break;
        case 1:
            chan_close(l->stopped);
            return;
        }
    }
}

/* A limiter that starts full (burst tokens) and adds one token per `every`,
 * never holding more than `burst`. */
static limiter *limiter_new(int burst, duration_t every) {
    limiter *l = calloc(1, sizeof *l);
    l->burst = burst;
    l->every = every;
    l->tokens = chan_make_named("tokens", int, burst);
    for (int i = 0; i < burst; i++) chan_send_v(l->tokens, int, 1);
    l->quit = chan_make_named("quit", int, 0);
    l->stopped = chan_make_named("stopped", int, 0);
    l->ticker = time_new_ticker(every);
    go(refill, l);
    return l;
}

/* Blocks until a token is available, and takes it. */
static void limiter_wait(limiter *l) {
    chan_recv(l->tokens, NULL);
}

/* Stops refilling.  When it returns, nothing the limiter started is left. */
static void limiter_stop(limiter *l) {
    chan_close(l->quit);
    chan_recv(l->stopped, NULL); /* the refiller has ended */
    time_ticker_stop(l->ticker);
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
