/*
 * worker-pool/panic-in-worker.c — MISUSE: a worker panics on a bad job.  A
 * panic that nobody recovers ends the whole program, not just the goroutine
 * that panicked: the other workers, the submitter and main stop wherever
 * they are, and the results already computed are lost.  (recover() only
 * works inside the panicking goroutine; in C there is none at all.)
 *
 * Go (main.c's process, written like this):
 *   func process(ctx context.Context, job int) (int, error) {
 *       ...
 *       if job%4 == 0 {
 *           panic(fmt.Sprintf("job %d: bad input", job))   // BUG: should return an error
 *       }
 *       return job * job, nil
 *   }
 *
 * On every run: job 4 is always processed before main can finish.
 * Fix: return an error and let the caller decide (main.c).
 */
#include <stdio.h>

#include "chanscope.h"
#include "params.h"

/* --workers and --jobs are checked against these (one line, exit 2). */
enum { MAX_WORKERS = 1000, MAX_JOBS = 1000000 };

typedef struct {
    int job, value;
    err_t err;
} result_t;

typedef struct {
    chan_t *jobs;    /* chan int */
    chan_t *results; /* chan result_t */
    waitgroup_t wg;
    ctx_t *ctx;
} pool_t;

/* process squares a job; every 4th job fails.  It takes a few ms (or less
 * if the context is cancelled first). */
static err_t process(ctx_t *ctx, int job, int *value) {
    switch (chan_select(select_recv(time_after((job % 3 + 1) * MILLISECOND), NULL, NULL),
                        select_recv(ctx_done(ctx), NULL, NULL))) {
    case 1:
        return ctx_err(ctx);
    }
    if (job % 4 == 0) go_panic("job %d: bad input", job); /* BUG: should return an error */
    *value = job * job;
    return NULL;
}

static void worker(void *arg) {
    pool_t *p = arg;
    for (;;) {
        int job;
        bool ok;
        switch (chan_select(select_recv(ctx_done(p->ctx), NULL, NULL),
                            select_recv(p->jobs, &job, &ok))) {
        case 0:
            wg_done(&p->wg);
            return;
        case 1:
            if (!ok) {
                wg_done(&p->wg);
                return;
            }
            result_t r = {job, 0, NULL};
            r.err = process(p->ctx, job, &r.value);
            switch (chan_select(select_send(p->results, &r),
                                select_recv(ctx_done(p->ctx), NULL, NULL))) {
            case 1:
                wg_done(&p->wg);
                return;
            }
        }
    }
}

static void pool_start(pool_t *p, ctx_t *ctx, int workers) {
    p->ctx = ctx;
    for (int i = 0; i < workers; i++) {
        wg_add(&p->wg, 1);
        go(worker, p);
    }
}

static void pool_submit(pool_t *p, int job) { chan_send(p->jobs, &job); }

static void pool_stop(pool_t *p) {
    chan_close(p->jobs);
    wg_wait(&p->wg);
    chan_close(p->results);
}

typedef struct {
    pool_t *pool;
    int njobs;
} submitter_args;

static void submitter(void *arg) {
    submitter_args *a = arg;
    for (int j = 1; j <= a->njobs; j++) pool_submit(a->pool, j);
    pool_stop(a->pool);
}

int main(int argc, char **argv) {
    int workers = param_int_range(argc, argv, "workers", 3, 1, MAX_WORKERS);
    int njobs = param_int_range(argc, argv, "jobs", 9, 0, MAX_JOBS);
    params_end(argc, argv);

    cancel_func cancel;
    ctx_t *ctx = ctx_with_cancel(ctx_background(), &cancel);
    pool_t pool = {.jobs = chan_make_named("jobs", int, 3),
                   .results = chan_make_named("results", result_t, 0)};
    pool_start(&pool, ctx, workers);
    submitter_args sa = {&pool, njobs};
    go(submitter, &sa);

    /* Results arrive in completion order; print them in job order. */
    result_t *byjob = calloc((size_t)njobs + 1, sizeof *byjob); /* heap: any --jobs */
    if (!byjob) go_panic("out of memory");
    result_t r;
    int ok = 0, failed = 0;
    while (chan_recv(pool.results, &r)) {
        byjob[r.job] = r;
        if (r.err) failed++;
        else ok++;
    }
    for (int j = 1; j <= njobs; j++) {
        if (byjob[j].err) printf("job %d: error: %s\n", j, err_msg(byjob[j].err));
        else printf("job %d: %d\n", j, byjob[j].value);
    }
    printf("%d jobs on %d workers: %d ok, %d failed\n", njobs, workers, ok, failed);
    ctx_cancel(cancel);
    free(byjob);
    return 0;
}
