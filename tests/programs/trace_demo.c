/*
 * trace_demo.c — a small traced program for the tracer's end-to-end tests
 * (tests/e2e/trace_*.sh): a worker pool with channels, a select with a
 * timeout, a mutex-guarded total and a wait group.
 *
 *   trace_demo [MODE] [ARGS...]
 *     (none)     run the pool, print the total, exit 0
 *     exit N     run the pool, then exit(N)
 *     sleep      run the pool, then wait forever (for signal tests)
 *     panic      run the pool, then send on a closed channel
 *     badutf8    run the pool, then log and panic with bytes that are not UTF-8
 *     stream F [G]  run the pool, print "ready"; if G is given wait (untraced)
 *                until file G exists; then send and receive on channel
 *                "stream" until file F exists; prints "streaming" once 1000
 *                messages are sent, and "sent N" at the end (N chan_send
 *                events on "stream"); paced, about 64 messages per ms
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chanscope.h"

enum { WORKERS = 3, JOBS = 40 };

static chan_t *jobs, *results;
static mutex_t mu = MUTEX_INIT;
static waitgroup_t wg = WAITGROUP_INIT;
static int64_t total;

static void worker(void *arg) {
    (void)arg;
    int64_t j;
    while (chan_recv(jobs, &j)) {
        mutex_lock(&mu);
        total += j;
        mutex_unlock(&mu);
        int64_t r = j * j;
        chan_send(results, &r);
    }
    wg_done(&wg);
}

static void closer(void *arg) {
    (void)arg;
    wg_wait(&wg);
    chan_close(results);
}

static void run_pool(void) {
    jobs = chan_make_named("jobs", int64_t, 4);
    results = chan_make_named("results", int64_t, 0);
    wg_add(&wg, WORKERS);
    for (int i = 0; i < WORKERS; i++) go(worker, NULL);
    go(closer, NULL);
    int64_t next = 1, squares = 0, r;
    bool ok;
    chan_t *res = results;
    while (res) {
        /* feed jobs while collecting results; nil case once all are sent */
        chan_t *feed = next <= JOBS ? jobs : NULL;
        switch (chan_select(select_send(feed, &next), select_recv(res, &r, &ok),
                            select_recv(time_after(SECOND), NULL, NULL))) {
        case 0:
            if (++next > JOBS) chan_close(jobs);
            break;
        case 1:
            if (ok) squares += r;
            else res = NULL;
            break;
        default:
            fprintf(stderr, "trace_demo: stuck\n");
            exit(1);
        }
    }
    trace_log("total %lld, squares %lld", (long long)total, (long long)squares);
    printf("total %lld squares %lld\n", (long long)total, (long long)squares);
}

int main(int argc, char **argv) {
    run_pool();
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "exit")) exit(argc > 2 ? atoi(argv[2]) : 0);
    if (!strcmp(mode, "sleep")) {
        printf("sleeping\n");
        fflush(stdout);
        chan_t *never = chan_make(int, 0);
        signal_notify(never, 1); /* SIGHUP: keeps "waiting for a signal" from being a deadlock */
        chan_recv(never, NULL);
    }
    if (!strcmp(mode, "stream") && argc > 2) {
        chan_t *c = chan_make_named("stream", int64_t, 1);
        int64_t n = 0, x;
        printf("ready\n");
        fflush(stdout);
        while (argc > 3 && access(argv[3], F_OK) != 0) usleep(1000);
        for (bool stop = false; !stop; n++) {
            chan_send(c, &n);
            chan_recv(c, &x);
            if (n == 1000) {
                printf("streaming\n");
                fflush(stdout);
            }
            if (n % 64 == 0) { /* paced: ~250 k events/s, a trace of a few seconds stays small */
                stop = access(argv[2], F_OK) == 0;
                usleep(1000);
            }
        }
        printf("sent %lld\n", (long long)n);
    }
    if (!strcmp(mode, "badutf8")) {
        trace_log("log \xff\xfe\xc0\xaf bytes");
        go_panic("panic \xed\xa0\x80 \xf5 bytes");
    }
    if (!strcmp(mode, "panic")) {
        chan_t *c = chan_make(int, 1);
        chan_close(c);
        chan_send_v(c, int, 1);
    }
    return 0;
}
