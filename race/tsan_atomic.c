/*
 * tsan_atomic.c — ThreadSanitizer's atomic entry points
 * (tsan_interface_atomic.h): __tsan_atomic{8,16,32,64,128}_{load,store,
 * exchange,fetch_add,fetch_sub,fetch_and,fetch_or,fetch_xor,fetch_nand,
 * compare_exchange_strong,compare_exchange_weak,compare_exchange_val},
 * __tsan_atomic_thread_fence, __tsan_atomic_signal_fence.
 *
 * Each atomic address has a release clock (a hash table of addresses,
 * striped locks).  The operation is done under its stripe lock together
 * with the clock update, so the clock order is the operation order.  The
 * C memory order given is honoured: an acquire-ish order (acquire,
 * consume, acq_rel, seq_cst) on a load or read-modify-write joins the
 * address's clock into the goroutine's; a release-ish one (release,
 * acq_rel, seq_cst) on a store or read-modify-write joins the goroutine's
 * into the address's.  A relaxed operation synchronises nothing.  (Go's
 * sync/atomic is always seq_cst: store → load is a happens-before edge.)
 * The operation is done seq_cst whatever was asked: stronger than needed,
 * never weaker.
 *
 * Each operation is also recorded in the shadow as an atomic access: it
 * never races with another atomic access, but does with a plain access it
 * is not ordered with (as in Go).  A failed compare-exchange is a read.
 */
#include <stdint.h>

#include "race_internal.h"

enum { MO_RELAXED, MO_CONSUME, MO_ACQUIRE, MO_RELEASE, MO_ACQ_REL, MO_SEQ_CST };

#define BUCKETS 16384
typedef struct aentry {
    uintptr_t addr;
    rvc *L;
    struct aentry *next;
} aentry;
static struct {
    _Atomic int lock;
    aentry *head;
} buckets[BUCKETS];

static inline unsigned bucket_of(const volatile void *a) {
    return (unsigned)(((uintptr_t)a >> 3) * UINT64_C(0x9E3779B97F4A7C15) >> 50) % BUCKETS;
}

static aentry *entry(unsigned b, uintptr_t a) {
    for (aentry *e = buckets[b].head; e; e = e->next)
        if (e->addr == a) return e;
    aentry *e = __libc_calloc(1, sizeof *e);
    if (!e) return NULL;
    e->addr = a;
    e->next = buckets[b].head;
    buckets[b].head = e;
    return e;
}

static inline bool acq(int mo) { return mo == MO_ACQUIRE || mo == MO_CONSUME || mo == MO_ACQ_REL || mo == MO_SEQ_CST; }
static inline bool rel(int mo) { return mo == MO_RELEASE || mo == MO_ACQ_REL || mo == MO_SEQ_CST; }

/* Begin/end an atomic operation at a with order mo: returns the bucket
 * locked (or -1: nothing to synchronise). */
static inline int op_begin(const volatile void *a, int mo, bool is_load, bool is_store, aentry **ep) {
    race_g *g = race_cur;
    if (!g || mo == MO_RELAXED) return -1;
    if (is_store && !rel(mo)) return -1;
    if (is_load && !acq(mo)) return -1;
    unsigned b = bucket_of(a);
    while (atomic_exchange_explicit(&buckets[b].lock, 1, memory_order_acquire))
        while (atomic_load_explicit(&buckets[b].lock, memory_order_relaxed)) __builtin_ia32_pause();
    aentry *e = entry(b, (uintptr_t)a);
    *ep = e;
    if (e && !is_store && acq(mo)) race_acquire(g, e->L);
    return (int)b;
}

/* After the operation: record it as an atomic access (after its acquire,
 * before its release), then release. */
static inline void op_end(int b, aentry *e, const volatile void *a, unsigned n, int mo,
                          bool is_load, uintptr_t pc) {
    race_g *g = race_cur;
    if (g) race_access_atomic(g, (uintptr_t)a, n, !is_load, pc);
    if (b < 0) return;
    if (e && g && !is_load && rel(mo)) race_release(g, &e->L);
    atomic_store_explicit(&buckets[b].lock, 0, memory_order_release);
}

#define SC __ATOMIC_SEQ_CST
#define PC() ((uintptr_t)__builtin_return_address(0))

#define ATOMICS(N, T)                                                                          \
    T __tsan_atomic##N##_load(const volatile T *a, int mo) {                                   \
        aentry *e = NULL;                                                                      \
        int b = op_begin(a, mo, true, false, &e);                                              \
        T v = __atomic_load_n(a, SC);                                                          \
        op_end(b, e, a, sizeof(T), mo, true, PC());                                                                \
        return v;                                                                              \
    }                                                                                          \
    void __tsan_atomic##N##_store(volatile T *a, T v, int mo) {                                \
        aentry *e = NULL;                                                                      \
        int b = op_begin(a, mo, false, true, &e);                                              \
        __atomic_store_n(a, v, SC);                                                            \
        op_end(b, e, a, sizeof(T), mo, false, PC());                                                               \
    }                                                                                          \
    RMW(N, T, exchange, __atomic_exchange_n)                                                   \
    RMW(N, T, fetch_add, __atomic_fetch_add)                                                   \
    RMW(N, T, fetch_sub, __atomic_fetch_sub)                                                   \
    RMW(N, T, fetch_and, __atomic_fetch_and)                                                   \
    RMW(N, T, fetch_or, __atomic_fetch_or)                                                     \
    RMW(N, T, fetch_xor, __atomic_fetch_xor)                                                   \
    RMW(N, T, fetch_nand, __atomic_fetch_nand)                                                 \
    int __tsan_atomic##N##_compare_exchange_strong(volatile T *a, T *c, T v, int mo, int fmo) { \
        (void)fmo;                                                                             \
        aentry *e = NULL;                                                                      \
        int b = op_begin(a, mo, false, false, &e);                                             \
        int ok = __atomic_compare_exchange_n(a, c, v, false, SC, SC);                          \
        op_end(b, e, a, sizeof(T), mo, !ok, PC());                                                                 \
        return ok;                                                                             \
    }                                                                                          \
    int __tsan_atomic##N##_compare_exchange_weak(volatile T *a, T *c, T v, int mo, int fmo) {  \
        return __tsan_atomic##N##_compare_exchange_strong(a, c, v, mo, fmo);                   \
    }                                                                                          \
    T __tsan_atomic##N##_compare_exchange_val(volatile T *a, T c, T v, int mo, int fmo) {      \
        __tsan_atomic##N##_compare_exchange_strong(a, &c, v, mo, fmo);                         \
        return c;                                                                              \
    }

#define RMW(N, T, NAME, BUILTIN)                                                               \
    T __tsan_atomic##N##_##NAME(volatile T *a, T v, int mo) {                                  \
        aentry *e = NULL;                                                                      \
        int b = op_begin(a, mo, false, false, &e);                                             \
        T old = BUILTIN(a, v, SC);                                                             \
        op_end(b, e, a, sizeof(T), mo, false, PC());                                                               \
        return old;                                                                            \
    }

/* (prototypes: -Wmissing-prototypes is not on; these are called by
 * instrumented code only) */
ATOMICS(8, uint8_t)
ATOMICS(16, uint16_t)
ATOMICS(32, uint32_t)
ATOMICS(64, uint64_t)
/* (no 128-bit forms: clang emits them only with -mcx16, and they would
 * need libatomic) */

void __tsan_atomic_thread_fence(int mo) {
    (void)mo;
    __atomic_thread_fence(SC);
}
void __tsan_atomic_signal_fence(int mo) {
    (void)mo;
    __atomic_signal_fence(SC);
}
