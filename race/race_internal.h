/*
 * race_internal.h — the detector's data: epochs, vector clocks, goroutine
 * states, shadow memory (FastTrack, Flanagan & Freund, PLDI 2009).
 *
 * Slots.  A goroutine gets a clock slot (a small index) when it starts and
 * gives it back when it ends; slots are reused first-freed-first (as Go's
 * race runtime reuses thread ids), so a vector clock has as many entries
 * as goroutines were ever alive at once, not as goroutines ever existed.
 * A new owner's clock continues after the previous owner's last value and
 * remembers where it started, so an epoch of an old owner is never taken
 * for the new owner's (rg_mine, rg_after).  A freed slot waits in
 * quarantine (QUARANTINE later frees) before reuse.  What can still be
 * lost: a third goroutine that synchronised with the new owner is taken to
 * know the old owner's accesses up to that clock too (a false negative,
 * never a false report).
 *
 * Epoch (64 bits): clock << 32 | byte mask << 24 | atomic << 23 | slot.
 * The mask says
 * which bytes of the 8-byte granule the access touched: accesses to
 * different bytes of one granule never race (two goroutines filling the
 * neighbouring bytes of a char array).  Clocks stay below 2^31: bit 63 of
 * a read word marks a pointer to a read set instead of an epoch.
 */
#ifndef CS_RACE_INTERNAL_H
#define CS_RACE_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "race.h"

#define EP_SLOT_BITS 23
#define EP_ATOMIC (UINT64_C(1) << 23) /* an atomic access (never races with another) */
#define EP_SLOT_MASK ((UINT64_C(1) << EP_SLOT_BITS) - 1)
#define EP_BYTES_SHIFT 24
#define EP_BYTES (UINT64_C(0xff) << EP_BYTES_SHIFT)
#define EP_CLOCK_SHIFT 32
#define EP_SHARED (UINT64_C(1) << 63) /* read word: a read set pointer */
#define RACE_MAX_SLOTS (1u << EP_SLOT_BITS)

static inline uint32_t ep_slot(uint64_t e) { return (uint32_t)(e & EP_SLOT_MASK); }
static inline uint32_t ep_clock(uint64_t e) { return (uint32_t)(e >> EP_CLOCK_SHIFT); }
static inline uint64_t ep_bytes(uint64_t e) { return e & EP_BYTES; }
static inline uint64_t ep_make(uint32_t clock, uint32_t slot) {
    return (uint64_t)clock << EP_CLOCK_SHIFT | slot;
}

/* ---- vector clocks (vclock.c) ------------------------------------------
 * A clock is an array indexed by slot; missing entries are 0.  A
 * goroutine's array may be shared copy-on-write with the goroutines it
 * started (refs > 1: read-only), so starting 100 000 goroutines from one
 * parent copies nothing. */
typedef struct rvc {
    _Atomic uint32_t refs;
    uint32_t n, cap;
    uint32_t c[];
} rvc;

rvc *rvc_new(uint32_t cap);
void rvc_unref(rvc *v);
static inline uint32_t rvc_get(const rvc *v, uint32_t s) { return v && s < v->n ? v->c[s] : 0; }
/* *dst = *dst ⊔ src, copying *dst first if shared; dst may be NULL. */
void rvc_join(rvc **dst, const rvc *src);
/* (*dst)[s] = max((*dst)[s], clock). */
void rvc_set_max(rvc **dst, uint32_t s, uint32_t clock);
/* *dst = copy of src (dst's old value dropped). */
void rvc_assign(rvc **dst, const rvc *src);

/* ---- goroutines (hb.c) ------------------------------------------------- */
#define RACE_STACK_DEPTH 64

typedef struct race_g {
    uint64_t epoch;       /* ep_make(clock, slot): this goroutine's now */
    uint32_t slot, clock;
    uint32_t start;       /* its first clock in the slot: older epochs of
                             the slot are a previous owner's */
    rvc *vc;              /* what it knows of the others (its own slot: clock) */
    uint32_t xslot, xclock; /* and its creator's epoch at the go statement,
                               kept aside so that vc can stay shared with
                               the creator (UINT32_MAX: none) */
    int64_t gid;
    bool wg_quick;        /* in a WaitGroup Wait that does not block */
    int block_reason;     /* from go_block, for cond's go_unblock */
    int64_t block_obj;
    uintptr_t min_sp;     /* lowest stack address seen at a function entry:
                             its stack's shadow is cleared that deep at its end */
    int depth;            /* function entry shadow stack */
    uintptr_t stack[RACE_STACK_DEPTH];
} race_g;

/* The goroutine this thread runs (NULL: none, nothing is checked). */
extern _Thread_local race_g *race_cur;

/* What g knows of slot s. */
static inline uint32_t rg_knows(const race_g *g, uint32_t s) {
    if (s == g->slot) return g->clock;
    uint32_t c = rvc_get(g->vc, s);
    return s == g->xslot && g->xclock > c ? g->xclock : c;
}
/* The access of epoch e is g's own (same slot, this owner). */
static inline bool rg_mine(const race_g *g, uint64_t e) {
    return ep_slot(e) == g->slot && ep_clock(e) >= g->start;
}
/* The access of epoch e (not g's own) happens before g's now.  For an
 * earlier owner of g's own slot, what g learnt of the slot by
 * synchronising counts, never its own clock. */
static inline bool rg_after(const race_g *g, uint64_t e) {
    uint32_t s = ep_slot(e);
    if (s != g->slot) return ep_clock(e) <= rg_knows(g, s);
    uint32_t c = rvc_get(g->vc, s);
    if (s == g->xslot && g->xclock > c) c = g->xclock;
    return ep_clock(e) <= c;
}
race_g *race_g_find(int64_t gid);   /* NULL if unknown */
race_g *race_g_new(int64_t gid);    /* a fresh slot, knowing nothing */
void race_g_end(race_g *g);
void race_g_tick(race_g *g);        /* after a release: a new epoch */
void race_acquire(race_g *g, const rvc *v);  /* g ⊔= v (hb.c) */
void race_release(race_g *g, rvc **dst);     /* *dst ⊔= g, then a new epoch */
void race_thread_adopted(race_g *g);  /* threads.c: a program's thread became g */
void race_thread_ending(race_g *g);   /* threads.c: ... and ends */

/* ---- shadow memory (shadow.c) ------------------------------------------
 * Per 8-byte granule: the last write's epoch and the last read's epoch
 * (or EP_SHARED | pointer to a read set once reads are concurrent), and
 * the low 32 bits of each access's pc (same 4 GB as the reporting pc). */
typedef struct rcell {
    _Atomic uint64_t w, r;
} rcell;
typedef struct rpcs {
    uint32_t wpc, rpc;
} rpcs;

#define SH_APP_BITS 47                     /* user space of x86-64/arm64 */
#define SH_CHUNK_SHIFT 22                  /* 4 MiB of memory per chunk */
#define SH_GRANULES (1u << (SH_CHUNK_SHIFT - 3))

extern rcell *_Atomic *sh_dir;             /* chunk directory */
rcell *sh_chunk_new(uintptr_t i);
/* The pcs of cell c (same chunk, after the cells). */
static inline rpcs *sh_pcs(rcell *c, uintptr_t a) {
    rcell *base = c - ((a >> 3) & (SH_GRANULES - 1));
    return (rpcs *)(base + SH_GRANULES) + ((a >> 3) & (SH_GRANULES - 1));
}
static inline rcell *sh_cell(uintptr_t a) {
    uintptr_t i = a >> SH_CHUNK_SHIFT;
    rcell *c = atomic_load_explicit(&sh_dir[i], memory_order_acquire);
    if (__builtin_expect(c == NULL, 0)) c = sh_chunk_new(i);
    return c + ((a >> 3) & (SH_GRANULES - 1));
}
void sh_init(void);
/* Forget every access to [p, p+n) (fresh malloc block, reused stack). */
void sh_clear(const void *p, size_t n);

/* A read set: the concurrent reads of one granule (malloc'd). */
typedef struct rset {
    uint32_t n, cap;
    struct {
        uint64_t e;
        uint32_t pc;
    } v[];
} rset;

/* ---- accesses (access.c) ---------------------------------------------- */
void race_access_slow(race_g *g, rcell *c, uintptr_t a, uint64_t bytes, bool write, uintptr_t pc);

/* One access of size bytes at a (within one granule): the hot path. */
static inline void race_access1(race_g *g, uintptr_t a, unsigned size, bool write, uintptr_t pc) {
    uint64_t bytes = (uint64_t)(((1u << size) - 1) << (a & 7)) << EP_BYTES_SHIFT;
    rcell *c = sh_cell(a);
    uint64_t old = atomic_load_explicit(write ? &c->w : &c->r, memory_order_relaxed);
    if (__builtin_expect((old & ~EP_BYTES) == g->epoch && (old & bytes) == bytes, 1)) return;
    race_access_slow(g, c, a, bytes, write, pc);
}
/* Any access: split at granule boundaries. */
void race_access_range(race_g *g, uintptr_t a, size_t n, bool write, uintptr_t pc);
/* An atomic access of n bytes (1..8, naturally aligned): checked against
 * plain accesses only. */
void race_access_atomic(race_g *g, uintptr_t a, unsigned n, bool write, uintptr_t pc);

static inline bool race_addr_ok(uintptr_t a) { return a >> SH_APP_BITS == 0 && a >= 4096; }

/* ---- reports (report.c) ----------------------------------------------- */
void race_found(race_g *g, uintptr_t a, unsigned size, bool write, bool atomic, uintptr_t pc,
                uint64_t prev, bool prev_write, uint32_t prev_pc);
void race_report_init(void);
/* gid of the goroutine that owned slot s at clock c (0 if unknown). */
int64_t race_slot_gid(uint32_t s, uint32_t c);

/* glibc's allocator under our interposers (alloc.c). */
void *__libc_malloc(size_t);
void *__libc_calloc(size_t, size_t);
void *__libc_realloc(void *, size_t);
void __libc_free(void *);
void *__libc_memalign(size_t, size_t);

#endif
