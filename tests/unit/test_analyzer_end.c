/*
 * test_analyzer_end.c — what the analyzer concludes from the state at the
 * end of a hand-made trace: global and partial deadlocks, leaks and their
 * classes, lock-order cycles, panics and misuse.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "analyzer.h"
#define SYNTH_FILE "t.c"
#include "synth_fixture.h"
#include "trace_hooks.h"

TestSuite(analyzer_end, .init = synth_setup, .fini = synth_teardown, .timeout = 10);
static void spawn(int64_t parent, int64_t child, const char *name) {
    an_synth_goroutine(s, child, name, parent, L(1), 0);
    an_synth_ev(s, parent, EV_GO_CREATE, child, 0, 0, 0, 0, L(1), name);
    ev(child, EV_GO_START, 0, 0, 0, 1);
}
static void analyze(void) {
    char err[256];
    t = an_load_db(an_synth_db(s), "mem", err, sizeof err);
    cr_assert(t, "load: %s", err);
    r = an_analyze(t);
}
static void run(const char *reason) {
    an_synth_end(s, reason && !strcmp(reason, "deadlock") ? 0 : 1, reason, reason && strcmp(reason, "exit") ? 2 : 0);
    analyze();
}
static int count(const char *kind) {
    int n = 0;
    for (size_t i = 0; i < r->findings.n; i++) n += !strcmp(r->findings.v[i].kind, kind);
    return n;
}
static const an_finding *first(const char *kind) {
    for (size_t i = 0; i < r->findings.n; i++)
        if (!strcmp(r->findings.v[i].kind, kind)) return &r->findings.v[i];
    return NULL;
}
static int refs_line(const an_finding *f, int line) {
    for (size_t i = 0; f && i < f->refs.n; i++) {
        const an_site *x = an_site_by_id(t, f->refs.v[i].site);
        if (x && x->line == line) return 1;
    }
    return 0;
}
static int refs_g(const an_finding *f, int64_t g) {
    for (size_t i = 0; f && i < f->refs.n; i++)
        if (f->refs.v[i].g == g) return 1;
    return 0;
}

#define A 20
#define B 21
#define CH 10

Test(analyzer_end, global_deadlock_names_blocked_goroutines_and_sites) {
    an_synth_object(s, CH, OBJ_CHAN, "results", 0, 0, 8);
    ev(1, EV_CHAN_MAKE, CH, 0, 8, 5);
    ev(1, EV_CHAN_RECV_BEGIN, CH, 0, 0, 12);
    ev(1, EV_GO_BLOCK, CH, BLOCK_RECV, 0, 12);
    an_synth_ev(s, 0, EV_DEADLOCK, 0, 1, 0, 0, 0, 0, NULL);
    run("deadlock");
    cr_assert_eq(r->findings.n, 1);
    const an_finding *f = first("deadlock");
    cr_assert(f);
    cr_assert(refs_line(f, 12));
    cr_assert(refs_g(f, 1));
    cr_assert(strstr(f->explanation, "receiving from channel results"), "%s", f->explanation);
}

Test(analyzer_end, ab_ba_partial_deadlock_and_no_leak_double_report) {
    an_synth_object(s, A, OBJ_MUTEX, "A", 0, 0, 0);
    an_synth_object(s, B, OBJ_MUTEX, "B", 0, 0, 0);
    spawn(1, 2, "left");
    spawn(1, 3, "right");
    ev(2, EV_MUTEX_ACQUIRE, A, 0, 0, 30);
    ev(3, EV_MUTEX_ACQUIRE, B, 0, 0, 40);
    ev(2, EV_MUTEX_WAIT, B, 0, 0, 31);
    ev(2, EV_GO_BLOCK, B, BLOCK_LOCK, 0, 31);
    ev(3, EV_MUTEX_WAIT, A, 0, 0, 41);
    ev(3, EV_GO_BLOCK, A, BLOCK_LOCK, 0, 41);
    run("exit");
    cr_assert_eq(count("partial_deadlock"), 1);
    cr_assert_eq(count("leak"), 0);
    cr_assert_eq(count("lock_order"), 0, "the cycle really deadlocked: no separate warning");
    const an_finding *f = first("partial_deadlock");
    cr_assert(refs_line(f, 31) && refs_line(f, 41) && refs_line(f, 30) && refs_line(f, 40));
    cr_assert(refs_g(f, 2) && refs_g(f, 3));
}

Test(analyzer_end, lock_held_while_waiting_on_channel_nobody_else_has) {
    an_synth_object(s, A, OBJ_MUTEX, "mu", 0, 0, 0);
    an_synth_object(s, CH, OBJ_CHAN, "reply", 0, 0, 8);
    ev(1, EV_CHAN_MAKE, CH, 0, 8, 5);
    spawn(1, 2, "holder");
    spawn(1, 3, "other");
    ev(2, EV_MUTEX_ACQUIRE, A, 0, 0, 30);
    ev(2, EV_CHAN_RECV_BEGIN, CH, 0, 0, 31);
    ev(2, EV_GO_BLOCK, CH, BLOCK_RECV, 0, 31);
    ev(3, EV_MUTEX_WAIT, A, 0, 0, 40);
    ev(3, EV_GO_BLOCK, A, BLOCK_LOCK, 0, 40);
    run("exit");
    const an_finding *f = first("partial_deadlock");
    cr_assert(f, "findings: %zu", r->findings.n);
    cr_assert(refs_line(f, 31) && refs_line(f, 40));
    cr_assert_eq(count("leak"), 0);
}

Test(analyzer_end, recursive_read_lock_behind_waiting_writer) {
    an_synth_object(s, A, OBJ_RWMUTEX, "rw", 0, 0, 0);
    spawn(1, 2, "reader");
    spawn(1, 3, "writer");
    ev(2, EV_RW_RACQUIRE, A, 1, 0, 30);
    ev(3, EV_MUTEX_WAIT, A, 0, 0, 40);
    ev(3, EV_GO_BLOCK, A, BLOCK_LOCK, 0, 40);
    ev(2, EV_RW_RWAIT, A, 0, 0, 31);
    ev(2, EV_GO_BLOCK, A, BLOCK_RLOCK, 0, 31);
    run("exit");
    const an_finding *f = first("partial_deadlock");
    cr_assert(f);
    cr_assert(refs_line(f, 31) && refs_line(f, 40));
    cr_assert(strstr(f->explanation, "waiting writer"), "%s", f->explanation);
    cr_assert_eq(count("lock_order"), 0, "it did deadlock: no separate warning");
}

Test(analyzer_end, recursive_read_lock_that_did_not_deadlock_is_a_warning) {
    an_synth_object(s, A, OBJ_RWMUTEX, "cache", 0, 0, 0);
    spawn(1, 2, "reader");
    ev(2, EV_RW_RACQUIRE, A, 1, 0, 30);
    ev(2, EV_RW_RACQUIRE, A, 2, 0, 31); /* no writer came in between this time */
    ev(2, EV_RW_RRELEASE, A, 1, 0, 32);
    ev(2, EV_RW_RRELEASE, A, 0, 0, 33);
    ev(2, EV_GO_END, 0, 0, 0, 0);
    run("exit");
    cr_assert_eq(r->findings.n, 1);
    const an_finding *f = first("lock_order");
    cr_assert(f);
    cr_assert_str_eq(f->klass, "recursive_rlock");
    cr_assert(refs_line(f, 30) && refs_line(f, 31));
}

Test(analyzer_end, leak_blocked_forever_on_send_after_main_returned) {
    an_synth_object(s, CH, OBJ_CHAN, "results", 0, 0, 8);
    ev(1, EV_CHAN_MAKE, CH, 0, 8, 5);
    spawn(1, 2, "worker");
    ev(2, EV_CHAN_SEND_BEGIN, CH, 0, 0, 31);
    ev(2, EV_GO_BLOCK, CH, BLOCK_SEND, 0, 31);
    run("exit");
    cr_assert_eq(r->findings.n, 1);
    const an_finding *f = first("leak");
    cr_assert(f);
    cr_assert_str_eq(f->klass, "blocked_forever");
    cr_assert(refs_line(f, 31));
    cr_assert(strstr(f->title, "worker (id 2)") && strstr(f->title, "sending on channel results"),
              "%s", f->title);
}

Test(analyzer_end, leak_wakeable_when_a_partner_is_still_running) {
    an_synth_object(s, CH, OBJ_CHAN, "jobs", 0, 0, 8);
    spawn(1, 2, "consumer");
    spawn(1, 3, "producer");
    ev(3, EV_CHAN_SEND_BEGIN, CH, 0, 0, 20);
    ev(3, EV_CHAN_SEND, CH, 1, -1, 20);
    ev(2, EV_CHAN_RECV, CH, 1, -1, 30);
    ev(2, EV_CHAN_RECV_BEGIN, CH, 0, 0, 30);
    ev(2, EV_GO_BLOCK, CH, BLOCK_RECV, 0, 30);
    ev(3, EV_GO_SLEEP, 0, 1000000, 0, 21); /* producer still busy */
    run("exit");
    cr_assert_eq(count("leak"), 2);
    int wakeable = 0, running = 0;
    for (size_t i = 0; i < r->findings.n; i++) {
        wakeable += !strcmp(r->findings.v[i].klass, "wakeable");
        running += !strcmp(r->findings.v[i].klass, "running");
    }
    cr_assert_eq(wakeable, 1);
    cr_assert_eq(running, 1);
}

Test(analyzer_end, finished_worker_whose_done_main_waited_for_is_not_a_leak) {
    an_synth_object(s, 30, OBJ_WAITGROUP, "wg", 0, 0, 0);
    ev(1, EV_WG_ADD, 30, 1, 1, 10);
    spawn(1, 2, "worker");
    ev(2, EV_WG_ADD, 30, -1, 0, 20); /* its go_end is not in the trace yet */
    ev(1, EV_WG_WAIT, 30, 0, 0, 11);
    ev(1, EV_WG_WAIT_DONE, 30, 0, 0, 11);
    run("exit");
    cr_assert_eq(r->findings.n, 0);
}

Test(analyzer_end, lock_order_cycle_that_did_not_deadlock) {
    an_synth_object(s, A, OBJ_MUTEX, "A", 0, 0, 0);
    an_synth_object(s, B, OBJ_MUTEX, "B", 0, 0, 0);
    spawn(1, 2, "first");
    ev(2, EV_MUTEX_ACQUIRE, A, 0, 0, 30);
    ev(2, EV_MUTEX_ACQUIRE, B, 0, 0, 31);
    ev(2, EV_MUTEX_RELEASE, B, 0, 0, 32);
    ev(2, EV_MUTEX_RELEASE, A, 0, 0, 33);
    ev(2, EV_GO_END, 0, 0, 0, 0);
    spawn(1, 3, "second");
    ev(3, EV_MUTEX_ACQUIRE, B, 0, 0, 40);
    ev(3, EV_MUTEX_ACQUIRE, A, 0, 0, 41);
    ev(3, EV_MUTEX_RELEASE, A, 0, 0, 42);
    ev(3, EV_MUTEX_RELEASE, B, 0, 0, 43);
    ev(3, EV_GO_END, 0, 0, 0, 0);
    run("exit");
    cr_assert_eq(r->findings.n, 1);
    const an_finding *f = first("lock_order");
    cr_assert(f);
    cr_assert_str_eq(f->severity, "warning");
    cr_assert(refs_line(f, 31) && refs_line(f, 41) && refs_line(f, 30) && refs_line(f, 40));
}

Test(analyzer_end, consistent_lock_order_is_clean) {
    an_synth_object(s, A, OBJ_MUTEX, "A", 0, 0, 0);
    an_synth_object(s, B, OBJ_MUTEX, "B", 0, 0, 0);
    for (int g = 2; g <= 3; g++) {
        spawn(1, g, "worker");
        ev(g, EV_MUTEX_ACQUIRE, A, 0, 0, 30);
        ev(g, EV_MUTEX_ACQUIRE, B, 0, 0, 31);
        ev(g, EV_MUTEX_RELEASE, B, 0, 0, 32);
        ev(g, EV_MUTEX_RELEASE, A, 0, 0, 33);
        ev(g, EV_GO_END, 0, 0, 0, 0);
    }
    run("exit");
    cr_assert_eq(r->findings.n, 0);
}

Test(analyzer_end, send_on_closed_channel_is_misuse_with_both_sites) {
    an_synth_object(s, CH, OBJ_CHAN, "out", 0, 1, 8);
    ev(1, EV_CHAN_CLOSE, CH, 0, 0, 20);
    an_synth_ev(s, 1, EV_PANIC, CH, MISUSE_SEND_ON_CLOSED, 0, 0, 0, L(21),
                "send on closed channel");
    run("panic");
    cr_assert_eq(r->findings.n, 1);
    const an_finding *f = first("misuse");
    cr_assert(f);
    cr_assert_str_eq(f->klass, "send_on_closed");
    cr_assert(refs_line(f, 21) && refs_line(f, 20));
}

Test(analyzer_end, user_panic_is_panic_and_silences_leaks) {
    spawn(1, 2, "worker");
    ev(2, EV_GO_BLOCK, 0, BLOCK_NIL_CHAN, 0, 30);
    an_synth_ev(s, 1, EV_PANIC, 0, 0, 0, 0, 0, L(12), "boom");
    run("panic");
    cr_assert_eq(r->findings.n, 1);
    const an_finding *f = first("panic");
    cr_assert(f);
    cr_assert(refs_line(f, 12));
    cr_assert(strstr(f->title, "boom"));
}

Test(analyzer_end, lock_copied_is_reported_once_per_site) {
    an_synth_object(s, A, OBJ_MUTEX, "mu", 0, 0, 0);
    int32_t site = L(50); /* the tracer stores each file:line once */
    for (int i = 0; i < 3; i++)
        an_synth_ev(s, 1, EV_MISUSE, A, MISUSE_LOCK_COPIED, 0, 0, 0, site, "copied");
    run("exit");
    cr_assert_eq(count("misuse"), 1);
    cr_assert_str_eq(first("misuse")->klass, "lock_copied");
}

Test(analyzer_end, truncated_trace_is_analyzed_without_leaks) {
    an_synth_object(s, CH, OBJ_CHAN, "results", 0, 0, 8);
    spawn(1, 2, "worker");
    ev(2, EV_GO_BLOCK, CH, BLOCK_SEND, 0, 31);
    analyze(); /* no program_end, no end_reason: killed */
    cr_assert(t->truncated);
    cr_assert_eq(count("leak"), 0);
}

Test(analyzer_end, json_report_has_the_documented_fields) {
    an_synth_object(s, CH, OBJ_CHAN, "results", 0, 0, 8);
    spawn(1, 2, "worker");
    ev(2, EV_GO_BLOCK, CH, BLOCK_SEND, 0, 31);
    run("exit");
    char *js = an_report_json(t, r);
    cr_assert(js);
    const char *keys[] = {"\"trace\"", "\"truncated\"", "\"findings\"", "\"kind\"", "\"title\"",
                          "\"explanation\"", "\"fix\"", "\"goroutines\"", "\"objects\"",
                          "\"sites\"", "\"events\"", "\"file\"", "\"line\"", "\"class\""};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        cr_assert(strstr(js, keys[i]), "missing %s", keys[i]);
    free(js);
}

/* A pub/sub-style leak: thousands of goroutines stuck on one channel are
 * one finding, and the analysis stays fast (no quadratic blow-up). */
Test(analyzer_end, thousands_of_leaked_goroutines_are_one_finding, .timeout = 20) {
    enum { N = 3000 };
    an_synth_object(s, CH, OBJ_CHAN, "updates", 0, 0, 8);
    an_synth_object(s, 30, OBJ_WAITGROUP, "wg", 0, 0, 0);
    int32_t site_go = L(1), site_send = L(77), site_wait = L(88);
    for (int64_t g = 2; g < 2 + N; g++) {
        an_synth_goroutine(s, g, "publish", 1, site_go, 0);
        an_synth_ev(s, 1, EV_GO_CREATE, g, 0, 0, 0, 0, site_go, "publish");
        an_synth_ev(s, g, EV_GO_START, 0, 0, 0, 0, 0, site_go, NULL);
        an_synth_ev(s, g, EV_CHAN_SEND_BEGIN, CH, 0, 0, 0, 0, site_send, NULL);
        an_synth_ev(s, g, EV_GO_BLOCK, CH, BLOCK_SEND, 0, 0, 0, site_send, NULL);
    }
    an_synth_goroutine(s, 2 + N, "closer", 1, site_go, 0);
    an_synth_ev(s, 1, EV_GO_CREATE, 2 + N, 0, 0, 0, 0, site_go, "closer");
    an_synth_ev(s, 2 + N, EV_WG_WAIT, 30, 1, 0, 0, 0, site_wait, NULL);
    an_synth_ev(s, 2 + N, EV_GO_BLOCK, 30, BLOCK_WG_WAIT, 0, 0, 0, site_wait, NULL);
    run("exit");
    cr_assert_eq(count("leak"), 2, "one group of publishers, one closer");
    const an_finding *f = first("leak");
    cr_assert(strstr(f->title, "3000 goroutines publish"), "%s", f->title);
    cr_assert(refs_line(f, 77));
}

/* The partner logged the hand-off for the parked sender, then main returned
 * before the sender could log go_unblock / go_end: it was on its way out. */
Test(analyzer_end, sender_woken_by_handoff_before_main_returned_is_not_a_leak) {
    an_synth_object(s, CH, OBJ_CHAN, "ping", 0, 0, 8);
    spawn(1, 2, "pinger");
    ev(2, EV_CHAN_SEND_BEGIN, CH, 0, 0, 62);
    ev(2, EV_GO_BLOCK, CH, BLOCK_SEND, 0, 62);
    ev(1, EV_CHAN_RECV_BEGIN, CH, 0, 0, 80);
    an_synth_ev(s, 2, EV_CHAN_SEND, CH, 1, -1, 0, 0, L(62), NULL); /* logged by main */
    ev(1, EV_CHAN_RECV, CH, 1, -1, 80);
    run("exit");
    cr_assert_eq(r->findings.n, 0, "%s", r->findings.n ? r->findings.v[0].title : "");
    /* and its blocked span ends at the hand-off */
    for (size_t i = 0; i < r->spans.n; i++)
        if (r->spans.v[i].g == 2 && r->spans.v[i].state == ST_BLOCKED)
            cr_assert_eq(r->spans.v[i].open, 0);
}

/* ---- wording: what a learner reads ------------------------------------ */

/* The range-over-an-unclosed-channel deadlock: main blocked on WaitGroup-free
 * receive; the sender finished without closing.  The explanation names the
 * channel and the sender, and the fix says to close it. */
Test(analyzer_end, deadlock_range_never_closed_names_sender_and_says_close) {
    an_synth_object(s, CH, OBJ_CHAN, "jobs", 0, 0, 8);
    ev(1, EV_CHAN_MAKE, CH, 0, 8, 5);
    spawn(1, 2, "producer");
    ev(2, EV_CHAN_SEND, CH, 1, -1, 20);
    ev(1, EV_CHAN_RECV, CH, 1, -1, 12);
    ev(2, EV_GO_END, 0, 0, 0, 0);
    ev(1, EV_CHAN_RECV_BEGIN, CH, 0, 0, 12);
    ev(1, EV_GO_BLOCK, CH, BLOCK_RECV, 0, 12);
    an_synth_ev(s, 0, EV_DEADLOCK, 0, 1, 0, 0, 0, 0, NULL);
    run("deadlock");
    const an_finding *f = first("deadlock");
    cr_assert(f);
    cr_assert(strstr(f->title, "main (id 1) receiving from channel jobs"), "%s", f->title);
    cr_assert(strstr(f->explanation, "producer (id 2) sent on it and finished without closing it"),
              "%s", f->explanation);
    cr_assert(strstr(f->fix, "Close jobs after the last send"), "%s", f->fix);
}

/* main waits on a WaitGroup for a worker stuck sending on a channel nobody
 * receives from: the fix is about the channel (the root), not the WaitGroup. */
Test(analyzer_end, deadlock_fix_follows_the_root_not_the_waitgroup) {
    an_synth_object(s, 30, OBJ_WAITGROUP, "wg", 0, 0, 0);
    an_synth_object(s, CH, OBJ_CHAN, "results", 0, 0, 8);
    ev(1, EV_CHAN_MAKE, CH, 0, 8, 5);
    ev(1, EV_WG_ADD, 30, 1, 1, 6);
    spawn(1, 2, "worker");
    ev(2, EV_CHAN_SEND_BEGIN, CH, 0, 0, 31);
    ev(2, EV_GO_BLOCK, CH, BLOCK_SEND, 0, 31);
    ev(1, EV_WG_WAIT, 30, 1, 0, 11);
    ev(1, EV_GO_BLOCK, 30, BLOCK_WG_WAIT, 0, 11);
    an_synth_ev(s, 0, EV_DEADLOCK, 0, 1, 0, 0, 0, 0, NULL);
    run("deadlock");
    const an_finding *f = first("deadlock");
    cr_assert(f);
    cr_assert(strstr(f->title, "main (id 1) waiting on WaitGroup wg") &&
                  strstr(f->title, "worker (id 2) sending on channel results"),
              "%s", f->title);
    cr_assert(strstr(f->explanation, "The cause: worker (id 2) was blocked sending on channel "
                                     "results"),
              "%s", f->explanation);
    cr_assert(strstr(f->explanation, "its counter is still 1"), "%s", f->explanation);
    cr_assert(strstr(f->fix, "Every send on results needs a receiver"), "%s", f->fix);
    cr_assert_null(strstr(f->fix, "wg_add"), "%s", f->fix);
}

/* A ticker stopped while a goroutine still waits on its channel. */
Test(analyzer_end, deadlock_on_stopped_ticker_says_who_stopped_it) {
    enum { TM = 40, TC = 41 };
    an_synth_object(s, TC, OBJ_CHAN, "Ticker.C", 0, 1, 8);
    an_synth_object(s, TM, OBJ_TIMER, "limiter", 0, 1, 0); /* a = 1: a ticker */
    ev(1, EV_CHAN_MAKE, TC, 1, 8, 5);
    an_synth_ev(s, 1, EV_TIMER_START, TM, 1000000, TC, 1, 0, L(6), NULL);
    spawn(1, 2, "worker");
    ev(1, EV_TIMER_STOP, TM, 1, 0, 7);
    ev(2, EV_CHAN_RECV_BEGIN, TC, 0, 0, 30);
    ev(2, EV_GO_BLOCK, TC, BLOCK_RECV, 0, 30);
    ev(1, EV_GO_BLOCK, 0, BLOCK_NIL_CHAN, 0, 8);
    an_synth_ev(s, 0, EV_DEADLOCK, 0, 1, 0, 0, 0, 0, NULL);
    run("deadlock");
    const an_finding *f = first("deadlock");
    cr_assert(f);
    cr_assert(strstr(f->explanation, "ticker limiter was stopped by main (id 1) at t.c:7"), "%s",
              f->explanation);
    cr_assert(strstr(f->explanation, "Stop does not close its channel"), "%s", f->explanation);
}

/* A goroutine looping over a running ticker's channel when main returns: a
 * leak that the ticker keeps alive, and the fix gives the loop a way out. */
Test(analyzer_end, leak_on_running_ticker_explains_range_never_ends) {
    enum { TM = 40, TC = 41 };
    an_synth_object(s, TC, OBJ_CHAN, "Ticker.C", 0, 1, 8);
    an_synth_object(s, TM, OBJ_TIMER, "ticker", 0, 1, 0);
    spawn(1, 2, "run_periodic");
    ev(2, EV_CHAN_MAKE, TC, 1, 8, 20);
    an_synth_ev(s, 2, EV_TIMER_START, TM, 1000000, TC, 1, 0, L(21), NULL);
    ev(2, EV_CHAN_RECV_BEGIN, TC, 0, 0, 22);
    ev(2, EV_GO_BLOCK, TC, BLOCK_RECV, 0, 22);
    run("exit");
    const an_finding *f = first("leak");
    cr_assert(f);
    cr_assert_str_eq(f->klass, "wakeable");
    cr_assert(strstr(f->explanation, "is still running") &&
                  strstr(f->explanation, "a ticker's channel is never closed"),
              "%s", f->explanation);
    cr_assert_null(strstr(f->explanation, "Another goroutine could"), "%s", f->explanation);
    cr_assert(strstr(f->fix, "ctx_done(ctx)"), "%s", f->fix);
}

/* The recursive read lock: the fix names the RWMutex and both RLock sites. */
Test(analyzer_end, recursive_rlock_fix_is_specific) {
    an_synth_object(s, A, OBJ_RWMUTEX, "cache.mu", 0, 0, 0);
    spawn(1, 2, "reporter");
    spawn(1, 3, "writer");
    ev(2, EV_RW_RACQUIRE, A, 1, 0, 30);
    ev(3, EV_MUTEX_WAIT, A, 0, 0, 40);
    ev(3, EV_GO_BLOCK, A, BLOCK_LOCK, 0, 40);
    ev(2, EV_RW_RWAIT, A, 0, 0, 31);
    ev(2, EV_GO_BLOCK, A, BLOCK_RLOCK, 0, 31);
    ev(1, EV_GO_BLOCK, 0, BLOCK_NIL_CHAN, 0, 8);
    an_synth_ev(s, 0, EV_DEADLOCK, 0, 1, 0, 0, 0, 0, NULL);
    run("deadlock");
    const an_finding *f = first("deadlock");
    cr_assert(f);
    cr_assert(strstr(f->fix, "Do not read-lock RWMutex cache.mu twice in one goroutine") &&
                  strstr(f->fix, "t.c:30") && strstr(f->fix, "t.c:31"),
              "%s", f->fix);
    cr_assert(strstr(f->explanation, "writer (id 3) is waiting to write-lock RWMutex cache.mu"), "%s",
              f->explanation);
}

/* The header counts the program's goroutines, not the runtime's thread (id 0). */
Test(analyzer_end, goroutine_count_leaves_out_the_runtime) {
    spawn(1, 2, "worker");
    ev(2, EV_GO_END, 0, 0, 0, 0);
    an_synth_ev(s, 0, EV_LOG, 0, 0, 0, 0, 0, 0, "runtime"); /* an event by goroutine 0 */
    run("exit");
    cr_assert_eq(t->ng, 3, "main, worker and the runtime's own id 0");
    char *js = an_report_json(t, r);
    cr_assert(strstr(js, "\"goroutines\":\t2") || strstr(js, "\"goroutines\": 2"), "%s", js);
    free(js);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    an_report_text(out, t, r);
    fclose(out);
    cr_assert(strstr(buf, ", 2 goroutines)"), "%s", buf);
    free(buf);
}

/* A goroutine that never started: its go statement is the site. */
Test(analyzer_end, leak_of_a_goroutine_that_never_started_points_at_its_go) {
    an_synth_goroutine(s, 2, "late", 1, L(44), 0);
    an_synth_ev(s, 1, EV_GO_CREATE, 2, 0, 0, 0, 0, L(44), "late");
    run("exit");
    const an_finding *f = first("leak");
    cr_assert(f);
    cr_assert(refs_line(f, 44));
    cr_assert(strstr(f->title, "not even started"), "%s", f->title);
}

/* A goroutine waiting for the network can always be woken from outside: a
 * leak that is wakeable, never a partial deadlock; three on three sockets
 * are one finding that names no single socket. */
Test(analyzer_end, network_waiters_are_wakeable_leaks_not_deadlocks) {
    int32_t read_site = L(44); /* the three clients block at one site */
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "127.0.0.1:%d->127.0.0.1:8080", 40000 + i);
        an_synth_object(s, 50 + i, OBJ_SOCKET, name, 0, 0, 0);
        spawn(1, 2 + i, "client");
        an_synth_ev(s, 2 + i, EV_GO_BLOCK, 50 + i, BLOCK_IO, 0, 0, 0, read_site, NULL);
    }
    an_synth_object(s, 60, OBJ_SOCKET, "127.0.0.1:8080", 0, 1, 0);
    spawn(1, 5, "server");
    ev(5, EV_GO_BLOCK, 60, BLOCK_IO, 0, 70);
    run("exit");
    cr_assert_eq(count("partial_deadlock"), 0);
    cr_assert_eq(count("leak"), 2);
    for (size_t i = 0; i < r->findings.n; i++)
        cr_assert_str_eq(r->findings.v[i].klass, "wakeable", "%s", r->findings.v[i].title);
    const an_finding *f = first("leak");
    int clients = strstr(f->title, "client") != NULL;
    const an_finding *fc = clients ? f : &r->findings.v[1], *fs = clients ? &r->findings.v[1] : f;
    cr_assert(strstr(fc->title, "3 goroutines client") &&
                  strstr(fc->title, "waiting for the network, each on its own socket at t.c:44"),
              "%s", fc->title);
    cr_assert(strstr(fs->title, "waiting for the network on socket 127.0.0.1:8080 at t.c:70"), "%s",
              fs->title);
}
