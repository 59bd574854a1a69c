/*
 * test_rt_time.c — Sleep, After, Timer, Ticker, and os/signal.Notify.
 *
 * Accuracy is checked like Go's tests: never earlier than asked, and not
 * wildly late (a generous bound: the machine is shared and sanitizers are
 * slow).  Pending timers keep the program out of "deadlock"; a stopped
 * ticker does not close its channel, so a goroutine still waiting on it is
 * stuck — a deadlock once nothing else can run.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>

#include "chanscope.h"
#include "helpers.h"
#include "rt_test_util.h"
#include "signal_internal.h"

/* Generous: the sanitizer runs share two cores with other test binaries. */
#define LATE (2 * SECOND)

Test(time, monotonic_now, .timeout = 5) {
    int64_t a = time_now();
    int64_t b = time_now();
    cr_assert_geq(b, a);
    cr_assert_geq(time_since(a), 0);
}

Test(time, sleep_is_accurate, .timeout = 10) {
    for (int i = 0; i < 3; i++) {
        duration_t d = (10 + 10 * i) * MILLISECOND;
        int64_t t0 = time_now();
        time_sleep(d);
        duration_t took = time_since(t0);
        cr_assert_geq(took, d, "slept %lld < %lld", (long long)took, (long long)d);
        cr_assert_lt(took, d + LATE);
    }
    int64_t t0 = time_now();
    time_sleep(0);
    time_sleep(-5);
    cr_assert_lt(time_since(t0), LATE); /* returns at once, not after a wait */
}

Test(time, after_and_timer_fire_on_time, .timeout = 10) {
    int64_t t0 = time_now();
    chan_t *c = time_after(30 * MILLISECOND);
    cr_assert_eq(chan_cap(c), 1);
    int64_t when;
    cr_assert(chan_recv(c, &when));
    duration_t took = time_since(t0);
    cr_assert_geq(took, 30 * MILLISECOND);
    cr_assert_lt(took, 30 * MILLISECOND + LATE);
    cr_assert_geq(when - t0, 30 * MILLISECOND, "the value is the firing time");

    t0 = time_now();
    time_timer *t = time_new_timer(25 * MILLISECOND);
    chan_recv(t->C, &when);
    took = time_since(t0);
    cr_assert_geq(took, 25 * MILLISECOND);
    cr_assert_lt(took, 25 * MILLISECOND + LATE);
    cr_assert_not(time_timer_stop(t), "already fired");
}

Test(time, many_timers_fire_in_deadline_order, .timeout = 10) {
    enum { N = 20 };
    chan_t *cs[N];
    int order[N] = {7, 3, 19, 0, 12, 5, 16, 1, 9, 14, 2, 18, 6, 11, 4, 15, 8, 13, 10, 17};
    int64_t t0 = time_now();
    for (int i = 0; i < N; i++) cs[order[i]] = time_after((order[i] + 1) * 3 * MILLISECOND);
    for (int i = 0; i < N; i++) {
        int64_t when;
        chan_recv(cs[i], &when);
        cr_assert_geq(when - t0, (i + 1) * 3 * MILLISECOND, "timer %d early", i);
    }
}

Test(time, stopped_timer_never_fires, .timeout = 10) {
    int64_t t0 = time_now();
    time_timer *t = time_new_timer(300 * MILLISECOND);
    bool active = time_timer_stop(t);
    /* On a loaded sanitizer run the stop may come after the deadline; only
     * a stop that surely came before it is checked. */
    if (time_since(t0) >= 300 * MILLISECOND) return;
    cr_assert(active, "was active");
    cr_assert_not(time_timer_stop(t));
    int r = chan_select(select_recv(t->C, NULL, NULL), select_recv(time_after(600 * MILLISECOND), NULL, NULL));
    cr_assert_eq(r, 1, "a stopped timer delivered");
}

Test(time, reset_rearms, .timeout = 10) {
    int64_t t0 = time_now();
    time_timer *t = time_new_timer(10 * SECOND);
    cr_assert(time_timer_reset(t, 20 * MILLISECOND), "was active");
    chan_recv(t->C, NULL);
    duration_t took = time_since(t0);
    cr_assert_geq(took, 20 * MILLISECOND);
    cr_assert_lt(took, 20 * MILLISECOND + LATE);
    cr_assert_not(time_timer_reset(t, 10 * MILLISECOND), "had fired");
    chan_recv(t->C, NULL);
}

Test(time, ticker_ticks_and_stop_does_not_close, .timeout = 10) {
    int64_t t0 = time_now();
    time_ticker *tk = time_new_ticker(10 * MILLISECOND);
    int64_t prev = t0;
    for (int i = 0; i < 5; i++) {
        int64_t when;
        cr_assert(chan_recv(tk->C, &when));
        cr_assert_gt(when, prev);
        prev = when;
    }
    cr_assert_geq(time_since(t0), 50 * MILLISECOND);
    time_ticker_stop(tk);
    chan_select(select_recv(tk->C, NULL, NULL), select_default()); /* drop a buffered tick */
    bool ok = true;
    int r = chan_select(select_recv(tk->C, NULL, &ok), select_recv(time_after(50 * MILLISECOND), NULL, NULL));
    cr_assert_eq(r, 1, "a stopped ticker ticked (or closed: ok=%d)", ok);
}

Test(time, slow_receiver_drops_ticks, .timeout = 10) {
    time_ticker *tk = time_new_ticker(2 * MILLISECOND);
    time_sleep(30 * MILLISECOND); /* ~15 ticks, but the channel holds one */
    cr_assert_eq(chan_len(tk->C), 1);
    time_ticker_stop(tk);
}

Test(time, after_in_select, .timeout = 10) {
    chan_t *never = chan_make(int, 0);
    int64_t t0 = time_now();
    int r = chan_select(select_recv(never, NULL, NULL), select_recv(time_after(20 * MILLISECOND), NULL, NULL));
    cr_assert_eq(r, 1);
    cr_assert_geq(time_since(t0), 20 * MILLISECOND);
}

/* Waiting on a pending timer is not a deadlock. */
static void wait_on_timer(void) {
    chan_recv(time_after(50 * MILLISECOND), NULL);
    printf("woke\n");
}
/* A sleeping goroutine is not blocked: others blocked forever meanwhile
 * are no deadlock while it sleeps. */
static void stuck(void *arg) {
    chan_recv((chan_t *)arg, NULL);
}
static void sleep_while_others_block(void) {
    go(stuck, chan_make(int, 0));
    time_sleep(50 * MILLISECOND);
    printf("slept\n");
}

Test(time, pending_timers_and_sleepers_are_not_deadlocks, .timeout = 10) {
    child_result r;
    run_child(wait_on_timer, 5000, &r);
    cr_assert(r.exited && r.status == 0, "status %d:\n%s", r.status, r.out);
    cr_assert(strstr(r.out, "woke"), "%s", r.out);
    run_child(sleep_while_others_block, 5000, &r);
    cr_assert(r.exited && r.status == 0, "status %d:\n%s", r.status, r.out);
    cr_assert(strstr(r.out, "slept"), "%s", r.out);
}

/* The catalog's rate-limiter misuse: Stop while a worker still waits. */
static void ticker_worker(void *arg) {
    time_ticker *tk = arg;
    for (;;) chan_recv(tk->C, NULL);
}
static void stopped_ticker_deadlock(void) {
    time_ticker *tk = time_new_ticker(5 * MILLISECOND);
    go(ticker_worker, tk);
    time_sleep(20 * MILLISECOND);
    time_ticker_stop(tk);
    chan_recv(chan_make(int, 0), NULL);
}

Test(time, stopped_ticker_leaves_its_receiver_blocked, .timeout = 10) {
    child_result r;
    run_child(stopped_ticker_deadlock, 5000, &r);
    cr_assert(r.exited && r.status == 2, "status %d:\n%s", r.status, r.out);
    cr_assert(strstr(r.out, "fatal error: all goroutines are asleep - deadlock!"), "%s", r.out);
    cr_assert(strstr(r.out, "[chan receive]:\nticker_worker()"), "%s", r.out);
    cr_assert_lt(r.seconds, QUICK_EXIT_S + 1.0);
}

static void non_positive_ticker(void) { time_new_ticker(0); }

Test(time, non_positive_ticker_panics, .timeout = 10) {
    child_result r;
    run_child(non_positive_ticker, 5000, &r);
    cr_assert(r.exited && r.status == 2, "%s", r.out);
    cr_assert(strstr(r.out, "panic: non-positive interval for NewTicker"), "%s", r.out);
}

/* ---- signals ------------------------------------------------------------------------ */

Test(signal, notify_delivers_to_the_channel, .timeout = 10) {
    chan_t *sigs = chan_make(int, 1);
    signal_notify(sigs, SIGUSR1, SIGUSR2);
    raise(SIGUSR2);
    int s = 0;
    cr_assert(chan_recv(sigs, &s)); /* not a deadlock: a signal may come */
    cr_assert_eq(s, SIGUSR2);
    raise(SIGUSR1);
    chan_recv(sigs, &s);
    cr_assert_eq(s, SIGUSR1);
    signal_stop(sigs);
}

static void waits_for_signal_after_stop(void) {
    chan_t *sigs = chan_make(int, 1);
    signal_notify(sigs, SIGUSR1);
    signal_stop(sigs);
    chan_recv(sigs, NULL);
}

Test(signal, stop_unregisters_the_wake_source, .timeout = 10) {
    child_result r;
    run_child(waits_for_signal_after_stop, 5000, &r);
    cr_assert(r.exited && r.status == 2, "status %d:\n%s", r.status, r.out);
    cr_assert(strstr(r.out, "all goroutines are asleep - deadlock!"), "%s", r.out);
}

static void terminated(void) {
    cs_signals_init();
    raise(SIGTERM);
    for (int i = 0; i < 100; i++) time_sleep(10 * MILLISECOND);
    printf("survived\n");
}

Test(signal, unhandled_sigterm_still_kills, .timeout = 10) {
    child_result r;
    run_child(terminated, 5000, &r);
    cr_assert(!r.exited && r.status == SIGTERM && !r.timed_out, "exited=%d status %d:\n%s",
              r.exited, r.status, r.out);
    cr_assert_null(strstr(r.out, "survived"));
}

/* ---- durations near INT64_MAX mean "never" ------------------------------- */

/* Go's time.Sleep/After/NewTimer/Reset/NewTicker(math.MaxInt64) never fire
 * (checked with go1.19): now + d must saturate, not wrap to a past
 * deadline that fires at once. */
#define NEVER INT64_MAX
#define ALMOST_NEVER (INT64_MAX - 5)

/* True if ch delivers within d (a short time_after races it). */
static bool fires_within(chan_t *ch, duration_t d) {
    return chan_select(select_recv(ch, NULL, NULL), select_recv(time_after(d), NULL, NULL)) == 0;
}

Test(time, huge_durations_never_fire, .timeout = 10) {
    duration_t ds[] = {NEVER, ALMOST_NEVER, NEVER / 2 + SECOND};
    for (size_t i = 0; i < sizeof ds / sizeof ds[0]; i++) {
        duration_t d = ds[i];
        cr_assert(!fires_within(time_after(d), 50 * MILLISECOND), "After(%lld) fired", (long long)d);
        time_timer *t = time_new_timer(d);
        cr_assert(!fires_within(t->C, 50 * MILLISECOND), "NewTimer(%lld) fired", (long long)d);
        cr_assert(time_timer_reset(t, d), "Reset of an active timer returns true");
        cr_assert(!fires_within(t->C, 50 * MILLISECOND), "Reset(%lld) fired", (long long)d);
        cr_assert(time_timer_stop(t), "a never-firing timer is still active");
        time_timer *t2 = time_new_timer(MILLISECOND);
        cr_assert(fires_within(t2->C, LATE));
        cr_assert(!time_timer_reset(t2, d), "Reset of a fired timer returns false");
        cr_assert(!fires_within(t2->C, 50 * MILLISECOND), "Reset(%lld) after a fire fired",
                  (long long)d);
        time_ticker *tk = time_new_ticker(d);
        cr_assert(!fires_within(tk->C, 50 * MILLISECOND), "NewTicker(%lld) ticked", (long long)d);
        time_ticker_stop(tk);
    }
    /* a long but finite timer next to them still fires, in order */
    time_timer *never = time_new_timer(NEVER);
    cr_assert(fires_within(time_after(5 * MILLISECOND), LATE));
    cr_assert(time_timer_stop(never));
}

static void sleep_forever(void) {
    time_sleep(NEVER);
    printf("woke up\n");
}
static void wait_after_forever(void) {
    chan_recv(time_after(ALMOST_NEVER), NULL);
    printf("woke up\n");
}

/* Go: time.Sleep(math.MaxInt64) and <-time.After(math.MaxInt64) alone in
 * main wait forever (a pending timer is no deadlock). */
Test(time, sleep_and_after_forever_wait, .timeout = 10) {
    void (*fns[])(void) = {sleep_forever, wait_after_forever};
    for (size_t i = 0; i < 2; i++) {
        child_result r;
        run_child(fns[i], 300, &r);
        cr_assert(r.timed_out, "case %zu ended (status %d): %s", i, r.status, r.out);
        cr_assert_null(strstr(r.out, "woke up"), "%s", r.out);
        cr_assert_null(strstr(r.out, "deadlock"), "%s", r.out);
    }
}
