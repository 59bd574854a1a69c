/*
 * test_rt_select.c — select semantics, modelled on Go's chan_test.go
 * (TestNonblockSelectRace, TestSelectFairness, TestSelectStress,
 * TestSelectDuplicateChannel).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "chanscope.h"
#include "helpers.h"
#include "rt_test_util.h"

/* A non-blocking select must never take default while a case is ready. */
static chan_t *nb_c;
static void nb_filler(void *arg) {
    chan_t *done = arg;
    chan_send_v(nb_c, int, 1);
    chan_send_v(done, int, 1);
}

Test(select, nonblocking_never_defaults_when_ready, .timeout = 30) {
    for (int i = 0; i < 2000; i++) {
        nb_c = chan_make(int, 1);
        chan_t *done = chan_make(int, 1);
        chan_send_v(nb_c, int, 1); /* always ready */
        go(nb_filler, done);
        int v;
        bool ok;
        int r = chan_select(select_recv(nb_c, &v, &ok), select_default());
        cr_assert_eq(r, 0, "iteration %d: default taken with a ready case", i);
        chan_recv(done, NULL);
        chan_free(done);
        chan_free(nb_c);
    }
}

/* Uniform choice among ready cases: with both always ready, each case wins
 * about half the time.  Bounds are wide (Go's test uses a chi-like bound). */
Test(select, fairness, .timeout = 30) {
    chan_t *a = chan_make(int, 1), *b = chan_make(int, 1);
    int cnt[2] = {0, 0};
    const int trials = 20000;
    for (int i = 0; i < trials; i++) {
        chan_send_v(a, int, 0);
        chan_send_v(b, int, 1);
        int v;
        bool ok;
        int r = chan_select(select_recv(a, &v, &ok), select_recv(b, &v, &ok));
        cnt[r]++;
        chan_recv(r == 0 ? b : a, NULL); /* drain the other */
    }
    cr_assert(cnt[0] > trials * 45 / 100 && cnt[1] > trials * 45 / 100,
              "unfair: %d vs %d", cnt[0], cnt[1]);
}

Test(select, fairness_three_way, .timeout = 30) {
    chan_t *c[3];
    for (int k = 0; k < 3; k++) c[k] = chan_make(int, 1);
    int cnt[3] = {0};
    const int trials = 30000;
    for (int i = 0; i < trials; i++) {
        for (int k = 0; k < 3; k++)
            if (chan_len(c[k]) == 0) chan_send_v(c[k], int, k);
        int v;
        int r = chan_select(select_recv(c[0], &v, NULL), select_recv(c[1], &v, NULL),
                            select_recv(c[2], &v, NULL));
        cnt[r]++;
    }
    for (int k = 0; k < 3; k++)
        cr_assert(cnt[k] > trials * 28 / 100, "case %d chosen %d/%d times", k, cnt[k], trials);
}

/* Stress: selects on both ends of channels of capacity 0, 0, 2, 3. */
#define STRESS_N 4000
static chan_t *st_c[4];
static chan_t *st_done;

static void st_sender_select(void *arg) {
    (void)arg;
    /* Send STRESS_N values on each channel through one select loop. */
    int n[4] = {0};
    chan_t *c[4];
    memcpy(c, st_c, sizeof c);
    int remaining = 4;
    while (remaining) {
        int v = 1;
        int r = chan_select(select_send(c[0], &v), select_send(c[1], &v),
                            select_send(c[2], &v), select_send(c[3], &v));
        if (++n[r] == STRESS_N) {
            c[r] = NULL; /* disable the case, like setting a Go channel var to nil */
            remaining--;
        }
    }
    chan_send_v(st_done, int, 0);
}

static void st_sender_plain(void *arg) {
    chan_t *c = arg;
    for (int i = 0; i < STRESS_N; i++) chan_send_v(c, int, 1);
    chan_send_v(st_done, int, 0);
}

static void st_receiver_select(void *arg) {
    (void)arg;
    int n[4] = {0};
    chan_t *c[4];
    memcpy(c, st_c, sizeof c);
    int remaining = 4;
    while (remaining) {
        int v;
        bool ok;
        int r = chan_select(select_recv(c[0], &v, &ok), select_recv(c[1], &v, &ok),
                            select_recv(c[2], &v, &ok), select_recv(c[3], &v, &ok));
        cr_assert(ok);
        if (++n[r] == STRESS_N) {
            c[r] = NULL;
            remaining--;
        }
    }
    chan_send_v(st_done, int, 0);
}

static void st_receiver_plain(void *arg) {
    chan_t *c = arg;
    for (int i = 0; i < STRESS_N; i++) cr_assert(chan_recv(c, NULL));
    chan_send_v(st_done, int, 0);
}

Test(select, stress_both_ends, .timeout = 60) {
    int caps[4] = {0, 0, 2, 3};
    for (int k = 0; k < 4; k++) st_c[k] = chan_make(int, caps[k]);
    st_done = chan_make(int, 0);
    /* Per channel: one plain sender and one plain receiver, plus one select
     * sender and one select receiver over all four: each channel carries
     * 2*STRESS_N values. */
    for (int k = 0; k < 4; k++) {
        go(st_sender_plain, st_c[k]);
        go(st_receiver_plain, st_c[k]);
    }
    go(st_sender_select, NULL);
    go(st_receiver_select, NULL);
    for (int i = 0; i < 10; i++) chan_recv(st_done, NULL);
}

/* One goroutine selecting on both ends of the same unbuffered channel can't
 * talk to itself, but two such goroutines can talk to each other. */
static chan_t *both_c, *both_done;
static void both_ends(void *arg) {
    int *count = arg;
    for (int i = 0; i < 2000; i++) {
        int out = 1, in;
        bool ok;
        chan_select(select_send(both_c, &out), select_recv(both_c, &in, &ok));
        (*count)++;
    }
    chan_send_v(both_done, int, 0);
}

Test(select, both_ends_of_one_channel, .timeout = 30) {
    both_c = chan_make(int, 0);
    both_done = chan_make(int, 0);
    int a = 0, b = 0;
    go(both_ends, &a);
    go(both_ends, &b);
    chan_recv(both_done, NULL);
    chan_recv(both_done, NULL);
    cr_assert_eq(a, 2000);
    cr_assert_eq(b, 2000);
}

/* The same channel twice in one select (Go's TestSelectDuplicateChannel). */
static chan_t *dup_c, *dup_d, *dup_e;
static void dup_selector(void *arg) {
    (void)arg;
    int v;
    int r = chan_select(select_recv(dup_c, &v, NULL), select_recv(dup_c, &v, NULL),
                        select_recv(dup_d, &v, NULL));
    cr_assert(r == 2, "got case %d, want the d case", r);
    chan_send_v(dup_e, int, 9);
}
static void dup_other(void *arg) {
    (void)arg;
    int v;
    chan_recv(dup_c, &v); /* must not be stolen by the first select's leftovers */
}

Test(select, duplicate_channel, .timeout = 10) {
    dup_c = chan_make(int, 0);
    dup_d = chan_make(int, 0);
    dup_e = chan_make(int, 0);
    go(dup_selector, NULL);
    wait_parked(1); /* the select waits first, */
    go(dup_other, NULL);
    wait_parked(2); /* then the other receiver */
    chan_send_v(dup_d, int, 7); /* wakes the select: must dequeue both c sudogs */
    int v;
    chan_recv(dup_e, &v);
    chan_send_v(dup_c, int, 8); /* goes to dup_other only */
    time_sleep(5 * MILLISECOND);
}

Test(select, duplicate_channel_ready_case, .timeout = 10) {
    chan_t *c = chan_make(int, 2);
    chan_send_v(c, int, 1);
    int v = 0, hits[2] = {0};
    for (int i = 0; i < 1000; i++) {
        int r = chan_select(select_recv(c, &v, NULL), select_recv(c, &v, NULL));
        hits[r]++;
        chan_send_v(c, int, 1);
    }
    cr_assert(hits[0] > 300 && hits[1] > 300, "%d/%d", hits[0], hits[1]);
}

static chan_t *sc_c;
static void sc_closer(void *arg) {
    (void)arg;
    time_sleep(5 * MILLISECOND);
    chan_close(sc_c);
}

Test(select, close_wakes_a_select, .timeout = 10) {
    sc_c = chan_make(int, 0);
    chan_t *never = chan_make(int, 0);
    go(sc_closer, NULL);
    int v = 5;
    bool ok = true;
    int r = chan_select(select_recv(never, &v, &ok), select_recv(sc_c, &v, &ok));
    cr_assert_eq(r, 1);
    cr_assert_not(ok);
    cr_assert_eq(v, 0);
}

Test(select, nil_channel_case_is_never_ready, .timeout = 10) {
    chan_t *ready = chan_make(int, 1);
    chan_send_v(ready, int, 3);
    for (int i = 0; i < 100; i++) {
        int v;
        int r = chan_select(select_recv(NULL, &v, NULL), select_send(NULL, &v),
                            select_recv(ready, &v, NULL));
        cr_assert_eq(r, 2);
        chan_send_v(ready, int, 3);
    }
    int v;
    cr_assert_eq(chan_select(select_recv(NULL, &v, NULL), select_default()), 1);
}

static void empty_select(void) { chan_select(); }
static void select_send_closed(void) {
    chan_t *c = chan_make(int, 0);
    chan_close(c);
    int v = 1;
    chan_select(select_send(c, &v), select_default());
}

Test(select, empty_select_deadlocks_and_send_closed_panics, .timeout = 10) {
    child_result r;
    run_child(empty_select, 5000, &r);
    cr_assert(r.exited && r.status == 2, "%s", r.out);
    cr_assert(strstr(r.out, "all goroutines are asleep"), "%s", r.out);
    run_child(select_send_closed, 5000, &r);
    cr_assert(r.exited && r.status == 2, "%s", r.out);
    cr_assert(strstr(r.out, "panic: send on closed channel"), "%s", r.out);
}
