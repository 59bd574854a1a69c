/*
 * worker-pool/leak-on-error.c — MISUSE: return on the first error and leave
 * the pool behind.  The workers block forever sending their results, the
 * submitter blocks forever on the jobs queue: a goroutine leak.
 *
 * Go (the pool is main.c's):
 *   func ProcessAll(ctx context.Context, jobs int) error {
 *       pool := NewPool(3)
 *       pool.Start(ctx, 3)                 // ctx is the caller's: never cancelled here
 *       go func() {
 *           for j := 1; j <= jobs; j++ { pool.Submit(j) }
 *           pool.Stop()
 *       }()
 *       for r := range pool.results {
 *           if r.Err != nil {
 *               return r.Err               // BUG: nobody receives the other results
 *           }
 *       }
 *       return nil
 *   }
 *   func main() {
 *       err := ProcessAll(context.Background(), 9)
 *       fmt.Println("ProcessAll:", err)
 *       time.Sleep(20 * time.Millisecond)  // the program goes on with other work
 *   }
 *
 * Fix: derive ctx, cancel := context.WithCancel(ctx); defer cancel() in
 * ProcessAll (the workers select on ctx.Done() and leave), or keep draining
 * results after the first error.
 */
#include <stdio.h>
#include <stdlib.h>

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

/* Job 1 fails at once; every other job takes 5 ms.  This forces the order
 * that shows the bug on every run: the error is the first result, so
 * ProcessAll returns while the other jobs are still being worked on. */
static err_t process(int job, int *value) {
    if (job == 1) return errorf("job %d: bad input", job);
    time_sleep(5 * MILLISECOND);
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
            r.err = process(job, &r.value);
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

static err_t process_all(ctx_t *ctx, int workers, int njobs) {
    pool_t *pool = calloc(1, sizeof *pool); /* outlives this call, like Go's heap */
    pool->jobs = chan_make_named("jobs", int, 3);
    pool->results = chan_make_named("results", result_t, 0);
    pool_start(pool, ctx, workers);
    submitter_args *sa = calloc(1, sizeof *sa);
    *sa = (submitter_args){pool, njobs};
    go(submitter, sa);
    result_t r;
    while (chan_recv(pool->results, &r)) {
        if (r.err) {
            trace_log("returning on the first error; the pool is left running");
            return r.err; /* BUG: the workers and the submitter are left blocked */
        }
        printf("job %d: %d\n", r.job, r.value);
    }
    return NULL;
}

int main(int argc, char **argv) {
    int workers = param_int_range(argc, argv, "workers", 3, 1, MAX_WORKERS);
    int njobs = param_int_range(argc, argv, "jobs", 9, 0, MAX_JOBS);
    params_end(argc, argv);

    err_t err = process_all(ctx_background(), workers, njobs);
    printf("ProcessAll: %s\n", err_msg(err));
    /* The program goes on with other work; meanwhile the workers finish their
     * jobs and block forever on `results`, which nobody receives any more. */
    time_sleep(20 * MILLISECOND);
    printf("goroutines still alive: %d (1 is main)\n", goroutine_count());
    return 0;
}
