/*
 * spinlock.h — the lock that guards a channel (internal).
 *
 * Channel critical sections are a few dozen instructions, so a lock that
 * spins briefly before sleeping beats a pthread mutex under contention.
 * This is Drepper's three-state futex mutex ("Futexes Are Tricky", mutex3):
 *   0 unlocked, 1 locked, 2 locked and someone may sleep in the kernel.
 * Acquire/release orderings on `v` give the happens-before edges that
 * ThreadSanitizer checks, exactly as a pthread mutex would.
 */
#ifndef CS_SPINLOCK_H
#define CS_SPINLOCK_H

#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "trace_hooks.h"

typedef struct cs_lock {
    _Atomic uint32_t v;
    uint64_t lc; /* tracing: the logical clock of the last holder (holders only) */
} cs_lock;

/* Tracing: a holder's events come after every event of the previous
 * holders, because the lock carries their thread's clock (cs_lc_acquire /
 * cs_lc_release, trace_hooks.h). */

#define CS_LOCK_SPIN 100

static inline void cs_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static inline void cs_lock_slow(cs_lock *l) {
    for (int i = 0; i < CS_LOCK_SPIN; i++) {
        cs_cpu_relax();
        uint32_t z = 0;
        if (atomic_load_explicit(&l->v, memory_order_relaxed) == 0 &&
            atomic_compare_exchange_weak_explicit(&l->v, &z, 1, memory_order_acquire,
                                                  memory_order_relaxed))
            return;
    }
    /* Mark "maybe sleepers" and sleep until we take it from 0. */
    while (atomic_exchange_explicit(&l->v, 2, memory_order_acquire) != 0)
        syscall(SYS_futex, (uint32_t *)&l->v, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 2, NULL, NULL, 0);
}

static inline void cs_lock_acquire(cs_lock *l) {
    uint32_t z = 0;
    if (!__builtin_expect(atomic_compare_exchange_strong_explicit(
                              &l->v, &z, 1, memory_order_acquire, memory_order_relaxed),
                          1))
        cs_lock_slow(l);
    if (CS_LC_ON()) cs_lc_acquire(&l->lc);
}

static inline void cs_lock_release(cs_lock *l) {
    if (CS_LC_ON()) cs_lc_release(&l->lc);
    if (atomic_exchange_explicit(&l->v, 0, memory_order_release) == 2)
        syscall(SYS_futex, (uint32_t *)&l->v, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
}

#endif
