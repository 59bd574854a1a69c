/*
 * rwmutex.c — sync.RWMutex, writer-preferring exactly like Go's.
 *
 * All state (readers, writer, writers_waiting) lives under q->lock; the
 * queue holds readers and writers in arrival order (tag READER/WRITER).
 *
 *   RLock   proceeds if no writer holds the lock AND none is waiting;
 *           otherwise it queues.  So a reader that arrives while a writer
 *           waits blocks until that writer is done — which is why a
 *           recursive RLock deadlocks once a writer queues in between.
 *   Lock    proceeds if nobody holds the lock and no writer is queued.
 *   RUnlock the last active reader hands the lock to the first queued writer.
 *   Unlock  hands the lock to every queued reader (as Go releases all the
 *           readers that blocked during the write); if there are none, to
 *           the first queued writer.  A writer still queued then keeps new
 *           readers out until the released readers are done.
 *
 * Whoever is handed the lock is granted it by the waker (counts updated
 * under q->lock) and emits its acquire event after waking: after the
 * waker's release event.
 */
#include "det.h"
#include "scheduler.h"
#include "sync_internal.h"
#include "trace_hooks.h"

enum { READER = 1, WRITER = 2 };

static inline cs_waitq *rw_queue(rwmutex_t *m, int64_t *id, cs_site site) {
    cs_sync_home(&m->self, m, &m->id, &m->q, OBJ_RWMUTEX, m->name, "sync.RWMutex", site);
    *id = cs_lazy_id(&m->id, OBJ_RWMUTEX, m->name, site);
    return cs_waitq_get(&m->q);
}

/* Wake a chain of granted waiters (linked through next) after unlocking. */
static void wake_chain(cs_waiter *w) {
    cs_g *self = cs_getg();
    while (w) {
        cs_waiter *next = w->next; /* w dies once its goroutine runs */
        cs_ready(w->g, self);
        w = next;
    }
}

/* With q->lock held: unlink and grant the first queued writer; NULL if none. */
static cs_waiter *grant_writer(rwmutex_t *m, cs_waitq *q) {
    for (cs_waiter *w = q->head; w; w = w->next) {
        if (w->tag != WRITER) continue;
        cs_waitq_remove(q, w);
        m->writers_waiting--;
        m->writer = 1;
        return w;
    }
    return NULL;
}

/* With q->lock held: unlink and grant every queued reader; returns a chain. */
static cs_waiter *grant_readers(rwmutex_t *m, cs_waitq *q) {
    cs_waiter *chain = NULL, **tail = &chain;
    cs_waiter *prev = NULL, *w = q->head;
    while (w) {
        cs_waiter *next = w->next;
        if (w->tag == READER) {
            if (prev) prev->next = next;
            else q->head = next;
            if (q->tail == w) q->tail = prev;
            m->readers++;
            w->result = m->readers;
            w->next = NULL;
            *tail = w;
            tail = &w->next;
        } else {
            prev = w;
        }
        w = next;
    }
    return chain;
}

void cs_rwmutex_rlock(rwmutex_t *m, cs_site site) {
    CS_DET_POINT();
    int64_t id;
    cs_waitq *q = rw_queue(m, &id, site);
    pthread_mutex_lock(&q->lock);
    if (!m->writer && m->writers_waiting == 0) {
        m->readers++;
        CS_EV(EV_RW_RACQUIRE, id, m->readers, 0, 0, 0, site);
        pthread_mutex_unlock(&q->lock);
        return;
    }
    CS_EV(EV_RW_RWAIT, id, 0, 0, 0, 0, site);
    cs_waiter w = {.tag = READER};
    cs_waitq_park(q, &w, BLOCK_RLOCK, id, site);
    CS_EV(EV_RW_RACQUIRE, id, w.result, 0, 0, 0, site);
}

void cs_rwmutex_runlock(rwmutex_t *m, cs_site site) {
    CS_DET_POINT();
    int64_t id;
    cs_waitq *q = rw_queue(m, &id, site);
    pthread_mutex_lock(&q->lock);
    if (m->readers <= 0) {
        pthread_mutex_unlock(&q->lock);
        cs_fatal_misuse(site, MISUSE_RUNLOCK_UNLOCKED, id, "sync: RUnlock of unlocked RWMutex");
    }
    m->readers--;
    CS_EV(EV_RW_RRELEASE, id, m->readers, 0, 0, 0, site);
    cs_waiter *w = NULL;
    if (m->readers == 0 && m->writers_waiting > 0) w = grant_writer(m, q);
    pthread_mutex_unlock(&q->lock);
    wake_chain(w);
}

void cs_rwmutex_lock(rwmutex_t *m, cs_site site) {
    CS_DET_POINT();
    int64_t id;
    cs_waitq *q = rw_queue(m, &id, site);
    pthread_mutex_lock(&q->lock);
    if (!m->writer && m->readers == 0 && m->writers_waiting == 0) {
        m->writer = 1;
        CS_EV(EV_MUTEX_ACQUIRE, id, 0, 0, 0, 0, site);
        pthread_mutex_unlock(&q->lock);
        return;
    }
    CS_EV(EV_MUTEX_WAIT, id, 0, 0, 0, 0, site);
    m->writers_waiting++;
    cs_waiter w = {.tag = WRITER};
    cs_waitq_park(q, &w, BLOCK_LOCK, id, site);
    CS_EV(EV_MUTEX_ACQUIRE, id, 0, 0, 0, 0, site);
}

void cs_rwmutex_unlock(rwmutex_t *m, cs_site site) {
    CS_DET_POINT();
    int64_t id;
    cs_waitq *q = rw_queue(m, &id, site);
    pthread_mutex_lock(&q->lock);
    if (!m->writer) {
        pthread_mutex_unlock(&q->lock);
        cs_fatal_misuse(site, MISUSE_UNLOCK_UNLOCKED, id, "sync: Unlock of unlocked RWMutex");
    }
    CS_EV(EV_MUTEX_RELEASE, id, 0, 0, 0, 0, site);
    m->writer = 0;
    cs_waiter *chain = grant_readers(m, q);
    if (!chain && m->writers_waiting > 0) chain = grant_writer(m, q);
    pthread_mutex_unlock(&q->lock);
    wake_chain(chain);
}

void rwmutex_set_name(rwmutex_t *m, const char *name) { m->name = name; }
