/*
 * goroutines.c — the detector's goroutine states: a table from goroutine
 * id to race_g, clock slots and their reuse, and which one a thread runs.
 *
 * Table: two levels of 2^16 (ids up to 2^32), pages allocated on first
 * use and installed with a CAS; an entry is written by the goroutine's
 * creator before the goroutine can run and cleared at its end.
 *
 * Slots: first-freed-first reuse (race_internal.h says why that is safe);
 * each slot remembers its last clock and its last few owners (for the
 * goroutine id of a reported earlier access).
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "race_internal.h"

_Thread_local race_g *race_cur;

#define PAGE_BITS 16
#define PAGE_N (1u << PAGE_BITS)
static race_g *_Atomic *_Atomic gpages[PAGE_N];

static void oom(void) {
    static const char msg[] = "race detector: out of memory\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(2);
}

static race_g *_Atomic *gentry(int64_t gid, bool make) {
    if (gid <= 0 || gid >= (INT64_C(1) << (2 * PAGE_BITS))) return NULL;
    uint32_t hi = (uint32_t)(gid >> PAGE_BITS), lo = (uint32_t)gid & (PAGE_N - 1);
    race_g *_Atomic *p = atomic_load_explicit(&gpages[hi], memory_order_acquire);
    if (!p) {
        if (!make) return NULL;
        race_g *_Atomic *n = __libc_calloc(PAGE_N, sizeof *n);
        if (!n) oom();
        race_g *_Atomic *expect = NULL;
        if (atomic_compare_exchange_strong(&gpages[hi], &expect, n)) p = n;
        else {
            __libc_free(n);
            p = expect;
        }
    }
    return &p[lo];
}

race_g *race_g_find(int64_t gid) {
    race_g *cur = race_cur;
    if (cur && cur->gid == gid) return cur;
    race_g *_Atomic *e = gentry(gid, false);
    return e ? atomic_load_explicit(e, memory_order_acquire) : NULL;
}

/* ---- slots ----------------------------------------------------------------- */

#define HIST 4
#define QUARANTINE 64 /* freed slots kept unused (see race_internal.h) */
typedef struct slotinfo {
    uint32_t last;            /* last clock an owner reached */
    uint32_t start[HIST];     /* owners' first clocks, newest at [n % HIST] */
    int64_t gid[HIST];
    uint32_t n;
} slotinfo;

static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;
static slotinfo *slots;
static uint32_t nslots, slots_cap;
static uint32_t *freeq; /* FIFO ring of free slots */
static uint32_t free_head, free_n, freeq_cap;

static uint32_t slot_take(int64_t gid, uint32_t *clock) {
    pthread_mutex_lock(&slot_lock);
    uint32_t s;
    if (free_n > QUARANTINE) {
        s = freeq[free_head];
        free_head = (free_head + 1) % freeq_cap;
        free_n--;
    } else {
        if (nslots == slots_cap) {
            uint32_t cap = slots_cap ? slots_cap * 2 : 1024;
            slotinfo *n = __libc_realloc(slots, cap * sizeof *n);
            if (!n || cap > RACE_MAX_SLOTS) oom();
            slots = n;
            slots_cap = cap;
        }
        s = nslots++;
        slots[s] = (slotinfo){0};
    }
    slotinfo *si = &slots[s];
    uint32_t c = si->last + 1;
    si->n++;
    si->start[si->n % HIST] = c;
    si->gid[si->n % HIST] = gid;
    *clock = c;
    pthread_mutex_unlock(&slot_lock);
    return s;
}

static void slot_give(uint32_t s, uint32_t last) {
    pthread_mutex_lock(&slot_lock);
    slots[s].last = last;
    if (free_n == freeq_cap) { /* grow the ring, unrolled to start at 0 */
        uint32_t cap = freeq_cap ? freeq_cap * 2 : 1024;
        uint32_t *n = __libc_malloc(cap * sizeof *n);
        if (!n) oom();
        for (uint32_t i = 0; i < free_n; i++) n[i] = freeq[(free_head + i) % freeq_cap];
        __libc_free(freeq);
        freeq = n;
        freeq_cap = cap;
        free_head = 0;
    }
    freeq[(free_head + free_n) % freeq_cap] = s;
    free_n++;
    pthread_mutex_unlock(&slot_lock);
}

int64_t race_slot_gid(uint32_t s, uint32_t c) {
    int64_t gid = 0;
    pthread_mutex_lock(&slot_lock);
    if (s < nslots) {
        slotinfo *si = &slots[s];
        uint32_t best = 0;
        for (int i = 0; i < HIST && (uint32_t)i < si->n; i++) {
            uint32_t k = (si->n - (uint32_t)i) % HIST;
            if (si->start[k] <= c && si->start[k] >= best) {
                best = si->start[k];
                gid = si->gid[k];
            }
        }
    }
    pthread_mutex_unlock(&slot_lock);
    return gid;
}

/* ---- life ------------------------------------------------------------------ */

race_g *race_g_new(int64_t gid) {
    race_g *g = __libc_calloc(1, sizeof *g);
    if (!g) oom();
    g->gid = gid;
    g->xslot = UINT32_MAX;
    g->min_sp = UINTPTR_MAX;
    g->slot = slot_take(gid, &g->clock);
    g->start = g->clock;
    g->epoch = ep_make(g->clock, g->slot);
    race_g *_Atomic *e = gentry(gid, true);
    if (e) atomic_store_explicit(e, g, memory_order_release);
    return g;
}

void race_g_end(race_g *g) {
    race_g *_Atomic *e = gentry(g->gid, false);
    if (e) atomic_store_explicit(e, NULL, memory_order_release);
    if (race_cur == g) race_cur = NULL;
    slot_give(g->slot, g->clock);
    rvc_unref(g->vc);
    __libc_free(g);
}

void race_g_tick(race_g *g) {
    if (g->clock < (UINT32_C(1) << 31) - 1) g->clock++;
    g->epoch = ep_make(g->clock, g->slot);
}

void cs_race_switch(int64_t gid) { race_cur = gid ? race_g_find(gid) : NULL; }
