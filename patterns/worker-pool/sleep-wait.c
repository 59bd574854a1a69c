/*
 * worker-pool/sleep-wait.c — MISUSE: a pool that "waits for completion"
 * with a sleep.  A sleep is not synchronisation: main reads the results
 * with no happens-before edge from the goroutines that wrote them (a data
 * race, on every run, however long the sleep), and whatever is not finished
 * when the sleep ends is simply abandoned (goroutines alive at exit).
 *
 * Go:
 *   type Job struct {
 *       ID     int
 *       Result chan string
 *   }
 *   func worker(jobs <-chan Job, quit <-chan struct{}) {
 *       for {
 *           select {
 *           case job := <-jobs:
 *               time.Sleep(time.Duration(job.ID) * 40 * time.Millisecond) // the work
 *               job.Result <- fmt.Sprintf("job %d done", job.ID)
 *           case <-quit:
 *               return
 *           }
 *       }
 *   }
 *   func main() {
 *       jobs, quit := make(chan Job, 9), make(chan struct{})
 *       for w := 0; w < 3; w++ { go worker(jobs, quit) }
 *       var mu sync.Mutex
 *       var done []string
 *       for i := 1; i <= 9; i++ {
 *           job := Job{i, make(chan string, 1)}
 *           jobs <- job
 *           go func(j Job) {                               // collect this job's result
 *               r := <-j.Result
 *               mu.Lock(); done = append(done, r); mu.Unlock()
 *           }(job)
 *       }
 *       time.Sleep(150 * time.Millisecond)                 // BUG: "wait for all jobs"
 *       fmt.Println(len(done), "of 9 jobs done")           // BUG: racy read
 *       close(quit)
 *   }
 *
 * Forced: job i takes i×40 ms, so on 3 workers jobs 1-3 are done after 40,
 * 80 and 120 ms, job 4 after 200 ms and the last one after 720 ms; main
 * looks after 150 ms.  On every run, even on a loaded machine (where a new
 * goroutine was seen to wait up to 80 ms for a CPU), some results have been
 * recorded by then (110 ms of slack: the race) and jobs are still running,
 * results still awaited, at exit (the leak).
 *
 * Fix: a sync.WaitGroup (Add per job, Done in the collector, Wait in main),
 * or receive every job's result in main.
 */
#include <stdio.h>
#include <stdlib.h>

#include "chanscope.h"
#include "params.h"

/* --workers and --jobs are checked against these (one line, exit 2). */
enum { MAX_WORKERS = 1000, MAX_JOBS = 1000000 };

typedef struct {
    int id;
    chan_t *result; /* chan int: the job id, when done */
} job_t;

typedef struct {
    chan_t *jobs; /* chan job_t */
    chan_t *quit; /* chan struct{} (closed to stop) */
} pool_t;

static void worker(void *arg) {
    pool_t *p = arg;
    for (;;) {
        job_t job;
        switch (chan_select(select_recv(p->jobs, &job, NULL), select_recv(p->quit, NULL, NULL))) {
        case 0:
            time_sleep(job.id * 40 * MILLISECOND); /* the work */
            chan_send(job.result, &job.id);
            break;
        case 1:
            return;
        }
    }
}

static mutex_t mu = MUTEX_INIT;
static int done[64];
static int ndone; /* len(done): written under mu, read by main without it */

static void collect(void *arg) {
    job_t *j = arg;
    int id;
    chan_recv(j->result, &id);
    mutex_lock(&mu);
    done[ndone] = id;
    ndone++;
    mutex_unlock(&mu);
}

int main(int argc, char **argv) {
    int workers = param_int_range(argc, argv, "workers", 3, 1, MAX_WORKERS);
    int njobs = param_int_range(argc, argv, "jobs", 9, 0, MAX_JOBS);
    params_end(argc, argv);
    if (njobs > 64) njobs = 64;

    pool_t pool = {chan_make_named("jobs", job_t, njobs), chan_make_named("quit", char, 0)};
    for (int w = 0; w < workers; w++) go(worker, &pool);

    job_t *jobs = calloc((size_t)njobs, sizeof *jobs);
    for (int i = 0; i < njobs; i++) {
        jobs[i] = (job_t){i + 1, chan_make(int, 1)};
        chan_send(pool.jobs, &jobs[i]);
        go(collect, &jobs[i]);
    }
    time_sleep(150 * MILLISECOND); /* BUG: "wait for all jobs to complete" */
    printf("%d of %d jobs done\n", ndone, njobs); /* BUG: no lock, no happens-before */
    chan_close(pool.quit);
    return 0;
}
