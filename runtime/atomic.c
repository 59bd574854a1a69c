/*
 * atomic.c — sync/atomic on int64, traced as synchronisation.
 *
 * Untraced: plain sequentially consistent atomics.  Traced: the operation
 * and its event happen under a striped lock, so seq order matches the order
 * in which the operations took effect (a load that sees a store is always
 * logged after that store) — the analyzer draws its edges from that order.
 */
#include <pthread.h>

#include "det.h"
#include "scheduler.h"
#include "sync_internal.h"
#include "trace_hooks.h"

enum { OP_LOAD = 0, OP_STORE = 1, OP_ADD = 2, OP_CAS_OK = 3, OP_CAS_FAIL = 4 };

#define STRIPES 64
static pthread_mutex_t stripes[STRIPES] = {
#define S4 PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, \
           PTHREAD_MUTEX_INITIALIZER
#define S16 S4, S4, S4, S4
    S16, S16, S16, S16
#undef S16
#undef S4
};

static inline pthread_mutex_t *stripe(const atomic_i64 *a) {
    return &stripes[((uintptr_t)a >> 4) % STRIPES];
}

static inline int64_t atomic_obj(atomic_i64 *a, cs_site site) {
    return cs_lazy_id(&a->id, OBJ_ATOMIC, NULL, site);
}

int64_t cs_atomic_add(atomic_i64 *a, int64_t delta, cs_site site) {
    CS_DET_POINT();
    if (!CS_TRACING()) return atomic_fetch_add(&a->v, delta) + delta;
    int64_t id = atomic_obj(a, site);
    pthread_mutex_lock(stripe(a));
    int64_t v = atomic_fetch_add(&a->v, delta) + delta;
    cs_trace_event(EV_ATOMIC, id, OP_ADD, v, 0, 0, NULL, site);
    pthread_mutex_unlock(stripe(a));
    return v;
}

int64_t cs_atomic_load(atomic_i64 *a, cs_site site) {
    CS_DET_POINT();
    if (!CS_TRACING()) return atomic_load(&a->v);
    int64_t id = atomic_obj(a, site);
    pthread_mutex_lock(stripe(a));
    int64_t v = atomic_load(&a->v);
    cs_trace_event(EV_ATOMIC, id, OP_LOAD, v, 0, 0, NULL, site);
    pthread_mutex_unlock(stripe(a));
    return v;
}

void cs_atomic_store(atomic_i64 *a, int64_t v, cs_site site) {
    CS_DET_POINT();
    if (!CS_TRACING()) {
        atomic_store(&a->v, v);
        return;
    }
    int64_t id = atomic_obj(a, site);
    pthread_mutex_lock(stripe(a));
    atomic_store(&a->v, v);
    cs_trace_event(EV_ATOMIC, id, OP_STORE, v, 0, 0, NULL, site);
    pthread_mutex_unlock(stripe(a));
}

bool cs_atomic_cas(atomic_i64 *a, int64_t old, int64_t new_, cs_site site) {
    CS_DET_POINT();
    if (!CS_TRACING()) return atomic_compare_exchange_strong(&a->v, &old, new_);
    int64_t id = atomic_obj(a, site);
    pthread_mutex_lock(stripe(a));
    int64_t expect = old;
    bool ok = atomic_compare_exchange_strong(&a->v, &expect, new_);
    cs_trace_event(EV_ATOMIC, id, ok ? OP_CAS_OK : OP_CAS_FAIL, ok ? new_ : expect, 0, 0, NULL,
                   site);
    pthread_mutex_unlock(stripe(a));
    return ok;
}
