/*
 * test_rt_errgroup.c — errgroup (first error cancels the derived context,
 * Wait returns it), set_limit and try_go; the weighted semaphore (FIFO,
 * context-aware acquire, try_acquire, over-release panic).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "chanscope.h"
#include "helpers.h"
#include "rt_test_util.h"

static ctx_t *gctx;
static err_t first_err;

static err_t fail_fast(void *arg) {
    (void)arg;
    return first_err;
}
static err_t fail_after_cancel(void *arg) {
    (void)arg;
    chan_recv(ctx_done(gctx), NULL);
    return error_new("late error");
}
static err_t succeed(void *arg) {
    (void)arg;
    return NULL;
}

Test(errgroup, first_error_cancels_and_is_returned, .timeout = 10) {
    first_err = error_new("first");
    errgroup_t *g = errgroup_with_context(ctx_background(), &gctx);
    for (int i = 0; i < 3; i++) errgroup_go(g, fail_after_cancel, NULL);
    errgroup_go(g, succeed, NULL);
    errgroup_go(g, fail_fast, NULL);
    err_t err = errgroup_wait(g);
    cr_assert_eq(err, first_err, "wait returned %s", err_msg(err));
    cr_assert_eq(ctx_err(gctx), ERR_CANCELED);
}

Test(errgroup, success_returns_nil_and_wait_cancels, .timeout = 10) {
    errgroup_t *g = errgroup_with_context(ctx_background(), &gctx);
    for (int i = 0; i < 5; i++) errgroup_go(g, succeed, NULL);
    cr_assert_null(errgroup_wait(g));
    cr_assert_eq(ctx_err(gctx), ERR_CANCELED, "Wait cancels the derived context");
    errgroup_t *plain = errgroup_new();
    errgroup_go(plain, succeed, NULL);
    cr_assert_null(errgroup_wait(plain));
}

static atomic_i64 active, max_active;
static err_t bounded_task(void *arg) {
    (void)arg;
    int64_t now = atomic_i64_add(&active, 1);
    int64_t seen;
    while ((seen = atomic_i64_load(&max_active)) < now && !atomic_i64_cas(&max_active, seen, now)) {
    }
    time_sleep(3 * MILLISECOND);
    atomic_i64_add(&active, -1);
    return NULL;
}

Test(errgroup, set_limit_bounds_concurrency, .timeout = 20) {
    errgroup_t *g = errgroup_new();
    errgroup_set_limit(g, 2);
    for (int i = 0; i < 12; i++) errgroup_go(g, bounded_task, NULL);
    cr_assert_null(errgroup_wait(g));
    cr_assert_leq(atomic_i64_load(&max_active), 2);
    cr_assert_geq(atomic_i64_load(&max_active), 1);
}

static chan_t *release;
static err_t hold_slot(void *arg) {
    (void)arg;
    chan_recv(release, NULL);
    return NULL;
}
static char task_name[64];
static err_t record_name(void *arg) {
    (void)arg;
    snprintf(task_name, sizeof task_name, "%s", goroutine_name());
    return NULL;
}

Test(errgroup, try_go_respects_the_limit, .timeout = 10) {
    release = chan_make(int, 0);
    errgroup_t *g = errgroup_new();
    errgroup_set_limit(g, 1);
    cr_assert(errgroup_try_go(g, hold_slot, NULL));
    cr_assert_not(errgroup_try_go(g, hold_slot, NULL), "limit 1 with one active");
    chan_send_v(release, int, 0);
    cr_assert_null(errgroup_wait(g));
    cr_assert(errgroup_try_go(g, record_name, NULL));
    cr_assert_null(errgroup_wait(g));
    cr_assert_str_eq(task_name, "record_name", "goroutines are named after the function");
}

static void change_limit_while_active(void) {
    release = chan_make(int, 0);
    errgroup_t *g = errgroup_new();
    errgroup_set_limit(g, 2);
    errgroup_go(g, hold_slot, NULL);
    errgroup_set_limit(g, 3);
}

Test(errgroup, set_limit_while_active_panics, .timeout = 10) {
    child_result r;
    run_child(change_limit_while_active, 5000, &r);
    cr_assert(r.exited && r.status == 2, "%s", r.out);
    cr_assert(strstr(r.out, "panic: errgroup: modify limit while 1 goroutines in the group are still active"),
              "%s", r.out);
}

/* ---- semaphore ------------------------------------------------------------------- */

Test(semaphore, try_acquire_and_release, .timeout = 5) {
    semaphore_t *s = semaphore_new(3);
    cr_assert(semaphore_try_acquire(s, 2));
    cr_assert_not(semaphore_try_acquire(s, 2));
    cr_assert(semaphore_try_acquire(s, 1));
    semaphore_release(s, 3);
    cr_assert(semaphore_try_acquire(s, 3));
    semaphore_release(s, 3);
    cr_assert_null(semaphore_acquire(s, NULL, 3));
    semaphore_release(s, 3);
}

static semaphore_t *sem;
static chan_t *got;
static void acquire_n(void *arg) {
    int64_t n = (int64_t)(intptr_t)arg;
    cr_assert_null(semaphore_acquire(sem, ctx_background(), n));
    chan_send(got, &n);
}

/* A large request at the head is not overtaken by a later small one. */
Test(semaphore, waiters_are_fifo, .timeout = 10) {
    sem = semaphore_new(10);
    got = chan_make(int64_t, 4);
    cr_assert_null(semaphore_acquire(sem, NULL, 10));
    go(acquire_n, (void *)5);
    wait_parked(1); /* it queues first */
    go(acquire_n, (void *)1);
    wait_parked(2);
    semaphore_release(sem, 4); /* 4 free: 1 would fit, but 5 is first */
    time_sleep(30 * MILLISECOND);
    cr_assert_eq(chan_len(got), 0, "the small request jumped the queue");
    semaphore_release(sem, 1); /* 5 free: the head takes them */
    int64_t n;
    chan_recv(got, &n);
    cr_assert_eq(n, 5);
    time_sleep(20 * MILLISECOND);
    cr_assert_eq(chan_len(got), 0);
    semaphore_release(sem, 1);
    chan_recv(got, &n);
    cr_assert_eq(n, 1);
}

Test(semaphore, acquire_honours_the_context, .timeout = 10) {
    semaphore_t *s = semaphore_new(2);
    cr_assert(semaphore_try_acquire(s, 2));
    int64_t start = time_now();
    ctx_t *c = ctx_with_timeout(ctx_background(), 30 * MILLISECOND, NULL);
    err_t err = semaphore_acquire(s, c, 1);
    cr_assert_eq(err, ERR_DEADLINE_EXCEEDED, "got %s", err_msg(err));
    cr_assert_geq(time_since(start), 30 * MILLISECOND);
    /* More than the size can only end with the context. */
    err = semaphore_acquire(s, ctx_with_timeout(ctx_background(), 10 * MILLISECOND, NULL), 3);
    cr_assert_eq(err, ERR_DEADLINE_EXCEEDED);
    /* A context already cancelled fails even when tokens are free. */
    semaphore_release(s, 2);
    cancel_func cancel;
    ctx_t *dead = ctx_with_cancel(ctx_background(), &cancel);
    ctx_cancel(cancel);
    cr_assert_eq(semaphore_acquire(s, dead, 1), ERR_CANCELED);
    /* Nothing leaked: all 2 tokens are free. */
    cr_assert(semaphore_try_acquire(s, 2));
}

static atomic_i64 in_sem, sem_max, sem_done;
static void sem_worker(void *arg) {
    ctx_t *c = arg;
    for (int i = 0; i < 50; i++) {
        if (semaphore_acquire(sem, c, 1) != NULL) continue;
        int64_t now = atomic_i64_add(&in_sem, 1);
        int64_t seen;
        while ((seen = atomic_i64_load(&sem_max)) < now && !atomic_i64_cas(&sem_max, seen, now)) {
        }
        go_yield();
        atomic_i64_add(&in_sem, -1);
        semaphore_release(sem, 1);
    }
    atomic_i64_add(&sem_done, 1);
    chan_send_v(got, int64_t, 0);
}

Test(semaphore, bounds_concurrency_with_cancellable_waiters, .timeout = 20) {
    sem = semaphore_new(2);
    got = chan_make(int64_t, 6);
    cancel_func cancel;
    ctx_t *c = ctx_with_cancel(ctx_background(), &cancel);
    for (int i = 0; i < 6; i++) go(sem_worker, i % 2 ? c : NULL);
    for (int i = 0; i < 6; i++) chan_recv(got, NULL);
    ctx_cancel(cancel);
    cr_assert_leq(atomic_i64_load(&sem_max), 2);
    cr_assert(semaphore_try_acquire(sem, 2), "tokens leaked");
}

static void acquire_forever(void) {
    semaphore_t *s = semaphore_new(1);
    semaphore_acquire(s, NULL, 1);
    semaphore_acquire(s, NULL, 1);
}

Test(semaphore, waiting_with_nobody_to_release_is_a_deadlock, .timeout = 10) {
    child_result r;
    run_child(acquire_forever, 5000, &r);
    cr_assert(r.exited && r.status == 2, "status %d, output:\n%s", r.status, r.out);
    cr_assert(strstr(r.out, "goroutine 1 [semacquire]"), "%s", r.out);
}

static void over_release(void) {
    semaphore_t *s = semaphore_new(1);
    semaphore_release(s, 1);
}

Test(semaphore, releasing_more_than_held_panics, .timeout = 10) {
    child_result r;
    run_child(over_release, 5000, &r);
    cr_assert(r.exited && r.status == 2, "%s", r.out);
    cr_assert(strstr(r.out, "panic: semaphore: released more than held"), "%s", r.out);
}

/* Go: g.Go(nil) starts a goroutine that calls the nil func and panics with
 * "invalid memory address or nil pointer dereference" (exit 2). */
static errgroup_func nil_group_fn;
static void errgroup_go_nil(void) {
    errgroup_t *g = errgroup_new();
    errgroup_go(g, nil_group_fn, NULL);
    errgroup_wait(g);
    printf("errgroup_wait returned\n");
}

Test(errgroup, go_of_nil_func_panics_in_the_new_goroutine, .timeout = 10) {
    child_result r;
    run_child(errgroup_go_nil, 5000, &r);
    cr_assert(r.exited && r.status == 2, "exited=%d status=%d\n%s", r.exited, r.status, r.out);
    cr_assert(strstr(r.out, "panic: runtime error: invalid memory address or nil pointer "
                            "dereference\n\ngoroutine 2 [running]:\n"),
              "%s", r.out);
    cr_assert(strstr(r.out, "test_rt_errgroup.c:"), "%s", r.out);
    cr_assert_null(strstr(r.out, "returned"), "%s", r.out);
}
