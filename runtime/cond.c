/*
 * cond.c — sync.Cond, with tickets like Go's notifyList.
 *
 * Wait takes a ticket (aux[0]: next ticket) under q->lock, then unlocks L,
 * then parks unless its ticket was already notified (aux[1]: first ticket
 * not yet notified).  Unlocking L before counting ourselves blocked matters:
 * unlocking may ready a goroutine, and deadlock detection must not see us
 * blocked while that wake-up is still ours to do.  A signal that comes
 * between the unlock and the park is not lost: the ticket says so.
 */
#include "det.h"
#include "race_hooks.h"
#include "scheduler.h"
#include "sync_internal.h"
#include "trace_hooks.h"

enum { WAIT_TICKET = 0, NOTIFY_TICKET = 1 };

static inline cs_waitq *cond_queue(cond_t *c, int64_t *id, cs_site site) {
    *id = cs_lazy_id(&c->id, OBJ_COND, NULL, site);
    return cs_waitq_get(&c->q);
}

void cs_cond_wait(cond_t *c, cs_site site) {
    CS_DET_POINT();
    if (!c->L) cs_panic(site, "sync: Cond.Wait on a Cond without a Locker (use COND_INIT(&mu))");
    int64_t id;
    cs_waitq *q = cond_queue(c, &id, site);
    pthread_mutex_lock(&q->lock);
    int64_t *t = cs_waitq_aux(q);
    int64_t ticket = t[WAIT_TICKET]++;
    int64_t lock_id = cs_lazy_id(&c->L->id, OBJ_MUTEX, c->L->name, site);
    CS_EV(EV_COND_WAIT, id, lock_id, 0, 0, 0, site);
    pthread_mutex_unlock(&q->lock);

    cs_mutex_unlock(c->L, site);

    pthread_mutex_lock(&q->lock);
    if (ticket < t[NOTIFY_TICKET]) {
        /* Notified in between: the Signal happens before this return as
         * it does before a parked waiter's wake-up (the race detector
         * learns that one from go_unblock, race/hb.c; this path has no
         * event, so it is told here). */
        pthread_mutex_unlock(&q->lock);
        CS_RACE_ACQUIRE(id);
    } else {
        cs_waiter w = {.tag = (intptr_t)ticket};
        cs_waitq_park(q, &w, BLOCK_COND, id, site);
    }
    cs_mutex_lock(c->L, site);
}

/* With q->lock held: the queued waiter holding `ticket`, unlinked; or NULL
 * (not parked yet: it will see its ticket notified). */
static cs_waiter *take_ticket(cs_waitq *q, int64_t ticket) {
    for (cs_waiter *w = q->head; w; w = w->next) {
        if (w->tag == (intptr_t)ticket) {
            cs_waitq_remove(q, w);
            return w;
        }
    }
    return NULL;
}

void cs_cond_signal(cond_t *c, cs_site site) {
    CS_DET_POINT();
    int64_t id;
    cs_waitq *q = cond_queue(c, &id, site);
    pthread_mutex_lock(&q->lock);
    int64_t *t = cs_waitq_aux(q);
    cs_waiter *w = NULL;
    int woken = 0;
    if (t[NOTIFY_TICKET] < t[WAIT_TICKET]) {
        w = take_ticket(q, t[NOTIFY_TICKET]);
        t[NOTIFY_TICKET]++;
        woken = 1;
    }
    CS_EV(EV_COND_SIGNAL, id, woken, 0, 0, 0, site);
    cs_g *g = w ? w->g : NULL;
    pthread_mutex_unlock(&q->lock);
    if (g) cs_ready(g, cs_getg());
}

void cs_cond_broadcast(cond_t *c, cs_site site) {
    CS_DET_POINT();
    int64_t id;
    cs_waitq *q = cond_queue(c, &id, site);
    pthread_mutex_lock(&q->lock);
    int64_t *t = cs_waitq_aux(q);
    int64_t woken = t[WAIT_TICKET] - t[NOTIFY_TICKET];
    t[NOTIFY_TICKET] = t[WAIT_TICKET];
    cs_waiter *chain = q->head; /* every parked waiter has a notified ticket now */
    q->head = q->tail = NULL;
    CS_EV(EV_COND_BROADCAST, id, woken, 0, 0, 0, site);
    pthread_mutex_unlock(&q->lock);
    cs_g *self = cs_getg();
    while (chain) {
        cs_waiter *next = chain->next;
        cs_ready(chain->g, self);
        chain = next;
    }
}
