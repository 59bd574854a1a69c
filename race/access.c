/*
 * access.c — FastTrack's checks for one access (the slow path).
 *
 * The hot path (race_access1, race_internal.h) returns when this goroutine
 * already did the same kind of access to the same bytes in its current
 * epoch.  Otherwise we come here and, under the granule's stripe lock:
 *
 *   write: races with the last write and with every recorded read that
 *          touched a common byte and does not happen before us; then the
 *          write word becomes our epoch, and reads ordered before us are
 *          dropped (a later access racing with them races with us too).
 *   read:  races with the last write unless it happens before us; then
 *          our epoch replaces the read word if the old read happens before
 *          us (or is ours), else the reads become a read set (FastTrack's
 *          read-shared state) holding every concurrent reader.
 *
 * Most calls end in try_quick: no race and nothing to merge, one CAS on
 * the word, no lock.  The locked path handles races and read sets; a
 * word it stores may be overwritten by a concurrent try_quick (last
 * writer wins), which can hide a race (a false negative, rare: it needs
 * three accesses to one granule at once), never invent one.  Reports
 * are made after the stripe lock is dropped.
 */
#include <sched.h>

#include "race_internal.h"

#define STRIPES 4096
static struct {
    _Atomic int v;
    char pad[60];
} stripes[STRIPES];

static inline void lock(uintptr_t a) {
    _Atomic int *l = &stripes[(a >> 3) % STRIPES].v;
    int spins = 0;
    while (atomic_exchange_explicit(l, 1, memory_order_acquire))
        while (atomic_load_explicit(l, memory_order_relaxed)) {
            if (++spins < 64) __builtin_ia32_pause();
            else sched_yield(); /* the holder may be preempted (more threads than cores) */
        }
}
static inline void unlock(uintptr_t a) {
    atomic_store_explicit(&stripes[(a >> 3) % STRIPES].v, 0, memory_order_release);
}

/* Does the access of epoch e (bytes in e) race with g's access of bytes? */
static inline bool races(const race_g *g, uint64_t e, uint64_t bytes) {
    return e && (ep_bytes(e) & bytes) && !(e & bytes & EP_ATOMIC) && !rg_mine(g, e) &&
           !rg_after(g, e);
}

/* e is this goroutine's access in its current epoch, of the same kind
 * (atomic or not): a new access may merge its bytes into it. */
static inline bool same_epoch(const race_g *g, uint64_t e, uint64_t bytes) {
    return (e & ~(EP_BYTES | EP_ATOMIC)) == g->epoch && (e & EP_ATOMIC) == (bytes & EP_ATOMIC);
}

/* The access e can be forgotten once we access bytes: it is ours or
 * happens before us, and we touch every byte it touched (a later access
 * racing with it then races with us, or is ordered after it). */
static inline bool superseded(const race_g *g, uint64_t e, uint64_t bytes) {
    return (ep_bytes(e) & ~bytes) == 0 && (rg_mine(g, e) || rg_after(g, e));
}

typedef struct pending {
    uint64_t e;
    bool write;
    uint32_t pc;
} pending;
#define MAX_PENDING 4
/* At most this many concurrent readers are remembered per granule; a new
 * one then replaces an old one (as ThreadSanitizer keeps 4 accesses per
 * granule): a write racing only with a forgotten read is missed, and a
 * variable read by 100 000 goroutines costs 16 entries, not 100 000. */
#define RSET_MAX 16

static rset *rset_grow(rset *s) {
    uint32_t cap = s ? s->cap * 2 : 4;
    rset *n = __libc_realloc(s, sizeof *s + cap * sizeof s->v[0]);
    if (!n) return s;
    if (!s) n->n = 0;
    n->cap = cap;
    return n;
}

/* The common cases without the lock: no race, and the other word needs
 * no change (a write leaves an ordered-before read word alone: a later
 * access racing with that read races with this write too or is ordered
 * after it).  False when the locked path must decide.
 *
 * One CAS on our word, then a second look at the other word: a write and
 * a read (or two writes) of the same granule at the same instant on two
 * threads each store their word and then load the other's (sequentially
 * consistent), so at least one of them sees the other and reports.  */
static inline bool try_quick(race_g *g, rcell *c, rpcs *pcs, uint64_t bytes, bool write,
                             uint32_t pc32) {
    uint64_t w = atomic_load(&c->w);
    uint64_t r = atomic_load(&c->r);
    if ((r & EP_SHARED) || races(g, w, bytes)) return false;
    uint64_t me = g->epoch | bytes;
    if (write) {
        if (races(g, r, bytes)) return false;
        uint64_t keep = same_epoch(g, w, bytes) ? ep_bytes(w) : 0;
        if (!atomic_compare_exchange_strong(&c->w, &w, me | keep)) return false;
        pcs->wpc = pc32;
        uint64_t r2 = atomic_load(&c->r);
        return r2 == r || (!(r2 & EP_SHARED) && !races(g, r2, bytes));
    }
    if (r && !same_epoch(g, r, bytes) && !superseded(g, r, bytes)) return false;
    uint64_t keep = r && same_epoch(g, r, bytes) ? ep_bytes(r) : 0;
    if (!atomic_compare_exchange_strong(&c->r, &r, me | keep)) return false;
    pcs->rpc = pc32;
    uint64_t w2 = atomic_load(&c->w);
    return w2 == w || !races(g, w2, bytes);
}

static __attribute__((noinline)) void access_locked(race_g *g, rcell *c, uintptr_t a,
                                                     uint64_t bytes, bool write, uintptr_t pc) {
    pending found[MAX_PENDING];
    int nfound = 0;
    uint64_t me = g->epoch | bytes;
    uint32_t pc32 = (uint32_t)pc;
    rpcs *pcs = sh_pcs(c, a);
    lock(a);
    uint64_t w = atomic_load_explicit(&c->w, memory_order_relaxed);
    uint64_t r = atomic_load_explicit(&c->r, memory_order_relaxed);
    if (races(g, w, bytes)) found[nfound++] = (pending){w, true, pcs->wpc};
    if (write) {
        if (r & EP_SHARED) {
            rset *s = (rset *)(uintptr_t)(r & ~EP_SHARED);
            uint32_t k = 0;
            for (uint32_t i = 0; i < s->n; i++) {
                uint64_t e = s->v[i].e;
                if (races(g, e, bytes)) {
                    if (nfound < MAX_PENDING) found[nfound++] = (pending){e, false, s->v[i].pc};
                    s->v[k++] = s->v[i]; /* (kept: reported once per pc pair) */
                } else if (!superseded(g, e, bytes)) {
                    s->v[k++] = s->v[i]; /* bytes we did not write, or unordered: still needed */
                }
            }
            s->n = k;
            if (k == 0) {
                __libc_free(s);
                atomic_store_explicit(&c->r, 0, memory_order_relaxed);
            }
        } else if (r) {
            if (races(g, r, bytes)) found[nfound++] = (pending){r, false, pcs->rpc};
            else if (superseded(g, r, bytes)) atomic_store_explicit(&c->r, 0, memory_order_relaxed);
        }
        uint64_t keep = same_epoch(g, w, bytes) ? ep_bytes(w) : 0;
        atomic_store_explicit(&c->w, me | keep, memory_order_relaxed);
        pcs->wpc = pc32;
    } else if (r & EP_SHARED) {
        rset *s = (rset *)(uintptr_t)(r & ~EP_SHARED);
        uint32_t k = 0;
        bool placed = false;
        for (uint32_t i = 0; i < s->n; i++) {
            uint64_t e = s->v[i].e;
            if (same_epoch(g, e, bytes)) { /* ours, this epoch: merge the bytes */
                s->v[k].e = me | ep_bytes(e);
                s->v[k++].pc = pc32;
                placed = true;
            } else if (superseded(g, e, bytes)) {
                continue; /* ours or before this read, which covers its bytes */
            } else {
                s->v[k++] = s->v[i];
            }
        }
        s->n = k;
        if (!placed && s->n >= RSET_MAX) { /* full: take the place of one reader */
            uint32_t i = g->slot % RSET_MAX;
            s->v[i].e = me;
            s->v[i].pc = pc32;
        } else if (!placed) {
            if (s->n == s->cap) {
                rset *n = rset_grow(s);
                if (n != s) atomic_store_explicit(&c->r, EP_SHARED | (uintptr_t)n, memory_order_relaxed);
                s = n;
            }
            if (s->n < s->cap) {
                s->v[s->n].e = me;
                s->v[s->n++].pc = pc32;
            }
        }
    } else if (!r || same_epoch(g, r, bytes) || superseded(g, r, bytes)) {
        uint64_t keep = r && same_epoch(g, r, bytes) ? ep_bytes(r) : 0;
        atomic_store_explicit(&c->r, me | keep, memory_order_relaxed);
        pcs->rpc = pc32;
    } else {
        rset *s = rset_grow(NULL);
        if (s) {
            s->v[0].e = r;
            s->v[0].pc = pcs->rpc;
            s->v[1].e = me;
            s->v[1].pc = pc32;
            s->n = 2;
            atomic_store_explicit(&c->r, EP_SHARED | (uintptr_t)s, memory_order_relaxed);
        }
    }
    unlock(a);
    for (int i = 0; i < nfound; i++) {
        uint64_t common = ep_bytes(found[i].e) & ep_bytes(bytes);
        unsigned lo = (unsigned)__builtin_ctzll(common >> EP_BYTES_SHIFT);
        unsigned hi = 64 - (unsigned)__builtin_clzll(common >> EP_BYTES_SHIFT);
        race_found(g, (a & ~(uintptr_t)7) + lo, hi - lo, write, (bytes & EP_ATOMIC) != 0, pc,
                   found[i].e, found[i].write, found[i].pc);
    }
}

void race_access_slow(race_g *g, rcell *c, uintptr_t a, uint64_t bytes, bool write, uintptr_t pc) {
    if (!try_quick(g, c, sh_pcs(c, a), bytes, write, (uint32_t)pc)) access_locked(g, c, a, bytes, write, pc);
}

void race_access_range(race_g *g, uintptr_t a, size_t n, bool write, uintptr_t pc) {
    if (!n || !race_addr_ok(a) || (a + n) >> SH_APP_BITS) return;
    uintptr_t end = a + n;
    while (a < end) {
        uintptr_t gend = (a & ~(uintptr_t)7) + 8;
        unsigned k = (unsigned)((end < gend ? end : gend) - a);
        race_access1(g, a, k, write, pc);
        a += k;
    }
}

void race_access_atomic(race_g *g, uintptr_t a, unsigned n, bool write, uintptr_t pc) {
    if (!race_addr_ok(a) || (a & 7) + n > 8) return;
    uint64_t bytes = (uint64_t)(((1u << n) - 1) << (a & 7)) << EP_BYTES_SHIFT | EP_ATOMIC;
    race_access_slow(g, sh_cell(a), a, bytes, write, pc);
}
