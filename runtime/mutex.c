/*
 * mutex.c — sync.Mutex.
 *
 * state: 0 unlocked, 1 locked, 2 locked and (maybe) goroutines queued.
 * Invariant, kept under q->lock by the slow paths: state == 0 implies the
 * queue is empty.  So the lock-free fast path (CAS 0 -> 1) can never barge
 * past a queued goroutine.
 *
 * Choice: direct hand-off.  Unlock with waiters does not release the lock;
 * it hands it to the first queued goroutine (the state stays locked) and
 * readies it.  Waiters are served strictly FIFO — no starvation, which is
 * what Go's mutex falls back to in its "starvation mode" — and the trace
 * reads simply: release n, then acquire n+1 by the goroutine that waited
 * longest.  The price is throughput under heavy contention (every hand-off
 * waits for the next owner to wake); a short spin before queueing keeps
 * uncontended and briefly-held locks cheap.
 *
 * Events: mutex_acquire is emitted once the lock is ours and mutex_release
 * before it is given up, so release n always precedes acquire n+1 in seq.
 */
#include "scheduler.h"
#include "sync_internal.h"
#include "trace_hooks.h"

#define MUTEX_SPIN 40

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

static inline int64_t mutex_obj(mutex_t *m, cs_site site) {
    cs_sync_home(&m->self, m, &m->id, &m->q, OBJ_MUTEX, m->name, "sync.Mutex", site);
    return cs_lazy_id(&m->id, OBJ_MUTEX, m->name, site);
}

/* Take m, blocking with `reason` on object `block_obj`.  When `traced`,
 * emit the mutex's own events (Once uses its inner mutex untraced). */
static void lock_impl(mutex_t *m, int64_t id, int reason, int64_t block_obj, bool traced,
                      cs_site site) {
    if (try_fast(m)) goto acquired;
    for (int i = 0; i < MUTEX_SPIN; i++) {
        cpu_relax();
        if (atomic_load_explicit(&m->state, memory_order_relaxed) == 0 && try_fast(m))
            goto acquired;
    }
    if (traced) CS_EV(EV_MUTEX_WAIT, id, 0, 0, 0, 0, site);
    cs_waitq *q = cs_waitq_get(&m->q);
    pthread_mutex_lock(&q->lock);
    for (;;) {
        int32_t s = atomic_load_explicit(&m->state, memory_order_relaxed);
        if (s == 0) {
            if (try_fast(m)) {
                pthread_mutex_unlock(&q->lock);
                goto acquired;
            }
            continue;
        }
        if (s == 1 && !atomic_compare_exchange_strong_explicit(&m->state, &s, 2,
                                                               memory_order_relaxed,
                                                               memory_order_relaxed))
            continue;
        /* state is 2 and stays so while we are queued: the unlocker must
         * come through q->lock and will hand the lock to the head. */
        cs_waiter w = {0};
        cs_waitq_park(q, &w, reason, block_obj, site);
        /* Handed off: the lock is ours.  The acquire fence pairs with the
         * unlocker's release inside cs_ready. */
        atomic_thread_fence(memory_order_acquire);
        break;
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
    for (;;) {
        int32_t s = atomic_load_explicit(&m->state, memory_order_relaxed);
        if (s == 0)
            cs_fatal_misuse(site, MISUSE_UNLOCK_UNLOCKED, id, "sync: unlock of unlocked mutex");
        if (s == 2) break;
        if (atomic_compare_exchange_strong_explicit(&m->state, &s, 0, memory_order_release,
                                                    memory_order_relaxed))
            return;
    }
    cs_waitq *q = cs_waitq_get(&m->q);
    pthread_mutex_lock(&q->lock);
    cs_waiter *w = cs_waitq_pop(q);
    if (!w) { /* cannot happen while the invariant holds; stay safe */
        atomic_store_explicit(&m->state, 0, memory_order_release);
        pthread_mutex_unlock(&q->lock);
        return;
    }
    atomic_store_explicit(&m->state, q->head ? 2 : 1, memory_order_release);
    cs_g *next = w->g; /* w lives on the waiter's stack: read before ready */
    pthread_mutex_unlock(&q->lock);
    cs_ready(next, cs_getg());
}

void cs_mutex_lock(mutex_t *m, cs_site site) {
    int64_t id = mutex_obj(m, site);
    lock_impl(m, id, BLOCK_LOCK, id, true, site);
}

void cs_mutex_unlock(mutex_t *m, cs_site site) {
    int64_t id = mutex_obj(m, site);
    unlock_impl(m, id, true, site);
}

bool cs_mutex_trylock(mutex_t *m, cs_site site) {
    int64_t id = mutex_obj(m, site);
    if (!try_fast(m)) return false;
    atomic_store_explicit(&m->holder, cs_getg()->id, memory_order_relaxed);
    CS_EV(EV_MUTEX_ACQUIRE, id, 0, 0, 0, 0, site);
    return true;
}

void mutex_set_name(mutex_t *m, const char *name) { m->name = name; }

void cs_mutex_lock_as(mutex_t *m, int reason, int64_t block_obj, cs_site site) {
    cs_sync_home(&m->self, m, &m->id, &m->q, OBJ_MUTEX, m->name, "sync.Once", site);
    lock_impl(m, 0, reason, block_obj, false, site);
}

void cs_mutex_unlock_quiet(mutex_t *m, cs_site site) {
    cs_sync_home(&m->self, m, &m->id, &m->q, OBJ_MUTEX, m->name, "sync.Once", site);
    unlock_impl(m, 0, false, site);
}
