/*
 * test_rt_context.c — package context: cancellation propagates down a tree
 * (through value contexts), never up; deadlines fire on time with
 * "context deadline exceeded"; the earliest deadline wins; a child of a
 * cancelled parent starts cancelled.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "chanscope.h"
#include "helpers.h"
#include "rt_test_util.h"

/* Done is closed: a receive returns at once with ok == false. */
static bool is_done(ctx_t *c) {
    bool ok = true;
    int r = chan_select(select_recv(ctx_done(c), NULL, &ok), select_default());
    return r == 0 && !ok;
}

Test(context, background_is_never_done, .timeout = 5) {
    ctx_t *bg = ctx_background();
    cr_assert_eq(bg, ctx_todo());
    cr_assert_null(ctx_done(bg));
    cr_assert_null(ctx_err(bg));
    cr_assert_not(ctx_deadline(bg, NULL));
    cr_assert_null(ctx_value(bg, "k"));
}

Test(context, cancel_propagates_to_every_descendant_not_up, .timeout = 10) {
    cancel_func cancel_root, cancel_a, cancel_b, cancel_leaf, cancel_other;
    ctx_t *root = ctx_with_cancel(ctx_background(), &cancel_root);
    ctx_t *a = ctx_with_cancel(root, &cancel_a);
    ctx_t *v = ctx_with_value(a, "k", "v"); /* not cancelable: its children attach to a */
    ctx_t *b = ctx_with_timeout(v, 10 * SECOND, &cancel_b);
    ctx_t *leaf = ctx_with_cancel(b, &cancel_leaf);
    ctx_t *other = ctx_with_cancel(ctx_background(), &cancel_other);

    ctx_cancel(cancel_leaf); /* cancelling a leaf leaves its ancestors alone */
    cr_assert(is_done(leaf));
    cr_assert_not(is_done(b));
    cr_assert_null(ctx_err(root));

    ctx_cancel(cancel_root);
    ctx_t *all[] = {root, a, v, b, leaf};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
        cr_assert(is_done(all[i]), "context %zu not done", i);
        cr_assert_eq(ctx_err(all[i]), ERR_CANCELED, "context %zu: %s", i, err_msg(ctx_err(all[i])));
    }
    cr_assert_not(is_done(other));
    cr_assert_str_eq(ctx_value(leaf, "k"), "v");
    ctx_cancel(cancel_root); /* idempotent */
    ctx_cancel(cancel_a);
    ctx_cancel(cancel_b);
    ctx_cancel(cancel_other);
    cr_assert_eq(ctx_err(other), ERR_CANCELED);
}

static chan_t *woken;
static void wait_done(void *arg) {
    ctx_t *c = arg;
    bool ok = chan_recv(ctx_done(c), NULL);
    chan_send_v(woken, int, ok ? 1 : 0);
}

Test(context, cancel_wakes_every_goroutine_waiting_on_done, .timeout = 10) {
    woken = chan_make(int, 10);
    cancel_func cancel;
    ctx_t *c = ctx_with_cancel(ctx_background(), &cancel);
    ctx_t *child = ctx_with_cancel(c, NULL);
    for (int i = 0; i < 5; i++) go(wait_done, i % 2 ? c : child);
    time_sleep(10 * MILLISECOND);
    cr_assert_eq(chan_len(woken), 0);
    ctx_cancel(cancel);
    for (int i = 0; i < 5; i++) {
        int ok;
        chan_recv(woken, &ok);
        cr_assert_eq(ok, 0, "Done delivered a value instead of closing");
    }
}

Test(context, timeout_fires_with_deadline_exceeded, .timeout = 10) {
    int64_t start = time_now();
    cancel_func cancel;
    /* 200 ms: long enough that a loaded sanitizer run still sees it pending */
    ctx_t *c = ctx_with_timeout(ctx_background(), 200 * MILLISECOND, &cancel);
    int64_t dl;
    cr_assert(ctx_deadline(c, &dl));
    cr_assert(dl >= start + 200 * MILLISECOND && dl <= time_now() + 200 * MILLISECOND);
    err_t early = ctx_err(c);
    if (time_since(start) < 200 * MILLISECOND) /* read surely before the deadline */
        cr_assert_null(early);
    chan_recv(ctx_done(c), NULL); /* not a deadlock: the deadline is pending */
    duration_t took = time_since(start);
    cr_assert_geq(took, 200 * MILLISECOND, "fired early: %lld ns", (long long)took);
    cr_assert_lt(took, 5 * SECOND, "fired late: %lld ns", (long long)took);
    cr_assert_eq(ctx_err(c), ERR_DEADLINE_EXCEEDED);
    ctx_cancel(cancel); /* after expiry: keeps its error */
    cr_assert_eq(ctx_err(c), ERR_DEADLINE_EXCEEDED);
}

Test(context, earliest_deadline_wins, .timeout = 10) {
    int64_t start = time_now();
    ctx_t *parent = ctx_with_timeout(ctx_background(), 40 * MILLISECOND, NULL);
    ctx_t *child = ctx_with_timeout(parent, 10 * SECOND, NULL);
    int64_t pdl, cdl;
    cr_assert(ctx_deadline(parent, &pdl));
    cr_assert(ctx_deadline(child, &cdl));
    cr_assert_eq(cdl, pdl, "the child reports its parent's earlier deadline");
    chan_recv(ctx_done(child), NULL);
    cr_assert_lt(time_since(start), 2 * SECOND);
    cr_assert_eq(ctx_err(child), ERR_DEADLINE_EXCEEDED);

    /* A shorter child deadline fires first; the parent stays alive. */
    cancel_func cancel;
    ctx_t *p2 = ctx_with_cancel(ctx_background(), &cancel);
    ctx_t *c2 = ctx_with_deadline(p2, time_now() + 20 * MILLISECOND, NULL);
    chan_recv(ctx_done(c2), NULL);
    cr_assert_eq(ctx_err(c2), ERR_DEADLINE_EXCEEDED);
    cr_assert_null(ctx_err(p2));
    ctx_cancel(cancel);
}

Test(context, child_of_cancelled_parent_starts_cancelled, .timeout = 5) {
    cancel_func cancel;
    ctx_t *p = ctx_with_cancel(ctx_background(), &cancel);
    ctx_cancel(cancel);
    ctx_t *c = ctx_with_cancel(ctx_with_value(p, "k", NULL), NULL);
    cr_assert(is_done(c));
    cr_assert_eq(ctx_err(c), ERR_CANCELED);
    ctx_t *t = ctx_with_timeout(p, SECOND, NULL);
    cr_assert_eq(ctx_err(t), ERR_CANCELED, "inherits the parent's cause");
}

Test(context, past_deadline_is_done_at_once, .timeout = 5) {
    ctx_t *c = ctx_with_deadline(ctx_background(), time_now() - 1, NULL);
    cr_assert(is_done(c));
    cr_assert_eq(ctx_err(c), ERR_DEADLINE_EXCEEDED);
    ctx_t *z = ctx_with_timeout(ctx_background(), 0, NULL);
    cr_assert_eq(ctx_err(z), ERR_DEADLINE_EXCEEDED);
}

static const char key_user[] = "user", key_req[] = "req";
Test(context, values_are_found_up_the_chain_and_shadowed, .timeout = 5) {
    ctx_t *a = ctx_with_value(ctx_background(), key_user, "alice");
    ctx_t *b = ctx_with_cancel(a, NULL);
    ctx_t *c = ctx_with_value(b, key_req, "42");
    ctx_t *d = ctx_with_value(c, key_user, "bob");
    cr_assert_str_eq(ctx_value(c, key_user), "alice");
    cr_assert_str_eq(ctx_value(d, key_user), "bob");
    cr_assert_str_eq(ctx_value(d, key_req), "42");
    cr_assert_null(ctx_value(b, key_req));
    cr_assert_eq(ctx_done(c), ctx_done(b), "a value context shares its parent's Done");
}

/* Cancelling a context releases its deadline timer: waiting on something
 * else afterwards is a real deadlock, reported at once. */
static void cancelled_timeout_then_block(void) {
    cancel_func cancel;
    ctx_with_timeout(ctx_background(), 10 * SECOND, &cancel);
    ctx_cancel(cancel);
    chan_recv(chan_make(int, 0), NULL);
}

Test(context, cancel_releases_the_deadline_timer, .timeout = 10) {
    child_result r;
    run_child(cancelled_timeout_then_block, 5000, &r);
    cr_assert(r.exited && r.status == 2, "status %d, output:\n%s", r.status, r.out);
    cr_assert(strstr(r.out, "all goroutines are asleep - deadlock!"), "%s", r.out);
    cr_assert_lt(r.seconds, QUICK_EXIT_S);
}

/* Many goroutines racing cancel against child creation. */
static void spawn_children(void *arg) {
    ctx_t *p = arg;
    for (int i = 0; i < 200; i++) {
        cancel_func cf;
        ctx_t *c = ctx_with_cancel(p, &cf);
        if (i % 2) ctx_cancel(cf);
        if (ctx_err(p)) {
            cr_assert(is_done(c));
        }
    }
    chan_send_v(woken, int, 1);
}

Test(context, concurrent_cancel_and_create, .timeout = 20) {
    woken = chan_make(int, 4);
    cancel_func cancel;
    ctx_t *p = ctx_with_cancel(ctx_background(), &cancel);
    for (int i = 0; i < 4; i++) go(spawn_children, p);
    go_yield();
    ctx_cancel(cancel);
    for (int i = 0; i < 4; i++) chan_recv(woken, NULL);
}

/* Go: context.WithTimeout(bg, math.MaxInt64) is not done (and its deadline
 * is in the future); now + d must saturate instead of wrapping. */
Test(context, huge_timeout_and_deadline_never_expire, .timeout = 10) {
    duration_t ds[] = {INT64_MAX, INT64_MAX - 5, INT64_MAX / 2 + SECOND};
    for (size_t i = 0; i < sizeof ds / sizeof ds[0]; i++) {
        cancel_func c1, c2;
        ctx_t *a = ctx_with_timeout(ctx_background(), ds[i], &c1);
        ctx_t *b = ctx_with_deadline(ctx_background(), INT64_MAX, &c2);
        cr_assert_null(ctx_err(a), "timeout %lld: %s", (long long)ds[i], err_msg(ctx_err(a)));
        int64_t dl = 0;
        cr_assert(ctx_deadline(a, &dl));
        cr_assert_gt(dl, time_now(), "the deadline wrapped into the past");
        int got = chan_select(select_recv(ctx_done(a), NULL, NULL),
                              select_recv(ctx_done(b), NULL, NULL),
                              select_recv(time_after(50 * MILLISECOND), NULL, NULL));
        cr_assert_eq(got, 2, "a context with a huge deadline was done");
        cr_assert_null(ctx_err(b));
        ctx_cancel(c1);
        ctx_cancel(c2);
        cr_assert(err_is(ctx_err(a), ERR_CANCELED));
    }
}
