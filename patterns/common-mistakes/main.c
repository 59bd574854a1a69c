/*
 * common-mistakes — the four classic goroutine and channel mistakes, each
 * written the right way.  The variants leak.c, race.c, unclosed-range.c and
 * deadlock.c are the wrong ways.
 *
 * The Go program this one follows:
 *
 *   // 1. A producer that can be stopped (leak.c cannot).
 *   ctx, cancel := context.WithCancel(context.Background())
 *   data, stopped := make(chan int), make(chan struct{})
 *   go func() {
 *       defer close(stopped)
 *       for i := 0; ; i++ {
 *           select {
 *           case data <- i:
 *           case <-ctx.Done():
 *               return
 *           }
 *       }
 *   }()
 *   for i := 0; i < 3; i++ { fmt.Println(<-data) }
 *   cancel()
 *   <-stopped
 *
 *   // 2. A counter shared by goroutines: atomic, and waited for (race.c).
 *   var counter atomic.Int64
 *   var wg sync.WaitGroup
 *   for i := 0; i < n; i++ {
 *       wg.Add(1)
 *       go func() { defer wg.Done(); counter.Add(1) }()
 *   }
 *   wg.Wait()
 *
 *   // 3. The sender closes the channel, so range ends (unclosed-range.c).
 *   ch := make(chan int)
 *   go func() {
 *       defer close(ch)
 *       for i := 0; i < 10; i++ { ch <- i }
 *   }()
 *   for v := range ch { sum += v }
 *
 *   // 4. Send jobs from their own goroutine while main collects (deadlock.c).
 *   jobs, results := make(chan int), make(chan int)
 *   var pool sync.WaitGroup
 *   for w := 0; w < 3; w++ {
 *       pool.Add(1)
 *       go func() {
 *           defer pool.Done()
 *           for j := range jobs { results <- j * j }
 *       }()
 *   }
 *   go func() {
 *       defer close(jobs)
 *       for j := 1; j <= 10; j++ { jobs <- j }
 *   }()
 *   go func() { pool.Wait(); close(results) }()
 *   for r := range results { total += r }
 *
 * What it shows: every goroutine has a way to finish (a context, a closed
 * channel, a WaitGroup), and every shared variable is reached through
 * synchronisation.  When main returns, nothing is left running.
 */
#include <stdio.h>

#include "chanscope.h"
#include "params.h"

/* ---- 1. a producer that can be stopped ---------------------------------- */

typedef struct {
    ctx_t *ctx;
    chan_t *data;    /* chan int */
    chan_t *stopped; /* chan struct{} */
} producer_args;

static void producer(void *arg) {
    producer_args *p = arg;
    for (int i = 0;; i++) {
        if (chan_select(select_send(p->data, &i), select_recv(ctx_done(p->ctx), NULL, NULL)) == 1)
            break;
    }
    chan_close(p->stopped);
}

static void stoppable_producer(void) {
    cancel_func cancel;
    producer_args p = {ctx_with_cancel(ctx_background(), &cancel), chan_make_named("data", int, 0),
                       chan_make_named("stopped", char, 0)};
    go(producer, &p);
    int v, got[3];
    for (int i = 0; i < 3; i++) {
        chan_recv(p.data, &v);
        got[i] = v;
    }
    ctx_cancel(cancel);
    chan_recv(p.stopped, NULL);
    printf("1. took %d %d %d, cancelled; the producer has returned\n", got[0], got[1], got[2]);
}

/* ---- 2. a counter: atomic, and waited for -------------------------------- */

static atomic_i64 counter;
static waitgroup_t wg;

static void incrementer(void *arg) {
    (void)arg;
    atomic_i64_add(&counter, 1);
    wg_done(&wg);
}

static void atomic_counter(int n) {
    for (int i = 0; i < n; i++) {
        wg_add(&wg, 1);
        go(incrementer, NULL);
    }
    wg_wait(&wg);
    printf("2. counter = %lld (want %d)\n", (long long)atomic_i64_load(&counter), n);
}

/* ---- 3. the sender closes, so range ends --------------------------------- */

static void sender(void *arg) {
    chan_t *ch = arg;
    for (int i = 0; i < 10; i++) chan_send(ch, &i);
    chan_close(ch); /* defer close(ch) */
}

static void closed_range(void) {
    chan_t *ch = chan_make_named("ch", int, 0);
    go(sender, ch);
    int v, sum = 0;
    while (chan_recv(ch, &v)) sum += v;
    printf("3. range ended at close: sum 0..9 = %d\n", sum);
}

/* ---- 4. feed jobs from a goroutine while main collects ------------------- */

typedef struct {
    chan_t *jobs, *results;
    waitgroup_t pool;
} pool_chans;

static void squarer(void *arg) {
    pool_chans *c = arg;
    int j;
    while (chan_recv(c->jobs, &j)) chan_send_v(c->results, int, j * j);
    wg_done(&c->pool);
}

static void results_closer(void *arg) {
    pool_chans *c = arg;
    wg_wait(&c->pool);
    chan_close(c->results);
}

static void feeder(void *arg) {
    pool_chans *c = arg;
    for (int j = 1; j <= 10; j++) chan_send(c->jobs, &j);
    chan_close(c->jobs);
}

static void no_deadlock(void) {
    pool_chans c = {chan_make_named("jobs", int, 0), chan_make_named("results", int, 0),
                    WAITGROUP_INIT};
    for (int w = 0; w < 3; w++) {
        wg_add(&c.pool, 1);
        go(squarer, &c);
    }
    go(feeder, &c);
    go(results_closer, &c);
    int r, total = 0;
    while (chan_recv(c.results, &r)) total += r;
    printf("4. sum of squares 1..10 = %d\n", total);
}

int main(int argc, char **argv) {
    int n = param_int(argc, argv, "n", 20);
    params_end(argc, argv);

    stoppable_producer();
    atomic_counter(n);
    closed_range();
    no_deadlock();
    return 0;
}
