/*
 * semaphore.c — golang.org/x/sync/semaphore.Weighted.
 *
 * Waiters queue FIFO: a large request at the head keeps later small ones
 * waiting (no starvation of large requests), as in x/sync.  A waiter whose
 * context can be cancelled waits in a select on a private "ready" channel
 * (closed when it is granted) and the context's Done channel — so it shows
 * as blocked in select, as in Go; a waiter without one parks directly
 * (reason "semacquire").  Grants happen under the semaphore's lock.
 */
#include <stdio.h>
#include <stdlib.h>

#include "chan_internal.h"
#include "det.h"
#include "scheduler.h"
#include "sync_internal.h"
#include "trace_hooks.h"

typedef struct sem_waiter {
    int64_t n;
    cs_g *g;               /* parks directly when ready == NULL */
    chan_t *ready;         /* closed when granted (cancelable waiters) */
    bool granted;
    struct sem_waiter *prev, *next;
    struct sem_waiter *wake_next;
} sem_waiter;

struct cs_semaphore {
    pthread_mutex_t lock;
    int64_t size, cur;
    sem_waiter *head, *tail;
    int64_t id;
};

semaphore_t *cs_semaphore_new(int64_t n, cs_site site) {
    semaphore_t *s = cs_alloc_kept(sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
    s->size = n;
    s->id = cs_new_object_id();
    if (CS_TRACING()) cs_trace_object(s->id, OBJ_SEMAPHORE, NULL, site, n, 0);
    return s;
}

static void unlink_waiter(semaphore_t *s, sem_waiter *w) {
    if (w->prev) w->prev->next = w->next;
    else s->head = w->next;
    if (w->next) w->next->prev = w->prev;
    else s->tail = w->prev;
    w->prev = w->next = NULL;
}

/* With s->lock held: grant waiters from the head while they fit.  Direct
 * parkers are returned as a chain to ready after unlocking. */
static sem_waiter *notify_waiters(semaphore_t *s, cs_g *self, cs_site site) {
    sem_waiter *wake = NULL;
    while (s->head) {
        sem_waiter *w = s->head;
        if (s->size - s->cur < w->n) break; /* FIFO: nobody jumps the head */
        s->cur += w->n;
        unlink_waiter(s, w);
        w->granted = true;
        if (w->ready) {
            cs_chan_close_by(w->ready, self, site); /* w may be gone after this */
        } else {
            w->wake_next = wake;
            wake = w;
        }
    }
    return wake;
}

static void wake_all(sem_waiter *w, cs_g *self) {
    while (w) {
        sem_waiter *next = w->wake_next;
        cs_ready(w->g, self);
        w = next;
    }
}

static void enqueue(semaphore_t *s, sem_waiter *w) {
    w->prev = s->tail;
    w->next = NULL;
    if (s->tail) s->tail->next = w;
    else s->head = w;
    s->tail = w;
}

err_t cs_semaphore_acquire(semaphore_t *s, ctx_t *ctx, int64_t n, cs_site site) {
    CS_DET_POINT();
    chan_t *done = ctx_done(ctx);
    cs_g *self = cs_getg();
    pthread_mutex_lock(&s->lock);
    err_t err = ctx_err(ctx);
    if (err) { /* cancellation happened before: fail even if we could acquire */
        CS_EV(EV_SEM_ACQUIRE, s->id, n, 0, 0, 0, site);
        pthread_mutex_unlock(&s->lock);
        return err;
    }
    if (s->size - s->cur >= n && !s->head) {
        s->cur += n;
        CS_EV(EV_SEM_ACQUIRE, s->id, n, 1, 0, 0, site);
        pthread_mutex_unlock(&s->lock);
        return NULL;
    }
    if (n > s->size) { /* can never succeed: wait for the context */
        pthread_mutex_unlock(&s->lock);
        cs_chan_recv(done, NULL, CS_SIZE_UNKNOWN, site); /* nil channel: blocks forever, as in Go */
        CS_EV(EV_SEM_ACQUIRE, s->id, n, 0, 0, 0, site);
        return ctx_err(ctx);
    }
    sem_waiter w = {.n = n, .g = self};
    if (!done) {
        enqueue(s, &w);
        cs_park_prepare(self, BLOCK_SEMAPHORE, s->id, site);
        pthread_mutex_unlock(&s->lock);
        cs_park_wait(self);
        CS_EV(EV_SEM_ACQUIRE, s->id, n, 1, 0, 0, site);
        return NULL;
    }
    w.ready = cs_chan_make(1, 0, "semaphore.ready", site);
    enqueue(s, &w);
    pthread_mutex_unlock(&s->lock);
    cs_case cases[] = {select_recv(w.ready, NULL, NULL), select_recv(done, NULL, NULL)};
    if (cs_chan_select(cases, 2, site) == 1) {
        pthread_mutex_lock(&s->lock);
        sem_waiter *wake = NULL;
        if (w.granted) {
            /* Granted after we were cancelled: give the tokens back. */
            s->cur -= n;
            wake = notify_waiters(s, self, site);
        } else {
            bool front = s->head == &w;
            unlink_waiter(s, &w);
            if (front && s->size > s->cur) wake = notify_waiters(s, self, site);
        }
        CS_EV(EV_SEM_ACQUIRE, s->id, n, 0, 0, 0, site);
        pthread_mutex_unlock(&s->lock);
        wake_all(wake, self);
        chan_free(w.ready);
        return ctx_err(ctx);
    }
    /* Granted.  The granter closed `ready` under s->lock: taking the lock
     * once makes sure it is done with the channel before we free it. */
    pthread_mutex_lock(&s->lock);
    pthread_mutex_unlock(&s->lock);
    chan_free(w.ready);
    err = ctx_err(ctx);
    if (err) { /* granted, but the context is done too: prefer failing */
        cs_semaphore_release(s, n, site);
        CS_EV(EV_SEM_ACQUIRE, s->id, n, 0, 0, 0, site);
        return err;
    }
    CS_EV(EV_SEM_ACQUIRE, s->id, n, 1, 0, 0, site);
    return NULL;
}

bool cs_semaphore_try_acquire(semaphore_t *s, int64_t n, cs_site site) {
    CS_DET_POINT();
    pthread_mutex_lock(&s->lock);
    bool ok = s->size - s->cur >= n && !s->head;
    if (ok) s->cur += n;
    CS_EV(EV_SEM_ACQUIRE, s->id, n, ok, 0, 0, site);
    pthread_mutex_unlock(&s->lock);
    return ok;
}

void cs_semaphore_release(semaphore_t *s, int64_t n, cs_site site) {
    CS_DET_POINT();
    cs_g *self = cs_getg();
    pthread_mutex_lock(&s->lock);
    CS_EV(EV_SEM_RELEASE, s->id, n, 0, 0, 0, site);
    s->cur -= n;
    if (s->cur < 0) {
        pthread_mutex_unlock(&s->lock);
        cs_panic_misuse(site, MISUSE_SEM_RELEASE, s->id, "semaphore: released more than held");
    }
    sem_waiter *wake = notify_waiters(s, self, site);
    pthread_mutex_unlock(&s->lock);
    wake_all(wake, self);
}
