/*
 * sync_obj.h — the detector's synchronisation objects (race/sync_obj.c):
 * one state per runtime object id (a channel, a mutex, a WaitGroup...),
 * and the clock operations every happens-before rule is made of.
 */
#ifndef CS_RACE_SYNC_OBJ_H
#define CS_RACE_SYNC_OBJ_H

#include "race_internal.h"

typedef struct robj {
    _Atomic int lock;
    rvc *L;              /* releases: unlock, done, signal, store, close... */
    rvc *R;              /* RWMutex: RUnlock releases */
    rvc *closed;         /* channel: the close */
    rvc *notify;         /* channel: signal_notify registrations */
    int64_t cap;         /* channel capacity */
    uint64_t nsend, nrecv;
    rvc **sent, **recvd; /* buffered: ring of cap clocks each */
    rvc *handoff;        /* unbuffered: the send being handed off */
    int64_t handoff_gid;
    int waiters;         /* WaitGroup: Waits blocked now */
    uint64_t wg_word;    /* WaitGroup: Go's &wg.sema (see wg_order) */
} robj;

/* The state of object id (created on first use; NULL for an id out of
 * range); CS_RACE_IOSYNC is Go's ioSync. */
robj *race_obj_get(int64_t id);

static inline void olock(robj *o) {
    while (atomic_exchange_explicit(&o->lock, 1, memory_order_acquire))
        while (atomic_load_explicit(&o->lock, memory_order_relaxed)) __builtin_ia32_pause();
}
static inline void ounlock(robj *o) { atomic_store_explicit(&o->lock, 0, memory_order_release); }

/* race_acquire / race_release: race_internal.h.  Also: */
void race_join_g(rvc **dst, race_g *g);   /* *dst ⊔= all g knows, its epoch too */
void race_learn_g(race_g *s, race_g *g);  /* s (parked or running here) ⊔= g */
void race_snapshot(rvc **dst, race_g *g); /* *dst = exactly what g knows */

#endif
