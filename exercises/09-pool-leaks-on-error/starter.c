/*
 * Exercise 09 — a worker pool that leaks on the first error (medium).
 *
 * process_all() feeds twelve jobs to three workers and adds up their
 * results.  When a job fails it returns the error at once — the right
 * behaviour for the caller — but it walks away from the feeder and the
 * workers, which stay blocked forever.  In a server that calls
 * process_all() per request, every failed request leaks four goroutines.
 *
 * Check your fix:  chanscope exercise check 09 --file THIS_FILE.c
 */
#include <stdio.h>

#include "chanscope.h"

#define WORKERS 3
#define NJOBS 12
#define BAD_JOB 4 /* this one fails */

typedef struct result {
    int job;
    err_t err;
    int value;
} result;

typedef struct pool {
    chan_t *jobs, *results;
} pool;

static void feeder(void *arg) {
    pool *p = arg;
    for (int j = 1; j <= NJOBS; j++) chan_send(p->jobs, &j);
    chan_close(p->jobs);
}

static void worker(void *arg) {
    pool *p = arg;
    int j;
    while (chan_recv(p->jobs, &j)) {
        time_sleep(2 * MILLISECOND); /* the work */
        result r = {j, j == BAD_JOB ? errorf("job %d failed", j) : NULL, j * 10};
        chan_send(p->results, &r);
    }
}

/* The sum of all results, or the first error. */
static err_t process_all(long *sum) {
    static pool p;
    p.jobs = chan_make_named("jobs", int, 0);
    p.results = chan_make_named("results", result, 0);
    go(feeder, &p);
    for (int i = 0; i < WORKERS; i++) go(worker, &p);

    *sum = 0;
    for (int i = 0; i < NJOBS; i++) {
        result r;
        chan_recv(p.results, &r);
        if (r.err) return r.err; /* first error: give up */
        *sum += r.value;
    }
    return NULL;
}

int main(void) {
    long sum;
    err_t err = process_all(&sum);
    if (err) printf("error: %s\n", err_msg(err));
    else printf("sum: %ld\n", sum);
    time_sleep(20 * MILLISECOND); /* the server goes on serving other requests */
    return 0;
}
