/*
 * error-handling / stop-on-first-error — MISUSE: return on the first error
 * without telling the producers.
 *
 * The Go program this one follows (checkAll is the stream from main.c):
 *
 *   func firstError(items, workers int) error {
 *       for r := range checkAll(context.Background(), items, workers) {
 *           if r.Err != nil {
 *               return r.Err     // BUG: no cancel, no drain
 *           }
 *       }
 *       return nil
 *   }
 *
 *   func main() {
 *       fmt.Println("first error:", firstError(16, 4))
 *   }
 *
 * What goes wrong: the consumer walks away from an unbuffered stream.  The
 * workers that still hold a result block on `results <- r` forever, the
 * generator blocks on `jobs <- it`, and the closer waits on a WaitGroup that
 * never reaches zero.  Nothing cancels them (the context is Background, its
 * Done channel is nil), so every one of them is still alive when main
 * returns: the analyzer reports them as leaked goroutines.
 *
 * It fails on every run: item 7 fails and items 8..16 are still to come, so
 * at least one worker is always blocked on `results` when we return.
 *
 * The fix is in main.c: cancel the context, then drain until the stream is
 * closed (or give the stream a buffer as large as the work, when that is
 * bounded).
 */
#include <stdio.h>

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

static err_t first_error(int items, int workers) {
    stream_t *s = calloc(1, sizeof *s); /* outlives this call, like a Go closure */
    chan_t *results = check_all(s, ctx_background(), items, workers);
    result_t r;
    while (chan_recv(results, &r)) {
        if (r.err) return r.err; /* BUG: the stream's goroutines stay blocked */
    }
    return NULL;
}

int main(int argc, char **argv) {
    int items = param_int(argc, argv, "items", 16);
    int workers = param_int(argc, argv, "workers", 4);
    params_end(argc, argv);

    err_t err = first_error(items, workers);
    printf("first error: %s\n", err_msg(err));
    printf("goroutines still alive at return: %d\n", goroutine_count() - 1);
    return 0;
}
