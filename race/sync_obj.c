/*
 * sync_obj.c — the synchronisation objects' states (a table from object
 * id to robj, like goroutines.c's) and the clock operations: a release
 * joins the goroutine's clock into the object's and starts a new epoch
 * for the goroutine; an acquire joins the object's clock into the
 * goroutine's.
 */
#include <stdlib.h>
#include <unistd.h>

#include "race_hooks.h"
#include "sync_obj.h"

/* ---- object table (ids up to 2^32, like goroutines.c's) -------------------- */
#define PAGE_BITS 16
#define PAGE_N (1u << PAGE_BITS)
static robj *_Atomic *_Atomic opages[PAGE_N];

static void oom(void) {
    static const char msg[] = "race detector: out of memory\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(2);
}

static robj iosync; /* CS_RACE_IOSYNC (race_hooks.h) */

robj *race_obj_get(int64_t id) {
    if (id == CS_RACE_IOSYNC) return &iosync;
    if (id <= 0 || id >= (INT64_C(1) << (2 * PAGE_BITS))) return NULL;
    uint32_t hi = (uint32_t)(id >> PAGE_BITS), lo = (uint32_t)id & (PAGE_N - 1);
    robj *_Atomic *p = atomic_load_explicit(&opages[hi], memory_order_acquire);
    if (!p) {
        robj *_Atomic *n = __libc_calloc(PAGE_N, sizeof *n);
        if (!n) oom();
        robj *_Atomic *expect = NULL;
        if (atomic_compare_exchange_strong(&opages[hi], &expect, n)) p = n;
        else {
            __libc_free(n);
            p = expect;
        }
    }
    robj *o = atomic_load_explicit(&p[lo], memory_order_acquire);
    if (o) return o;
    robj *n = __libc_calloc(1, sizeof *n);
    if (!n) oom();
    robj *expect = NULL;
    if (atomic_compare_exchange_strong(&p[lo], &expect, n)) return n;
    __libc_free(n);
    return expect;
}

/* ---- clock operations ------------------------------------------------------ */

/* g learns everything in v. */
void race_acquire(race_g *g, const rvc *v) {
    if (!v || !v->n) return;
    rvc_join(&g->vc, v);
    if (g->xslot != UINT32_MAX) { /* fold the creator's epoch in, now that vc is private */
        rvc_set_max(&g->vc, g->xslot, g->xclock);
        g->xslot = UINT32_MAX;
    }
}

/* *dst ⊔= everything g knows, its own epoch included. */
void race_join_g(rvc **dst, race_g *g) {
    rvc_join(dst, g->vc);
    if (g->xslot != UINT32_MAX) rvc_set_max(dst, g->xslot, g->xclock);
    if (g->slot != UINT32_MAX) rvc_set_max(dst, g->slot, g->clock);
}

/* g releases into *dst and starts a new epoch. */
void race_release(race_g *g, rvc **dst) {
    race_join_g(dst, g);
    if (g->slot != UINT32_MAX) race_g_tick(g);
}

/* Goroutine s (parked, or running this code) learns everything g knows. */
void race_learn_g(race_g *s, race_g *g) {
    race_join_g(&s->vc, g);
    if (s->xslot != UINT32_MAX) {
        rvc_set_max(&s->vc, s->xslot, s->xclock);
        s->xslot = UINT32_MAX;
    }
}

/* *dst = exactly what g knows (a store, for a ring slot). */
void race_snapshot(rvc **dst, race_g *g) {
    rvc_assign(dst, g->vc);
    if (g->xslot != UINT32_MAX) rvc_set_max(dst, g->xslot, g->xclock);
    if (g->slot != UINT32_MAX) rvc_set_max(dst, g->slot, g->clock);
}


