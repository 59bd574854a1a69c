/*
 * test_rt_det.c — deterministic mode (CHANSCOPE_SEED, runtime/det.h,
 * docs/schedules.md): seeded schedules explore and replay, PCT, virtual
 * time, exact deadlock detection.  Every run is a child process that sets
 * the variables before its first runtime call (the runtime reads them when
 * it starts), with a timeout.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chanscope.h"
#include "helpers.h"
#include "rt_test_util.h"

static char child_seed[32];
static const char *child_strategy;

static void set_env(void) {
    setenv("CHANSCOPE_SEED", child_seed, 1);
    if (child_strategy) setenv("CHANSCOPE_STRATEGY", child_strategy, 1);
    else unsetenv("CHANSCOPE_STRATEGY");
}

static void run_det(void (*fn)(void), unsigned long long seed, const char *strategy,
                    child_result *r) {
    snprintf(child_seed, sizeof child_seed, "%llu", seed);
    child_strategy = strategy;
    run_child(fn, SANITIZED ? 20000 : 5000, r);
}

/* ---- a race: two senders, one select; then an interleaving log ------------ */

static chan_t *c1, *c2, *log_ch;
static void send1(void *arg) {
    (void)arg;
    chan_send_v(c1, int, 1);
}
static void send2(void *arg) {
    (void)arg;
    chan_send_v(c2, int, 2);
}
static void logger(void *arg) {
    int id = (int)(intptr_t)arg;
    for (int i = 0; i < 3; i++) chan_send(log_ch, &id);
}

static void race(void) {
    set_env();
    c1 = chan_make(int, 0);
    c2 = chan_make(int, 0);
    go(send1, NULL);
    go(send2, NULL);
    int v = 0;
    (void)chan_select(select_recv(c1, &v, NULL), select_recv(c2, &v, NULL));
    printf("winner %d\n", v);
    /* Three goroutines each send their id three times: the order received
     * is the interleaving. */
    log_ch = chan_make(int, 1);
    for (int i = 1; i <= 3; i++) go(logger, (void *)(intptr_t)i);
    printf("order ");
    for (int i = 0; i < 9; i++) {
        int x;
        chan_recv(log_ch, &x);
        printf("%d", x);
    }
    printf("\n");
}

/* Over 50 seeds the race has both outcomes; each seed, run twice, gives the
 * same output. */
static void explore(const char *strategy) {
    int winners[3] = {0};
    char first_order[64] = "";
    bool orders_differ = false;
    for (unsigned long long seed = 1; seed <= 50; seed++) {
        child_result a, b;
        run_det(race, seed, strategy, &a);
        run_det(race, seed, strategy, &b);
        cr_assert(a.exited && a.status == 0 && !a.timed_out, "seed %llu: %s", seed, a.out);
        /* (compare what the program printed: a sanitizer may add lines) */
        int w = 0, w2 = 0;
        char order[64] = "", order2[64] = "";
        cr_assert(sscanf(a.out, "winner %d\norder %63s", &w, order) == 2, "%s", a.out);
        cr_assert(sscanf(b.out, "winner %d\norder %63s", &w2, order2) == 2, "%s", b.out);
        cr_assert(w == w2 && !strcmp(order, order2), "seed %llu replays differently:\n%s---\n%s",
                  seed, a.out, b.out);
        cr_assert(w == 1 || w == 2, "%s", a.out);
        winners[w]++;
        if (!first_order[0]) strcpy(first_order, order);
        else if (strcmp(first_order, order)) orders_differ = true;
    }
    cr_assert(winners[1] > 0 && winners[2] > 0, "winner 1: %d, winner 2: %d of 50 seeds",
              winners[1], winners[2]);
    cr_assert(orders_differ, "every seed gave the interleaving %s", first_order);
}

Test(det, random_explores_both_outcomes_and_replays, .timeout = 120) { explore(NULL); }

Test(det, pct_explores_both_outcomes_and_replays, .timeout = 120) { explore("pct:2"); }

Test(det, pct_default_depth_runs, .timeout = 30) {
    child_result r;
    run_det(race, 5, "pct", &r);
    cr_assert(r.exited && r.status == 0, "%s", r.out);
    cr_assert(strstr(r.out, "order "), "%s", r.out);
}

/* ---- bad settings: one line, exit 2 ------------------------------------- */

static void start_runtime(void) {
    set_env();
    chan_t *c = chan_make(int, 1);
    chan_send_v(c, int, 1);
    printf("ran\n");
}

Test(det, bad_seed_or_strategy_is_one_line_and_status_2, .timeout = 30) {
    child_result r;
    snprintf(child_seed, sizeof child_seed, "12x");
    child_strategy = NULL;
    run_child(start_runtime, 5000, &r);
    cr_assert(r.exited && r.status == 2 && !strstr(r.out, "ran"), "%d %s", r.status, r.out);
    cr_assert(strstr(r.out, "CHANSCOPE_SEED=12x"), "%s", r.out);
    run_det(start_runtime, 1, "pct:0", &r);
    cr_assert(r.exited && r.status == 2 && strstr(r.out, "CHANSCOPE_STRATEGY"), "%s", r.out);
    run_det(start_runtime, 1, "fifo", &r);
    cr_assert(r.exited && r.status == 2, "%s", r.out);
}

/* ---- virtual time --------------------------------------------------------- */

static void sleeper(void *arg) {
    time_sleep(3 * SECOND);
    chan_send_v((chan_t *)arg, int, 3);
}

static void virtual_clock(void) {
    set_env();
    int64_t t0 = time_now();
    time_sleep(10 * SECOND);
    printf("slept %lld\n", (long long)time_since(t0));
    /* A goroutine's sleep, a timer and a ticker, in virtual time. */
    chan_t *done = chan_make(int, 0);
    go(sleeper, done);
    int v;
    chan_recv(done, &v);
    chan_t *after = time_after(2 * SECOND);
    int64_t at;
    chan_recv(after, &at);
    time_ticker *tk = time_new_ticker(SECOND);
    for (int i = 0; i < 5; i++) chan_recv(tk->C, &at);
    time_ticker_stop(tk);
    printf("total %lld\n", (long long)time_since(t0));
    /* A context deadline. */
    cancel_func cancel;
    ctx_t *ctx = ctx_with_timeout(ctx_background(), 4 * SECOND, &cancel);
    int64_t t1 = time_now();
    (void)chan_select(select_recv(ctx_done(ctx), NULL, NULL));
    printf("deadline %lld %s\n", (long long)time_since(t1), ctx_err(ctx) ? "err" : "none");
    ctx_cancel(cancel);
}

Test(det, virtual_time_sleeps_ten_seconds_at_once, .timeout = 30) {
    child_result r;
    run_det(virtual_clock, 9, NULL, &r);
    cr_assert(r.exited && r.status == 0, "%s", r.out);
    cr_assert(strstr(r.out, "slept 10000000000\n"), "%s", r.out);
    /* 10 s + 3 s (sleeper) + 2 s (After) + 5 ticks of 1 s */
    cr_assert(strstr(r.out, "total 20000000000\n"), "%s", r.out);
    cr_assert(strstr(r.out, "deadline 4000000000 err\n"), "%s", r.out);
    cr_assert(r.seconds < QUICK_EXIT_S + 1.0, "took %.2f s of real time", r.seconds);
}

/* ---- deadlock detection stays exact ---------------------------------------- */

static mutex_t ma = MUTEX_INIT, mb = MUTEX_INIT;
static waitgroup_t abwg = WAITGROUP_INIT;
static void ab(void *arg) {
    (void)arg;
    mutex_lock(&ma);
    time_sleep(MILLISECOND);
    mutex_lock(&mb);
    mutex_unlock(&mb);
    mutex_unlock(&ma);
    wg_done(&abwg);
}
static void ba(void *arg) {
    (void)arg;
    mutex_lock(&mb);
    time_sleep(MILLISECOND);
    mutex_lock(&ma);
    mutex_unlock(&ma);
    mutex_unlock(&mb);
    wg_done(&abwg);
}
static void abba(void) {
    set_env();
    wg_add(&abwg, 2);
    go(ab, NULL);
    go(ba, NULL);
    wg_wait(&abwg);
    printf("no deadlock\n");
}

Test(det, deadlock_is_reported_at_once, .timeout = 30) {
    child_result r;
    run_det(abba, 4, NULL, &r);
    cr_assert(r.exited && r.status == 2, "%d %s", r.status, r.out);
    cr_assert(strstr(r.out, "all goroutines are asleep"), "%s", r.out);
    cr_assert(r.seconds < QUICK_EXIT_S + 1.0, "took %.2f s", r.seconds);
}

/* A pending timer nobody waits for: the clock jumps to it, it fires into its
 * buffered channel, and only then is everyone asleep. */
static void blocked_with_timer(void) {
    set_env();
    chan_t *never = chan_make(int, 0);
    (void)time_after(3600 * SECOND);
    int64_t t0 = time_now();
    printf("t0 %lld\n", (long long)t0);
    int x;
    chan_recv(never, &x);
}

Test(det, deadlock_after_the_last_timer_fires, .timeout = 30) {
    child_result r;
    run_det(blocked_with_timer, 4, NULL, &r);
    cr_assert(r.exited && r.status == 2 && strstr(r.out, "all goroutines are asleep"), "%s",
              r.out);
    cr_assert(r.seconds < QUICK_EXIT_S + 1.0, "took %.2f s", r.seconds);
}

/* A goroutine asleep for an hour is not a deadlock: the run goes on. */
static void long_sleeper(void *arg) {
    time_sleep(3600 * SECOND);
    chan_close((chan_t *)arg);
}
static void wait_for_sleeper(void) {
    set_env();
    chan_t *c = chan_make(int, 0);
    go(long_sleeper, c);
    int x;
    chan_recv(c, &x);
    printf("woke\n");
}

Test(det, a_long_sleep_is_not_a_deadlock, .timeout = 30) {
    child_result r;
    run_det(wait_for_sleeper, 4, NULL, &r);
    cr_assert(r.exited && r.status == 0 && strstr(r.out, "woke"), "%s", r.out);
}

/* ---- a wake from outside the schedule ----------------------------------------- */

/* Nothing runnable, no timer, but a thread the runtime did not create can
 * still send: the worker thread waits for it in real time, and the send
 * wakes main.  Once the thread has ended, blocking is a deadlock again. */
static chan_t *outside_ch;
static _Atomic int outside_known;
static void *outside_thread(void *arg) {
    (void)arg;
    (void)goroutine_id(); /* now the runtime knows it: a wake source */
    atomic_store(&outside_known, 1);
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    chan_send_v(outside_ch, int, 5);
    return NULL;
}
static void wake_from_outside(void) {
    set_env();
    outside_ch = chan_make(int, 0);
    pthread_t th;
    pthread_create(&th, NULL, outside_thread, NULL);
    while (!atomic_load(&outside_known)) sched_yield();
    int v = 0;
    chan_recv(outside_ch, &v);
    printf("got %d\n", v);
    pthread_join(th, NULL);
    /* The thread is gone: blocking forever is a deadlock again. */
    chan_recv(outside_ch, &v);
}

Test(det, a_foreign_thread_wakes_the_waiting_scheduler, .timeout = 30) {
    child_result r;
    run_det(wake_from_outside, 2, NULL, &r);
    cr_assert(strstr(r.out, "got 5\n"), "%d %s", r.status, r.out);
    cr_assert(r.exited && r.status == 2 && strstr(r.out, "all goroutines are asleep"), "%d %s",
              r.status, r.out);
}

/* ---- exploration finds a lock-order deadlock that needs no sleep ----------- */

static mutex_t la = MUTEX_INIT, lb = MUTEX_INIT;
static waitgroup_t lwg = WAITGROUP_INIT;
static void lock_ab(void *arg) {
    (void)arg;
    mutex_lock(&la);
    mutex_lock(&lb);
    mutex_unlock(&lb);
    mutex_unlock(&la);
    wg_done(&lwg);
}
static void lock_ba(void *arg) {
    (void)arg;
    mutex_lock(&lb);
    mutex_lock(&la);
    mutex_unlock(&la);
    mutex_unlock(&lb);
    wg_done(&lwg);
}
static void lock_order(void) {
    set_env();
    wg_add(&lwg, 2);
    go(lock_ab, NULL);
    go(lock_ba, NULL);
    wg_wait(&lwg);
    printf("finished\n");
}

/* Some seeds deadlock, some finish, and each deadlocking seed does so again. */
static void find_lock_order(const char *strategy, int seeds) {
    int deadlocked = 0, finished = 0;
    unsigned long long first = 0;
    for (unsigned long long seed = 1; seed <= (unsigned long long)seeds; seed++) {
        child_result r;
        run_det(lock_order, seed, strategy, &r);
        cr_assert(r.exited && !r.timed_out, "seed %llu: %s", seed, r.out);
        if (r.status == 2 && strstr(r.out, "all goroutines are asleep")) {
            if (!deadlocked++) first = seed;
        } else {
            cr_assert(r.status == 0 && strstr(r.out, "finished"), "seed %llu: %s", seed, r.out);
            finished++;
        }
    }
    cr_assert(deadlocked > 0 && finished > 0, "%s: %d of %d seeds deadlocked", strategy,
              deadlocked, seeds);
    child_result again;
    run_det(lock_order, first, strategy, &again);
    cr_assert(again.status == 2 && strstr(again.out, "all goroutines are asleep"),
              "seed %llu did not deadlock again: %s", first, again.out);
}

Test(det, random_finds_the_lock_order_deadlock, .timeout = 120) { find_lock_order("random", 50); }

Test(det, pct_finds_the_lock_order_deadlock, .timeout = 120) { find_lock_order("pct:3", 100); }

/* ---- network deadlines pass in real time --------------------------------------- */

/* The virtual clock does not move while a goroutine waits on a socket, so a
 * read deadline is fired by the poller on the real clock. */
static void read_with_deadline(void) {
    set_env();
    err_t err;
    net_listener_t *ln = net_listen("tcp", "127.0.0.1:0", &err);
    if (!ln) exit(3);
    net_conn_t *c = net_dial("tcp", net_listener_addr(ln), &err);
    if (!c) exit(4);
    net_conn_t *peer = net_accept(ln, &err);
    if (!peer) exit(5);
    char b[16];
    net_set_read_deadline(c, time_now() + 50 * MILLISECOND);
    int64_t n = net_read(c, b, sizeof b, &err);
    printf("read %lld %s\n", (long long)n, err_is(err, ERR_NET_TIMEOUT) ? "timeout" : "other");
    /* Past the deadline even ready data is not read (Go's rule). */
    net_write(peer, "data", 4, &err);
    n = net_read(c, b, sizeof b, &err);
    printf("again %lld %s\n", (long long)n, err_is(err, ERR_NET_TIMEOUT) ? "timeout" : "other");
    /* Lifted: the data is read. */
    net_set_read_deadline(c, 0);
    n = net_read(c, b, sizeof b, &err);
    printf("lifted %lld\n", (long long)n);
}

Test(det, a_read_deadline_expires_in_real_time, .timeout = 30) {
    child_result r;
    run_det(read_with_deadline, 3, NULL, &r);
    cr_assert(r.exited && r.status == 0, "%d %s", r.status, r.out);
    cr_assert(strstr(r.out, "read 0 timeout\n"), "%s", r.out);
    cr_assert(strstr(r.out, "again 0 timeout\n"), "%s", r.out);
    cr_assert(strstr(r.out, "lifted 4\n"), "%s", r.out);
}
