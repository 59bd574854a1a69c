/*
 * worker-pool/wg-per-stage.c — MISUSE: a multi-worker pipeline whose
 * WaitGroup is sized per stage but released per worker.  Three stages with
 * 2, 3 and 1 workers: Add(3), six Done()s.  The fourth Done drives the
 * counter negative: "panic: sync: negative WaitGroup counter".
 *
 * Go:
 *   type Stage struct {
 *       Name    string
 *       Workers int
 *       Fn      func(int) int
 *   }
 *   func Run(stages []Stage, in <-chan int) (<-chan int, *sync.WaitGroup) {
 *       all := new(sync.WaitGroup)
 *       all.Add(len(stages))                        // BUG: one count per stage...
 *       for _, s := range stages {
 *           out := make(chan int)
 *           left := new(atomic.Int64)
 *           left.Store(int64(s.Workers))
 *           for w := 0; w < s.Workers; w++ {
 *               go func(s Stage, in <-chan int, out chan<- int) {
 *                   for v := range in {
 *                       out <- s.Fn(v)
 *                   }
 *                   all.Done()                      // ...but one Done per worker
 *                   if left.Add(-1) == 0 {
 *                       close(out)                  // the stage's last worker closes
 *                   }
 *               }(s, in, out)
 *           }
 *           in = out
 *       }
 *       return in, all
 *   }
 *   func main() {
 *       src := make(chan int)
 *       go func() { for i := 1; i <= 12; i++ { src <- i }; close(src) }()
 *       out, all := Run([]Stage{{"double", 2, dbl}, {"square", 3, sq}, {"offset", 1, inc}}, src)
 *       sum := 0
 *       for v := range out { sum += v }
 *       all.Wait()
 *       fmt.Println("sum:", sum)
 *   }
 *
 * Why it fails on every run: a stage closes its output only after all its
 * workers have called Done, and main's range ends only after the last stage's
 * output closes.  So all five Done()s of the first two stages happen while
 * main is still ranging: the fourth is always reached.
 *
 * Fix: count what you release — all.Add(s.Workers) per stage (or Add(1) just
 * before each `go`).
 */
#include <stdio.h>
#include <stdlib.h>

#include "chanscope.h"
#include "params.h"

typedef struct {
    const char *name;
    int workers;
    int (*fn)(int);
} stage_t;

static int dbl(int v) { return 2 * v; }
static int sq(int v) { return v * v; }
static int inc(int v) { return v + 1; }

typedef struct {
    const stage_t *s;
    chan_t *in, *out;
    atomic_i64 *left;
    waitgroup_t *all;
} stage_worker_args;

static void stage_worker(void *arg) {
    stage_worker_args *a = arg;
    goroutine_set_name(a->s->name);
    int v;
    while (chan_recv(a->in, &v)) {
        int w = a->s->fn(v);
        chan_send(a->out, &w);
    }
    wg_done(a->all); /* BUG: released per worker, counted per stage */
    if (atomic_i64_add(a->left, -1) == 0) chan_close(a->out);
}

static chan_t *run(const stage_t *stages, int nstages, chan_t *in, waitgroup_t *all) {
    wg_add(all, nstages); /* BUG: one count per stage */
    for (int i = 0; i < nstages; i++) {
        const stage_t *s = &stages[i];
        chan_t *out = chan_make_named(s->name, int, 0);
        atomic_i64 *left = calloc(1, sizeof *left);
        atomic_i64_store(left, s->workers);
        for (int w = 0; w < s->workers; w++) {
            stage_worker_args *a = malloc(sizeof *a);
            *a = (stage_worker_args){s, in, out, left, all};
            go(stage_worker, a);
        }
        in = out;
    }
    return in;
}

typedef struct {
    chan_t *src;
    int n;
} source_args;

static void source(void *arg) {
    source_args *a = arg;
    for (int i = 1; i <= a->n; i++) chan_send(a->src, &i);
    chan_close(a->src);
}

int main(int argc, char **argv) {
    int n = param_int(argc, argv, "items", 12);
    params_end(argc, argv);

    static const stage_t stages[] = {{"double", 2, dbl}, {"square", 3, sq}, {"offset", 1, inc}};
    static waitgroup_t all = WAITGROUP_INIT;
    chan_t *src = chan_make_named("src", int, 0);
    source_args sa = {src, n};
    go(source, &sa);
    chan_t *out = run(stages, 3, src, &all);
    long sum = 0;
    int v;
    while (chan_recv(out, &v)) sum += v;
    wg_wait(&all);
    printf("sum: %ld\n", sum);
    return 0;
}
