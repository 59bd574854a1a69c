/*
 * pipeline/stage-ignores-cancel.c — MISUSE: one stage of the pipeline does a
 * plain send instead of selecting on ctx.Done().  After cancel() every other
 * stage leaves, so nobody will ever receive what the filter holds: it waits
 * forever, and wg.Wait() with it: "fatal error: all goroutines are asleep -
 * deadlock!".  (In a long-running server there is no wg.Wait(): the same
 * stage simply leaks, once per request.)
 *
 * Go (main.c, with Filter written like this):
 *   func Filter[T any](ctx context.Context, wg *sync.WaitGroup, in <-chan T, keep func(T) bool) <-chan T {
 *       out := make(chan T)
 *       wg.Add(1)
 *       go func() {
 *           defer wg.Done()
 *           defer close(out)
 *           for it := range in {
 *               if keep(it) {
 *                   out <- it             // BUG: ignores cancellation
 *               }
 *           }
 *       }()
 *       return out
 *   }
 *
 * On every run: main takes 4 receipts, then does other work for 10 ms, in
 * which the pipeline fills up: the last Map holds receipt 5 and the filter
 * holds the next paid order, blocked on its send.  cancel() then makes the
 * last Map leave without receiving it.
 *
 * Fix: select { case out <- it: case <-ctx.Done(): return } (main.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chanscope.h"
#include "params.h"

/* ---- generic stages: element sizes stand in for Go's type parameters ---- */

typedef void (*map_fn)(const void *in, void *out);
typedef bool (*keep_fn)(const void *item);

typedef struct {
    ctx_t *ctx;
    waitgroup_t *wg;
    chan_t *in, *out;
    size_t in_size, out_size;
    map_fn fn;     /* Map */
    keep_fn keep;  /* Filter */
    const void *items; /* Generator */
    int nitems;
} stage_t;

static stage_t *new_stage(ctx_t *ctx, waitgroup_t *wg, chan_t *in, size_t in_size,
                          size_t out_size, const char *name) {
    stage_t *s = calloc(1, sizeof *s);
    *s = (stage_t){.ctx = ctx, .wg = wg, .in = in, .in_size = in_size, .out_size = out_size};
    s->out = cs_chan_make(out_size, 0, name, CS_SITE);
    wg_add(wg, 1);
    return s;
}

/* send v on s->out unless the context ends first; false when cancelled */
static bool send_or_done(stage_t *s, const void *v) {
    return chan_select(select_send(s->out, v), select_recv(ctx_done(s->ctx), NULL, NULL)) == 0;
}

static void generator_run(void *arg) {
    stage_t *s = arg;
    for (int i = 0; i < s->nitems; i++)
        if (!send_or_done(s, (const char *)s->items + (size_t)i * s->out_size)) break;
    chan_close(s->out);
    wg_done(s->wg);
}

static chan_t *generator(ctx_t *ctx, waitgroup_t *wg, const void *items, int n, size_t size) {
    stage_t *s = new_stage(ctx, wg, NULL, 0, size, "generator");
    s->items = items;
    s->nitems = n;
    go(generator_run, s);
    return s->out;
}

static void map_run(void *arg) {
    stage_t *s = arg;
    void *it = malloc(s->in_size), *res = malloc(s->out_size);
    while (chan_recv(s->in, it)) {
        s->fn(it, res);
        if (!send_or_done(s, res)) break;
    }
    free(it);
    free(res);
    chan_close(s->out);
    wg_done(s->wg);
}

static chan_t *map_stage(ctx_t *ctx, waitgroup_t *wg, chan_t *in, size_t in_size,
                         size_t out_size, map_fn fn) {
    stage_t *s = new_stage(ctx, wg, in, in_size, out_size, "map");
    s->fn = fn;
    go(map_run, s);
    return s->out;
}

static void filter_run(void *arg) {
    stage_t *s = arg;
    void *it = malloc(s->in_size);
    while (chan_recv(s->in, it))
        if (s->keep(it)) chan_send(s->out, it); /* BUG: ignores cancellation */
    free(it);
    chan_close(s->out);
    wg_done(s->wg);
}

static chan_t *filter_stage(ctx_t *ctx, waitgroup_t *wg, chan_t *in, size_t size, keep_fn keep) {
    stage_t *s = new_stage(ctx, wg, in, size, size, "filter");
    s->keep = keep;
    go(filter_run, s);
    return s->out;
}

/* ---- the orders ---- */

typedef struct {
    int id, amount; /* cents */
    bool validated;
} order_t;

typedef struct {
    int order_id;
    int total; /* cents, with 20% tax */
} receipt_t;

static void validate(const void *in, void *out) {
    order_t o = *(const order_t *)in;
    o.validated = true;
    *(order_t *)out = o;
}

static bool is_paid(const void *item) { return ((const order_t *)item)->amount > 0; }

static void to_receipt(const void *in, void *out) {
    const order_t *o = in;
    *(receipt_t *)out = (receipt_t){o->id, o->amount * 12 / 10};
}

int main(int argc, char **argv) {
    int norders = param_int(argc, argv, "orders", 10);
    int take = param_int(argc, argv, "take", 4);
    params_end(argc, argv);

    order_t *orders = calloc((size_t)(norders > 0 ? norders : 1), sizeof *orders);
    for (int i = 0; i < norders; i++) /* every third order is unpaid */
        orders[i] = (order_t){i + 1, (i + 1) % 3 == 0 ? 0 : 1000 + 250 * i, false};

    cancel_func cancel;
    ctx_t *ctx = ctx_with_cancel(ctx_background(), &cancel);
    waitgroup_t wg = WAITGROUP_INIT;
    chan_t *src = generator(ctx, &wg, orders, norders, sizeof(order_t));
    chan_t *checked = map_stage(ctx, &wg, src, sizeof(order_t), sizeof(order_t), validate);
    chan_t *paid = filter_stage(ctx, &wg, checked, sizeof(order_t), is_paid);
    chan_t *receipts = map_stage(ctx, &wg, paid, sizeof(order_t), sizeof(receipt_t), to_receipt);
    for (int i = 0; i < take; i++) {
        receipt_t r;
        if (!chan_recv(receipts, &r)) break;
        printf("order %d: total %d.%02d\n", r.order_id, r.total / 100, r.total % 100);
    }
    time_sleep(10 * MILLISECOND); /* other work meanwhile */
    ctx_cancel(cancel);           /* stop every stage */
    wg_wait(&wg);                 /* and see them stop */
    printf("pipeline stopped: %s\n", err_msg(ctx_err(ctx)));
    return 0;
}
