/*
 * mutex.c — sync.Mutex, with Go's two modes.
 *
 * state: 0 unlocked, 1 locked, 2 locked and goroutines may be queued (the
 * classic three-state futex mutex; the queue is a cs_waitq).
 *
 * Normal mode (barging, like Go's normal mode): Unlock sets the state to 0
 * and wakes the first queued goroutine, which then competes for the lock
 * with goroutines arriving right now; one that loses goes back to the
 * FRONT of the queue.  This keeps the lock busy: a running goroutine does
 * not wait for a sleeping one to wake up.
 *
 * Starvation mode (hand-off, like Go's): a woken goroutine that has waited
 * more than 1 ms for the lock sets q's STARVING word.  From then on Unlock
 * does not release the lock but hands it directly to the first queued
 * goroutine (the state stays locked), strictly FIFO, until the queue is
 * empty or a goroutine handed the lock had waited less than 1 ms itself
 * (Go's two ways out).  No goroutine waits unboundedly.
 *
 * No lost wake-ups: a goroutine parks only after seeing state == 2 under
 * q->lock, and an Unlock that finds state 2 takes q->lock to set the state
 * and pop a waiter, so either the parker sees the new state or the
 * unlocker sees the parker.
 *
 * Events: mutex_acquire is emitted once the lock is ours and mutex_release
 * before it is given up, so release n always precedes acquire n+1 in seq.
 */
#include "det.h"
#include "scheduler.h"
#include "sync_internal.h"
#include "trace_hooks.h"

#define MUTEX_SPIN 30 /* pauses per spin round (Go's active_spin_cnt) */
#define STARVATION_NS 1000000 /* Go's starvationThresholdNs */
#define STARVING 0            /* cs_waitq_aux() word, under q->lock */

enum { WOKEN_RETRY = 0, WOKEN_OWNER = 1 };

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static inline bool try_fast(mutex_t *m) {
    int32_t expect = 0;
    return atomic_compare_exchange_strong_explicit(&m->state, &expect, 1, memory_order_acquire,
                                                   memory_order_relaxed);
}

static inline int64_t mutex_obj(mutex_t *m, const char *what, cs_site site) {
    cs_sync_home(&m->self, m, &m->id, &m->q, OBJ_MUTEX, m->name, what, site);
    return cs_lazy_id(&m->id, OBJ_MUTEX, m->name, site);
}

/* Take m, blocking with `reason` on object `block_obj`.  When `traced`,
 * emit the mutex's own events (Once uses its inner mutex untraced). */
static void lock_impl(mutex_t *m, int64_t id, int reason, int64_t block_obj, bool traced,
                      cs_site site) {
    if (try_fast(m)) goto acquired;
    /* Spin only while the holder can be running on another thread and
     * nothing else waits for ours (cs_can_spin: Go's sync_runtime_canSpin). */
    for (int i = 0; cs_can_spin(i); i++) {
        for (int k = 0; k < MUTEX_SPIN; k++) {
            cpu_relax();
            if (atomic_load_explicit(&m->state, memory_order_relaxed) == 0 && try_fast(m))
                goto acquired;
        }
    }
    if (traced) CS_EV(EV_MUTEX_WAIT, id, 0, 0, 0, 0, site);
    cs_waitq *q = cs_waitq_get(&m->q);
    int64_t since = 0;
    bool woken = false;
    for (;;) {
        pthread_mutex_lock(&q->lock);
        /* Mark "maybe queued" so the holder's unlock comes through q->lock;
         * if the lock was free we have it.  (In starvation mode it is free
         * only in the moment before the first hand-off.) */
        if (atomic_exchange_explicit(&m->state, 2, memory_order_acquire) == 0) {
            pthread_mutex_unlock(&q->lock);
            goto acquired;
        }
        if (!since) since = cs_nanotime();
        cs_waiter w = {0};
        cs_waitq_park_at(q, &w, woken, reason, block_obj, site);
        if (w.result == WOKEN_OWNER) {
            atomic_thread_fence(memory_order_acquire);
            /* Handed the lock: leave starvation mode unless we waited long
             * ourselves (Go: "it waited for less than 1 ms"); otherwise
             * every unlock would keep handing off, one park per lock. */
            if (cs_nanotime() - since <= STARVATION_NS) {
                pthread_mutex_lock(&q->lock);
                cs_waitq_aux(q)[STARVING] = 0;
                pthread_mutex_unlock(&q->lock);
            }
            goto acquired;
        }
        woken = true;
        if (cs_nanotime() - since > STARVATION_NS) {
            pthread_mutex_lock(&q->lock);
            cs_waitq_aux(q)[STARVING] = 1;
            pthread_mutex_unlock(&q->lock);
        }
    }
acquired:
    atomic_store_explicit(&m->holder, cs_getg()->id, memory_order_relaxed);
    if (traced) CS_EV(EV_MUTEX_ACQUIRE, id, 0, 0, 0, 0, site);
}

static void unlock_impl(mutex_t *m, int64_t id, bool traced, cs_site site) {
    if (atomic_load_explicit(&m->state, memory_order_relaxed) == 0)
        cs_fatal_misuse(site, MISUSE_UNLOCK_UNLOCKED, id, "sync: unlock of unlocked mutex");
    if (traced) CS_EV(EV_MUTEX_RELEASE, id, 0, 0, 0, 0, site);
    atomic_store_explicit(&m->holder, 0, memory_order_relaxed);
    int32_t one = 1;
    if (atomic_compare_exchange_strong_explicit(&m->state, &one, 0, memory_order_release,
                                                memory_order_relaxed))
        return;
    if (one == 0)
        cs_fatal_misuse(site, MISUSE_UNLOCK_UNLOCKED, id, "sync: unlock of unlocked mutex");
    /* state 2: someone may be queued. */
    cs_waitq *q = cs_waitq_get(&m->q);
    pthread_mutex_lock(&q->lock);
    cs_waiter *w = cs_waitq_pop(q);
    if (w && cs_waitq_aux(q)[STARVING]) {
        /* Hand-off: the lock stays locked and becomes w's. */
        w->result = WOKEN_OWNER;
        if (!q->head) cs_waitq_aux(q)[STARVING] = 0;
        atomic_store_explicit(&m->state, q->head ? 2 : 1, memory_order_release);
    } else {
        if (w) w->result = WOKEN_RETRY;
        atomic_store_explicit(&m->state, 0, memory_order_release);
    }
    cs_g *next = w ? w->g : NULL; /* w lives on the waiter's stack: read before ready */
    pthread_mutex_unlock(&q->lock);
    if (next) cs_ready(next, cs_getg());
}

/* The fast paths (Go's Lock/Unlock: one CAS when uncontended).  Every
 * check of the slow path still holds, moved off the fast path:
 *   - copy check and lazy id: m->self == m and m->id != 0 say both were
 *     done at an earlier call at this very address (the first lock or
 *     unlock takes the slow path, which homes the object and assigns its
 *     id; a copy has another address, so it takes the slow path too).
 *     Both words share the cache line of m->state.
 *   - tracing: with a trace, the slow path emits the events, in order.
 *   - unlock of an unlocked mutex: the CAS 1 -> 0 fails and the slow path
 *     reports it.
 *   - preemption (sysmon took our P): cs_enter in Lock, one compare. */
static inline bool fast_ok(mutex_t *m) {
    return !CS_TRACING() && atomic_load_explicit(&m->self, memory_order_relaxed) == (void *)m &&
           atomic_load_explicit(&m->id, memory_order_relaxed) != 0;
}

__attribute__((noinline)) static void lock_slow(mutex_t *m, cs_site site) {
    int64_t id = mutex_obj(m, "sync.Mutex", site);
    lock_impl(m, id, BLOCK_LOCK, id, true, site);
}

__attribute__((noinline)) static void unlock_slow(mutex_t *m, cs_site site) {
    int64_t id = mutex_obj(m, "sync.Mutex", site);
    unlock_impl(m, id, true, site);
}

void cs_mutex_lock(mutex_t *m, cs_site site) {
    cs_g *g = cs_enter();
    if (__builtin_expect(fast_ok(m), 1) && try_fast(m)) {
        atomic_store_explicit(&m->holder, g->id, memory_order_relaxed);
        return;
    }
    lock_slow(m, site);
}

void cs_mutex_unlock(mutex_t *m, cs_site site) {
    /* A scheduling point in deterministic mode; not a preemption point
     * otherwise (neither is Go's Unlock): the next lock or channel
     * operation notices a P that sysmon took. */
    CS_DET_POINT();
    if (__builtin_expect(fast_ok(m), 1)) {
        int32_t one = 1;
        atomic_store_explicit(&m->holder, 0, memory_order_relaxed);
        if (atomic_compare_exchange_strong_explicit(&m->state, &one, 0, memory_order_release,
                                                    memory_order_relaxed))
            return;
    }
    unlock_slow(m, site);
}

bool cs_mutex_trylock(mutex_t *m, cs_site site) {
    CS_DET_POINT();
    int64_t id = mutex_obj(m, "sync.Mutex", site);
    if (!try_fast(m)) return false;
    atomic_store_explicit(&m->holder, cs_getg()->id, memory_order_relaxed);
    CS_EV(EV_MUTEX_ACQUIRE, id, 0, 0, 0, 0, site);
    return true;
}

void mutex_set_name(mutex_t *m, const char *name) { m->name = name; }

void cs_mutex_lock_as(mutex_t *m, int reason, int64_t block_obj, cs_site site) {
    mutex_obj(m, "sync.Once", site);
    lock_impl(m, 0, reason, block_obj, false, site);
}

void cs_mutex_unlock_quiet(mutex_t *m, cs_site site) {
    mutex_obj(m, "sync.Once", site);
    unlock_impl(m, 0, false, site);
}
