/*
 * vclock.c — vector clocks indexed by slot, shared copy-on-write.
 *
 * A clock with refs == 1 belongs to one owner, which may change it in
 * place; refs > 1 means read-only, and a change copies first.  Only the
 * owner (a goroutine's state, or a synchronisation object under its lock)
 * changes or drops a reference, so the count needs atomics only because
 * several owners drop theirs on different threads.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "race_internal.h"

static void oom(void) {
    static const char msg[] = "race detector: out of memory\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(2);
}

rvc *rvc_new(uint32_t cap) {
    if (cap < 4) cap = 4;
    rvc *v = __libc_malloc(sizeof *v + (size_t)cap * sizeof v->c[0]);
    if (!v) oom();
    atomic_init(&v->refs, 1);
    v->n = 0;
    v->cap = cap;
    return v;
}

void rvc_unref(rvc *v) {
    if (v && atomic_fetch_sub_explicit(&v->refs, 1, memory_order_acq_rel) == 1) __libc_free(v);
}

/* *dst made private (refs 1) with room for n entries. */
static rvc *own(rvc **dst, uint32_t n) {
    rvc *v = *dst;
    if (v && atomic_load_explicit(&v->refs, memory_order_acquire) == 1 && v->cap >= n) return v;
    uint32_t cap = v && v->cap > n ? v->cap : n;
    if (v && n > v->cap) cap = n + n / 2;
    rvc *w = rvc_new(cap);
    if (v) {
        memcpy(w->c, v->c, (size_t)v->n * sizeof v->c[0]);
        w->n = v->n;
        rvc_unref(v);
    }
    *dst = w;
    return w;
}

void rvc_join(rvc **dst, const rvc *src) {
    if (!src || src->n == 0 || *dst == src) return;
    rvc *d = *dst;
    /* Nothing new?  (the common case: no copy, no write) */
    if (d) {
        uint32_t i = 0;
        for (; i < src->n; i++)
            if (src->c[i] > rvc_get(d, i)) break;
        if (i == src->n) return;
    }
    d = own(dst, src->n);
    for (uint32_t i = d->n; i < src->n; i++) d->c[i] = 0;
    if (d->n < src->n) d->n = src->n;
    for (uint32_t i = 0; i < src->n; i++)
        if (src->c[i] > d->c[i]) d->c[i] = src->c[i];
}

void rvc_set_max(rvc **dst, uint32_t s, uint32_t clock) {
    if (rvc_get(*dst, s) >= clock) return;
    rvc *d = own(dst, s + 1);
    for (uint32_t i = d->n; i <= s; i++) d->c[i] = 0;
    if (d->n <= s) d->n = s + 1;
    d->c[s] = clock;
}

void rvc_assign(rvc **dst, const rvc *src) {
    rvc *d = *dst;
    if (d == src) return;
    if (!src) {
        if (d && atomic_load_explicit(&d->refs, memory_order_acquire) > 1) {
            rvc_unref(d);
            *dst = NULL;
        } else if (d) {
            d->n = 0;
        }
        return;
    }
    if (!d || atomic_load_explicit(&d->refs, memory_order_acquire) > 1 || d->cap < src->n) {
        rvc_unref(d);
        d = *dst = rvc_new(src->n);
    }
    memcpy(d->c, src->c, (size_t)src->n * sizeof d->c[0]);
    d->n = src->n;
}
