/*
 * test_rt_chan_go.c — Go's own channel tests, ported to C: Go's tests are
 * the spec a learner's expectations come from.  Each test names its Go
 * original (go/test/chan/NAME.go, or runtime/chan_test.go TestNAME, as in
 * the Debian golang-go sources).  Iteration counts are cut down (Go's
 * -short counts or less; SCALE cuts them again under the sanitizers).
 * test_rt_chan.c and test_rt_select.c hold the earlier ports (TestChan's
 * blocking checks, TestSelectFairness, TestSelectStress, TestSelfSelect,
 * TestSelectDuplicateChannel).
 *
 * Not ported: go/test/chan/perm.go (compile-time errors only), select4.go
 * (the order in which Go evaluates a receive's destination: a C case
 * takes a pointer evaluated at the call), select5.go (a generator of
 * programs), powser1/2.go and sieve2.go (long programs that add nothing the
 * sieve and the chains below do not), sendstmt.go's sendprec (Go syntax);
 * TestShrinkStackDuringBlockingSend, TestNoShrinkStackWhileParking and
 * TestSelectStackAdjust (Go's movable stacks).
 *
 * Where a Go test sleeps to see that something blocks, the port waits for
 * the goroutine to be parked (wait_parked) instead.
 */
#include <criterion/criterion.h>
#include <malloc.h>
#include <stdint.h>
#include <string.h>

#include "chanscope.h"
#include "helpers.h"
#include "rt_test_util.h"

/* Wait until `n` more goroutines than `base` are parked. */
static void wait_parked_over(int base, int n) { wait_parked(base + n); }

/* ---- runtime/chan_test.go TestChan -------------------------------------- */

typedef struct tc_arg {
    chan_t *c, *done;
    atomic_i64 *flag;
} tc_arg;

static void tc_recv_flag(void *p) {
    tc_arg *a = p;
    int v;
    chan_recv(a->c, &v);
    atomic_i64_add(a->flag, 1);
}
static void tc_send_flag(void *p) {
    tc_arg *a = p;
    chan_send_v(a->c, int, 0);
    atomic_i64_add(a->flag, 1);
}
static void tc_recv_closed(void *p) {
    tc_arg *a = p;
    int v = 1;
    bool ok = chan_recv(a->c, &v);
    chan_send_v(a->done, bool, v == 0 && !ok);
}
static void tc_send_100(void *p) {
    for (int i = 0; i < 100; i++) chan_send(p, &i);
}
enum { TC_P = 4, TC_L = 1000 };
static void tc_send_L(void *p) {
    for (int i = 0; i < TC_L; i++) chan_send(p, &i);
}
static void tc_recv_L(void *p) {
    tc_arg *a = p;
    int *recv = calloc(TC_L, sizeof *recv);
    for (int i = 0; i < TC_L; i++) {
        int v;
        chan_recv(a->c, &v);
        cr_assert(v >= 0 && v < TC_L);
        recv[v]++;
    }
    chan_send(a->done, &recv);
}

Test(go_chan_test, TestChan, .timeout = 60) {
    int N = SANITIZED ? 6 : 20; /* Go: 200, 20 with -short */
    for (int cap = 0; cap < N; cap++) {
        {
            /* receive from empty chan blocks */
            atomic_i64 flag = ATOMIC_I64_INIT;
            tc_arg a = {chan_make(int, cap), NULL, &flag};
            int base = cs_count_blocked_now();
            go(tc_recv_flag, &a);
            go(tc_recv_flag, &a);
            wait_parked_over(base, 2);
            cr_assert_eq(atomic_i64_load(&flag), 0, "chan[%d]: receive from empty chan", cap);
            /* non-blocking receive does not block */
            cr_assert_eq(chan_select(select_recv(a.c, NULL, NULL), select_default()), 1,
                         "chan[%d]: receive from empty chan", cap);
            bool ok;
            int v;
            cr_assert_eq(chan_select(select_recv(a.c, &v, &ok), select_default()), 1);
            chan_send_v(a.c, int, 0);
            chan_send_v(a.c, int, 0);
            while (atomic_i64_load(&flag) < 2) time_sleep(MICROSECOND * 100);
        }
        {
            /* send to full chan blocks */
            atomic_i64 flag = ATOMIC_I64_INIT;
            tc_arg a = {chan_make(int, cap), NULL, &flag};
            for (int i = 0; i < cap; i++) chan_send(a.c, &i);
            int base = cs_count_blocked_now();
            go(tc_send_flag, &a);
            wait_parked_over(base, 1);
            cr_assert_eq(atomic_i64_load(&flag), 0, "chan[%d]: send to full chan", cap);
            int z = 0;
            cr_assert_eq(chan_select(select_send(a.c, &z), select_default()), 1,
                         "chan[%d]: send to full chan", cap);
            chan_recv(a.c, NULL);
            while (atomic_i64_load(&flag) < 1) time_sleep(MICROSECOND * 100);
        }
        {
            /* we receive 0 from a closed chan, after its buffer */
            chan_t *c = chan_make(int, cap);
            for (int i = 0; i < cap; i++) chan_send(c, &i);
            chan_close(c);
            for (int i = 0; i < cap; i++) {
                int v = -1;
                chan_recv(c, &v);
                cr_assert_eq(v, i, "chan[%d]: received %d, expected %d", cap, v, i);
            }
            int v = -1;
            chan_recv(c, &v);
            cr_assert_eq(v, 0);
            v = -1;
            bool ok = chan_recv(c, &v);
            cr_assert(v == 0 && !ok, "chan[%d]: received %d/%d, expected 0/false", cap, v, ok);
        }
        {
            /* close unblocks receive */
            tc_arg a = {chan_make(int, cap), chan_make(bool, 0), NULL};
            int base = cs_count_blocked_now();
            go(tc_recv_closed, &a);
            wait_parked_over(base, 1);
            chan_close(a.c);
            bool good = false;
            chan_recv(a.done, &good);
            cr_assert(good, "chan[%d]: received non zero from closed chan", cap);
        }
        {
            /* 100 integers arrive uncorrupted in FIFO order, by recv and recv2 */
            chan_t *c = chan_make(int, cap);
            go(tc_send_100, c);
            for (int i = 0; i < 100; i++) {
                int v = -1;
                chan_recv(c, &v);
                cr_assert_eq(v, i, "chan[%d]: received %d, expected %d", cap, v, i);
            }
            go(tc_send_100, c);
            for (int i = 0; i < 100; i++) {
                int v = -1;
                cr_assert(chan_recv(c, &v), "chan[%d]: receive failed, expected %d", cap, i);
                cr_assert_eq(v, i);
            }
            /* 1000 integers from 4 goroutines to 4 goroutines: each value 4 times */
            tc_arg a = {c, chan_make(int *, 0), NULL};
            for (int p = 0; p < TC_P; p++) go(tc_send_L, c);
            for (int p = 0; p < TC_P; p++) go(tc_recv_L, &a);
            int recv[TC_L] = {0};
            for (int p = 0; p < TC_P; p++) {
                int *part;
                chan_recv(a.done, &part);
                for (int k = 0; k < TC_L; k++) recv[k] += part[k];
                free(part);
            }
            for (int k = 0; k < TC_L; k++)
                cr_assert_eq(recv[k], TC_P, "chan[%d]: value %d received %d times", cap, k,
                             recv[k]);
        }
        {
            /* len/cap */
            chan_t *c = chan_make(int, cap);
            cr_assert(chan_len(c) == 0 && chan_cap(c) == cap);
            for (int i = 0; i < cap; i++) chan_send(c, &i);
            cr_assert(chan_len(c) == cap && chan_cap(c) == cap);
        }
    }
}

/* ---- runtime/chan_test.go TestNonblockRecvRace --------------------------- */

static void nbr_select(void *p) {
    chan_t **cs = p;
    chan_t *c = cs[0], *res = cs[1];
    free(cs);
    int r = chan_select(select_recv(c, NULL, NULL), select_default());
    chan_send_v(res, int, r);
}

Test(go_chan_test, TestNonblockRecvRace, .timeout = 60) {
    int n = SCALE(1000); /* Go: 10000, 100 with -short */
    chan_t *res = chan_make(int, n);
    for (int i = 0; i < n; i++) {
        chan_t *c = chan_make(int, 1);
        chan_send_v(c, int, 1);
        chan_t **cs = malloc(2 * sizeof *cs);
        cs[0] = c;
        cs[1] = res;
        go(nbr_select, cs);
        chan_close(c);
        chan_recv(c, NULL);
    }
    for (int i = 0; i < n; i++) {
        int r;
        chan_recv(res, &r);
        cr_assert_eq(r, 0, "chan is not ready");
    }
}

/* ---- runtime/chan_test.go TestNonblockSelectRace and ...Race2 ------------ */

/* From the moment the goroutine starts, c1 or c2 is always ready: its
 * non-blocking select must never take the default. */
typedef struct nbs_arg {
    chan_t *c1, *c2, *done;
} nbs_arg;
static void nbs_select(void *p) {
    nbs_arg *a = p;
    int r = chan_select(select_recv(a->c1, NULL, NULL), select_recv(a->c2, NULL, NULL),
                        select_default());
    chan_send_v(a->done, bool, r != 2);
}

static void nonblock_select_race(bool close_c2) {
    int n = SCALE(1000); /* Go: 100000, 1000 with -short */
    chan_t *done = chan_make(bool, 1);
    for (int i = 0; i < n; i++) {
        nbs_arg a = {chan_make(int, 1), chan_make(int, close_c2 ? 0 : 1), done};
        chan_send_v(a.c1, int, 1);
        go(nbs_select, &a);
        if (close_c2) chan_close(a.c2);
        else chan_send_v(a.c2, int, 1);
        chan_select(select_recv(a.c1, NULL, NULL), select_default());
        bool ok = false;
        chan_recv(done, &ok);
        cr_assert(ok, "iteration %d: no chan is ready", i);
    }
}

Test(go_chan_test, TestNonblockSelectRace, .timeout = 60) { nonblock_select_race(false); }
Test(go_chan_test, TestNonblockSelectRace2, .timeout = 60) { nonblock_select_race(true); }

/* ---- runtime/chan_test.go TestChanSendInterface -------------------------- */

/* chan any: here a channel of pointers, sent by select with a default. */
Test(go_chan_test, TestChanSendInterface, .timeout = 10) {
    static int mt, other;
    void *m = &mt;
    chan_t *c = chan_make(void *, 1);
    chan_send(c, &m);
    cr_assert_eq(chan_select(select_send(c, &m), select_default()), 1);
    void *o = &other;
    cr_assert_eq(chan_select(select_send(c, &m), select_send(c, &o), select_default()), 2);
    void *got = NULL;
    chan_recv(c, &got);
    cr_assert_eq(got, m);
}

/* ---- runtime/chan_test.go TestPseudoRandomSend --------------------------- */

enum { PRS_N = 100 };
typedef struct prs_arg {
    chan_t *c;
    int *l;
    mutex_t *m;
} prs_arg;
static void prs_reader(void *p) {
    prs_arg *a = p;
    for (int i = 0; i < PRS_N; i++) {
        go_yield();
        chan_recv(a->c, &a->l[i]);
    }
    mutex_unlock(a->m); /* Go unlocks a mutex main locked: not owned */
}

Test(go_chan_test, TestPseudoRandomSend, .timeout = 20) {
    int caps[] = {0, PRS_N};
    for (int k = 0; k < 2; k++) {
        int l[PRS_N];
        mutex_t m = MUTEX_INIT;
        prs_arg a = {chan_make(int, caps[k]), l, &m};
        mutex_lock(&m);
        go(prs_reader, &a);
        int one = 1, zero = 0;
        for (int i = 0; i < PRS_N; i++) chan_select(select_send(a.c, &one), select_send(a.c, &zero));
        mutex_lock(&m); /* wait */
        int n0 = 0, n1 = 0;
        for (int i = 0; i < PRS_N; i++) {
            n0 += (l[i] + 1) % 2;
            n1 += l[i];
        }
        cr_assert(n0 > PRS_N / 10 && n1 > PRS_N / 10,
                  "want pseudorandom, got %d zeros and %d ones (chan cap %d)", n0, n1, caps[k]);
    }
}

/* ---- runtime/chan_test.go TestMultiConsumer ------------------------------ */

enum { MC_NWORK = 23 };
static const int mc_pn[] = {2, 3, 7, 11, 13, 17, 19, 23, 27, 31};
#define MC_NPN ((int)(sizeof mc_pn / sizeof mc_pn[0]))
static chan_t *mc_q, *mc_r;
static waitgroup_t mc_wg;
static int mc_niter;
static int64_t mc_expect;

static void mc_worker(void *p) {
    int w = (int)(intptr_t)p;
    int v;
    while (chan_recv(mc_q, &v)) {
        if (mc_pn[w % MC_NPN] == v) go_yield(); /* mess with the fifo-ish range */
        chan_send(mc_r, &v);
    }
    wg_done(&mc_wg);
}
static void mc_feeder(void *p) {
    (void)p;
    for (int i = 0; i < mc_niter; i++) {
        int v = mc_pn[i % MC_NPN];
        mc_expect += v;
        chan_send(mc_q, &v);
    }
    chan_close(mc_q); /* no more work */
    wg_wait(&mc_wg);  /* workers done */
    chan_close(mc_r); /* ... so there can be no more results */
}

Test(go_chan_test, TestMultiConsumer, .timeout = 60) {
    mc_niter = SCALE(20000); /* Go: 271828 */
    mc_q = chan_make(int, MC_NWORK * 3);
    mc_r = chan_make(int, MC_NWORK * 3);
    for (int i = 0; i < MC_NWORK; i++) {
        wg_add(&mc_wg, 1);
        go(mc_worker, (void *)(intptr_t)i);
    }
    go(mc_feeder, NULL);
    int n = 0, v;
    int64_t s = 0;
    while (chan_recv(mc_r, &v)) {
        n++;
        s += v;
    }
    /* mc_expect was written by the feeder before close(r): ordered by it */
    cr_assert(n == mc_niter && s == mc_expect, "expected sum %lld (got %lld) from %d iter (saw %d)",
              (long long)mc_expect, (long long)s, mc_niter, n);
}

/* ---- go/test/chan/doubleselect.go ---------------------------------------- */

/* One sender selects over four channels; four muxes forward to one; the
 * receiver must never see a value twice (a value must not be delivered by
 * two cases of one select). */
static chan_t *ds_c[4], *ds_cmux, *ds_done;
static int ds_n;
static void ds_sender(void *p) {
    (void)p;
    for (int i = 0; i < ds_n; i++)
        chan_select(select_send(ds_c[0], &i), select_send(ds_c[1], &i), select_send(ds_c[2], &i),
                    select_send(ds_c[3], &i));
    for (int k = 3; k >= 0; k--) chan_close(ds_c[k]);
}
static void ds_mux(void *p) {
    chan_t *in = p;
    int v;
    while (chan_recv(in, &v)) chan_send(ds_cmux, &v);
    chan_send_v(ds_done, bool, true);
}
static void ds_closer(void *p) {
    (void)p;
    for (int k = 0; k < 4; k++) chan_recv(ds_done, NULL);
    chan_close(ds_cmux);
}

Test(go_test_chan, doubleselect, .timeout = 60) {
    ds_n = SCALE(20000); /* Go: 100000 */
    for (int k = 0; k < 4; k++) ds_c[k] = chan_make(int, 0);
    ds_done = chan_make(bool, 0);
    ds_cmux = chan_make(int, 0);
    go(ds_sender, NULL);
    for (int k = 0; k < 4; k++) go(ds_mux, ds_c[k]);
    go(ds_closer, NULL);
    char *seen = calloc((size_t)ds_n, 1);
    int v, count = 0;
    while (chan_recv(ds_cmux, &v)) {
        cr_assert(v >= 0 && v < ds_n);
        cr_assert_eq(seen[v], 0, "got duplicate value: %d", v);
        seen[v] = 1;
        count++;
    }
    cr_assert_eq(count, ds_n);
    free(seen);
}

/* ---- go/test/chan/fifo.go ------------------------------------------------ */

enum { FIFO_N = 10 };
typedef struct fifo_link {
    chan_t *ch, *in, *out;
    int val;
} fifo_link;
static void fifo_chain(void *p) {
    fifo_link *l = p;
    chan_recv(l->in, NULL);
    int v = -1;
    chan_recv(l->ch, &v);
    cr_assert_eq(v, l->val, "chain link %d received %d", l->val, v);
    chan_send_v(l->out, int, 1);
}

Test(go_test_chan, fifo, .timeout = 20) {
    /* AsynchFifo */
    chan_t *ch = chan_make(int, FIFO_N);
    for (int i = 0; i < FIFO_N; i++) chan_send(ch, &i);
    for (int i = 0; i < FIFO_N; i++) {
        int v = -1;
        chan_recv(ch, &v);
        cr_assert_eq(v, i, "bad receive");
    }
    /* SynchFifo: goroutine i receives only after goroutine i-1 has, so an
     * unbuffered channel must hand values to its receivers in arrival order */
    static fifo_link links[FIFO_N];
    ch = chan_make(int, 0);
    chan_t *in = chan_make(int, 0), *start = in;
    for (int i = 0; i < FIFO_N; i++) {
        chan_t *out = chan_make(int, 0);
        links[i] = (fifo_link){ch, in, out, i};
        go(fifo_chain, &links[i]);
        in = out;
    }
    chan_send_v(start, int, 0);
    for (int i = 0; i < FIFO_N; i++) chan_send(ch, &i);
    chan_recv(in, NULL);
}

/* ---- go/test/chan/goroutines.go ------------------------------------------ */

/* A chain of n goroutines, each passing one value left: left <- <-right. */
typedef struct gr_pair {
    chan_t *left, *right;
} gr_pair;
static void gr_f(void *p) {
    gr_pair *g = p;
    int v;
    chan_recv(g->right, &v);
    chan_send(g->left, &v);
}

Test(go_test_chan, goroutines, .timeout = 60) {
    int n = SCALE(1000); /* Go: 10000 (each goroutine here is a thread today) */
    gr_pair *pairs = calloc((size_t)n, sizeof *pairs);
    chan_t *leftmost = chan_make(int, 0), *left = leftmost, *right = leftmost;
    for (int i = 0; i < n; i++) {
        right = chan_make(int, 0);
        pairs[i] = (gr_pair){left, right};
        go(gr_f, &pairs[i]);
        left = right;
    }
    chan_send_v(right, int, 1);
    int v = 0;
    chan_recv(leftmost, &v);
    cr_assert_eq(v, 1);
    free(pairs); /* every link has sent: none reads its pair again */
}

/* ---- go/test/chan/nonblock.go -------------------------------------------- */

/* Non-blocking sends and receives of int32, int64, bool and string, with a
 * partner goroutine on the other side, on unbuffered and 1-buffered
 * channels: a select with default succeeds once the partner is there. */
enum { NB_MAX_TRIES = 10000 };
static chan_t *nb_sync;
static void nb_pause(int *try_) {
    cr_assert(++*try_ <= NB_MAX_TRIES, "partner never showed up");
    time_sleep(10 * MICROSECOND);
    go_yield();
}

#define NB_PAIR(T, SENT, RECVD, EQ)                                                        \
    static chan_t *nb_c_##T;                                                               \
    static void nb_receiver_##T(void *p) {                                                 \
        (void)p;                                                                           \
        T v;                                                                               \
        chan_recv(nb_c_##T, &v);                                                           \
        cr_assert(EQ(v, SENT), #T " value");                                               \
        chan_send_v(nb_sync, bool, true);                                                  \
    }                                                                                      \
    static void nb_sender_##T(void *p) {                                                   \
        (void)p;                                                                           \
        chan_send_v(nb_c_##T, T, RECVD);                                                   \
        chan_send_v(nb_sync, bool, true);                                                  \
    }                                                                                      \
    static void nb_run_##T(int buffer) {                                                   \
        T v;                                                                               \
        nb_c_##T = chan_make(T, buffer);                                                   \
        cr_assert_eq(chan_select(select_recv(nb_c_##T, &v, NULL), select_default()), 1,    \
                     "blocked " #T " sender");                                             \
        go(nb_receiver_##T, NULL);                                                         \
        T out = SENT;                                                                      \
        for (int try_ = 0;                                                                 \
             chan_select(select_send(nb_c_##T, &out), select_default()) != 0;)             \
            nb_pause(&try_);                                                               \
        chan_recv(nb_sync, NULL);                                                          \
        go(nb_sender_##T, NULL);                                                           \
        if (buffer > 0) chan_recv(nb_sync, NULL);                                          \
        for (int try_ = 0; chan_select(select_recv(nb_c_##T, &v, NULL), select_default()) != 0;) \
            nb_pause(&try_);                                                               \
        cr_assert(EQ(v, RECVD), #T " sender value");                                       \
        if (buffer == 0) chan_recv(nb_sync, NULL);                                         \
    }

#define NB_EQ(a, b) ((a) == (b))
#define NB_STREQ(a, b) (strcmp((a), (b)) == 0)
typedef const char *string;
NB_PAIR(int32_t, 123, 234, NB_EQ)
NB_PAIR(int64_t, 123456, 234567, NB_EQ)
NB_PAIR(bool, true, true, NB_EQ)
NB_PAIR(string, "hello", "hello again", NB_STREQ)

Test(go_test_chan, nonblock, .timeout = 30) {
    nb_sync = chan_make(bool, 0);
    for (int buffer = 0; buffer < 2; buffer++) {
        nb_run_int32_t(buffer);
        nb_run_int64_t(buffer);
        nb_run_bool(buffer);
        nb_run_string(buffer);
    }
}

/* ---- go/test/chan/select.go ---------------------------------------------- */

/* Every send expression of a select is evaluated each time (Go's spec);
 * in C the values are evaluated as the case list is built.  A case whose
 * channel was set to nil is never chosen. */
static unsigned sel_counter, sel_shift;
static unsigned sel_get_value(void) {
    sel_counter++;
    return 1u << sel_shift;
}
static int sel_send(chan_t *a, chan_t *b) {
    int i = 0;
    for (;;) {
        unsigned va = sel_get_value(), vb = sel_get_value();
        int r = chan_select(select_send(a, &va), select_send(b, &vb), select_default());
        if (r == 2) break;
        i++;
        if (r == 0) a = NULL;
        else b = NULL;
        sel_shift++;
    }
    return i;
}

Test(go_test_chan, select, .timeout = 10) {
    chan_t *a = chan_make(unsigned, 1), *b = chan_make(unsigned, 1);
    int v = sel_send(a, b);
    cr_assert_eq(v, 2, "Send returned %d != 2", v);
    unsigned av = 0, bv = 0;
    chan_recv(a, &av);
    chan_recv(b, &bv);
    cr_assert_eq(av | bv, 3u, "bad values %u %u", av, bv);
    v = sel_send(a, NULL);
    cr_assert_eq(v, 1, "Send returned %d != 1", v);
    cr_assert_eq(sel_counter, 10u, "counter is %u != 10", sel_counter);
}

/* ---- go/test/chan/select2.go --------------------------------------------- */

/* Selects do not consume undue memory: 100000 two-case selects (here
 * fewer) must not grow the heap (select keeps small case sets on the
 * stack).  The heap is measured only without sanitizers (their allocators
 * do not report through mallinfo2). */
static void s2_sender(void *p) {
    chan_t *c = p;
    for (int i = 0; i < SCALE(20000); i++) chan_send_v(c, int, 1);
}
static void s2_receiver(chan_t *c, chan_t *dummy, int n) {
    for (int i = 0; i < n; i++) {
        int r = chan_select(select_recv(c, NULL, NULL), select_recv(dummy, NULL, NULL));
        cr_assert_eq(r, 0, "dummy");
    }
}

Test(go_test_chan, select2, .timeout = 60) {
    int n = SCALE(20000);
    chan_t *c = chan_make(int, 0), *dummy = chan_make(int, 0);
    go(s2_sender, c); /* warm up (thread, timers) */
    s2_receiver(c, dummy, n);
    size_t before = mallinfo2().uordblks;
    go(s2_sender, c);
    s2_receiver(c, dummy, n);
    size_t after = mallinfo2().uordblks;
    if (!SANITIZED)
        cr_assert_leq(after, before + 10000, "selects grew the heap by %zu bytes",
                      after - before);
}

/* ---- go/test/chan/select3.go --------------------------------------------- */

/* testBlock(always, f): f blocks (its goroutine parks and stays parked);
 * testBlock(never, f): f returns.  testPanic: see select3_panics below. */
static chan_t *s3_nilch, *s3_closedch;
typedef void (*s3_fn)(void);
typedef struct s3_arg {
    s3_fn f;
    chan_t *c;
} s3_arg;
static void s3_run(void *p) {
    s3_arg *a = p;
    a->f();
    chan_send_v(a->c, int, 1); /* f didn't block */
}
static void s3_block(bool always, s3_fn f, const char *what) {
    s3_arg *a = malloc(sizeof *a); /* lives on if f blocks forever */
    *a = (s3_arg){f, chan_make(int, 1)};
    int base = cs_count_blocked_now();
    go(s3_run, a);
    if (always) {
        wait_parked_over(base, 1);
        cr_assert_eq(chan_len(a->c), 0, "%s: did not block", what);
    } else {
        chan_recv(a->c, NULL); /* blocks this test (and times out) if f blocks */
        free(a);
    }
}
static void s3_unreachable(void) { cr_assert_fail("control flow shouldn't reach here"); }

static void s3_send_nil(void) { chan_send_v(s3_nilch, int, 7); }
static void s3_recv_nil(void) { chan_recv(s3_nilch, NULL); }
static void s3_send_buffered(void) {
    chan_t *c = chan_make(int, 1);
    chan_send_v(c, int, 7);
    chan_free(c); /* (Go's collector would) */
}
static void s3_recv_closed(void) {
    for (int i = 0; i < 10; i++) {
        int x = 1;
        chan_recv(s3_closedch, &x);
        cr_assert_eq(x, 0, "expected zero value when reading from closed channel");
        x = 1;
        bool ok = chan_recv(s3_closedch, &x);
        cr_assert(x == 0 && !ok, "expected 0, false from closed channel");
    }
}
static void s3_recv_unready(void) { chan_recv(chan_make(int, 0), NULL); }
static void s3_select_empty(void) { chan_select(); }
static void s3_select_recv_nil(void) {
    chan_select(select_recv(s3_nilch, NULL, NULL));
    s3_unreachable();
}
static void s3_select_send_nil(void) {
    int v = 7;
    chan_select(select_send(s3_nilch, &v));
    s3_unreachable();
}
static void s3_select_both_nil(void) {
    int v = 7;
    chan_select(select_recv(s3_nilch, NULL, NULL), select_send(s3_nilch, &v));
    s3_unreachable();
}
static void s3_select_unready(void) {
    chan_select(select_recv(chan_make(int, 0), NULL, NULL));
    s3_unreachable();
}
static void s3_select_default(void) { cr_assert_eq(chan_select(select_default()), 0); }
static void s3_select_nil_default(void) {
    int v = 7;
    cr_assert_eq(chan_select(select_recv(s3_nilch, NULL, NULL), select_default()), 1);
    cr_assert_eq(chan_select(select_send(s3_nilch, &v), select_default()), 1);
}
static void s3_select_ready(void) {
    chan_t *ch = chan_make(int, 1);
    int v = 7;
    cr_assert_eq(chan_select(select_send(ch, &v), select_default()), 0);
    cr_assert_eq(chan_select(select_recv(ch, &v, NULL), select_default()), 0);
    chan_free(ch);
}
static void s3_select_closed(void) {
    int x = 1;
    bool ok = true;
    chan_select(select_recv(s3_closedch, NULL, NULL));
    chan_select(select_recv(s3_closedch, &x, &ok));
    cr_assert(x == 0 && !ok);
}
static void s3_select_self(void) {
    chan_t *c = chan_make(int, 0);
    int v = 1, w;
    chan_select(select_send(c, &v), select_recv(c, &w, NULL));
}

Test(go_test_chan, select3, .timeout = 30) {
    s3_nilch = NULL;
    s3_closedch = chan_make(int, 0);
    chan_close(s3_closedch);
    /* sending/receiving from a nil channel blocks */
    s3_block(true, s3_send_nil, "send to nil");
    s3_block(true, s3_recv_nil, "receive from nil");
    /* nil channels in a select with default are never selected */
    s3_select_nil_default();
    /* sending to an async channel with free buffer space never blocks */
    s3_block(false, s3_send_buffered, "send with room");
    /* receiving from a closed channel never blocks */
    s3_block(false, s3_recv_closed, "receive from closed");
    /* receiving from a non-ready channel always blocks */
    s3_block(true, s3_recv_unready, "receive from non-ready");
    /* empty selects always block; so do selects with only nil channels */
    s3_block(true, s3_select_empty, "select {}");
    s3_block(true, s3_select_recv_nil, "select recv nil");
    s3_block(true, s3_select_send_nil, "select send nil");
    s3_block(true, s3_select_both_nil, "select nil both ways");
    /* selects with non-ready non-nil channels always block */
    s3_block(true, s3_select_unready, "select non-ready");
    /* selects with default cases don't block */
    s3_block(false, s3_select_default, "select default");
    s3_block(false, s3_select_nil_default, "select nil + default");
    /* selects with ready channels don't block */
    s3_block(false, s3_select_ready, "select ready");
    /* selects with closed channels behave like ordinary operations */
    s3_block(false, s3_select_closed, "select closed");
    /* select should not get confused if it sees itself */
    s3_block(true, s3_select_self, "select on both ends");
}

/* testPanic(always, ...): sending to a closed channel panics, plain or in
 * a select (Go recovers; here the child process ends with status 2). */
static void s3_send_closed(void) {
    chan_t *c = chan_make(int, 0);
    chan_close(c);
    chan_send_v(c, int, 7);
}
static void s3_select_send_closed(void) {
    chan_t *c = chan_make(int, 0);
    chan_close(c);
    int v = 7;
    chan_select(select_send(c, &v));
}

Test(go_test_chan, select3_panics, .timeout = 20) {
    void (*fns[])(void) = {s3_send_closed, s3_select_send_closed};
    for (int i = 0; i < 2; i++) {
        child_result r;
        run_child(fns[i], 5000, &r);
        cr_assert(r.exited && r.status == 2, "case %d: status %d\n%s", i, r.status, r.out);
        cr_assert(strstr(r.out, "panic: send on closed channel"), "case %d:\n%s", i, r.out);
    }
}

/* ---- go/test/chan/select6.go --------------------------------------------- */

/* Issue 2075: a select that lost on c1 must not leave a stale waiter that
 * steals a later send on c1 from its next plain receive. */
static chan_t *s6_c1, *s6_c2, *s6_c3;
static void s6_plain(void *p) {
    (void)p;
    chan_recv(s6_c1, NULL);
}
static void s6_selector(void *p) {
    (void)p;
    int r = chan_select(select_recv(s6_c1, NULL, NULL), select_recv(s6_c2, NULL, NULL));
    cr_assert_eq(r, 1, "dummy");
    chan_send_v(s6_c3, bool, true);
    chan_recv(s6_c1, NULL);
}
static void s6_c2_sender(void *p) {
    (void)p;
    chan_send_v(s6_c2, bool, true);
}

Test(go_test_chan, select6, .timeout = 10) {
    s6_c1 = chan_make(bool, 0);
    s6_c2 = chan_make(bool, 0);
    s6_c3 = chan_make(bool, 0);
    go(s6_plain, NULL);
    go(s6_selector, NULL);
    go(s6_c2_sender, NULL);
    chan_recv(s6_c3, NULL);
    chan_send_v(s6_c1, bool, true);
    chan_send_v(s6_c1, bool, true);
}

/* ---- go/test/chan/select7.go --------------------------------------------- */

/* Every pairing of a plain/one-case/two-case receive with a plain/one-case/
 * two-case send completes. */
static void s7_recv1(void *p) { chan_recv(p, NULL); }
static void s7_recv2(void *p) { chan_select(select_recv((chan_t *)p, NULL, NULL)); }
static void s7_recv3(void *p) {
    chan_t *c2 = chan_make(int, 0);
    chan_select(select_recv((chan_t *)p, NULL, NULL), select_recv(c2, NULL, NULL));
    chan_free(c2); /* only this goroutine ever saw it */
}
static void s7_send(int how, go_func recv) {
    chan_t *c = chan_make(int, 0);
    go(recv, c);
    go_yield();
    int v = 1;
    if (how == 1) chan_send(c, &v);
    else if (how == 2) chan_select(select_send(c, &v));
    else {
        chan_t *c2 = chan_make(int, 0);
        chan_select(select_send(c, &v), select_send(c2, &v));
        chan_free(c2);
    }
}

Test(go_test_chan, select7, .timeout = 10) {
    go_func recvs[] = {s7_recv1, s7_recv2, s7_recv3};
    for (int r = 0; r < 3; r++)
        for (int s = 1; s <= 3; s++) s7_send(s, recvs[r]);
}

/* ---- go/test/chan/select8.go --------------------------------------------- */

/* One-case, default-only, case+default and two-case+default selects (Go's
 * specialised code paths) each take the case they must. */
static chan_t *s8_ch;
static void s8_sender(void *p) {
    (void)p;
    for (;;) chan_send_v(s8_ch, int, 5);
}

Test(go_test_chan, select8, .timeout = 10) {
    s8_ch = chan_make(int, 0);
    go(s8_sender, NULL);
    int v = 0;
    cr_assert_eq(chan_select(select_recv(s8_ch, &v, NULL)), 0);
    cr_assert_eq(v, 5);
    cr_assert_eq(chan_select(select_default()), 0);
    int r = chan_select(select_recv(s8_ch, NULL, NULL), select_default());
    cr_assert(r == 0 || r == 1);
    int ten = 10;
    r = chan_select(select_recv(s8_ch, NULL, NULL), select_send(s8_ch, &ten), select_default());
    cr_assert(r == 0 || r == 2, "unreachable case %d", r);
}

/* ---- go/test/chan/sendstmt.go (chanchan) --------------------------------- */

/* A channel of channels: send on the channel received from another. */
Test(go_test_chan, sendstmt, .timeout = 10) {
    chan_t *cc = chan_make(chan_t *, 1);
    chan_t *c = chan_make(int, 1);
    chan_send(cc, &c);
    chan_t *got = NULL;
    chan_recv(cc, &got);
    int two = 2;
    cr_assert_eq(chan_select(select_send(got, &two), select_default()), 0, "nonblock");
    int v = 0;
    chan_recv(c, &v);
    cr_assert_eq(v, 2, "bad receive");
}

/* ---- go/test/chan/sieve1.go ---------------------------------------------- */

/* The concurrent prime sieve: a generator and one filter goroutine per
 * prime, each connected to the next by an unbuffered channel. */
typedef struct sv_filter {
    chan_t *in, *out;
    int prime;
} sv_filter;
static void sv_generate(void *p) {
    for (int i = 2;; i++) chan_send(p, &i);
}
static void sv_filter_run(void *p) {
    sv_filter *f = p;
    int i;
    while (chan_recv(f->in, &i))
        if (i % f->prime != 0) chan_send(f->out, &i);
}
static void sv_sieve(void *p) {
    chan_t *primes = p;
    chan_t *ch = chan_make(int, 0);
    go(sv_generate, ch);
    for (;;) {
        int prime;
        chan_recv(ch, &prime);
        chan_send(primes, &prime);
        sv_filter *f = malloc(sizeof *f);
        *f = (sv_filter){ch, chan_make(int, 0), prime};
        go(sv_filter_run, f);
        ch = f->out;
    }
}

Test(go_test_chan, sieve1, .timeout = 20) {
    static const int a[] = {2,  3,  5,  7,  11, 13, 17, 19, 23, 29, 31, 37, 41,
                            43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97};
    chan_t *primes = chan_make(int, 0);
    go(sv_sieve, primes);
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) {
        int x = 0;
        chan_recv(primes, &x);
        cr_assert_eq(x, a[i], "%d != %d", x, a[i]);
    }
}

/* ---- go/test/chan/zerosize.go -------------------------------------------- */

/* Channels of zero-size elements can be made (and used), buffered or not. */
typedef struct zs_empty {
} zs_empty;
static void zs_send(void *p) { chan_send(p, &(zs_empty){}); }

Test(go_test_chan, zerosize, .timeout = 10) {
    chan_t *a = chan_make(char[0], 0), *b = chan_make(char[0], 1);
    chan_t *c = chan_make(zs_empty, 0), *d = chan_make(zs_empty, 1);
    cr_assert(a && b && c && d);
    zs_empty e;
    chan_send(d, &e);
    cr_assert(chan_recv(d, &e));
    go(zs_send, c);
    cr_assert(chan_recv(c, &e));
    char z[0];
    chan_send(b, &z);
    cr_assert_eq(chan_len(b), 1);
    cr_assert(chan_recv(b, &z));
}
