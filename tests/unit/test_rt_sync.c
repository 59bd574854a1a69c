/*
 * test_rt_sync.c — sync.Mutex, RWMutex, WaitGroup, Once, Cond and atomics,
 * modelled on Go's sync tests: mutual exclusion under contention, writer
 * preference, the misuse panics and the deadlocks they lead to.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "chanscope.h"
#include "helpers.h"
#include "rt_test_util.h"
#include "scheduler.h"


/* Goroutines parked on a sync object's wait queue (0 before first use). */
static int parked_on(struct cs_waitq **qp) {
    cs_waitq *q = __atomic_load_n(qp, __ATOMIC_ACQUIRE);
    if (!q) return 0;
    int n = 0;
    pthread_mutex_lock(&q->lock);
    for (cs_waiter *w = q->head; w; w = w->next) n++;
    pthread_mutex_unlock(&q->lock);
    return n;
}

/* Wait (polling) until `n` goroutines are parked on *qp; fails after 5 s. */
static void await_parked(struct cs_waitq **qp, int n) {
    for (int i = 0; i < 5000 && parked_on(qp) < n; i++) time_sleep(MILLISECOND);
    cr_assert_geq(parked_on(qp), n, "expected %d parked goroutines", n);
}

/* ---- Mutex ------------------------------------------------------------------ */

static mutex_t mu = MUTEX_INIT;
static long plain_counter;  /* protected by mu */
static atomic_i64 inside;   /* goroutines inside the critical section */
static atomic_i64 overlaps; /* times someone found another inside */
static waitgroup_t wg = WAITGROUP_INIT;

static void hammer(void *arg) {
    long n = (long)(intptr_t)arg;
    for (long i = 0; i < n; i++) {
        mutex_lock(&mu);
        if (atomic_i64_add(&inside, 1) != 1) atomic_i64_add(&overlaps, 1);
        plain_counter++;
        if (i % 64 == 0) go_yield();
        atomic_i64_add(&inside, -1);
        mutex_unlock(&mu);
    }
    wg_done(&wg);
}

Test(mutex, mutual_exclusion_under_contention, .timeout = 30) {
    long per = SCALE(20000);
    for (int i = 0; i < 4; i++) {
        wg_add(&wg, 1);
        go(hammer, (void *)(intptr_t)per);
    }
    wg_wait(&wg);
    cr_assert_eq(plain_counter, 4 * per);
    cr_assert_eq(atomic_i64_load(&overlaps), 0);
}

Test(mutex, trylock, .timeout = 10) {
    mutex_t m = MUTEX_INIT;
    cr_assert(mutex_trylock(&m));
    cr_assert_not(mutex_trylock(&m));
    mutex_unlock(&m);
    cr_assert(mutex_trylock(&m));
    mutex_unlock(&m);
}

static mutex_t fifo_mu = MUTEX_INIT;
static chan_t *order;
static void take_in_turn(void *arg) {
    mutex_lock(&fifo_mu);
    int who = (int)(intptr_t)arg;
    chan_send(order, &who);
    mutex_unlock(&fifo_mu);
}

/* Parked goroutines are woken in arrival order (nobody barges here). */
Test(mutex, waiters_are_served_in_arrival_order, .timeout = 20) {
    order = chan_make(int, 8);
    mutex_lock(&fifo_mu);
    for (int i = 0; i < 5; i++) {
        go(take_in_turn, (void *)(intptr_t)i);
        await_parked(&fifo_mu.q, i + 1);
    }
    mutex_unlock(&fifo_mu);
    for (int i = 0; i < 5; i++) {
        int who;
        chan_recv(order, &who);
        cr_assert_eq(who, i);
    }
}

/* Starvation mode: a goroutine that has waited more than 1 ms and then lost
 * the race once (to a barging Lock right after Unlock) is handed the lock
 * directly by the next Unlock: a Lock right after that Unlock queues behind
 * it instead of barging again. */
static mutex_t fair_mu = MUTEX_INIT;
static chan_t *fair_done;
static void starved(void *arg) {
    (void)arg;
    mutex_lock(&fair_mu);
    chan_send_v(fair_done, int, 1); /* while holding the lock */
    mutex_unlock(&fair_mu);
}

Test(mutex, starving_waiter_is_handed_the_lock, .timeout = 30) {
    fair_done = chan_make(int, 1);
    for (int attempt = 0; attempt < 50; attempt++) {
        mutex_lock(&fair_mu);
        go(starved, NULL);
        await_parked(&fair_mu.q, 1);
        time_sleep(3 * MILLISECOND);
        mutex_unlock(&fair_mu); /* normal mode: released, the waiter woken */
        bool barged = mutex_trylock(&fair_mu);
        if (!barged || chan_len(fair_done) > 0) { /* it won this time; again */
            if (barged) mutex_unlock(&fair_mu);
            chan_recv(fair_done, NULL);
            continue;
        }
        await_parked(&fair_mu.q, 1); /* it lost, waited > 1 ms, and queued again */
        mutex_unlock(&fair_mu);       /* starvation mode: handed to it */
        mutex_lock(&fair_mu);
        cr_assert_eq(chan_len(fair_done), 1, "the starved goroutine was not handed the lock");
        mutex_unlock(&fair_mu);
        chan_recv(fair_done, NULL);
        return;
    }
    cr_assert_fail("never managed to barge in 50 attempts");
}

static void unlock_unlocked(void) {
    mutex_t m = MUTEX_INIT;
    mutex_unlock(&m);
}

Test(mutex, unlock_of_unlocked_is_fatal, .timeout = 10) {
    child_result r;
    run_child(unlock_unlocked, 5000, &r);
    cr_assert(r.exited && r.status == 2, "status %d, output:\n%s", r.status, r.out);
    cr_assert(strstr(r.out, "fatal error: sync: unlock of unlocked mutex"), "%s", r.out);
    cr_assert(strstr(r.out, "goroutine 1 ["), "%s", r.out);
}

/* The same misuse once the mutex is warm (homed, with an id): Unlock's fast
 * path must not hide it (its CAS 1 -> 0 fails, the slow path reports). */
static void unlock_unlocked_after_use(void) {
    mutex_t m = MUTEX_INIT;
    for (int i = 0; i < 3; i++) {
        mutex_lock(&m);
        mutex_unlock(&m);
    }
    mutex_unlock(&m);
}

Test(mutex, unlock_of_unlocked_after_use_is_fatal, .timeout = 10) {
    child_result r;
    run_child(unlock_unlocked_after_use, 5000, &r);
    cr_assert(r.exited && r.status == 2, "status %d, output:\n%s", r.status, r.out);
    cr_assert(strstr(r.out, "fatal error: sync: unlock of unlocked mutex"), "%s", r.out);
}

/* A copy of a warm mutex is noticed at its first use too (the fast path
 * checks the address the mutex was homed at). */
static void copy_after_warm_use(void) {
    mutex_t a = MUTEX_INIT;
    for (int i = 0; i < 3; i++) {
        mutex_lock(&a);
        mutex_unlock(&a);
    }
    mutex_t b = a;
    mutex_lock(&b);
    mutex_unlock(&b);
    printf("ok\n");
}

Test(mutex, copy_of_a_warm_mutex_is_reported, .timeout = 10) {
    child_result r;
    run_child(copy_after_warm_use, 5000, &r);
    cr_assert(r.exited && r.status == 0, "status %d, output:\n%s", r.status, r.out);
    cr_assert(strstr(r.out, "sync.Mutex copied after first use"), "%s", r.out);
    cr_assert(strstr(r.out, "ok\n"), "%s", r.out);
}

static void lock_twice(void) {
    mutex_t m = MUTEX_INIT;
    mutex_lock(&m);
    mutex_lock(&m);
}

Test(mutex, relock_is_a_global_deadlock, .timeout = 10) {
    child_result r;
    run_child(lock_twice, 5000, &r);
    cr_assert(r.exited && r.status == 2, "status %d, output:\n%s", r.status, r.out);
    cr_assert(strstr(r.out, "fatal error: all goroutines are asleep - deadlock!"), "%s", r.out);
    cr_assert(strstr(r.out, "[sync.Mutex.Lock]"), "%s", r.out);
    cr_assert_lt(r.seconds, QUICK_EXIT_S);
}

static void copy_after_use(void) {
    mutex_t a = MUTEX_INIT;
    mutex_lock(&a);
    mutex_t b = a; /* copies a locked mutex: b is locked too, but separate */
    mutex_unlock(&b);
    cr_assert(mutex_trylock(&b)); /* b works on its own */
    cr_assert_not(mutex_trylock(&a)); /* a is still locked */
    mutex_unlock(&a);
    mutex_unlock(&b);
    printf("ok\n");
}

Test(mutex, copy_after_first_use_is_reported_once_and_is_separate, .timeout = 10) {
    child_result r;
    run_child(copy_after_use, 5000, &r);
    cr_assert(r.exited && r.status == 0, "status %d, output:\n%s", r.status, r.out);
    const char *w = strstr(r.out, "sync.Mutex copied after first use");
    cr_assert(w, "%s", r.out);
    cr_assert_null(strstr(w + 1, "sync.Mutex copied after first use"), "reported twice:\n%s",
                   r.out);
    cr_assert(strstr(r.out, "ok\n"), "%s", r.out);
}

/* ---- RWMutex ----------------------------------------------------------------- */

static rwmutex_t rw = RWMUTEX_INIT;
static chan_t *events; /* int: who did what, in order */

static void reader_reports(void *arg) {
    rwmutex_rlock(&rw);
    chan_send_v(events, int, (int)(intptr_t)arg);
    rwmutex_runlock(&rw);
}

Test(rwmutex, readers_share_the_lock, .timeout = 10) {
    events = chan_make(int, 4);
    rwmutex_rlock(&rw);
    go(reader_reports, (void *)1); /* must get in while we hold a read lock */
    int who;
    chan_recv(events, &who);
    cr_assert_eq(who, 1);
    rwmutex_runlock(&rw);
}

static int shared_value; /* written under the write lock */
static void writer(void *arg) {
    (void)arg;
    rwmutex_lock(&rw);
    shared_value = 42;
    chan_send_v(events, int, 100);
    rwmutex_unlock(&rw);
}

static int rw_writers_waiting(void) {
    cs_waitq *q = __atomic_load_n(&rw.q, __ATOMIC_ACQUIRE);
    if (!q) return 0;
    pthread_mutex_lock(&q->lock);
    int n = rw.writers_waiting;
    pthread_mutex_unlock(&q->lock);
    return n;
}

static int value_seen_by_reader = -1;
static void late_reader(void *arg) {
    (void)arg;
    rwmutex_rlock(&rw);
    value_seen_by_reader = shared_value;
    chan_send_v(events, int, 200);
    rwmutex_runlock(&rw);
}

/* Go's writer preference: a reader arriving while a writer waits queues
 * behind the writer, even though only readers hold the lock. */
Test(rwmutex, waiting_writer_blocks_new_readers, .timeout = 20) {
    events = chan_make(int, 4);
    rwmutex_rlock(&rw);
    go(writer, NULL);
    for (int i = 0; i < 5000 && rw_writers_waiting() == 0; i++) time_sleep(MILLISECOND);
    cr_assert_eq(rw_writers_waiting(), 1);
    go(late_reader, NULL);
    await_parked(&rw.q, 2); /* the writer and the late reader */
    cr_assert_eq(chan_len(events), 0);
    rwmutex_runlock(&rw);
    int first, second;
    chan_recv(events, &first);
    chan_recv(events, &second);
    cr_assert_eq(first, 100, "the writer must go first");
    cr_assert_eq(second, 200);
    cr_assert_eq(value_seen_by_reader, 42);
}

static rwmutex_t rrw = RWMUTEX_INIT;
static void rr_writer(void *arg) {
    (void)arg;
    rwmutex_lock(&rrw);
    rwmutex_unlock(&rrw);
}
static void recursive_read_lock(void) {
    rwmutex_rlock(&rrw);
    go(rr_writer, NULL);
    await_parked(&rrw.q, 1);
    rwmutex_rlock(&rrw); /* blocks behind the writer, which waits for us */
    printf("not reached\n");
}

Test(rwmutex, recursive_read_lock_deadlocks_like_go, .timeout = 10) {
    child_result r;
    run_child(recursive_read_lock, 5000, &r);
    cr_assert(r.exited && r.status == 2, "status %d, output:\n%s", r.status, r.out);
    cr_assert(strstr(r.out, "fatal error: all goroutines are asleep - deadlock!"), "%s", r.out);
    cr_assert(strstr(r.out, "goroutine 1 [sync.RWMutex.RLock]"), "%s", r.out);
    cr_assert(strstr(r.out, "rr_writer()"), "%s", r.out);
    cr_assert_null(strstr(r.out, "not reached"));
}

static void runlock_unlocked(void) {
    rwmutex_t m = RWMUTEX_INIT;
    rwmutex_runlock(&m);
}
static void unlock_unlocked_rw(void) {
    rwmutex_t m = RWMUTEX_INIT;
    rwmutex_rlock(&m);
    rwmutex_unlock(&m);
}

Test(rwmutex, misuse_is_fatal, .timeout = 10) {
    child_result r;
    run_child(runlock_unlocked, 5000, &r);
    cr_assert(r.exited && r.status == 2, "%s", r.out);
    cr_assert(strstr(r.out, "fatal error: sync: RUnlock of unlocked RWMutex"), "%s", r.out);
    run_child(unlock_unlocked_rw, 5000, &r);
    cr_assert(r.exited && r.status == 2, "%s", r.out);
    cr_assert(strstr(r.out, "fatal error: sync: Unlock of unlocked RWMutex"), "%s", r.out);
}

static rwmutex_t stress_rw = RWMUTEX_INIT;
static long stress_data[2]; /* invariant under the lock: equal */
static atomic_i64 torn;
static void rw_stress(void *arg) {
    long n = (long)(intptr_t)arg;
    for (long i = 0; i < n; i++) {
        if (i % 8 == 0) {
            rwmutex_lock(&stress_rw);
            stress_data[0]++;
            stress_data[1]++;
            rwmutex_unlock(&stress_rw);
        } else {
            rwmutex_rlock(&stress_rw);
            if (stress_data[0] != stress_data[1]) atomic_i64_add(&torn, 1);
            rwmutex_runlock(&stress_rw);
        }
    }
    wg_done(&wg);
}

Test(rwmutex, readers_and_writers_under_contention, .timeout = 30) {
    long per = SCALE(8000);
    for (int i = 0; i < 4; i++) {
        wg_add(&wg, 1);
        go(rw_stress, (void *)(intptr_t)per);
    }
    wg_wait(&wg);
    cr_assert_eq(atomic_i64_load(&torn), 0);
    cr_assert_eq(stress_data[0], 4 * ((per + 7) / 8));
}

/* ---- WaitGroup ----------------------------------------------------------------- */

static atomic_i64 finished;
static void finish_after(void *arg) {
    time_sleep((duration_t)(intptr_t)arg * MILLISECOND);
    atomic_i64_add(&finished, 1);
    wg_done(&wg);
}
static chan_t *waiters_done;
static void wait_then_report(void *arg) {
    (void)arg;
    wg_wait(&wg);
    chan_send_v(waiters_done, int64_t, atomic_i64_load(&finished));
}

Test(waitgroup, wait_returns_after_every_done_for_every_waiter, .timeout = 20) {
    waiters_done = chan_make(int64_t, 3);
    wg_add(&wg, 4);
    for (int i = 0; i < 3; i++) go(wait_then_report, NULL);
    for (int i = 0; i < 4; i++) go(finish_after, (void *)(intptr_t)(5 * i));
    wg_wait(&wg);
    cr_assert_eq(atomic_i64_load(&finished), 4);
    for (int i = 0; i < 3; i++) {
        int64_t seen;
        chan_recv(waiters_done, &seen);
        cr_assert_eq(seen, 4);
    }
    wg_wait(&wg); /* zero counter: returns at once */
}

static void negative_wg(void) {
    waitgroup_t w = WAITGROUP_INIT;
    wg_add(&w, 1);
    wg_done(&w);
    wg_done(&w);
}

Test(waitgroup, negative_counter_panics, .timeout = 10) {
    child_result r;
    run_child(negative_wg, 5000, &r);
    cr_assert(r.exited && r.status == 2, "status %d, output:\n%s", r.status, r.out);
    cr_assert(strstr(r.out, "panic: sync: negative WaitGroup counter"), "%s", r.out);
}

/* A delta that would overflow the counter: Go's int32 counter wraps and
 * panics "negative WaitGroup counter"; ours is int64, and says overflow
 * (before the fix: signed overflow, undefined behaviour). */
static void overflow_wg(void) {
    waitgroup_t w = WAITGROUP_INIT;
    wg_add(&w, INT64_MAX);
    wg_add(&w, 1);
}

Test(waitgroup, counter_overflow_panics, .timeout = 10) {
    child_result r;
    run_child(overflow_wg, 5000, &r);
    cr_assert(r.exited && r.status == 2, "status %d, output:\n%s", r.status, r.out);
    cr_assert(strstr(r.out, "panic: sync: WaitGroup counter overflow"), "%s", r.out);
}

/* Go's "WaitGroup is reused before previous Wait has returned": Add right
 * after the Done that released a parked Wait, before that Wait returned.
 * The waiter sleeps in the kernel by then, so Add wins the race at once. */
static waitgroup_t reuse_wg = WAITGROUP_INIT;
static chan_t *reuse_back;
static void reuse_waiter(void *arg) {
    (void)arg;
    wg_wait(&reuse_wg);
    chan_send_v(reuse_back, int, 1);
}
static void reuse_before_wait_returned(void) {
    reuse_back = chan_make(int, 1);
    for (int i = 0; i < 100; i++) {
        wg_add(&reuse_wg, 1);
        go(reuse_waiter, NULL);
        await_parked(&reuse_wg.q, 1);
        time_sleep(5 * MILLISECOND);
        wg_done(&reuse_wg);
        wg_add(&reuse_wg, 1); /* the misuse */
        wg_done(&reuse_wg);
        chan_recv(reuse_back, NULL);
    }
    printf("never detected\n");
}

Test(waitgroup, reuse_before_wait_returned_panics, .timeout = 20) {
    child_result r;
    run_child(reuse_before_wait_returned, 15000, &r);
    cr_assert(r.exited && r.status == 2, "status %d, output:\n%s", r.status, r.out);
    cr_assert(strstr(r.out, "panic: sync: WaitGroup is reused before previous Wait has returned"),
              "%s", r.out);
}

static void wait_forever(void) {
    waitgroup_t w = WAITGROUP_INIT;
    wg_add(&w, 1);
    wg_wait(&w);
}

Test(waitgroup, missing_done_is_a_global_deadlock, .timeout = 10) {
    child_result r;
    run_child(wait_forever, 5000, &r);
    cr_assert(r.exited && r.status == 2, "%s", r.out);
    cr_assert(strstr(r.out, "goroutine 1 [sync.WaitGroup.Wait]"), "%s", r.out);
}

/* ---- Once ------------------------------------------------------------------------- */

static once_t once = ONCE_INIT;
static atomic_i64 once_runs;
static void once_body(void *arg) {
    (void)arg;
    time_sleep(20 * MILLISECOND); /* the others must wait for us */
    atomic_i64_add(&once_runs, 1);
}
static void call_once(void *arg) {
    (void)arg;
    once_do(&once, once_body, NULL);
    chan_send_v(events, int64_t, atomic_i64_load(&once_runs));
}

Test(once, runs_exactly_once_and_everyone_waits_for_it, .timeout = 20) {
    events = chan_make(int64_t, 8);
    for (int i = 0; i < 8; i++) go(call_once, NULL);
    for (int i = 0; i < 8; i++) {
        int64_t seen;
        chan_recv(events, &seen);
        cr_assert_eq(seen, 1, "a caller returned before the function finished");
    }
    once_do(&once, once_body, NULL);
    cr_assert_eq(atomic_i64_load(&once_runs), 1);
}

static atomic_i64 value_calls;
static void *make_value(void *arg) {
    atomic_i64_add(&value_calls, 1);
    return arg;
}

Test(once, once_value_computes_once, .timeout = 10) {
    once_value_t ov = ONCE_VALUE_INIT;
    int a, b;
    cr_assert_eq(once_value(&ov, make_value, &a), &a);
    cr_assert_eq(once_value(&ov, make_value, &b), &a);
    cr_assert_eq(atomic_i64_load(&value_calls), 1);
}

/* ---- Cond --------------------------------------------------------------------------- */

static mutex_t cmu = MUTEX_INIT;
static cond_t cv = COND_INIT(&cmu);
static int generation; /* under cmu */
static atomic_i64 woke;

static void cond_waiter(void *arg) {
    (void)arg;
    mutex_lock(&cmu);
    int gen = generation;
    while (generation == gen) cond_wait(&cv);
    mutex_unlock(&cmu);
    atomic_i64_add(&woke, 1);
    wg_done(&wg);
}

Test(cond, signal_wakes_one_broadcast_wakes_all, .timeout = 20) {
    wg_add(&wg, 3);
    for (int i = 0; i < 3; i++) go(cond_waiter, NULL);
    await_parked(&cv.q, 3);
    mutex_lock(&cmu);
    generation++;
    cond_signal(&cv);
    mutex_unlock(&cmu);
    for (int i = 0; i < 5000 && atomic_i64_load(&woke) < 1; i++) time_sleep(MILLISECOND);
    time_sleep(30 * MILLISECOND);
    cr_assert_eq(atomic_i64_load(&woke), 1, "signal must wake exactly one");
    cr_assert_eq(parked_on(&cv.q), 2);
    mutex_lock(&cmu);
    cond_broadcast(&cv);
    mutex_unlock(&cmu);
    wg_wait(&wg);
    cr_assert_eq(atomic_i64_load(&woke), 3);
}

static void cond_nobody_signals(void) {
    mutex_t m = MUTEX_INIT;
    cond_t c = COND_INIT(&m);
    mutex_lock(&m);
    cond_wait(&c);
}
static once_t nested_once = ONCE_INIT;
static void once_calls_itself(void *arg) {
    (void)arg;
    once_do(&nested_once, once_calls_itself, NULL);
}
static void recursive_once(void) { once_do(&nested_once, once_calls_itself, NULL); }

Test(cond, waiting_with_nobody_to_signal_is_a_deadlock, .timeout = 10) {
    child_result r;
    run_child(cond_nobody_signals, 5000, &r);
    cr_assert(r.exited && r.status == 2, "status %d, output:\n%s", r.status, r.out);
    cr_assert(strstr(r.out, "goroutine 1 [sync.Cond.Wait]"), "%s", r.out);
    run_child(recursive_once, 5000, &r); /* Go deadlocks here too */
    cr_assert(r.exited && r.status == 2, "status %d, output:\n%s", r.status, r.out);
    cr_assert(strstr(r.out, "goroutine 1 [sync.Once.Do]"), "%s", r.out);
}

/* Producer/consumer on a Cond: no wake-up is lost. */
static int queue_items, consumed; /* under cmu */
static void cond_consumer(void *arg) {
    long n = (long)(intptr_t)arg;
    for (long i = 0; i < n; i++) {
        mutex_lock(&cmu);
        while (queue_items == 0) cond_wait(&cv);
        queue_items--;
        consumed++;
        mutex_unlock(&cmu);
    }
    wg_done(&wg);
}

Test(cond, no_lost_wakeups, .timeout = 30) {
    long per = SCALE(5000);
    wg_add(&wg, 2);
    go(cond_consumer, (void *)(intptr_t)per);
    go(cond_consumer, (void *)(intptr_t)per);
    for (long i = 0; i < 2 * per; i++) {
        mutex_lock(&cmu);
        queue_items++;
        cond_signal(&cv);
        mutex_unlock(&cmu);
    }
    wg_wait(&wg);
    cr_assert_eq(consumed, 2 * per);
}

/* ---- atomics -------------------------------------------------------------------------- */

static atomic_i64 acount;
static void atomic_adder(void *arg) {
    long n = (long)(intptr_t)arg;
    for (long i = 0; i < n; i++) {
        int64_t v;
        do v = atomic_i64_load(&acount);
        while (!atomic_i64_cas(&acount, v, v + 1));
        atomic_i64_add(&acount, 1);
    }
    wg_done(&wg);
}

Test(atomic, add_load_store_cas, .timeout = 20) {
    long per = SCALE(10000);
    for (int i = 0; i < 4; i++) {
        wg_add(&wg, 1);
        go(atomic_adder, (void *)(intptr_t)per);
    }
    wg_wait(&wg);
    cr_assert_eq(atomic_i64_load(&acount), 8 * per);
    atomic_i64_store(&acount, 7);
    cr_assert_not(atomic_i64_cas(&acount, 6, 1));
    cr_assert(atomic_i64_cas(&acount, 7, 1));
    cr_assert_eq(atomic_i64_add(&acount, 2), 3);
}

/* ---- errors ---------------------------------------------------------------------------- */

Test(errors, new_errorf_is_msg, .timeout = 5) {
    err_t a = error_new("boom");
    err_t b = errorf("task %d: %s", 3, "failed");
    cr_assert_str_eq(err_msg(a), "boom");
    cr_assert_str_eq(err_msg(b), "task 3: failed");
    cr_assert_str_eq(err_msg(NULL), "<nil>");
    cr_assert(err_is(a, a));
    cr_assert_not(err_is(a, error_new("boom")), "errors compare by identity");
    cr_assert(err_is(NULL, NULL));
    cr_assert_not(err_is(NULL, a));
    cr_assert_str_eq(err_msg(ERR_CANCELED), "context canceled");
    cr_assert_str_eq(err_msg(ERR_DEADLINE_EXCEEDED), "context deadline exceeded");
}

/* Go: once.Do(nil) and sync.OnceValue(nil)() call a nil func: the run-time
 * panic "invalid memory address or nil pointer dereference" in the caller,
 * exit 2 (not a segmentation fault). */
static go_func nil_once_fn;
static once_value_func nil_value_fn;
static void once_do_nil(void) {
    once_t o = ONCE_INIT;
    once_do(&o, nil_once_fn, NULL);
    printf("once_do(nil) returned\n");
}
static void once_value_nil(void) {
    once_value_t ov = ONCE_VALUE_INIT;
    once_value(&ov, nil_value_fn, NULL);
    printf("once_value(nil) returned\n");
}

Test(once, nil_function_is_a_run_time_panic, .timeout = 10) {
    void (*progs[])(void) = {once_do_nil, once_value_nil};
    for (int i = 0; i < 2; i++) {
        child_result r;
        run_child(progs[i], 5000, &r);
        cr_assert(r.exited && r.status == 2, "exited=%d status=%d\n%s", r.exited, r.status, r.out);
        cr_assert(strstr(r.out, "panic: runtime error: invalid memory address or nil pointer "
                                "dereference\n\ngoroutine 1 [running]:\n"),
                  "%s", r.out);
        cr_assert(strstr(r.out, "test_rt_sync.c:"), "%s", r.out);
        cr_assert_null(strstr(r.out, "returned"), "%s", r.out);
    }
}
