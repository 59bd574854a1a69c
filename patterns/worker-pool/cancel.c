/*
 * worker-pool/cancel.c — stopping a pool early: the caller needs only the
 * first few results, so it cancels the context.  Every blocking step of the
 * pool selects on ctx.Done() — the workers' receive and send, and Submit —
 * so all of them leave; the caller then drains `results` until Stop has
 * closed it, which proves that every worker and the submitter are gone.
 *
 * Go (main.c's pool, with a context-aware Submit):
 *   func (p *Pool) Submit(ctx context.Context, job int) error {
 *       select {
 *       case p.jobs <- job:
 *           return nil
 *       case <-ctx.Done():
 *           return ctx.Err()
 *       }
 *   }
 *   func main() {
 *       ctx, cancel := context.WithCancel(context.Background())
 *       pool := NewPool(3)
 *       pool.Start(ctx, 3)
 *       go func() {
 *           for j := 1; j <= 30; j++ {
 *               if pool.Submit(ctx, j) != nil {
 *                   break                  // cancelled: submit nothing more
 *               }
 *           }
 *           pool.Stop()                    // close(jobs); wg.Wait(); close(results)
 *       }()
 *       for i := 0; i < 4; i++ {
 *           r := <-pool.results
 *           fmt.Println("job", r.Job, "->", r.Value, r.Err)
 *       }
 *       cancel()                           // we have enough
 *       for range pool.results {           // drain until Stop closes it
 *       }
 *       fmt.Println("pool stopped:", ctx.Err())
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

static err_t pool_submit(pool_t *p, ctx_t *ctx, int job) {
    switch (chan_select(select_send(p->jobs, &job), select_recv(ctx_done(ctx), NULL, NULL))) {
    case 0:
        return NULL;
    default:
        return ctx_err(ctx);
    }
}

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
    for (int j = 1; j <= a->njobs; j++)
        if (pool_submit(a->pool, a->pool->ctx, j) != NULL) break; /* cancelled */
    pool_stop(a->pool);
}

int main(int argc, char **argv) {
    int workers = param_int_range(argc, argv, "workers", 3, 1, MAX_WORKERS);
    int njobs = param_int_range(argc, argv, "jobs", 30, 0, MAX_JOBS);
    int take = param_int(argc, argv, "take", 4);
    params_end(argc, argv);

    cancel_func cancel;
    ctx_t *ctx = ctx_with_cancel(ctx_background(), &cancel);
    pool_t pool = {.jobs = chan_make_named("jobs", int, 3),
                   .results = chan_make_named("results", result_t, 0)};
    pool_start(&pool, ctx, workers);
    submitter_args sa = {&pool, njobs};
    go(submitter, &sa);

    result_t r;
    for (int i = 0; i < take && chan_recv(pool.results, &r); i++) {
        if (r.err) printf("a result: job failed: %s\n", err_msg(r.err));
        else printf("a result: %d\n", r.value);
    }
    ctx_cancel(cancel);                      /* we have enough */
    while (chan_recv(pool.results, NULL)) {} /* drain until Stop closes it */
    printf("pool stopped: %s\n", err_msg(ctx_err(ctx)));
    return 0;
}
