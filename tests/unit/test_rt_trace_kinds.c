/*
 * test_rt_trace_kinds.c — a scripted program that exercises every event
 * kind through the public runtime API, traced, then checked field by field
 * in the database against the contract (format/trace.def, explained in
 * docs/trace-format.md).  The kinds that end the
 * program (panic, deadlock, signal) are in test_rt_trace_exit.c.
 */
#include "chanscope.h"
#include "test_rt_trace_util.h"
#include "rt_test_util.h"

static sqlite3 *db;

/* One value of the first event matching `where` (ORDER BY seq). */
#define EV1(col, ...) tt_qi(db, "SELECT " col " FROM events WHERE " __VA_ARGS__)
#define NEV(...) tt_qi(db, "SELECT count(*) FROM events WHERE " __VA_ARGS__)

static int64_t gid_of_name(const char *name) {
    return tt_qi(db, "SELECT id FROM goroutines WHERE name='%s'", name);
}

/* ---- the script --------------------------------------------------------- */

static chan_t *unbuf, *blockch;
static waitgroup_t wg = WAITGROUP_INIT;
static mutex_t mu = MUTEX_INIT;
static rwmutex_t rw = RWMUTEX_INIT;
static mutex_t cmu = MUTEX_INIT;
static cond_t cv = COND_INIT(&cmu);
static int cond_ready;
static once_t once = ONCE_INIT;
static atomic_i64 counter = ATOMIC_I64_INIT;
static int shared_x;
static int64_t ids[32];

static void receiver(void *arg) {
    (void)arg;
    int v = 0;
    chan_recv(unbuf, &v); /* direct hand-off from main */
    chan_recv(blockch, &v); /* blocks until main sends */
    wg_done(&wg);
}

static void locker(void *arg) {
    (void)arg;
    mutex_lock(&mu); /* contended: main holds it */
    mutex_unlock(&mu);
    wg_done(&wg);
}

static void reader(void *arg) {
    (void)arg;
    rwmutex_rlock(&rw); /* waits: main holds the write lock */
    rwmutex_runlock(&rw);
    wg_done(&wg);
}

static void waiter(void *arg) {
    (void)arg;
    mutex_lock(&cmu);
    while (!cond_ready) cond_wait(&cv);
    mutex_unlock(&cmu);
    wg_done(&wg);
}

static void init_fn(void *arg) { (void)arg; }

static void script(void) {
    /* channels: buffered send/recv, close, receive of the close */
    chan_t *ch = chan_make_named("jobs", int, 2);
    ids[0] = chan_id(ch);
    chan_send_v(ch, int, 42);
    int v = 0;
    chan_recv(ch, &v);
    chan_close(ch);
    chan_recv(ch, &v);

    /* unbuffered hand-off and a blocked receive, in a goroutine */
    unbuf = chan_make(int, 0);
    blockch = chan_make(int, 0);
    ids[1] = chan_id(unbuf);
    ids[2] = chan_id(blockch);
    wg_add(&wg, 1);
    go(receiver, NULL);
    chan_send_v(unbuf, int, 7);
    wait_parked(1); /* receiver now blocks on blockch */
    chan_send_v(blockch, int, 8);
    wg_wait(&wg);

    /* select: a ready receive, then default */
    chan_t *a = chan_make(int, 1), *b = chan_make(int, 1);
    ids[3] = chan_id(a);
    ids[4] = chan_id(b);
    chan_send_v(b, int, 5);
    bool ok = false;
    int got = chan_select(select_recv(a, &v, &ok), select_recv(b, &got, &ok));
    (void)got;
    chan_select(select_recv(a, &v, &ok), select_default());

    /* mutex: contended */
    mutex_lock(&mu);
    wg_add(&wg, 1);
    go(locker, NULL);
    wait_parked(1); /* the locker waits for mu */
    mutex_unlock(&mu);
    wg_wait(&wg);

    /* rwmutex: a reader waits for the writer */
    rwmutex_lock(&rw);
    wg_add(&wg, 1);
    go(reader, NULL);
    wait_parked(1); /* the reader waits for the writer */
    rwmutex_unlock(&rw);
    wg_wait(&wg);
    rwmutex_rlock(&rw);
    rwmutex_runlock(&rw);

    /* sleep */
    time_sleep(20 * MILLISECOND);

    /* once */
    once_do(&once, init_fn, NULL);
    once_do(&once, init_fn, NULL);

    /* cond: one waiter, signal then broadcast */
    wg_add(&wg, 1);
    go(waiter, NULL);
    wait_parked(1); /* the waiter sleeps on cv */
    mutex_lock(&cmu);
    cond_ready = 1;
    cond_signal(&cv);
    cond_broadcast(&cv);
    mutex_unlock(&cmu);
    wg_wait(&wg);

    /* atomics */
    atomic_i64_add(&counter, 5);
    atomic_i64_load(&counter);
    atomic_i64_store(&counter, 9);
    atomic_i64_cas(&counter, 9, 10);
    atomic_i64_cas(&counter, 9, 11);

    /* semaphore */
    semaphore_t *sem = semaphore_new(2);
    semaphore_acquire(sem, NULL, 2);
    semaphore_try_acquire(sem, 1);
    semaphore_release(sem, 2);

    /* context */
    cancel_func cancel;
    ctx_t *parent = ctx_with_cancel(ctx_background(), &cancel);
    cancel_func cancel2;
    ctx_t *child = ctx_with_cancel(parent, &cancel2);
    (void)child;
    ctx_cancel(cancel);
    ctx_cancel(cancel2);

    /* timers and tickers */
    time_timer *t = time_new_timer(2 * MILLISECOND);
    int64_t when;
    chan_recv(t->C, &when);
    time_timer_stop(t);
    time_ticker *tk = time_new_ticker(3 * MILLISECOND);
    chan_recv(tk->C, &when);
    time_ticker_stop(tk);

    /* shared variables and a log line */
    SHARED_WRITE(shared_x);
    shared_x = 1;
    SHARED_READ(shared_x);
    trace_log("step %d of %s", 3, "script");

    /* misuse: a mutex copied after first use */
    mutex_t m1 = MUTEX_INIT;
    mutex_lock(&m1);
    mutex_unlock(&m1);
    mutex_t m2;
    memcpy(&m2, &m1, sizeof m2);
    mutex_lock(&m2);
    mutex_unlock(&m2);
}

Test(trace_kinds, every_kind_field_by_field, .timeout = 60) {
    const char *path = tt_path("kinds.db");
    tt_start(path);
    script();
    cs_trace_finish("exit", 0);
    db = tt_open(path);
    long long n = tt_check_complete(db);
    cr_assert_gt(n, 100);

    /* goroutines: main adopted, named children with parent and end */
    cr_assert_str_eq(tt_qs(db, "SELECT name FROM goroutines WHERE id=1"), "main");
    int64_t grecv = gid_of_name("receiver"), glock = gid_of_name("locker"),
            gread = gid_of_name("reader"), gwait = gid_of_name("waiter");
    cr_assert_gt(grecv, 1);
    cr_assert_eq(tt_qi(db, "SELECT parent FROM goroutines WHERE id=%lld", (long long)grecv), 1);
    cr_assert_eq(NEV("kind=%d AND g=1 AND obj=%lld AND s='receiver'", EV_GO_CREATE,
                     (long long)grecv),
                 1);
    cr_assert_lt(EV1("seq", "kind=%d AND obj=%lld", EV_GO_CREATE, (long long)grecv),
                 EV1("seq", "kind=%d AND g=%lld", EV_GO_START, (long long)grecv));
    cr_assert_eq(EV1("seq", "kind=%d AND g=%lld", EV_GO_END, (long long)grecv),
                 tt_qi(db, "SELECT end_seq FROM goroutines WHERE id=%lld", (long long)grecv));
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM goroutines WHERE end_seq IS NULL"), 1,
                 "only main has no end");

    /* chan_make + objects row */
    long long jobs = ids[0];
    cr_assert_eq(NEV("kind=%d AND obj=%lld AND a=2 AND b=%zu", EV_CHAN_MAKE, jobs, sizeof(int)),
                 1);
    cr_assert_str_eq(tt_qs(db, "SELECT name FROM objects WHERE id=%lld", jobs), "jobs");
    cr_assert_eq(tt_qi(db, "SELECT type FROM objects WHERE id=%lld", jobs), OBJ_CHAN);
    cr_assert_eq(tt_qi(db, "SELECT a FROM objects WHERE id=%lld", jobs), 2);
    cr_assert_eq(tt_qi(db, "SELECT create_seq FROM objects WHERE id=%lld", jobs),
                 EV1("seq", "kind=%d AND obj=%lld", EV_CHAN_MAKE, jobs));
    cr_assert(strstr(tt_qs(db, "SELECT name FROM objects WHERE id=%lld", (long long)ids[1]),
                     "chan@"),
              "default name from the site");

    /* buffered send then receive: same message id and slot, value 42 */
    long long msg = EV1("a", "kind=%d AND obj=%lld", EV_CHAN_SEND, jobs);
    cr_assert_gt(msg, 0);
    cr_assert_eq(EV1("b", "kind=%d AND obj=%lld", EV_CHAN_SEND, jobs), 0, "slot 0");
    cr_assert_eq(EV1("c", "kind=%d AND obj=%lld", EV_CHAN_SEND, jobs), 42);
    cr_assert_eq(EV1("d & %d", "kind=%d AND obj=%lld", CS_EVF_VALUE, EV_CHAN_SEND, jobs),
                 CS_EVF_VALUE);
    cr_assert_lt(EV1("seq", "kind=%d AND obj=%lld", EV_CHAN_SEND_BEGIN, jobs),
                 EV1("seq", "kind=%d AND obj=%lld", EV_CHAN_SEND, jobs));
    cr_assert_eq(NEV("kind=%d AND obj=%lld AND a=%lld AND b=0 AND c=42 AND d=%d", EV_CHAN_RECV,
                     jobs, msg, CS_EVF_OK | CS_EVF_VALUE),
                 1);
    cr_assert_eq(NEV("kind=%d AND obj=%lld", EV_CHAN_RECV_BEGIN, jobs), 2);
    cr_assert_eq(NEV("kind=%d AND obj=%lld AND g=1", EV_CHAN_CLOSE, jobs), 1);
    /* the receive that saw the close: message 0, ok unset */
    cr_assert_eq(NEV("kind=%d AND obj=%lld AND a=0 AND (d & %d)=0", EV_CHAN_RECV, jobs,
                     CS_EVF_OK),
                 1);

    /* unbuffered: direct hand-off (slot -1) main -> receiver */
    long long u = ids[1];
    long long um = EV1("a", "kind=%d AND obj=%lld", EV_CHAN_SEND, u);
    cr_assert_eq(EV1("b", "kind=%d AND obj=%lld", EV_CHAN_SEND, u), -1);
    cr_assert_eq(EV1("c", "kind=%d AND obj=%lld", EV_CHAN_SEND, u), 7);
    cr_assert_eq(NEV("kind=%d AND obj=%lld AND a=%lld AND b=-1 AND c=7 AND g=%lld",
                     EV_CHAN_RECV, u, um, (long long)grecv),
                 1);
    cr_assert_lt(EV1("seq", "kind=%d AND obj=%lld", EV_CHAN_SEND, u),
                 EV1("seq", "kind=%d AND obj=%lld", EV_CHAN_RECV, u));

    /* blocked receive: go_block(recv, chan), go_unblock(woken by main) */
    long long bc = ids[2];
    cr_assert_eq(NEV("kind=%d AND g=%lld AND obj=%lld AND a=%d", EV_GO_BLOCK, (long long)grecv,
                     bc, BLOCK_RECV),
                 1);
    long long blk = EV1("seq", "kind=%d AND g=%lld AND obj=%lld", EV_GO_BLOCK, (long long)grecv,
                        bc);
    cr_assert_eq(EV1("a", "kind=%d AND g=%lld AND seq>%lld", EV_GO_UNBLOCK, (long long)grecv, blk),
                 1, "woken by main");

    /* select: begin (2 cases, case list), the receive flagged, end (case 1) */
    long long sb = EV1("seq", "kind=%d", EV_SELECT_BEGIN);
    cr_assert_eq(EV1("a", "seq=%lld", sb), 2);
    cr_assert_eq(EV1("b", "seq=%lld", sb), 0);
    char cases[64];
    snprintf(cases, sizeof cases, "r:%lld r:%lld", (long long)ids[3], (long long)ids[4]);
    cr_assert_str_eq(tt_qs(db, "SELECT s FROM events WHERE seq=%lld", sb), cases);
    cr_assert_eq(NEV("kind=%d AND obj=%lld AND c=5 AND (d & %d)", EV_CHAN_RECV,
                     (long long)ids[4], CS_EVF_SELECT),
                 1);
    cr_assert_eq(EV1("a", "kind=%d AND seq>%lld", EV_SELECT_END, sb), 1);
    cr_assert_eq(EV1("b", "kind=%d AND seq>%lld", EV_SELECT_END, sb), 0);
    long long sb2 = EV1("seq", "kind=%d AND b=1", EV_SELECT_BEGIN);
    cr_assert_eq(EV1("a", "kind=%d AND seq>%lld", EV_SELECT_END, sb2), 1, "default is case 1");
    cr_assert_eq(EV1("b", "kind=%d AND seq>%lld", EV_SELECT_END, sb2), 1, "default taken");
    cr_assert(strstr(tt_qs(db, "SELECT s FROM events WHERE seq=%lld", sb2), " d"));

    /* mutex: contended acquire by locker after main's release */
    long long m = atomic_load(&mu.id);
    cr_assert_eq(tt_qi(db, "SELECT type FROM objects WHERE id=%lld", m), OBJ_MUTEX);
    cr_assert_eq(NEV("kind=%d AND obj=%lld AND g=%lld", EV_MUTEX_WAIT, m, (long long)glock), 1);
    cr_assert_eq(NEV("kind=%d AND obj=%lld AND a=%d AND g=%lld", EV_GO_BLOCK, m, BLOCK_LOCK,
                     (long long)glock),
                 1);
    cr_assert_lt(EV1("seq", "kind=%d AND obj=%lld AND g=1", EV_MUTEX_RELEASE, m),
                 EV1("seq", "kind=%d AND obj=%lld AND g=%lld", EV_MUTEX_ACQUIRE, m,
                     (long long)glock));

    /* rwmutex: writer lock as mutex_acquire/release, reader waits (rw_rwait) */
    long long r = atomic_load(&rw.id);
    cr_assert_eq(tt_qi(db, "SELECT type FROM objects WHERE id=%lld", r), OBJ_RWMUTEX);
    cr_assert_eq(NEV("kind=%d AND obj=%lld AND g=1", EV_MUTEX_ACQUIRE, r), 1);
    cr_assert_eq(NEV("kind=%d AND obj=%lld AND g=%lld", EV_RW_RWAIT, r, (long long)gread), 1);
    cr_assert_eq(NEV("kind=%d AND obj=%lld AND a=1", EV_RW_RACQUIRE, r), 2, "readers after = 1");
    cr_assert_eq(NEV("kind=%d AND obj=%lld AND a=0", EV_RW_RRELEASE, r), 2);

    /* waitgroup: +1 / -1 with the counter after, wait and wait_done */
    long long w = atomic_load(&wg.id);
    cr_assert_eq(tt_qi(db, "SELECT type FROM objects WHERE id=%lld", w), OBJ_WAITGROUP);
    cr_assert_eq(NEV("kind=%d AND obj=%lld AND a=1 AND b=1", EV_WG_ADD, w), 4);
    cr_assert_eq(NEV("kind=%d AND obj=%lld AND a=-1 AND b=0", EV_WG_ADD, w), 4);
    cr_assert_eq(NEV("kind=%d AND obj=%lld", EV_WG_WAIT, w), 4);
    cr_assert_eq(NEV("kind=%d AND obj=%lld", EV_WG_WAIT_DONE, w), 4);

    /* once: begin/end(a=1) by the runner, end(a=0) for the second call */
    long long o = atomic_load(&once.id);
    cr_assert_eq(NEV("kind=%d AND obj=%lld", EV_ONCE_BEGIN, o), 1);
    cr_assert_eq(NEV("kind=%d AND obj=%lld AND a=1", EV_ONCE_END, o), 1);
    cr_assert_eq(NEV("kind=%d AND obj=%lld AND a=0", EV_ONCE_END, o), 1);

    /* cond: wait names the mutex; signal woke 1, broadcast 0 */
    long long c = atomic_load(&cv.id);
    cr_assert_eq(NEV("kind=%d AND obj=%lld AND a=%lld AND g=%lld", EV_COND_WAIT, c,
                     (long long)atomic_load(&cmu.id), (long long)gwait),
                 1);
    cr_assert_eq(NEV("kind=%d AND obj=%lld AND a=1", EV_COND_SIGNAL, c), 1);
    cr_assert_eq(NEV("kind=%d AND obj=%lld AND a=0", EV_COND_BROADCAST, c), 1);

    /* atomics: op and value after */
    long long at = atomic_load(&counter.id);
    cr_assert_eq(NEV("kind=%d AND obj=%lld AND a=2 AND b=5", EV_ATOMIC, at), 1);
    cr_assert_eq(NEV("kind=%d AND obj=%lld AND a=0 AND b=5", EV_ATOMIC, at), 1);
    cr_assert_eq(NEV("kind=%d AND obj=%lld AND a=1 AND b=9", EV_ATOMIC, at), 1);
    cr_assert_eq(NEV("kind=%d AND obj=%lld AND a=3 AND b=10", EV_ATOMIC, at), 1);
    cr_assert_eq(NEV("kind=%d AND obj=%lld AND a=4", EV_ATOMIC, at), 1);

    /* semaphore: acquire 2 ok, try 1 failed, release 2 */
    long long sem = EV1("obj", "kind=%d", EV_SEM_ACQUIRE);
    cr_assert_eq(tt_qi(db, "SELECT type FROM objects WHERE id=%lld", sem), OBJ_SEMAPHORE);
    cr_assert_eq(NEV("kind=%d AND obj=%lld AND a=2 AND b=1", EV_SEM_ACQUIRE, sem), 1);
    cr_assert_eq(NEV("kind=%d AND obj=%lld AND a=1 AND b=0", EV_SEM_ACQUIRE, sem), 1);
    cr_assert_eq(NEV("kind=%d AND obj=%lld AND a=2", EV_SEM_RELEASE, sem), 1);

    /* context: created with parent/kind/done chan, cancelled, propagated */
    long long parent = EV1("obj", "kind=%d AND b=1", EV_CTX_CREATE);
    long long child = tt_qi(db, "SELECT obj FROM events WHERE kind=%d AND a=%lld", EV_CTX_CREATE,
                            parent);
    cr_assert_gt(child, 0);
    cr_assert_eq(tt_qi(db, "SELECT type FROM objects WHERE id=%lld", parent), OBJ_CONTEXT);
    cr_assert_eq(NEV("kind=%d AND obj=%lld AND a=1 AND b=0", EV_CTX_CANCEL, parent), 1);
    cr_assert_eq(NEV("kind=%d AND obj=%lld AND a=1 AND b=1", EV_CTX_CANCEL, child), 1);

    /* timers: start (duration, chan, ticker flag), fire by the runtime, stop */
    long long tm = EV1("obj", "kind=%d AND c=0", EV_TIMER_START);
    cr_assert_eq(EV1("a", "kind=%d AND obj=%lld", EV_TIMER_START, tm), 2 * MILLISECOND);
    cr_assert_eq(tt_qi(db, "SELECT type FROM objects WHERE id=%lld", tm), OBJ_TIMER);
    long long tch = EV1("b", "kind=%d AND obj=%lld", EV_TIMER_START, tm);
    cr_assert_eq(tt_qi(db, "SELECT type FROM objects WHERE id=%lld", tch), OBJ_CHAN);
    cr_assert_eq(NEV("kind=%d AND obj=%lld AND a=1 AND g=0", EV_TIMER_FIRE, tm), 1);
    cr_assert_eq(NEV("kind=%d AND obj=%lld AND a=0", EV_TIMER_STOP, tm), 1);
    long long tk = EV1("obj", "kind=%d AND c=1", EV_TIMER_START);
    cr_assert_eq(tt_qi(db, "SELECT a FROM objects WHERE id=%lld", tk), 1, "a ticker");
    cr_assert_eq(NEV("kind=%d AND obj=%lld AND a=1", EV_TIMER_STOP, tk), 1);
    /* the timer's send into its channel is the runtime's (g 0) */
    cr_assert_eq(NEV("kind=%d AND obj=%lld AND g=0", EV_CHAN_SEND, tch), 1);

    /* sleep: go_sleep(duration) then go_block(sleep) */
    cr_assert_eq(NEV("kind=%d AND g=1 AND a=%lld", EV_GO_SLEEP, (long long)(20 * MILLISECOND)), 1);
    long long sleeps = NEV("kind=%d AND g=1", EV_GO_SLEEP); /* + wait_parked's polls */
    cr_assert_eq(NEV("kind=%d AND g=1 AND a=%d", EV_GO_BLOCK, BLOCK_SLEEP), sleeps);

    /* shared variable */
    long long x = EV1("obj", "kind=%d", EV_VAR_WRITE);
    cr_assert_str_eq(tt_qs(db, "SELECT name FROM objects WHERE id=%lld", x), "shared_x");
    cr_assert_eq(tt_qi(db, "SELECT type FROM objects WHERE id=%lld", x), OBJ_VAR);
    cr_assert_eq(NEV("kind=%d AND obj=%lld", EV_VAR_READ, x), 1);

    /* log: text and this file's site */
    long long lg = EV1("seq", "kind=%d", EV_LOG);
    cr_assert_str_eq(tt_qs(db, "SELECT s FROM events WHERE seq=%lld", lg), "step 3 of script");
    cr_assert(strstr(tt_qs(db, "SELECT file FROM sites s JOIN events e ON e.site=s.id WHERE "
                               "e.seq=%lld", lg),
                     "test_rt_trace_kinds.c"));

    /* misuse: the copied mutex */
    cr_assert_eq(NEV("kind=%d AND a=%d", EV_MISUSE, MISUSE_LOCK_COPIED), 1);

    /* program end */
    cr_assert_eq(EV1("kind", "seq=%lld", n), EV_PROGRAM_END);
    cr_assert_str_eq(tt_qs(db, "SELECT s FROM events WHERE seq=%lld", n), "exit");

    /* every kind the program can emit short of ending abnormally */
    static const int expected[] = {
        EV_GO_CREATE, EV_GO_START, EV_GO_BLOCK, EV_GO_UNBLOCK, EV_GO_END, EV_GO_SLEEP,
        EV_CHAN_MAKE, EV_CHAN_SEND_BEGIN, EV_CHAN_SEND, EV_CHAN_RECV_BEGIN, EV_CHAN_RECV,
        EV_CHAN_CLOSE, EV_SELECT_BEGIN, EV_SELECT_END, EV_MUTEX_WAIT, EV_MUTEX_ACQUIRE,
        EV_MUTEX_RELEASE, EV_RW_RWAIT, EV_RW_RACQUIRE, EV_RW_RRELEASE, EV_WG_ADD, EV_WG_WAIT,
        EV_WG_WAIT_DONE, EV_ONCE_BEGIN, EV_ONCE_END, EV_COND_WAIT, EV_COND_SIGNAL,
        EV_COND_BROADCAST, EV_ATOMIC, EV_SEM_ACQUIRE, EV_SEM_RELEASE, EV_CTX_CREATE,
        EV_CTX_CANCEL, EV_TIMER_START, EV_TIMER_FIRE, EV_TIMER_STOP, EV_VAR_READ, EV_VAR_WRITE,
        EV_LOG, EV_PROGRAM_END, EV_MISUSE};
    for (size_t i = 0; i < sizeof expected / sizeof *expected; i++)
        cr_expect_gt(NEV("kind=%d", expected[i]), 0, "no event of kind %s",
                     tt_qs(db, "SELECT name FROM event_kinds WHERE id=%d", expected[i]));
    /* and nothing the documentation does not name */
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM events WHERE kind NOT IN "
                           "(SELECT id FROM event_kinds)"),
                 0);
    sqlite3_close(db);
}
