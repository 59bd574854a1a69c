/*
 * once.c — sync.Once and sync.OnceValue.
 *
 * done is set (release) only after fn returned, so a caller that sees it
 * (acquire) sees everything fn did.  Concurrent first callers queue on the
 * inner mutex; they show as blocked on the Once (reason "once").
 *
 * Events: the goroutine that runs fn emits once_begin then once_end (a=1);
 * every other caller emits once_end with a=0 when it returns, so the
 * analyzer can draw once_end(a=1) -> once_end(a=0) happens-before edges.
 */
#include "det.h"
#include "scheduler.h"
#include "sync_internal.h"
#include "trace_hooks.h"

/* Go's once.Do(nil) calls the nil func: a run-time panic in the caller. */
#define NIL_DEREF "runtime error: invalid memory address or nil pointer dereference"

void cs_once_do(once_t *o, go_func fn, void *arg, cs_site site) {
    CS_DET_POINT();
    int64_t id = cs_lazy_id(&o->id, OBJ_ONCE, NULL, site);
    if (atomic_load_explicit(&o->done, memory_order_acquire)) {
        CS_EV(EV_ONCE_END, id, 0, 0, 0, 0, site);
        return;
    }
    cs_mutex_lock_as(&o->m, BLOCK_ONCE, id, site);
    if (atomic_load_explicit(&o->done, memory_order_relaxed)) {
        CS_EV(EV_ONCE_END, id, 0, 0, 0, 0, site);
        cs_mutex_unlock_quiet(&o->m, site);
        return;
    }
    CS_EV(EV_ONCE_BEGIN, id, 0, 0, 0, 0, site);
    if (!fn) cs_panic(site, NIL_DEREF);
    fn(arg);
    atomic_store_explicit(&o->done, 1, memory_order_release);
    CS_EV(EV_ONCE_END, id, 1, 0, 0, 0, site);
    cs_mutex_unlock_quiet(&o->m, site);
}

struct once_value_call {
    once_value_t *ov;
    once_value_func fn;
    void *arg;
    cs_site site;
};

static void run_once_value(void *p) {
    struct once_value_call *c = p;
    if (!c->fn) cs_panic(c->site, NIL_DEREF);
    c->ov->fn = c->fn;
    c->ov->arg = c->arg;
    c->ov->value = c->fn(c->arg);
}

void *cs_once_value(once_value_t *ov, once_value_func fn, void *arg, cs_site site) {
    CS_DET_POINT();
    struct once_value_call c = {ov, fn, arg, site};
    cs_once_do(&ov->once, run_once_value, &c, site);
    return ov->value;
}
