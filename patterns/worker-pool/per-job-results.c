/*
 * worker-pool/per-job-results.c — a pool where every job carries its own
 * result channel (a "future"): Submit returns the channel, the caller
 * receives each answer where it needs it, in the order it wants.
 *
 * Go:
 *   type Job struct {
 *       N      int
 *       Result chan int          // buffered(1): the worker never waits for the caller
 *   }
 *   type Pool struct {
 *       jobs chan Job
 *       wg   sync.WaitGroup
 *   }
 *   func (p *Pool) Start(workers int) {
 *       for i := 0; i < workers; i++ {
 *           p.wg.Add(1)
 *           go func() {
 *               defer p.wg.Done()
 *               for job := range p.jobs {
 *                   job.Result <- fib(job.N)
 *               }
 *           }()
 *       }
 *   }
 *   func (p *Pool) Submit(n int) <-chan int {
 *       job := Job{n, make(chan int, 1)}
 *       p.jobs <- job
 *       return job.Result
 *   }
 *   func (p *Pool) Stop() { close(p.jobs); p.wg.Wait() }
 *
 *   func main() {
 *       pool := &Pool{jobs: make(chan Job)}
 *       pool.Start(3)
 *       var futures []<-chan int
 *       for n := 10; n < 19; n++ { futures = append(futures, pool.Submit(n)) }
 *       for i, f := range futures { fmt.Printf("fib(%d) = %d\n", 10+i, <-f) }
 *       pool.Stop()
 *   }
 */
#include <stdio.h>

#include "chanscope.h"
#include "params.h"

/* --workers and --jobs are checked against these (one line, exit 2). */
enum { MAX_WORKERS = 1000, MAX_JOBS = 1000000 };

typedef struct {
    int n;
    chan_t *result; /* chan long, capacity 1 */
} job_t;

typedef struct {
    chan_t *jobs; /* chan job_t */
    waitgroup_t wg;
} pool_t;

static long fib(int n) {
    long a = 0, b = 1;
    for (int i = 0; i < n; i++) {
        long t = a + b;
        a = b;
        b = t;
    }
    time_sleep((n % 3 + 1) * MILLISECOND); /* pretend it is expensive */
    return a;
}

static void worker(void *arg) {
    pool_t *p = arg;
    job_t job;
    while (chan_recv(p->jobs, &job)) {
        long r = fib(job.n);
        chan_send(job.result, &r);
    }
    wg_done(&p->wg);
}

static void pool_start(pool_t *p, int workers) {
    for (int i = 0; i < workers; i++) {
        wg_add(&p->wg, 1);
        go(worker, p);
    }
}

static chan_t *pool_submit(pool_t *p, int n) {
    job_t job = {n, chan_make(long, 1)};
    chan_send(p->jobs, &job);
    return job.result;
}

static void pool_stop(pool_t *p) {
    chan_close(p->jobs);
    wg_wait(&p->wg);
}

int main(int argc, char **argv) {
    int workers = param_int_range(argc, argv, "workers", 3, 1, MAX_WORKERS);
    int njobs = param_int_range(argc, argv, "jobs", 9, 0, MAX_JOBS);
    params_end(argc, argv);

    pool_t pool = {.jobs = chan_make_named("jobs", job_t, 0)};
    pool_start(&pool, workers);
    chan_t **futures = calloc((size_t)njobs + 1, sizeof *futures); /* heap: any --jobs */
    if (!futures) go_panic("out of memory");
    for (int i = 0; i < njobs; i++) futures[i] = pool_submit(&pool, 10 + i);
    for (int i = 0; i < njobs; i++) {
        long v;
        chan_recv(futures[i], &v);
        printf("fib(%d) = %ld\n", 10 + i, v);
    }
    pool_stop(&pool);
    free(futures);
    return 0;
}
