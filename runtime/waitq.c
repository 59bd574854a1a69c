/*
 * waitq.c — FIFO wait queues of parked goroutines, the building block of
 * Mutex, RWMutex, WaitGroup, Once and Cond (protocol in scheduler.h).
 *
 * A queue is allocated on first contention and never freed (sync types have
 * no destructor, as in Go); all queues stay on one global list.
 */
#include <stdio.h>
#include <stdlib.h>

#include "scheduler.h"
#include "sync_internal.h"

typedef struct waitq_block {
    cs_waitq q;             /* first member: a cs_waitq* is a waitq_block* */
    int64_t aux[2];         /* cs_waitq_aux() */
    struct waitq_block *all_next;
} waitq_block;

static _Atomic(waitq_block *) all_queues;

cs_waitq *cs_waitq_get(struct cs_waitq **qp) {
    cs_waitq *q = __atomic_load_n(qp, __ATOMIC_ACQUIRE);
    if (q) return q;
    waitq_block *b = calloc(1, sizeof *b);
    if (!b) {
        fputs("fatal error: out of memory\n", stderr);
        abort();
    }
    pthread_mutex_init(&b->q.lock, NULL);
    cs_waitq *expect = NULL;
    if (!__atomic_compare_exchange_n(qp, &expect, &b->q, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        pthread_mutex_destroy(&b->q.lock);
        free(b);
        return expect;
    }
    waitq_block *old = atomic_load_explicit(&all_queues, memory_order_relaxed);
    do {
        b->all_next = old;
    } while (!atomic_compare_exchange_weak_explicit(&all_queues, &old, b, memory_order_release,
                                                    memory_order_relaxed));
    return &b->q;
}

int64_t *cs_waitq_aux(cs_waitq *q) { return ((waitq_block *)q)->aux; }

void cs_waitq_park(cs_waitq *q, cs_waiter *w, int reason, int64_t obj, cs_site site) {
    cs_waitq_park_at(q, w, false, reason, obj, site);
}

void cs_waitq_park_at(cs_waitq *q, cs_waiter *w, bool front, int reason, int64_t obj,
                      cs_site site) {
    cs_g *g = cs_getg();
    w->g = g;
    w->next = NULL;
    if (front) {
        w->next = q->head;
        q->head = w;
        if (!q->tail) q->tail = w;
    } else {
        if (q->tail) q->tail->next = w;
        else q->head = w;
        q->tail = w;
    }
    cs_park_prepare(g, reason, obj, site);
    pthread_mutex_unlock(&q->lock);
    cs_park_wait(g);
}

cs_waiter *cs_waitq_pop(cs_waitq *q) {
    cs_waiter *w = q->head;
    if (!w) return NULL;
    q->head = w->next;
    if (!q->head) q->tail = NULL;
    w->next = NULL;
    return w;
}

bool cs_waitq_remove(cs_waitq *q, cs_waiter *w) {
    cs_waiter *prev = NULL;
    for (cs_waiter *it = q->head; it; prev = it, it = it->next) {
        if (it != w) continue;
        if (prev) prev->next = it->next;
        else q->head = it->next;
        if (q->tail == it) q->tail = prev;
        it->next = NULL;
        return true;
    }
    return false;
}
