/*
 * worker-pool/main.c — a fixed set of workers drains a jobs channel and
 * reports on a results channel; the pool has Start, Submit and Stop, and its
 * workers honour a context.
 *
 * Go:
 *   type Result struct{ Job, Value int; Err error }
 *   type Pool struct {
 *       jobs    chan int
 *       results chan Result
 *       wg      sync.WaitGroup
 *   }
 *   func NewPool(queue int) *Pool {
 *       return &Pool{jobs: make(chan int, queue), results: make(chan Result)}
 *   }
 *   func (p *Pool) Start(ctx context.Context, workers int) {
 *       for i := 0; i < workers; i++ {
 *           p.wg.Add(1)
 *           go p.worker(ctx)
 *       }
 *   }
 *   func (p *Pool) worker(ctx context.Context) {
 *       defer p.wg.Done()
 *       for {
 *           select {
 *           case <-ctx.Done():
 *               return
 *           case job, ok := <-p.jobs:
 *               if !ok {
 *                   return
 *               }
 *               v, err := process(ctx, job)
 *               select {
 *               case p.results <- Result{job, v, err}:
 *               case <-ctx.Done():
 *                   return
 *               }
 *           }
 *       }
 *   }
 *   func (p *Pool) Submit(job int) { p.jobs <- job }
 *   func (p *Pool) Stop() { close(p.jobs); p.wg.Wait(); close(p.results) }
 *
 *   func main() {
 *       ctx, cancel := context.WithCancel(context.Background())
 *       defer cancel()
 *       pool := NewPool(3)
 *       pool.Start(ctx, 3)
 *       go func() {                       // submit, then stop: results closes
 *           for j := 1; j <= 9; j++ { pool.Submit(j) }
 *           pool.Stop()
 *       }()
 *       for r := range pool.results { ... }   // every result, errors included
 *   }
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
    if (job % 4 == 0) return errorf("job %d: bad input", job);
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
