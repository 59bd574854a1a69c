/*
 * test_rt_sync_trace.c — what the sync, context and time primitives record:
 * the right events, and seq order that respects causality (release n before
 * acquire n+1, the wg_add that reaches zero before wg_wait_done, a cancel
 * before its Done channel's close, a timer's send before the receive).
 * Each test traces its own process (Criterion runs every test in a fresh
 * child), finishes the trace and queries it.
 */
#include "test_rt_trace_util.h"

#include "chanscope.h"
#include "trace_hooks.h"

static sqlite3 *finish_and_open(const char *path) {
    cs_trace_finish("exit", 0);
    sqlite3 *db = tt_open(path);
    tt_check_complete(db);
    return db;
}

static mutex_t mu = MUTEX_INIT;
static waitgroup_t wg = WAITGROUP_INIT;
static long guarded;

static void locker(void *arg) {
    long n = (long)(intptr_t)arg;
    for (long i = 0; i < n; i++) {
        mutex_lock(&mu);
        guarded++;
        go_yield();
        mutex_unlock(&mu);
    }
    wg_done(&wg);
}

Test(sync_trace, mutex_release_precedes_next_acquire, .timeout = 60) {
    const char *path = tt_path("mutex.db");
    tt_start(path);
    long per = TT_SCALE(300);
    mutex_set_name(&mu, "mu");
    wg_add(&wg, 3);
    for (int i = 0; i < 3; i++) go(locker, (void *)(intptr_t)per);
    wg_wait(&wg);
    long long id = atomic_load(&mu.id);
    sqlite3 *db = finish_and_open(path);
    cr_assert_str_eq(tt_qs(db, "SELECT name FROM objects WHERE id=%lld", id), "mu");
    cr_assert_eq(tt_qi(db, "SELECT type FROM objects WHERE id=%lld", id), OBJ_MUTEX);
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM events WHERE obj=%lld AND kind=%d", id,
                       EV_MUTEX_ACQUIRE),
                 3 * per);
    /* Strict alternation acquire/release, each release by the acquirer. */
    cr_assert_eq(tt_qi(db,
                       "SELECT count(*) FROM (SELECT kind, g, lag(kind) OVER w AS pk, "
                       "lag(g) OVER w AS pg FROM events WHERE obj=%lld AND kind IN (%d,%d) "
                       "WINDOW w AS (ORDER BY seq)) WHERE pk IS NOT NULL AND "
                       "(pk = kind OR (kind = %d AND pg != g))",
                       id, EV_MUTEX_ACQUIRE, EV_MUTEX_RELEASE, EV_MUTEX_RELEASE),
                 0);
    /* A goroutine that blocked on mu shows go_block(lock) then go_unblock. */
    cr_assert_eq(tt_qi(db,
                       "SELECT count(*) FROM events b WHERE b.kind=%d AND b.obj=%lld AND b.a=%d "
                       "AND NOT EXISTS (SELECT 1 FROM events u WHERE u.g=b.g AND u.kind=%d "
                       "AND u.seq > b.seq)",
                       EV_GO_BLOCK, id, BLOCK_LOCK, EV_GO_UNBLOCK),
                 0);
    sqlite3_close(db);
}

static void finisher(void *arg) {
    time_sleep((duration_t)(intptr_t)arg * MILLISECOND);
    wg_done(&wg);
}

Test(sync_trace, wg_zero_precedes_wait_done, .timeout = 30) {
    const char *path = tt_path("wg.db");
    tt_start(path);
    wg_add(&wg, 4);
    for (int i = 0; i < 4; i++) go(finisher, (void *)(intptr_t)(50 + 10 * i));
    wg_wait(&wg);
    long long id = atomic_load(&wg.id);
    sqlite3 *db = finish_and_open(path);
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM events WHERE obj=%lld AND kind=%d", id, EV_WG_ADD),
                 5);
    long long at_wait = tt_qi(db, "SELECT a FROM events WHERE obj=%lld AND kind=%d", id, EV_WG_WAIT);
    cr_assert(at_wait >= 1 && at_wait <= 4, "counter at wait: %lld", at_wait);
    long long zero = tt_qi(db, "SELECT seq FROM events WHERE obj=%lld AND kind=%d AND b=0", id,
                           EV_WG_ADD);
    long long done = tt_qi(db, "SELECT seq FROM events WHERE obj=%lld AND kind=%d", id,
                           EV_WG_WAIT_DONE);
    cr_assert_lt(zero, done);
    cr_assert_eq(tt_qi(db, "SELECT a FROM events WHERE g=1 AND kind=%d AND obj=%lld", EV_GO_BLOCK,
                       id),
                 BLOCK_WG_WAIT);
    sqlite3_close(db);
}

Test(sync_trace, context_cancel_and_timer_events, .timeout = 30) {
    const char *path = tt_path("ctx.db");
    tt_start(path);
    ctx_t *parent = ctx_with_timeout(ctx_background(), 10 * MILLISECOND, NULL);
    ctx_t *val = ctx_with_value(parent, "k", "v");
    ctx_t *child = ctx_with_cancel(val, NULL);
    chan_recv(ctx_done(child), NULL);
    time_sleep(2 * MILLISECOND);
    sqlite3 *db = finish_and_open(path);
    /* background, timeout, value, cancel */
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM events WHERE kind=%d", EV_CTX_CREATE), 4);
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM objects WHERE type=%d", OBJ_CONTEXT), 4);
    long long pid = tt_qi(db, "SELECT obj FROM events WHERE kind=%d AND b=2", EV_CTX_CREATE);
    long long pdone = tt_qi(db, "SELECT c FROM events WHERE kind=%d AND b=2", EV_CTX_CREATE);
    long long cid = tt_qi(db, "SELECT obj FROM events WHERE kind=%d AND b=1", EV_CTX_CREATE);
    long long vid = tt_qi(db, "SELECT obj FROM events WHERE kind=%d AND b=4", EV_CTX_CREATE);
    cr_assert_eq(tt_qi(db, "SELECT a FROM events WHERE kind=%d AND obj=%lld", EV_CTX_CREATE, cid),
                 vid, "the cancel context's parent is the value context");
    /* The deadline fired on the timer thread (g 0); the child inherited it. */
    cr_assert_eq(tt_qi(db, "SELECT a * 10 + b FROM events WHERE kind=%d AND obj=%lld AND g=0",
                       EV_CTX_CANCEL, pid),
                 20);
    cr_assert_eq(tt_qi(db, "SELECT a * 10 + b FROM events WHERE kind=%d AND obj=%lld",
                       EV_CTX_CANCEL, cid),
                 21);
    cr_assert_lt(tt_qi(db, "SELECT seq FROM events WHERE kind=%d AND obj=%lld", EV_CTX_CANCEL, pid),
                 tt_qi(db, "SELECT seq FROM events WHERE kind=%d AND obj=%lld", EV_CHAN_CLOSE,
                       pdone));
    /* Sleeping: go_sleep, go_block(sleep), go_unblock. */
    cr_assert_eq(tt_qi(db, "SELECT a FROM events WHERE kind=%d AND g=1", EV_GO_SLEEP),
                 2 * MILLISECOND);
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM events WHERE kind=%d AND g=1 AND a=%d",
                       EV_GO_BLOCK, BLOCK_SLEEP),
                 1);
    sqlite3_close(db);
}

Test(sync_trace, timer_send_precedes_receive, .timeout = 30) {
    const char *path = tt_path("timer.db");
    tt_start(path);
    chan_t *c = time_after(5 * MILLISECOND);
    chan_recv(c, NULL);
    long long ch = chan_id(c);
    sqlite3 *db = finish_and_open(path);
    long long tid = tt_qi(db, "SELECT obj FROM events WHERE kind=%d AND b=%lld", EV_TIMER_START, ch);
    cr_assert_eq(tt_qi(db, "SELECT type FROM objects WHERE id=%lld", tid), OBJ_TIMER);
    cr_assert_eq(tt_qi(db, "SELECT a FROM events WHERE kind=%d AND obj=%lld", EV_TIMER_START, tid),
                 5 * MILLISECOND);
    cr_assert_eq(tt_qi(db, "SELECT a FROM events WHERE kind=%d AND obj=%lld AND g=0",
                       EV_TIMER_FIRE, tid),
                 1);
    long long send = tt_qi(db, "SELECT seq FROM events WHERE kind=%d AND obj=%lld AND g=0",
                           EV_CHAN_SEND, ch);
    long long recv = tt_qi(db, "SELECT seq FROM events WHERE kind=%d AND obj=%lld AND g=1",
                           EV_CHAN_RECV, ch);
    cr_assert_lt(send, recv);
    sqlite3_close(db);
}

static once_t once = ONCE_INIT;
static void noop(void *arg) { (void)arg; }
static void call_once(void *arg) {
    (void)arg;
    once_do(&once, noop, NULL);
    wg_done(&wg);
}

Test(sync_trace, once_shared_vars_atomics_and_copies, .timeout = 30) {
    const char *path = tt_path("misc.db");
    tt_start(path);
    wg_add(&wg, 4);
    for (int i = 0; i < 4; i++) go(call_once, NULL);
    wg_wait(&wg);

    static int counter;
    for (int i = 0; i < 3; i++) {
        SHARED_READ(counter);
        SHARED_WRITE(counter);
        counter++;
    }
    atomic_i64 a = ATOMIC_I64_INIT;
    atomic_i64_add(&a, 5);
    atomic_i64_cas(&a, 1, 2);
    atomic_i64_store(&a, 9);
    atomic_i64_load(&a);

    mutex_t m1 = MUTEX_INIT;
    mutex_lock(&m1);
    mutex_unlock(&m1);
    mutex_t m2 = m1;
    mutex_lock(&m2);
    mutex_unlock(&m2);
    long long m1id = atomic_load(&m1.id), m2id = atomic_load(&m2.id);

    long long oid = atomic_load(&once.id);
    sqlite3 *db = finish_and_open(path);
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM events WHERE kind=%d AND obj=%lld", EV_ONCE_BEGIN,
                       oid),
                 1);
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM events WHERE kind=%d AND obj=%lld AND a=1",
                       EV_ONCE_END, oid),
                 1);
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM events WHERE kind=%d AND obj=%lld AND a=0",
                       EV_ONCE_END, oid),
                 3);
    long long var = tt_qi(db, "SELECT id FROM objects WHERE type=%d AND name='counter'", OBJ_VAR);
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM events WHERE kind=%d AND obj=%lld", EV_VAR_WRITE,
                       var),
                 3);
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM events WHERE kind=%d AND obj=%lld", EV_VAR_READ,
                       var),
                 3);
    cr_assert_str_eq(tt_qs(db, "SELECT group_concat(a || ':' || b, ' ') FROM "
                               "(SELECT a, b FROM events WHERE kind=%d ORDER BY seq)",
                           EV_ATOMIC),
                     "2:5 4:5 1:9 0:9");
    cr_assert_neq(m1id, m2id, "a copy is a lock of its own");
    cr_assert_eq(tt_qi(db, "SELECT b FROM events WHERE kind=%d AND a=%d AND obj=%lld", EV_MISUSE,
                       MISUSE_LOCK_COPIED, m2id),
                 m1id);
    sqlite3_close(db);
}

Test(sync_trace, rwmutex_and_semaphore_events, .timeout = 30) {
    const char *path = tt_path("rw.db");
    tt_start(path);
    rwmutex_t rw = RWMUTEX_INIT;
    rwmutex_rlock(&rw);
    rwmutex_rlock(&rw);
    rwmutex_runlock(&rw);
    rwmutex_runlock(&rw);
    rwmutex_lock(&rw);
    rwmutex_unlock(&rw);
    semaphore_t *s = semaphore_new(2);
    semaphore_acquire(s, NULL, 2);
    semaphore_try_acquire(s, 1);
    semaphore_release(s, 2);
    long long rid = atomic_load(&rw.id);
    sqlite3 *db = finish_and_open(path);
    cr_assert_str_eq(tt_qs(db, "SELECT group_concat(kind || ':' || a, ' ') FROM "
                               "(SELECT kind, a FROM events WHERE obj=%lld AND kind BETWEEN 20 AND 25 ORDER BY seq)",
                           rid),
                     "24:1 24:2 25:1 25:0 21:0 22:0");
    cr_assert_str_eq(tt_qs(db, "SELECT group_concat(kind || ':' || a || ':' || b, ' ') FROM "
                               "(SELECT kind, a, b FROM events WHERE kind IN (%d,%d) ORDER BY seq)",
                           EV_SEM_ACQUIRE, EV_SEM_RELEASE),
                     "35:2:1 35:1:0 36:2:0");
    sqlite3_close(db);
}
