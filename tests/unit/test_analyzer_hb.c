/*
 * test_analyzer_hb.c — the analyzer's happens-before (vector clocks) on
 * hand-made traces: every synchronisation edge must order two accesses
 * (no race), and removing it must expose the race.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "analyzer.h"
#define SYNTH_FILE "t.c"
#include "synth_fixture.h"
#include "trace_hooks.h"

TestSuite(analyzer_hb, .init = synth_setup, .fini = synth_teardown, .timeout = 10);
static void spawn(int64_t parent, int64_t child, const char *name) {
    an_synth_goroutine(s, child, name, parent, L(1), 0);
    an_synth_ev(s, parent, EV_GO_CREATE, child, 0, 0, 0, 0, L(1), name);
    ev(child, EV_GO_START, 0, 0, 0, 1);
}
static void end_g(int64_t g) { ev(g, EV_GO_END, 0, 0, 0, 0); }
static void run(void) {
    an_synth_end(s, 1, "exit", 0);
    char err[256];
    t = an_load_db(an_synth_db(s), "mem", err, sizeof err);
    cr_assert(t, "load: %s", err);
    r = an_analyze(t);
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

#define VAR 100
#define CH 10
#define MU 20

Test(analyzer_hb, unsynchronized_writes_race) {
    an_synth_object(s, VAR, OBJ_VAR, "counter", 0, 0, 0);
    spawn(1, 2, "a");
    spawn(1, 3, "b");
    ev(2, EV_VAR_WRITE, VAR, 0, 0, 40);
    ev(3, EV_VAR_WRITE, VAR, 0, 0, 41);
    end_g(2);
    end_g(3);
    run();
    cr_assert_eq(count("race"), 1);
    const an_finding *f = first("race");
    cr_assert(refs_line(f, 40) && refs_line(f, 41), "both sites: %s", f->title);
    cr_assert(strstr(f->title, "counter"));
}

Test(analyzer_hb, spawn_orders_parent_before_child) {
    an_synth_object(s, VAR, OBJ_VAR, "x", 0, 0, 0);
    ev(1, EV_VAR_WRITE, VAR, 0, 0, 10);
    spawn(1, 2, "child");
    ev(2, EV_VAR_READ, VAR, 0, 0, 11);
    ev(2, EV_VAR_WRITE, VAR, 0, 0, 12);
    end_g(2);
    run();
    cr_assert_eq(count("race"), 0);
}

Test(analyzer_hb, child_write_then_parent_read_races) {
    an_synth_object(s, VAR, OBJ_VAR, "x", 0, 0, 0);
    spawn(1, 2, "child");
    ev(2, EV_VAR_WRITE, VAR, 0, 0, 12);
    ev(1, EV_VAR_READ, VAR, 0, 0, 13);
    end_g(2);
    run();
    cr_assert_eq(count("race"), 1);
}

Test(analyzer_hb, mutex_orders_critical_sections) {
    an_synth_object(s, VAR, OBJ_VAR, "x", 0, 0, 0);
    an_synth_object(s, MU, OBJ_MUTEX, "mu", 0, 0, 0);
    spawn(1, 2, "a");
    spawn(1, 3, "b");
    ev(2, EV_MUTEX_ACQUIRE, MU, 0, 0, 20);
    ev(2, EV_VAR_WRITE, VAR, 0, 0, 21);
    ev(2, EV_MUTEX_RELEASE, MU, 0, 0, 22);
    ev(3, EV_MUTEX_ACQUIRE, MU, 0, 0, 30);
    ev(3, EV_VAR_READ, VAR, 0, 0, 31);
    ev(3, EV_VAR_WRITE, VAR, 0, 0, 31);
    ev(3, EV_MUTEX_RELEASE, MU, 0, 0, 32);
    end_g(2);
    end_g(3);
    run();
    cr_assert_eq(count("race"), 0);
    /* the unlock -> lock edge is recorded for the viewer */
    int unlock_edges = 0;
    for (size_t i = 0; i < r->edges.n; i++) unlock_edges += r->edges.v[i].kind == HB_UNLOCK;
    cr_assert_eq(unlock_edges, 1);
}

Test(analyzer_hb, unbuffered_send_orders_sender_before_receiver) {
    an_synth_object(s, VAR, OBJ_VAR, "x", 0, 0, 0);
    an_synth_object(s, CH, OBJ_CHAN, "ch", 0, 0, 8);
    spawn(1, 2, "producer");
    ev(2, EV_VAR_WRITE, VAR, 0, 0, 40);
    ev(1, EV_CHAN_RECV_BEGIN, CH, 0, 0, 50);
    ev(1, EV_GO_BLOCK, CH, BLOCK_RECV, 0, 50);
    ev(2, EV_CHAN_SEND_BEGIN, CH, 0, 0, 41);
    ev(2, EV_CHAN_SEND, CH, 7, -1, 41);  /* message 7, direct hand-off */
    ev(1, EV_CHAN_RECV, CH, 7, -1, 50);
    ev(1, EV_GO_UNBLOCK, 0, 2, 0, 50);
    ev(1, EV_VAR_READ, VAR, 0, 0, 51);
    end_g(2);
    run();
    cr_assert_eq(count("race"), 0);
    cr_assert_eq(r->msgs.n, 1);
    cr_assert_eq(r->msgs.v[0].recv_g, 1);
    cr_assert_eq(r->msgs.v[0].send_g, 2);
    cr_assert_eq(r->msgs.v[0].slot, -1);
}

/* Go: on an unbuffered channel the receive happens before the send completes. */
Test(analyzer_hb, unbuffered_receive_orders_receiver_before_send_completion) {
    an_synth_object(s, VAR, OBJ_VAR, "x", 0, 0, 0);
    an_synth_object(s, CH, OBJ_CHAN, "done", 0, 0, 8);
    spawn(1, 2, "worker");
    ev(2, EV_VAR_WRITE, VAR, 0, 0, 40);     /* worker writes, then receives */
    ev(2, EV_CHAN_RECV_BEGIN, CH, 0, 0, 41);
    ev(2, EV_GO_BLOCK, CH, BLOCK_RECV, 0, 41);
    ev(1, EV_CHAN_SEND_BEGIN, CH, 0, 0, 50); /* main sends ... */
    ev(1, EV_CHAN_SEND, CH, 3, -1, 50);
    ev(2, EV_CHAN_RECV, CH, 3, -1, 41);
    ev(1, EV_VAR_READ, VAR, 0, 0, 51);      /* ... and then reads: ordered */
    ev(2, EV_GO_UNBLOCK, 0, 1, 0, 41);
    end_g(2);
    run();
    cr_assert_eq(count("race"), 0);
}

Test(analyzer_hb, buffered_send_does_not_wait_for_receiver) {
    /* the same shape on a buffered channel is a race: the send completes at once */
    an_synth_object(s, VAR, OBJ_VAR, "x", 0, 0, 0);
    an_synth_object(s, CH, OBJ_CHAN, "done", 0, 1, 8);
    spawn(1, 2, "worker");
    ev(2, EV_VAR_WRITE, VAR, 0, 0, 40);
    ev(1, EV_CHAN_SEND, CH, 3, 0, 50);
    ev(1, EV_VAR_READ, VAR, 0, 0, 51);
    ev(2, EV_CHAN_RECV, CH, 3, 0, 41);
    end_g(2);
    run();
    cr_assert_eq(count("race"), 1);
}

/* A buffered channel of capacity C used as a semaphore: receive k happens
 * before send k+C completes, so the critical sections are ordered. */
static void semaphore_run(int cap, int *races) {
    an_synth_object(s, VAR, OBJ_VAR, "shared", 0, 0, 0);
    an_synth_object(s, CH, OBJ_CHAN, "sem", 0, cap, 8);
    spawn(1, 2, "a");
    spawn(1, 3, "b");
    /* a: acquire (send 1), write, release (recv 1) */
    ev(2, EV_CHAN_SEND, CH, 1, 0, 60);
    ev(2, EV_VAR_WRITE, VAR, 0, 0, 61);
    ev(2, EV_CHAN_RECV, CH, 1, 0, 62);
    /* b: acquire (send 2): with cap 1 it needed receive 1 first */
    ev(3, EV_CHAN_SEND, CH, 2, 0, 60);
    ev(3, EV_VAR_WRITE, VAR, 0, 0, 61);
    ev(3, EV_CHAN_RECV, CH, 2, 0, 62);
    end_g(2);
    end_g(3);
    run();
    *races = count("race");
}

Test(analyzer_hb, capacity_k_rule_orders_semaphore_holders) {
    int races;
    semaphore_run(1, &races);
    cr_assert_eq(races, 0, "cap 1: receive 1 happens before send 2 completes");
}

Test(analyzer_hb, capacity_two_semaphore_allows_two_holders) {
    int races;
    semaphore_run(2, &races);
    cr_assert_eq(races, 1, "cap 2: both may hold it at once");
}

Test(analyzer_hb, close_orders_closer_before_receiver_that_saw_it) {
    an_synth_object(s, VAR, OBJ_VAR, "x", 0, 0, 0);
    an_synth_object(s, CH, OBJ_CHAN, "done", 0, 0, 0);
    spawn(1, 2, "worker");
    ev(2, EV_VAR_WRITE, VAR, 0, 0, 40);
    ev(2, EV_CHAN_CLOSE, CH, 0, 0, 41);
    ev(1, EV_CHAN_RECV, CH, 0, -1, 50); /* message 0: saw the close */
    ev(1, EV_VAR_READ, VAR, 0, 0, 51);
    end_g(2);
    run();
    cr_assert_eq(count("race"), 0);
    int close_edges = 0;
    for (size_t i = 0; i < r->edges.n; i++) close_edges += r->edges.v[i].kind == HB_CLOSE;
    cr_assert_eq(close_edges, 1);
}

Test(analyzer_hb, waitgroup_done_orders_worker_before_wait) {
    an_synth_object(s, VAR, OBJ_VAR, "result", 0, 0, 0);
    an_synth_object(s, 30, OBJ_WAITGROUP, "wg", 0, 0, 0);
    ev(1, EV_WG_ADD, 30, 2, 2, 10);
    spawn(1, 2, "w1");
    spawn(1, 3, "w2");
    ev(2, EV_VAR_WRITE, VAR, 0, 0, 20);
    ev(2, EV_WG_ADD, 30, -1, 1, 21);
    ev(1, EV_WG_WAIT, 30, 1, 0, 30);
    ev(3, EV_WG_ADD, 30, -1, 0, 21);
    ev(1, EV_WG_WAIT_DONE, 30, 0, 0, 30);
    ev(1, EV_VAR_READ, VAR, 0, 0, 31);
    end_g(2);
    end_g(3);
    run();
    cr_assert_eq(count("race"), 0);
    cr_assert_eq(count("misuse"), 0);
}

Test(analyzer_hb, waitgroup_add_inside_goroutine_is_misuse) {
    an_synth_object(s, 30, OBJ_WAITGROUP, "wg", 0, 0, 0);
    spawn(1, 2, "worker");
    ev(1, EV_WG_WAIT, 30, 0, 0, 30); /* counter still zero: returns at once */
    ev(1, EV_WG_WAIT_DONE, 30, 0, 0, 30);
    ev(2, EV_WG_ADD, 30, 1, 1, 20);  /* Add from zero, not before the Wait */
    ev(2, EV_WG_ADD, 30, -1, 0, 22);
    end_g(2);
    run();
    const an_finding *f = first("misuse");
    cr_assert(f);
    cr_assert_str_eq(f->klass, "wg_add_during_wait");
    cr_assert(refs_line(f, 20) && refs_line(f, 30));
}

Test(analyzer_hb, once_orders_initializer_before_other_callers) {
    an_synth_object(s, VAR, OBJ_VAR, "config", 0, 0, 0);
    an_synth_object(s, 40, OBJ_ONCE, "once", 0, 0, 0);
    spawn(1, 2, "a");
    spawn(1, 3, "b");
    ev(2, EV_ONCE_BEGIN, 40, 0, 0, 10);
    ev(2, EV_VAR_WRITE, VAR, 0, 0, 11);
    ev(2, EV_ONCE_END, 40, 1, 0, 10);
    ev(3, EV_ONCE_END, 40, 0, 0, 10); /* returned from once_do without running it */
    ev(3, EV_VAR_READ, VAR, 0, 0, 12);
    end_g(2);
    end_g(3);
    run();
    cr_assert_eq(count("race"), 0);
}

Test(analyzer_hb, cancel_orders_canceller_before_done_receiver) {
    an_synth_object(s, VAR, OBJ_VAR, "x", 0, 0, 0);
    an_synth_object(s, 50, OBJ_CONTEXT, "ctx", 0, 0, 0);
    an_synth_object(s, CH, OBJ_CHAN, "ctx.done", 0, 0, 0);
    ev(1, EV_CTX_CREATE, 0, 0, 0, 0); /* placeholder event so seqs differ */
    an_synth_ev(s, 1, EV_CTX_CREATE, 50, 0, 1, CH, 0, L(5), NULL);
    spawn(1, 2, "worker");
    ev(1, EV_VAR_WRITE, VAR, 0, 0, 10);
    ev(1, EV_CTX_CANCEL, 50, 1, 0, 11);
    ev(2, EV_CHAN_RECV, CH, 0, -1, 20);
    ev(2, EV_VAR_READ, VAR, 0, 0, 21);
    end_g(2);
    run();
    cr_assert_eq(count("race"), 0);
    int cancel_edges = 0;
    for (size_t i = 0; i < r->edges.n; i++) cancel_edges += r->edges.v[i].kind == HB_CANCEL;
    cr_assert_eq(cancel_edges, 1);
}

Test(analyzer_hb, atomic_store_load_is_release_acquire) {
    an_synth_object(s, VAR, OBJ_VAR, "data", 0, 0, 0);
    an_synth_object(s, 60, OBJ_ATOMIC, "ready", 0, 0, 0);
    spawn(1, 2, "writer");
    ev(2, EV_VAR_WRITE, VAR, 0, 0, 10);
    ev(2, EV_ATOMIC, 60, 1, 1, 11);  /* store 1 */
    ev(1, EV_ATOMIC, 60, 0, 1, 20);  /* load sees 1 */
    ev(1, EV_VAR_READ, VAR, 0, 0, 21);
    end_g(2);
    run();
    cr_assert_eq(count("race"), 0);
}

Test(analyzer_hb, cond_signal_orders_signaller_before_woken_waiter) {
    an_synth_object(s, VAR, OBJ_VAR, "x", 0, 0, 0);
    an_synth_object(s, 70, OBJ_COND, "c", 0, 0, 0);
    spawn(1, 2, "waiter");
    ev(2, EV_COND_WAIT, 70, 0, 0, 10);
    ev(2, EV_GO_BLOCK, 70, BLOCK_COND, 0, 10);
    ev(1, EV_VAR_WRITE, VAR, 0, 0, 20);
    ev(1, EV_COND_SIGNAL, 70, 1, 0, 21);
    ev(2, EV_GO_UNBLOCK, 0, 1, 0, 10);
    ev(2, EV_VAR_READ, VAR, 0, 0, 11);
    end_g(2);
    run();
    cr_assert_eq(count("race"), 0);
}

Test(analyzer_hb, rwmutex_readers_do_not_order_each_other_but_writers_do) {
    an_synth_object(s, VAR, OBJ_VAR, "cache", 0, 0, 0);
    an_synth_object(s, MU, OBJ_RWMUTEX, "rw", 0, 0, 0);
    spawn(1, 2, "reader1");
    spawn(1, 3, "reader2");
    spawn(1, 4, "writer");
    ev(2, EV_RW_RACQUIRE, MU, 1, 0, 10);
    ev(3, EV_RW_RACQUIRE, MU, 2, 0, 10);
    ev(2, EV_VAR_READ, VAR, 0, 0, 11);
    ev(3, EV_VAR_READ, VAR, 0, 0, 11);
    ev(2, EV_RW_RRELEASE, MU, 1, 0, 12);
    ev(3, EV_RW_RRELEASE, MU, 0, 0, 12);
    ev(4, EV_MUTEX_ACQUIRE, MU, 0, 0, 20); /* RUnlock -> Lock */
    ev(4, EV_VAR_WRITE, VAR, 0, 0, 21);
    ev(4, EV_MUTEX_RELEASE, MU, 0, 0, 22);
    ev(2, EV_RW_RACQUIRE, MU, 1, 0, 13);  /* Unlock -> RLock */
    ev(2, EV_VAR_READ, VAR, 0, 0, 14);
    ev(2, EV_RW_RRELEASE, MU, 0, 0, 15);
    end_g(2);
    end_g(3);
    end_g(4);
    run();
    cr_assert_eq(count("race"), 0);
}

Test(analyzer_hb, write_under_read_lock_races) {
    an_synth_object(s, VAR, OBJ_VAR, "cache", 0, 0, 0);
    an_synth_object(s, MU, OBJ_RWMUTEX, "rw", 0, 0, 0);
    spawn(1, 2, "a");
    spawn(1, 3, "b");
    ev(2, EV_RW_RACQUIRE, MU, 1, 0, 10);
    ev(3, EV_RW_RACQUIRE, MU, 2, 0, 10);
    ev(2, EV_VAR_WRITE, VAR, 0, 0, 11); /* writing while only read-locked */
    ev(3, EV_VAR_READ, VAR, 0, 0, 12);
    ev(2, EV_RW_RRELEASE, MU, 1, 0, 13);
    ev(3, EV_RW_RRELEASE, MU, 0, 0, 13);
    end_g(2);
    end_g(3);
    run();
    cr_assert_eq(count("race"), 1);
}

Test(analyzer_hb, spans_cover_blocked_time) {
    an_synth_object(s, CH, OBJ_CHAN, "ch", 0, 0, 8);
    spawn(1, 2, "w");
    int64_t b = ev(2, EV_GO_BLOCK, CH, BLOCK_RECV, 0, 10);
    int64_t u = ev(2, EV_GO_UNBLOCK, 0, 1, 0, 10);
    end_g(2);
    run();
    int found = 0;
    for (size_t i = 0; i < r->spans.n; i++) {
        const an_span *sp = &r->spans.v[i];
        if (sp->g == 2 && sp->state == ST_BLOCKED) {
            found = 1;
            cr_assert_eq(sp->start_seq, b);
            cr_assert_eq(sp->end_seq, u);
            cr_assert_eq(sp->reason, BLOCK_RECV);
            cr_assert_eq(sp->obj, CH);
            cr_assert_eq(sp->open, 0);
        }
    }
    cr_assert(found);
    /* main never ended: its last span is open */
    int open_main = 0;
    for (size_t i = 0; i < r->spans.n; i++) open_main |= r->spans.v[i].g == 1 && r->spans.v[i].open;
    cr_assert(open_main);
}
