/*
 * test_rt_chan.c — channel semantics, modelled on Go's runtime/chan_test.go.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "chanscope.h"
#include "helpers.h"
#include "rt_test_util.h"

#define N_CAP 6 /* capacities 0..N_CAP-1, as Go's TestChan uses 0..N */

/* ---- blocking and non-blocking behaviour per capacity -------------------- */

static chan_t *g_c;
static atomic_i64 g_flag;

static void recv_one(void *arg) {
    (void)arg;
    int v;
    chan_recv(g_c, &v);
    atomic_i64_store(&g_flag, 1);
}

Test(chan, recv_blocks_until_send, .timeout = 20) {
    for (int cap = 0; cap < N_CAP; cap++) {
        g_c = chan_make(int, cap);
        atomic_i64_store(&g_flag, 0);
        go(recv_one, NULL);
        time_sleep(2 * MILLISECOND);
        cr_assert_eq(atomic_i64_load(&g_flag), 0, "cap %d: receive from empty channel returned", cap);
        chan_send_v(g_c, int, 0);
        int64_t t0 = time_now();
        while (atomic_i64_load(&g_flag) == 0 && time_since(t0) < 5 * SECOND) time_sleep(MILLISECOND);
        cr_assert_eq(atomic_i64_load(&g_flag), 1, "cap %d: receive did not complete", cap);
    }
}

static void send_fill(void *arg) {
    int cap = (int)(intptr_t)arg;
    for (int i = 0; i < cap + 1; i++) chan_send(g_c, &i);
    atomic_i64_store(&g_flag, 1);
}

Test(chan, send_blocks_when_full, .timeout = 20) {
    for (int cap = 0; cap < N_CAP; cap++) {
        g_c = chan_make(int, cap);
        atomic_i64_store(&g_flag, 0);
        go(send_fill, (void *)(intptr_t)cap);
        /* wait until the buffer is full (a loaded machine may be slow to run
         * the sender), then give the extra send time to (wrongly) return */
        int64_t t1 = time_now();
        while (chan_len(g_c) < cap && time_since(t1) < 5 * SECOND) time_sleep(MILLISECOND);
        cr_assert_eq(chan_len(g_c), cap);
        time_sleep(2 * MILLISECOND);
        cr_assert_eq(atomic_i64_load(&g_flag), 0, "cap %d: send to full channel returned", cap);
        cr_assert_eq(chan_len(g_c), cap);
        int v;
        chan_recv(g_c, &v);
        int64_t t0 = time_now();
        while (atomic_i64_load(&g_flag) == 0 && time_since(t0) < 5 * SECOND) time_sleep(MILLISECOND);
        cr_assert_eq(atomic_i64_load(&g_flag), 1);
    }
}

Test(chan, nonblocking_ops_follow_capacity, .timeout = 10) {
    for (int cap = 0; cap < N_CAP; cap++) {
        chan_t *c = chan_make(int, cap);
        int v = 7, got;
        bool ok;
        cr_assert_eq(chan_select(select_recv(c, &got, &ok), select_default()), 1,
                     "cap %d: non-blocking recv on empty channel must take default", cap);
        for (int i = 0; i < cap; i++)
            cr_assert_eq(chan_select(select_send(c, &v), select_default()), 0,
                         "cap %d: send %d should fit", cap, i);
        cr_assert_eq(chan_select(select_send(c, &v), select_default()), 1,
                     "cap %d: non-blocking send on full channel must take default", cap);
        cr_assert_eq(chan_len(c), cap);
        cr_assert_eq(chan_cap(c), cap);
        chan_free(c);
    }
}

/* ---- FIFO ---------------------------------------------------------------- */

static void send_seq(void *arg) {
    int n = (int)(intptr_t)arg;
    for (int i = 0; i < n; i++) chan_send(g_c, &i);
}

Test(chan, fifo, .timeout = 20) {
    for (int cap = 0; cap < N_CAP; cap++) {
        g_c = chan_make(int, cap);
        go(send_seq, (void *)(intptr_t)1000);
        for (int i = 0; i < 1000; i++) {
            int v = -1;
            cr_assert(chan_recv(g_c, &v));
            cr_assert_eq(v, i, "cap %d: got %d, want %d", cap, v, i);
        }
    }
}

/* ---- exact multiset with 4 producers x 4 consumers ----------------------- */

#define P 4
#define L 4000
static chan_t *mp_c, *mp_done;

static void mp_producer(void *arg) {
    int base = (int)(intptr_t)arg;
    for (int i = 0; i < L; i++) {
        int v = base * L + i;
        chan_send(mp_c, &v);
    }
    chan_send_v(mp_done, int, 0);
}

static void mp_consumer(void *arg) {
    int *counts = arg;
    int v;
    while (chan_recv(mp_c, &v)) counts[v]++;
    chan_send_v(mp_done, int, 1);
}

Test(chan, multiset_4x4, .timeout = 60) {
    static int counts[P][P * L];
    for (int cap = 0; cap < N_CAP; cap++) {
        memset(counts, 0, sizeof counts);
        mp_c = chan_make(int, cap);
        mp_done = chan_make(int, 0);
        for (int i = 0; i < P; i++) go(mp_producer, (void *)(intptr_t)i);
        for (int i = 0; i < P; i++) go(mp_consumer, counts[i]);
        for (int i = 0; i < P; i++) chan_recv(mp_done, NULL);
        chan_close(mp_c);
        for (int i = 0; i < P; i++) chan_recv(mp_done, NULL);
        for (int v = 0; v < P * L; v++) {
            int total = 0;
            for (int i = 0; i < P; i++) total += counts[i][v];
            cr_assert_eq(total, 1, "cap %d: value %d received %d times", cap, v, total);
        }
    }
}

/* ---- close --------------------------------------------------------------- */

static chan_t *cl_c, *cl_res;
static void cl_receiver(void *arg) {
    (void)arg;
    int v = 99;
    bool ok = chan_recv(cl_c, &v);
    int r = ok ? -1 : v; /* expect ok=false and the zero value */
    chan_send(cl_res, &r);
}

Test(chan, close_wakes_every_blocked_receiver, .timeout = 10) {
    for (int cap = 0; cap < N_CAP; cap++) {
        cl_c = chan_make(int, cap);
        cl_res = chan_make(int, 8);
        for (int i = 0; i < 5; i++) go(cl_receiver, NULL);
        time_sleep(5 * MILLISECOND);
        chan_close(cl_c);
        for (int i = 0; i < 5; i++) {
            int r;
            chan_recv(cl_res, &r);
            cr_assert_eq(r, 0, "cap %d: receiver saw ok=true or a non-zero value", cap);
        }
    }
}

Test(chan, buffer_drains_after_close, .timeout = 10) {
    chan_t *c = chan_make(int, 3);
    for (int i = 1; i <= 3; i++) chan_send(c, &i);
    chan_close(c);
    for (int i = 1; i <= 3; i++) {
        int v = 0;
        cr_assert(chan_recv(c, &v));
        cr_assert_eq(v, i);
    }
    int v = 42;
    cr_assert_not(chan_recv(c, &v));
    cr_assert_eq(v, 0);
    cr_assert_not(chan_recv(c, &v), "every later receive also reports closed");
    bool ok = true;
    cr_assert_eq(chan_select(select_recv(c, &v, &ok), select_default()), 0,
                 "a closed channel is always ready in select");
    cr_assert_not(ok);
}

static void send_to_closed(void) {
    chan_t *c = chan_make(int, 1);
    chan_close(c);
    chan_send_v(c, int, 1);
}

static void close_closed(void) {
    chan_t *c = chan_make(int, 0);
    chan_close(c);
    chan_close(c);
}

static void close_nil(void) { chan_close(NULL); }

static chan_t *bs_c;
static void bs_sender(void *arg) {
    (void)arg;
    chan_send_v(bs_c, int, 1); /* blocks: nobody receives */
}
static void close_with_blocked_sender(void) {
    bs_c = chan_make(int, 0);
    go(bs_sender, NULL);
    time_sleep(10 * MILLISECOND);
    chan_close(bs_c);
    time_sleep(2 * SECOND); /* the sender's panic ends the process first */
}

Test(chan, panics_like_go, .timeout = 20) {
    struct {
        void (*fn)(void);
        const char *msg;
    } cases[] = {
        {send_to_closed, "panic: send on closed channel"},
        {close_closed, "panic: close of closed channel"},
        {close_nil, "panic: close of nil channel"},
        {close_with_blocked_sender, "panic: send on closed channel"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        child_result r;
        run_child(cases[i].fn, 5000, &r);
        cr_assert(r.exited && r.status == 2, "case %zu: want exit 2, got exited=%d status=%d",
                  i, r.exited, r.status);
        cr_assert(strstr(r.out, cases[i].msg), "case %zu: output lacks '%s':\n%s", i,
                  cases[i].msg, r.out);
        cr_assert(strstr(r.out, "goroutine "), "case %zu: no goroutine in:\n%s", i, r.out);
        cr_assert(strstr(r.out, "test_rt_chan.c:"), "case %zu: no site in:\n%s", i, r.out);
    }
}

/* ---- nil channels and deadlock ------------------------------------------ */

static void recv_nobody_sends(void) {
    chan_t *c = chan_make(int, 0);
    chan_recv(c, NULL);
}

static void recv_nil(void) { chan_recv(NULL, NULL); }

static chan_t *dl_c;
static void dl_worker(void *arg) {
    (void)arg;
    chan_send_v(dl_c, int, 1);
}
static void everyone_blocked(void) {
    dl_c = chan_make(int, 0);
    for (int i = 0; i < 3; i++) go_named("sender", dl_worker, NULL);
    chan_t *other = chan_make(int, 0);
    chan_recv(other, NULL);
}

static void running_goroutine_is_no_deadlock(void) {
    /* main blocks, but another goroutine is busy sleeping and then sends */
    dl_c = chan_make(int, 0);
    go(dl_worker, NULL);
    time_sleep(100 * MILLISECOND);
    chan_recv(dl_c, NULL);
    printf("received\n");
}

Test(deadlock, main_blocked_on_receive_within_one_second, .timeout = 10) {
    child_result r;
    run_child(recv_nobody_sends, 5000, &r);
    cr_assert(r.exited && r.status == 2, "exited=%d status=%d out=%s", r.exited, r.status, r.out);
    cr_assert(strstr(r.out, "fatal error: all goroutines are asleep - deadlock!"), "%s", r.out);
    cr_assert(strstr(r.out, "goroutine 1 [chan receive]:"), "%s", r.out);
    cr_assert(strstr(r.out, "test_rt_chan.c:"), "%s", r.out);
    cr_assert_lt(r.seconds, 1.0, "took %.2fs", r.seconds);
}

Test(deadlock, nil_channel_blocks_forever, .timeout = 10) {
    child_result r;
    run_child(recv_nil, 5000, &r);
    cr_assert(r.exited && r.status == 2, "%s", r.out);
    cr_assert(strstr(r.out, "all goroutines are asleep"), "%s", r.out);
}

Test(deadlock, dump_lists_every_goroutine, .timeout = 10) {
    child_result r;
    run_child(everyone_blocked, 5000, &r);
    cr_assert(r.exited && r.status == 2, "%s", r.out);
    cr_assert(strstr(r.out, "goroutine 1 [chan receive]:"), "%s", r.out);
    int senders = 0;
    for (const char *p = r.out; (p = strstr(p, "[chan send]:\nsender()")); p++) senders++;
    cr_assert_eq(senders, 3, "want 3 blocked senders in:\n%s", r.out);
    cr_assert(strstr(r.out, "created by main in goroutine 1"), "%s", r.out);
}

Test(deadlock, sleeping_goroutine_is_not_a_deadlock, .timeout = 10) {
    child_result r;
    run_child(running_goroutine_is_no_deadlock, 5000, &r);
    cr_assert(r.exited && r.status == 0, "status %d: %s", r.status, r.out);
    cr_assert(strstr(r.out, "received"), "%s", r.out);
}

static void main_returns_with_goroutines_alive(void) {
    dl_c = chan_make(int, 0);
    go(dl_worker, NULL); /* blocked forever on send */
    time_sleep(10 * MILLISECOND);
    printf("main returns\n");
}

Test(deadlock, returning_from_main_ends_the_program, .timeout = 10) {
    child_result r;
    run_child(main_returns_with_goroutines_alive, 5000, &r);
    cr_assert(r.exited && r.status == 0, "status %d: %s", r.status, r.out);
    cr_assert_null(strstr(r.out, "deadlock"), "%s", r.out);
}

/* ---- values of every size ------------------------------------------------ */

typedef struct big {
    char bytes[100];
} big;

static chan_t *big_c;
static void big_sender(void *arg) {
    (void)arg;
    for (int i = 0; i < 50; i++) {
        big b;
        memset(b.bytes, i, sizeof b.bytes);
        chan_send(big_c, &b);
    }
    chan_close(big_c);
}

Test(chan, large_elements_are_copied_whole, .timeout = 10) {
    for (int cap = 0; cap < 3; cap++) {
        big_c = chan_make(big, cap);
        go(big_sender, NULL);
        big b;
        int i = 0;
        while (chan_recv(big_c, &b)) {
            for (size_t k = 0; k < sizeof b.bytes; k++) cr_assert_eq(b.bytes[k], (char)i);
            i++;
        }
        cr_assert_eq(i, 50);
    }
}

/* ---- zero-size elements (Go's chan struct{}) ----------------------------- */

/* A zero-size element copies nothing: the byte right after the receiver's
 * variable keeps its value, and a send reads nothing from its source.
 * Under ASan the heap variables (malloc(0)) make any copied byte a
 * heap-buffer-overflow; the guard byte catches it in a plain build. */
typedef struct empty {
} empty;

typedef struct guarded {
    empty e;
    char guard; /* shares e's address: sizeof(empty) == 0 */
} guarded;

static chan_t *zs_c;
static void zs_sender(void *arg) {
    int n = (int)(intptr_t)arg;
    for (int i = 0; i < n; i++) {
        empty *src = malloc(sizeof(empty)); /* 0 bytes: no byte may be read */
        cr_assert_not_null(src);
        if (i % 2) chan_send(zs_c, src);
        else cr_assert_eq(chan_select(select_send(zs_c, src)), 0);
        free(src);
    }
    chan_close(zs_c);
}

static void zs_receiver(void *arg) {
    chan_t *done = arg;
    guarded g = {.guard = 'G'};
    bool ok = chan_recv(zs_c, &g.e); /* parks first, then woken by close */
    cr_assert(!ok);
    cr_assert_eq(g.guard, 'G', "close zeroed a byte past a zero-size receiver");
    chan_send_v(done, int, 1);
}

Test(chan, zero_size_elements_copy_nothing, .timeout = 20) {
    cr_assert_eq(sizeof(empty), 0);
    enum { N = 20 };
    for (int cap = 0; cap < 3; cap++) {
        zs_c = chan_make(empty, cap);
        go(zs_sender, (void *)(intptr_t)N);
        int got = 0;
        for (;;) {
            guarded g = {.guard = 'G'};
            empty *dst = malloc(sizeof(empty));
            cr_assert_not_null(dst);
            bool ok, ok2 = false;
            if (got % 2) ok = chan_recv(zs_c, &g.e);
            else ok = chan_select(select_recv(zs_c, &g.e, &ok2)) == 0 && ok2;
            cr_assert_eq(g.guard, 'G', "cap %d: receive wrote past a zero-size variable", cap);
            bool ok3 = ok && chan_recv(zs_c, dst); /* heap: ASan sees any byte */
            free(dst);
            if (!ok) break;
            got++;
            if (!ok3) break;
            got++;
        }
        cr_assert_eq(got, N, "cap %d: received %d of %d", cap, got, N);
    }
    /* a receiver parked when the channel is closed, and a buffered channel
     * drained after close */
    zs_c = chan_make(empty, 0);
    chan_t *done = chan_make(int, 0);
    go(zs_receiver, done);
    while (cs_count_blocked_now() < 1) time_sleep(MILLISECOND);
    chan_close(zs_c);
    chan_recv(done, NULL);
    zs_c = chan_make(empty, 100000); /* no element storage: only the trace ids */
    for (int i = 0; i < 3; i++) chan_send(zs_c, NULL);
    cr_assert_eq(chan_len(zs_c), 3);
}

/* ---- the value's size against the element size --------------------------- */

/* Go rejects `ch <- v` of another type at compile time.  Here the macros
 * pass the size of what the pointer points at; a mismatch is a misuse
 * panic naming both sizes and the site, never a copy of too few or too
 * many bytes.  void * and NULL are not checked (NULL discards on recv). */
static void send_int_on_int64(void) {
    chan_t *c = chan_make(int64_t, 1);
    int v = 7;
    chan_send(c, &v);
    printf("sent\n");
}
static void send_v_wrong_type(void) {
    chan_t *c = chan_make(int64_t, 1);
    chan_send_v(c, char, 'x');
    printf("sent\n");
}
static void recv_into_smaller(void) {
    chan_t *c = chan_make(int64_t, 1);
    chan_send_v(c, int64_t, 1);
    int v;
    chan_recv(c, &v);
    printf("received\n");
}
static void select_recv_into_smaller(void) {
    chan_t *c = chan_make(int64_t, 1);
    chan_send_v(c, int64_t, 1);
    short v;
    chan_select(select_recv(c, &v, NULL));
    printf("received\n");
}
static void select_send_bigger(void) {
    chan_t *c = chan_make(char, 1);
    int64_t v = 1;
    chan_select(select_send(c, &v), select_default());
    printf("sent\n");
}

Test(chan, value_size_must_match_element_size, .timeout = 20) {
    struct {
        void (*fn)(void);
        const char *msg;
    } cases[] = {
        {send_int_on_int64, "panic: send of a 4-byte value on a channel of 8-byte elements\n"},
        {send_v_wrong_type, "panic: send of a 1-byte value on a channel of 8-byte elements\n"},
        {recv_into_smaller,
         "panic: receive into a 4-byte variable from a channel of 8-byte elements\n"},
        {select_recv_into_smaller,
         "panic: receive into a 2-byte variable from a channel of 8-byte elements\n"},
        {select_send_bigger, "panic: send of a 8-byte value on a channel of 1-byte elements\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        child_result r;
        run_child(cases[i].fn, 5000, &r);
        cr_assert(r.exited && r.status == 2, "case %zu: exited=%d status=%d\n%s", i, r.exited,
                  r.status, r.out);
        cr_assert(strstr(r.out, cases[i].msg), "case %zu: want '%s' in:\n%s", i, cases[i].msg,
                  r.out);
        cr_assert(strstr(r.out, "goroutine 1 [running]:"), "case %zu:\n%s", i, r.out);
        cr_assert(strstr(r.out, "test_rt_chan.c:"), "case %zu: no site:\n%s", i, r.out);
        cr_assert_null(strstr(r.out, "sent\n"), "case %zu:\n%s", i, r.out);
        cr_assert_null(strstr(r.out, "received\n"), "case %zu:\n%s", i, r.out);
    }
}

typedef struct name32 {
    char s[32];
} name32;

Test(chan, matching_arrays_void_pointers_and_null_are_accepted, .timeout = 10) {
    chan_t *c = chan_make(name32, 4);
    char arr[32] = "an array of the element's size";
    chan_send(c, arr); /* the whole array, not its first char */
    name32 n = {"a struct"};
    chan_send(c, &n);
    void *vp = &n;
    chan_send(c, vp); /* void *: unchecked, elemsize bytes */
    chan_send(c, &n);
    char out[32];
    cr_assert(chan_recv(c, out));
    cr_assert_str_eq(out, "an array of the element's size");
    name32 m;
    cr_assert(chan_recv(c, &m));
    cr_assert_str_eq(m.s, "a struct");
    void *vm = &m;
    cr_assert(chan_recv(c, vm));
    cr_assert(chan_recv(c, NULL)); /* discard */
    chan_send(c, &n);
    cr_assert_eq(chan_select(select_recv(c, out, NULL)), 0);
    cr_assert_str_eq(out, "a struct");
    const int64_t k = 5;
    chan_t *ci = chan_make(int64_t, 1);
    chan_send(ci, &k); /* const pointer */
    cr_assert_eq(chan_select(select_recv(ci, NULL, NULL)), 0);
}
