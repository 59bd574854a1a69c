/*
 * waitgroup.c — sync.WaitGroup.
 *
 * counter and waiters live under q->lock.  The Add that brings the counter
 * to zero emits its wg_add, then releases every queued waiter (each emits
 * wg_wait_done after waking: always after that wg_add in seq).
 *
 * Reuse check (Go's "WaitGroup is reused before previous Wait has
 * returned"): released waiters count as "returning" (aux word 0) until they
 * have re-taken q->lock on their way out; an Add with a positive delta on a
 * zero counter while some are still returning is that misuse.
 */
#include "det.h"
#include "scheduler.h"
#include "sync_internal.h"
#include "trace_hooks.h"

#define RETURNING 0 /* index in cs_waitq_aux() */

static inline cs_waitq *wg_queue(waitgroup_t *wg, int64_t *id, cs_site site) {
    cs_sync_home(&wg->self, wg, &wg->id, &wg->q, OBJ_WAITGROUP, wg->name, "sync.WaitGroup",
                 site);
    *id = cs_lazy_id(&wg->id, OBJ_WAITGROUP, wg->name, site);
    return cs_waitq_get(&wg->q);
}

void cs_wg_add(waitgroup_t *wg, int64_t delta, cs_site site) {
    CS_DET_POINT();
    int64_t id;
    cs_waitq *q = wg_queue(wg, &id, site);
    pthread_mutex_lock(&q->lock);
    int64_t *returning = &cs_waitq_aux(q)[RETURNING];
    if (delta > 0 && wg->counter == 0 && *returning > 0) {
        pthread_mutex_unlock(&q->lock);
        cs_panic_misuse(site, MISUSE_WG_REUSE, id,
                        "sync: WaitGroup is reused before previous Wait has returned");
    }
    /* The counter is int64_t; Go's is an int32 that wraps into "negative
     * WaitGroup counter".  An overflow is the same misuse, said plainly, and
     * never signed-overflow UB: the counter is left as it was. */
    int64_t sum;
    if (__builtin_add_overflow(wg->counter, delta, &sum)) {
        pthread_mutex_unlock(&q->lock);
        cs_panic_misuse(site, MISUSE_NEGATIVE_WG, id, "sync: WaitGroup counter overflow");
    }
    wg->counter = sum;
    CS_EV(EV_WG_ADD, id, delta, wg->counter, 0, 0, site);
    if (wg->counter < 0) {
        pthread_mutex_unlock(&q->lock);
        cs_panic_misuse(site, MISUSE_NEGATIVE_WG, id, "sync: negative WaitGroup counter");
    }
    if (wg->counter > 0 || !q->head) {
        pthread_mutex_unlock(&q->lock);
        return;
    }
    cs_waiter *chain = q->head;
    for (cs_waiter *w = chain; w; w = w->next) (*returning)++;
    q->head = q->tail = NULL;
    pthread_mutex_unlock(&q->lock);
    cs_g *self = cs_getg();
    while (chain) {
        cs_waiter *next = chain->next; /* chain dies once its goroutine runs */
        cs_ready(chain->g, self);
        chain = next;
    }
}

void cs_wg_wait(waitgroup_t *wg, cs_site site) {
    CS_DET_POINT();
    int64_t id;
    cs_waitq *q = wg_queue(wg, &id, site);
    pthread_mutex_lock(&q->lock);
    CS_EV(EV_WG_WAIT, id, wg->counter, 0, 0, 0, site);
    if (wg->counter == 0) {
        CS_EV(EV_WG_WAIT_DONE, id, 0, 0, 0, 0, site);
        pthread_mutex_unlock(&q->lock);
        return;
    }
    cs_waiter w = {0};
    cs_waitq_park(q, &w, BLOCK_WG_WAIT, id, site);
    pthread_mutex_lock(&q->lock);
    cs_waitq_aux(q)[RETURNING]--;
    CS_EV(EV_WG_WAIT_DONE, id, 0, 0, 0, 0, site);
    pthread_mutex_unlock(&q->lock);
}

void wg_set_name(waitgroup_t *wg, const char *name) { wg->name = name; }
