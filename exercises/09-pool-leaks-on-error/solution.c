/*
 * Exercise 09 — a worker pool that leaks on the first error: reference solution.
 *
 * A context tells the feeder and the workers to stop: every send that could
 * wait forever is a select with a case on ctx_done(ctx).  On the first
 * error process_all() cancels, then waits for all of them (a WaitGroup)
 * before it returns, so nothing it started outlives it.  (This is what
 * errgroup.WithContext packages up.)
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
    ctx_t *ctx;
    waitgroup_t wg; /* the feeder and the workers */
} pool;

static void feeder(void *arg) {
    pool *p = arg;
    for (int j = 1; j <= NJOBS; j++) {
        if (chan_select(select_send(p->jobs, &j), select_recv(ctx_done(p->ctx), NULL, NULL)) == 1)
            break; /* cancelled: stop feeding (breaks the for, not just a switch) */
    }
    chan_close(p->jobs);
    wg_done(&p->wg);
}

static void worker(void *arg) {
    pool *p = arg;
    int j;
    while (chan_recv(p->jobs, &j)) {
        time_sleep(2 * MILLISECOND); /* the work */
        result r = {j, j == BAD_JOB ? errorf("job %d failed", j) : NULL, j * 10};
        if (chan_select(select_send(p->results, &r), select_recv(ctx_done(p->ctx), NULL, NULL)) == 1)
            break; /* nobody will read this result any more */
    }
    wg_done(&p->wg);
}

/* The sum of all results, or the first error. */
static err_t process_all(long *sum) {
    static pool p;
    cancel_func cancel;
    p.ctx = ctx_with_cancel(ctx_background(), &cancel);
    p.jobs = chan_make_named("jobs", int, 0);
    p.results = chan_make_named("results", result, 0);
    wg_add(&p.wg, 1 + WORKERS);
    go(feeder, &p);
    for (int i = 0; i < WORKERS; i++) go(worker, &p);

    err_t err = NULL;
    *sum = 0;
    for (int i = 0; i < NJOBS; i++) {
        result r;
        chan_recv(p.results, &r);
        if (r.err) {
            err = r.err; /* first error: stop everybody */
            break;
        }
        *sum += r.value;
    }
    ctx_cancel(cancel);
    wg_wait(&p.wg); /* nothing we started outlives this call */
    return err;
}

int main(void) {
    long sum;
    err_t err = process_all(&sum);
    if (err) printf("error: %s\n", err_msg(err));
    else printf("sum: %ld\n", sum);
    time_sleep(20 * MILLISECOND); /* the server goes on serving other requests */
    return 0;
}
