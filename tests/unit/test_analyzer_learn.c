/*
 * test_analyzer_learn.c — issue 15's analyzer half, on hand-made traces:
 * runs stopped by a signal still get leak and partial-deadlock findings for
 * goroutines nobody alive could wake (and none for idle servers); loops that
 * start work after their context was cancelled; every finding's culprit,
 * one-line fix and wait-for graph as data; groups of ids said as ranges.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_internal.h"
#define SYNTH_FILE "srv.c"
#include "synth_fixture.h"
#include "trace_hooks.h"

TestSuite(analyzer_learn, .init = synth_setup, .fini = synth_teardown, .timeout = 10);
static void spawn(int64_t parent, int64_t child, const char *name, int line) {
    an_synth_goroutine(s, child, name, parent, L(line), 0);
    an_synth_ev(s, parent, EV_GO_CREATE, child, 0, 0, 0, 0, L(line), name);
    ev(child, EV_GO_START, 0, 0, 0, line);
}
static void chan(int64_t id, const char *name, int64_t cap) {
    an_synth_object(s, id, OBJ_CHAN, name, L(2), cap, 8);
    ev(1, EV_CHAN_MAKE, id, cap, 8, 2);
}
/* a completed hand-off on an unbuffered channel: g sends, h receives */
static void pass(int64_t g, int64_t h, int64_t ch, int64_t msg, int sline, int rline) {
    an_synth_ev(s, g, EV_CHAN_SEND, ch, msg, -1, 0, 0, L(sline), NULL);
    an_synth_ev(s, h, EV_CHAN_RECV, ch, msg, -1, 0, CS_EVF_OK, L(rline), NULL);
}
static void block(int64_t g, int reason, int64_t obj, int line) {
    ev(g, reason == BLOCK_SEND ? EV_CHAN_SEND_BEGIN : EV_CHAN_RECV_BEGIN, obj, 0, 0, line);
    ev(g, EV_GO_BLOCK, obj, reason, 0, line);
}
static void analyze(void) {
    char err[256];
    t = an_load_db(an_synth_db(s), "mem", err, sizeof err);
    cr_assert(t, "load: %s", err);
    r = an_analyze(t);
}
static void killed_by(int sig) {
    an_synth_end(s, 0, "signal", 128 + sig);
    an_synth_meta(s, "end_signal", sig == SIGINT ? "2" : "15");
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
static int names_g(const an_finding *f, int64_t g) {
    for (size_t i = 0; f && i < f->refs.n; i++)
        if (f->refs.v[i].g == g) return 1;
    return 0;
}
static int line_of(int32_t site) {
    const an_site *x = an_site_by_id(t, site);
    return x ? x->line : 0;
}
static const an_wait *wait_of(const an_finding *f, int64_t g) {
    for (size_t i = 0; i < f->waits.n; i++)
        if (f->waits.v[i].g == g) return &f->waits.v[i];
    return NULL;
}
static int wakes(const an_finding *f, int64_t g, int64_t waker) {
    for (size_t i = 0; i < f->wakers.n; i++)
        if (f->wakers.v[i].g == g && f->wakers.v[i].waker == waker) return 1;
    return 0;
}
/* every finding has a one-line fix that fits */
static void fix_lines_fit(void) {
    for (size_t i = 0; i < r->findings.n; i++) {
        const an_finding *f = &r->findings.v[i];
        cr_assert(f->fix_line && strlen(f->fix_line) > 10 && strlen(f->fix_line) <= AN_FIX_LINE_MAX,
                  "%s: fix_line '%s'", f->kind, f->fix_line ? f->fix_line : "(null)");
        cr_assert(!strchr(f->title, '@') && !strchr(f->explanation, '@') && !strchr(f->fix, '@'),
                  "internal name in prose: %s / %s", f->title, f->explanation);
    }
}

#define PING 10
#define PONG 11
#define JOBS 12
#define RESULT 13
#define SOCK 20

/* A server stopped by Ctrl-C: ping and pong exchanged balls and now both
 * wait to receive (a channel-only cycle); fetch sends a result its handler
 * (ended) no longer receives; main waits in accept; the worker waits for
 * jobs that main sends. */
static void stopped_server(void) {
    an_synth_object(s, SOCK, OBJ_SOCKET, "127.0.0.1:8080", L(3), 0, 0);
    chan(PING, "to_ping", 0);
    chan(PONG, "to_pong", 0);
    chan(JOBS, "jobs", 0);
    spawn(1, 2, "worker", 4);
    pass(1, 2, JOBS, 1, 60, 50);
    block(2, BLOCK_RECV, JOBS, 50);
    spawn(1, 3, "handler", 5);
    an_synth_object(s, RESULT, OBJ_CHAN, "result", L(40), 0, 8);
    ev(3, EV_CHAN_MAKE, RESULT, 0, 8, 40);
    spawn(3, 4, "fetch", 41);
    ev(3, EV_GO_END, 0, 0, 0, 42);
    spawn(1, 5, "ping", 6);
    spawn(1, 6, "pong", 7);
    pass(5, 6, PONG, 2, 20, 30);
    pass(6, 5, PING, 3, 31, 21);
    pass(5, 6, PONG, 4, 20, 30);
    block(5, BLOCK_RECV, PING, 21); /* pong dropped this ball */
    block(6, BLOCK_RECV, PONG, 30);
    block(4, BLOCK_SEND, RESULT, 45);
    ev(1, EV_GO_BLOCK, SOCK, BLOCK_IO, 0, 70);
}

Test(analyzer_learn, sigint_stopped_server_reports_cycle_and_lone_stuck_only) {
    stopped_server();
    killed_by(SIGINT);
    cr_assert_eq(count("signal"), 1);
    cr_assert_eq(count("partial_deadlock"), 1);
    cr_assert_eq(count("leak"), 1);
    const an_finding *pd = first("partial_deadlock");
    cr_assert(names_g(pd, 5) && names_g(pd, 6), "%s", pd->title);
    cr_assert(!names_g(pd, 1) && !names_g(pd, 2), "the server and its worker are not stuck");
    /* the wait-for graph: each waits on the other's channel, each the other's waker */
    const an_wait *w5 = wait_of(pd, 5), *w6 = wait_of(pd, 6);
    cr_assert(w5 && w6);
    cr_assert_eq(w5->state, WS_BLOCKED);
    cr_assert_eq(w5->obj, PING);
    cr_assert_eq(w5->reason, BLOCK_RECV);
    cr_assert_eq(line_of(w5->site), 21);
    cr_assert(wakes(pd, 5, 6) && wakes(pd, 6, 5));
    cr_assert(pd->culprit_site && (line_of(pd->culprit_site) == 21 || line_of(pd->culprit_site) == 30));
    const an_finding *lk = first("leak");
    cr_assert(names_g(lk, 4) && !names_g(lk, 1) && !names_g(lk, 2), "%s", lk->title);
    cr_assert(strstr(lk->explanation, "killed by SIGINT"), "%s", lk->explanation);
    cr_assert_eq(line_of(lk->culprit_site), 45, "the send nobody receives");
    cr_assert_eq(lk->culprit_g, 4);
    cr_assert_eq(lk->wakers.n, 0, "nobody alive can wake fetch");
    /* the signal finding's graph has the idle server in the poller */
    const an_finding *sg = first("signal");
    const an_wait *m = wait_of(sg, 1);
    cr_assert(m && m->state == WS_IO);
    cr_assert_eq(sg->culprit_site, 0, "a signal sent from outside has no line to change");
    fix_lines_fit();
}

Test(analyzer_learn, sigterm_counts_like_sigint) {
    stopped_server();
    killed_by(SIGTERM);
    cr_assert_eq(count("partial_deadlock"), 1);
    cr_assert_eq(count("leak"), 1);
    cr_assert(strstr(first("leak")->explanation, "killed by SIGTERM"));
}

/* Only a goroutine that used the channel counts as able to wake: main made
 * `done` and never touched it again; its waiter is stuck although main is
 * alive (in the poller).  After a normal exit the maker still counts. */
Test(analyzer_learn, signal_maker_alone_does_not_wake) {
    an_synth_object(s, SOCK, OBJ_SOCKET, "ln", L(3), 0, 0);
    chan(PING, "done", 0);
    spawn(1, 2, "waiter", 4);
    block(2, BLOCK_RECV, PING, 50);
    ev(1, EV_GO_BLOCK, SOCK, BLOCK_IO, 0, 70);
    killed_by(SIGINT);
    cr_assert_eq(count("leak"), 1);
    cr_assert(names_g(first("leak"), 2));
}

/* A goroutine waiting on a channel signal_notify registered is waiting for
 * the outside world: not stuck, even though nobody ever sent on it. */
Test(analyzer_learn, signal_notify_channel_is_woken_from_outside) {
    chan(PING, "sigs", 1);
    an_synth_ev(s, 1, EV_SIGNAL, PING, SIGINT, 2, 0, 0, L(9), NULL);
    spawn(1, 2, "waiter", 4);
    block(2, BLOCK_RECV, PING, 50);
    ev(1, EV_GO_SLEEP, 0, 0, 0, 70);
    killed_by(SIGTERM);
    cr_assert_eq(count("leak"), 0);
    cr_assert_eq(count("partial_deadlock"), 0);
    cr_assert_eq(count("signal"), 1);
}

#define CTX 30
#define DONE 31
#define SEM 32

/* main loops: select { slot | ctx.Done }, then go worker; the context is
 * cancelled; the select returns the cancel; `break` leaves only the select
 * and the loop starts two more workers at the same go statement. */
static void loop_after_cancel(int fresh_ctx, int other_site) {
    an_synth_object(s, CTX, OBJ_CONTEXT, "ctx", L(10), 0, 0);
    an_synth_object(s, DONE, OBJ_CHAN, "chan@srv.c:10", L(10), 0, 0);
    an_synth_ev(s, 1, EV_CTX_CREATE, CTX, 0, 1, DONE, 0, L(10), NULL);
    chan(SEM, "sem", 3);
    for (int i = 0; i < 2; i++) spawn(1, 2 + i, "task", 30);
    an_synth_ev(s, 2, EV_CTX_CANCEL, CTX, 1, 0, 0, 0, L(50), NULL);
    an_synth_ev(s, 1, EV_SELECT_BEGIN, 0, 2, 0, 0, 0, L(20), "s:32 r:31");
    an_synth_ev(s, 1, EV_CHAN_RECV, DONE, 0, 0, 0, CS_EVF_SELECT, L(20), NULL);
    if (fresh_ctx) an_synth_ev(s, 1, EV_CTX_CREATE, CTX + 10, 0, 1, 0, 0, L(25), NULL);
    for (int i = 0; i < 2; i++) spawn(1, 4 + i, "task", other_site ? 35 : 30);
    for (int g = 2; g < 6; g++) ev(g, EV_GO_END, 0, 0, 0, 31);
    an_synth_end(s, 1, "exit", 0);
    analyze();
}

Test(analyzer_learn, work_after_cancel_points_at_the_select) {
    loop_after_cancel(0, 0);
    cr_assert_eq(count("work_after_cancel"), 1);
    const an_finding *f = first("work_after_cancel");
    cr_assert_str_eq(f->severity, "error");
    cr_assert_eq(line_of(f->culprit_site), 20, "the select whose break left only the select");
    cr_assert_eq(f->culprit_g, 1);
    cr_assert(names_g(f, 4) && names_g(f, 5) && !names_g(f, 2));
    cr_assert(strstr(f->title, "2 more goroutines task"), "%s", f->title);
    cr_assert(strstr(f->explanation, "ids 4, 5"), "%s", f->explanation);
    cr_assert(strstr(f->fix, "leave the loop"), "%s", f->fix);
    cr_assert(wait_of(f, 1) && wait_of(f, 4) && wait_of(f, 5));
    cr_assert_eq(wait_of(f, 4)->state, WS_ENDED);
    fix_lines_fit();
}

Test(analyzer_learn, new_context_per_attempt_is_not_work_after_cancel) {
    loop_after_cancel(1, 0);
    cr_assert_eq(count("work_after_cancel"), 0);
}

Test(analyzer_learn, cleanup_started_elsewhere_is_not_work_after_cancel) {
    loop_after_cancel(0, 1);
    cr_assert_eq(count("work_after_cancel"), 0);
}

/* 48 writers waiting on one lock: one clause with the ids as a range. */
Test(analyzer_learn, identical_waiters_are_summarised_as_a_range) {
    an_synth_object(s, 40, OBJ_RWMUTEX, "cache.mu", L(1), 0, 0);
    spawn(1, 2, "reader", 5);
    ev(2, EV_RW_RACQUIRE, 40, 1, 0, 30);
    for (int g = 5; g <= 52; g++) {
        spawn(1, g, "writer", 6);
        ev(g, EV_MUTEX_WAIT, 40, 0, 0, 40);
        ev(g, EV_GO_BLOCK, 40, BLOCK_LOCK, 0, 40);
    }
    ev(2, EV_RW_RWAIT, 40, 0, 0, 31);
    ev(2, EV_GO_BLOCK, 40, BLOCK_RLOCK, 0, 31);
    ev(1, EV_GO_BLOCK, 0, BLOCK_NIL_CHAN, 0, 8);
    an_synth_ev(s, 0, EV_DEADLOCK, 0, 1, 0, 0, 0, 0, NULL);
    an_synth_end(s, 0, "deadlock", 2);
    analyze();
    const an_finding *f = first("deadlock");
    cr_assert(f);
    cr_assert(strstr(f->explanation, "48 goroutines writer (ids 5\u201352)"), "%s", f->explanation);
    cr_assert(!strstr(f->explanation, "writer (id 7)"), "one clause, not one per writer: %s",
              f->explanation);
    /* holds: the reader read-holds the RWMutex */
    int read_hold = 0;
    for (size_t i = 0; i < f->holds.n; i++)
        read_hold |= f->holds.v[i].g == 2 && f->holds.v[i].obj == 40 && f->holds.v[i].read;
    cr_assert(read_hold);
    fix_lines_fit();
}

Test(analyzer_learn, ids_are_ranges) {
    an_sb b = {0};
    int64_t ids[] = {9, 3, 4, 5, 7, 8, 12};
    an_sb_ids(&b, ids, 7);
    cr_assert_str_eq(b.s, "ids 3\u20135, 7\u20139, 12");
    free(b.s);
    an_sb c = {0};
    int64_t one[] = {4};
    an_sb_ids(&c, one, 1);
    cr_assert_str_eq(c.s, "id 4");
    free(c.s);
}

Test(analyzer_learn, json_has_culprit_fix_line_and_wait_for) {
    stopped_server();
    killed_by(SIGINT);
    const an_finding *f = first("leak");
    char *js = an_finding_json(t, f, 0);
    cr_assert(strstr(js, "\"culprit\":{\"site\":\"srv.c:45\",\"g\":4}"), "%s", js);
    cr_assert(strstr(js, "\"fix_line\":\""), "%s", js);
    cr_assert(strstr(js, "\"wait_for\":[{\"g\":4,\"state\":\"blocked\",\"obj\":13,\"reason\":\"send\""),
              "%s", js);
    cr_assert(strstr(js, "\"wakers\":[]"), "%s", js);
    free(js);
}

/* kill -9 leaves a truncated trace: a goroutine stuck for seconds before the
 * last recorded event is still reported (a warning: the last moments may be
 * missing); one that blocked just before the end is not judged. */
Test(analyzer_learn, truncated_trace_reports_long_stuck_goroutines_as_warnings) {
    chan(RESULT, "result", 0);
    spawn(1, 2, "fetch", 4);
    block(2, BLOCK_SEND, RESULT, 45);
    int64_t cut = ev(1, EV_GO_SLEEP, 0, 0, 0, 70);
    ev(1, EV_GO_UNBLOCK, 0, 0, 0, 70);
    spawn(1, 3, "late", 5);
    block(3, BLOCK_SEND, RESULT, 46); /* blocked just before the end */
    ev(1, EV_GO_SLEEP, 0, 0, 0, 71);
    an_synth_flush(s);
    char q[128];
    snprintf(q, sizeof q, "UPDATE events SET t_ns = t_ns + 3000000000 WHERE seq > %lld",
             (long long)cut);
    cr_assert_eq(sqlite3_exec(an_synth_db(s), q, NULL, NULL, NULL), 0);
    analyze(); /* no program_end: killed */
    cr_assert(t->truncated);
    cr_assert_eq(count("leak"), 1);
    const an_finding *f = first("leak");
    cr_assert(names_g(f, 2) && !names_g(f, 3), "%s", f->title);
    cr_assert_str_eq(f->severity, "warning");
    cr_assert(strstr(f->explanation, "When the trace ended"), "%s", f->explanation);
}
