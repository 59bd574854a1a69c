/*
 * objects.c — identity of runtime objects: lazy trace ids, copy detection
 * of sync types, and the runtime's never-freed ("kept") allocations.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler.h"
#include "sync_internal.h"
#include "trace_hooks.h"

/* ---- kept memory -------------------------------------------------------- */

typedef struct kept_hdr {
    _Alignas(max_align_t) struct kept_hdr *next;
} kept_hdr;

/* Head of every kept block: keeps them reachable for leak checkers. */
static _Atomic(kept_hdr *) kept_head;

void *cs_alloc_kept(size_t size) {
    kept_hdr *h = calloc(1, sizeof(kept_hdr) + size);
    if (!h) {
        fputs("fatal error: out of memory\n", stderr);
        abort();
    }
    kept_hdr *old = atomic_load_explicit(&kept_head, memory_order_relaxed);
    do {
        h->next = old;
    } while (!atomic_compare_exchange_weak_explicit(&kept_head, &old, h, memory_order_release,
                                                    memory_order_relaxed));
    return h + 1;
}

char *cs_strdup_kept(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = cs_alloc_kept(n);
    memcpy(d, s, n);
    return d;
}

/* ---- lazy ids ------------------------------------------------------------ */

int64_t cs_lazy_id(_Atomic(int64_t) *idp, int type, const char *name, cs_site site) {
    int64_t id = atomic_load_explicit(idp, memory_order_acquire);
    if (id) return id;
    int64_t fresh = cs_new_object_id();
    int64_t expect = 0;
    if (atomic_compare_exchange_strong_explicit(idp, &expect, fresh, memory_order_acq_rel,
                                                memory_order_acquire)) {
        if (CS_TRACING()) cs_trace_object(fresh, type, name, site, 0, 0);
        return fresh;
    }
    return expect; /* another goroutine won; our id is simply unused */
}

/* ---- copies of sync objects ----------------------------------------------- */

static void report_copy(int64_t old_id, int64_t new_id, const char *what, cs_site site) {
    char msg[256];
    snprintf(msg, sizeof msg,
             "%s copied after first use (go vet: copylocks); the copy is a separate lock",
             what);
    fprintf(stderr, "chanscope: warning: %s:%d: %s\n", site.file ? site.file : "?", site.line,
            msg);
    if (CS_TRACING()) cs_trace_event(EV_MISUSE, new_id, MISUSE_LOCK_COPIED, old_id, 0, 0, msg, site);
}

void cs_check_copy(_Atomic(void *) *selfp, void *addr, int64_t id, const char *what,
                   cs_site site) {
    void *seen = atomic_load_explicit(selfp, memory_order_acquire);
    if (seen == addr) return;
    if (seen == NULL &&
        atomic_compare_exchange_strong_explicit(selfp, &seen, addr, memory_order_acq_rel,
                                                memory_order_acquire))
        return;
    if (seen == addr) return;
    /* Used at another address before: a copy.  Report once per copy. */
    if (atomic_compare_exchange_strong_explicit(selfp, &seen, addr, memory_order_acq_rel,
                                                memory_order_acquire))
        report_copy(id, id, what, site);
}

/* While a copy is being re-homed, self holds this marker; others wait. */
static char homing_marker;
#define HOMING ((void *)&homing_marker)

void cs_sync_home(_Atomic(void *) *selfp, void *addr, _Atomic(int64_t) *idp,
                  struct cs_waitq **qp, int type, const char *name, const char *what,
                  cs_site site) {
    for (;;) {
        void *seen = atomic_load_explicit(selfp, memory_order_acquire);
        if (seen == addr) return;
        if (seen == HOMING) {
            sched_yield();
            continue;
        }
        if (seen == NULL) {
            /* First use ever: just remember where it lives. */
            if (atomic_compare_exchange_strong_explicit(selfp, &seen, addr, memory_order_acq_rel,
                                                        memory_order_acquire))
                return;
            continue;
        }
        if (!atomic_compare_exchange_strong_explicit(selfp, &seen, HOMING, memory_order_acq_rel,
                                                     memory_order_acquire))
            continue;
        /* We own the re-homing: the copy gets its own identity and queue. */
        int64_t old_id = atomic_load_explicit(idp, memory_order_relaxed);
        int64_t new_id = cs_new_object_id();
        if (CS_TRACING()) cs_trace_object(new_id, type, name, site, 0, 0);
        atomic_store_explicit(idp, new_id, memory_order_relaxed);
        __atomic_store_n(qp, (struct cs_waitq *)NULL, __ATOMIC_RELAXED);
        report_copy(old_id, new_id, what, site);
        atomic_store_explicit(selfp, addr, memory_order_release);
        return;
    }
}
