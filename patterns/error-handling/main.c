/*
 * error-handling — a result stream: each value travels with its error.
 *
 * The Go program this one follows:
 *
 *   type Result struct {
 *       Item, Value int
 *       Err         error
 *   }
 *
 *   func checkAll(ctx context.Context, items, workers int) <-chan Result {
 *       jobs := make(chan int)
 *       results := make(chan Result)
 *       go func() {                       // generator
 *           defer close(jobs)
 *           for it := 1; it <= items; it++ {
 *               select {
 *               case jobs <- it:
 *               case <-ctx.Done():
 *                   return
 *               }
 *           }
 *       }()
 *       var wg sync.WaitGroup
 *       for w := 0; w < workers; w++ {
 *           wg.Add(1)
 *           go func() {                   // worker
 *               defer wg.Done()
 *               for it := range jobs {
 *                   v, err := check(it)
 *                   select {
 *                   case results <- Result{it, v, err}:
 *                   case <-ctx.Done():
 *                       return
 *                   }
 *               }
 *           }()
 *       }
 *       go func() { wg.Wait(); close(results) }()   // closer
 *       return results
 *   }
 *
 *   func main() {
 *       // 1. Keep going: an error is just another result.
 *       for r := range checkAll(context.Background(), 16, 4) {
 *           if r.Err != nil { failed = append(failed, r); continue }
 *           sum += r.Value
 *       }
 *       // 2. Stop at the first error: cancel, then let the stream drain.
 *       ctx, cancel := context.WithCancel(context.Background())
 *       results := checkAll(ctx, 16, 4)
 *       for r := range results {
 *           if r.Err != nil { first = r.Err; cancel(); break }
 *       }
 *       for range results {}              // every stage has seen the cancel
 *   }
 *
 * What it shows: errors do not need a second channel.  Putting the error in
 * the result keeps values and errors in one ordered stream, so the consumer
 * decides what an error means: skip it, or stop.  Stopping is only clean
 * when the consumer tells the producers (cancel) and waits for the stream to
 * close; see stop-on-first-error.c for what happens otherwise.
 */
#include <stdio.h>
#include <stdlib.h>

#include "chanscope.h"
#include "params.h"

typedef struct {
    int item;
    int value;
    err_t err;
} result_t;

typedef struct {
    ctx_t *ctx;
    int items;
    chan_t *jobs;    /* chan int */
    chan_t *results; /* chan result_t */
    waitgroup_t wg;
} stream_t;

/* check(it): a slow validation that fails for every 7th item. */
static result_t check(int item) {
    time_sleep((1 + item % 3) * MILLISECOND);
    if (item % 7 == 0) return (result_t){item, 0, errorf("item %d: checksum mismatch", item)};
    return (result_t){item, item * 10, NULL};
}

static void generator(void *arg) {
    stream_t *s = arg;
    for (int it = 1; it <= s->items; it++) {
        switch (chan_select(select_send(s->jobs, &it), select_recv(ctx_done(s->ctx), NULL, NULL))) {
        case 0:
            continue;
        case 1:
            chan_close(s->jobs);
            return;
        }
    }
    chan_close(s->jobs);
}

static void worker(void *arg) {
    stream_t *s = arg;
    int it;
    while (chan_recv(s->jobs, &it)) {
        result_t r = check(it);
        if (r.err) trace_log("%s", err_msg(r.err));
        if (chan_select(select_send(s->results, &r),
                        select_recv(ctx_done(s->ctx), NULL, NULL)) == 1)
            break; /* cancelled */
    }
    wg_done(&s->wg);
}

static void closer(void *arg) {
    stream_t *s = arg;
    wg_wait(&s->wg);
    chan_close(s->results);
}

/* checkAll: start the stream and return it (the caller owns s). */
static chan_t *check_all(stream_t *s, ctx_t *ctx, int items, int workers) {
    *s = (stream_t){.ctx = ctx, .items = items};
    s->jobs = chan_make_named("jobs", int, 0);
    s->results = chan_make_named("results", result_t, 0);
    go(generator, s);
    for (int w = 0; w < workers; w++) {
        wg_add(&s->wg, 1);
        go(worker, s);
    }
    go(closer, s);
    return s->results;
}

int main(int argc, char **argv) {
    int items = param_int(argc, argv, "items", 16);
    int workers = param_int(argc, argv, "workers", 4);
    params_end(argc, argv);
    if (items < 1 || items > 1000 || workers < 1 || workers > 100) {
        fprintf(stderr, "%s: want 1 <= items <= 1000 and 1 <= workers <= 100\n", argv[0]);
        return 2;
    }

    /* 1. Keep going: collect every result, remember the failures. */
    stream_t s1;
    chan_t *results = check_all(&s1, ctx_background(), items, workers);
    err_t failed[items + 1];
    int nfailed = 0, ok = 0, sum = 0;
    for (int i = 0; i <= items; i++) failed[i] = NULL;
    result_t r;
    while (chan_recv(results, &r)) {
        if (r.err) {
            failed[r.item] = r.err;
            nfailed++;
            continue;
        }
        ok++;
        sum += r.value;
    }
    printf("keep going: %d items, %d ok (sum %d), %d failed\n", items, ok, sum, nfailed);
    for (int i = 1; i <= items; i++)
        if (failed[i]) printf("  %s\n", err_msg(failed[i]));

    /* 2. Stop at the first error: cancel the producers, then drain. */
    cancel_func cancel;
    ctx_t *ctx = ctx_with_cancel(ctx_background(), &cancel);
    stream_t s2;
    results = check_all(&s2, ctx, items, workers);
    err_t first = NULL;
    while (chan_recv(results, &r)) {
        if (r.err) {
            first = r.err;
            ctx_cancel(cancel);
            break;
        }
    }
    /* Wait for the closer: once results is closed every stage has returned. */
    int late = 0;
    while (chan_recv(results, NULL)) late++;
    printf("stop at first error: \"%s\"; cancelled, stream closed\n", err_msg(first));
    trace_log("%d results were in flight when we cancelled", late);
    ctx_cancel(cancel);
    return 0;
}
