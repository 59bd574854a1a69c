/*
 * fan-out-fan-in/main.c — fan out: several workers read one input channel,
 * each with its own output channel; fan in: one forwarder per output copies
 * into a merged channel, which a last goroutine closes after wg.Wait().
 *
 * Go:
 *   type Result struct{ Worker, N, Square int }
 *   func worker(ctx context.Context, id int, in <-chan int) <-chan Result {
 *       out := make(chan Result)
 *       go func() {
 *           defer close(out)
 *           for n := range in {
 *               time.Sleep(time.Millisecond)                 // the work
 *               select {
 *               case out <- Result{id, n, n * n}:
 *               case <-ctx.Done():
 *                   return
 *               }
 *           }
 *       }()
 *       return out
 *   }
 *   func merge(ctx context.Context, outs ...<-chan Result) <-chan Result {
 *       var wg sync.WaitGroup
 *       merged := make(chan Result)
 *       wg.Add(len(outs))
 *       for _, c := range outs {
 *           go func(c <-chan Result) {
 *               defer wg.Done()
 *               for r := range c {
 *                   select {
 *                   case merged <- r:
 *                   case <-ctx.Done():
 *                       return
 *                   }
 *               }
 *           }(c)
 *       }
 *       go func() { wg.Wait(); close(merged) }()         // the only close
 *       return merged
 *   }
 *   func main() {
 *       ctx, cancel := context.WithCancel(context.Background())
 *       defer cancel()
 *       in := make(chan int)
 *       go func() { defer close(in); for n := 1; n <= 12; n++ { in <- n } }()
 *       outs := make([]<-chan Result, 3)
 *       for i := range outs { outs[i] = worker(ctx, i+1, in) }      // fan out
 *       sum, count := 0, 0
 *       for r := range merge(ctx, outs...) { sum += r.Square; count++ }   // fan in
 *       fmt.Println(count, "results, sum of squares", sum)
 *   }
 */
#include <stdio.h>
#include <stdlib.h>

#include "chanscope.h"
#include "params.h"

typedef struct {
    int worker, n, square;
} result_t;

typedef struct {
    ctx_t *ctx;
    int id;
    chan_t *in, *out;
} worker_args;

static void worker_run(void *arg) {
    worker_args *w = arg;
    int n;
    while (chan_recv(w->in, &n)) {
        time_sleep(MILLISECOND); /* the work */
        result_t r = {w->id, n, n * n};
        if (chan_select(select_send(w->out, &r), select_recv(ctx_done(w->ctx), NULL, NULL)) == 1)
            break;
    }
    chan_close(w->out);
}

static chan_t *worker(ctx_t *ctx, int id, chan_t *in) {
    worker_args *w = malloc(sizeof *w);
    *w = (worker_args){ctx, id, in, chan_make_named("out", result_t, 0)};
    go(worker_run, w);
    return w->out;
}

typedef struct {
    ctx_t *ctx;
    chan_t *c, *merged;
    waitgroup_t *wg;
} forward_args;

static void forward(void *arg) {
    forward_args *f = arg;
    result_t r;
    while (chan_recv(f->c, &r))
        if (chan_select(select_send(f->merged, &r), select_recv(ctx_done(f->ctx), NULL, NULL)) == 1)
            break;
    wg_done(f->wg);
}

typedef struct {
    waitgroup_t *wg;
    chan_t *merged;
} closer_args;

static void closer(void *arg) {
    closer_args *c = arg;
    wg_wait(c->wg);
    chan_close(c->merged); /* the only close */
}

static chan_t *merge(ctx_t *ctx, chan_t **outs, int n) {
    waitgroup_t *wg = calloc(1, sizeof *wg);
    chan_t *merged = chan_make_named("merged", result_t, 0);
    wg_add(wg, n);
    for (int i = 0; i < n; i++) {
        forward_args *f = malloc(sizeof *f);
        *f = (forward_args){ctx, outs[i], merged, wg};
        go(forward, f);
    }
    closer_args *c = malloc(sizeof *c);
    *c = (closer_args){wg, merged};
    go(closer, c);
    return merged;
}

typedef struct {
    chan_t *in;
    int n;
} source_args;

static void source(void *arg) {
    source_args *s = arg;
    for (int n = 1; n <= s->n; n++) chan_send(s->in, &n);
    chan_close(s->in);
}

int main(int argc, char **argv) {
    int workers = param_int(argc, argv, "workers", 3);
    int items = param_int(argc, argv, "items", 12);
    params_end(argc, argv);

    cancel_func cancel;
    ctx_t *ctx = ctx_with_cancel(ctx_background(), &cancel);
    chan_t *in = chan_make_named("in", int, 0);
    source_args sa = {in, items};
    go(source, &sa);
    chan_t *outs[workers > 0 ? workers : 1];
    for (int i = 0; i < workers; i++) outs[i] = worker(ctx, i + 1, in); /* fan out */
    long sum = 0;
    int count = 0;
    result_t r;
    chan_t *merged = merge(ctx, outs, workers); /* fan in */
    while (chan_recv(merged, &r)) {
        sum += r.square;
        count++;
    }
    printf("%d results, sum of squares %ld\n", count, sum);
    ctx_cancel(cancel);
    return 0;
}
