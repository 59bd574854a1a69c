/*
 * sched.c — parking, waking, and global deadlock detection (the run
 * queues and threads are in proc.c).
 *
 * Deadlock detection.  Go reports "all goroutines are asleep" when no
 * goroutine can run and no timer can fire.  We keep three counts in ONE
 * atomic word so that a single read-modify-write sees a consistent snapshot:
 *
 *   live     goroutines that exist (main included; counted by cs_go before
 *            the thread starts, uncounted after the function returned)
 *   blocked  goroutines parked in a runtime primitive and not yet readied
 *   sources  things outside the goroutines that can still wake one: armed
 *            timers and registered signal channels
 *
 * blocked == live && sources == 0 can only become true at one of three
 * transitions — a goroutine parks (blocked+1), a goroutine ends (live-1), a
 * source goes away (sources-1) — so we test exactly there.  It is a stable
 * state: only a running goroutine or a source can ready a parked one, and
 * there are none.  Wakers un-count the goroutine they wake *before* they can
 * park themselves (cs_ready runs before the waker's next operation), so the
 * condition never holds while a wake-up is in flight.  A goroutine blocked in
 * a system call (accept, read) is not parked, hence not blocked: as in Go,
 * that is not a deadlock.  A sleeping goroutine parks but is not counted
 * (g->park_uncounted): its timer will wake it, as before.  The counts are
 * about goroutines, not threads, so they stay exact on M:N: which thread
 * runs what never enters them.
 */
#include <errno.h>
#include <sched.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "det.h"
#include "goroutine.h"
#include "proc.h"
#include "scheduler.h"
#include "trace_hooks.h"

#define COUNT_BITS 21
#define COUNT_MASK ((UINT64_C(1) << COUNT_BITS) - 1)
#define LIVE_ONE (UINT64_C(1))
#define BLOCKED_ONE (UINT64_C(1) << COUNT_BITS)
#define SOURCE_ONE (UINT64_C(1) << (2 * COUNT_BITS))

static _Atomic uint64_t counts;
static _Atomic int64_t next_object_id = 1;

/* Wake word states (cs_g.wakeword, foreign goroutines only). */
enum { WAKE_NONE = 0, WAKE_READY = 1, WAKE_SLEEPING = 2 };

static _Atomic int debug_flags = -1; /* -1: CHANSCOPE_DEBUG not read yet */

bool cs_debug(int flag) {
    int f = atomic_load_explicit(&debug_flags, memory_order_relaxed);
    if (f < 0) { /* racing first readers compute the same value */
        const char *e = getenv("CHANSCOPE_DEBUG");
        f = 0;
        if (e && strstr(e, "nospin")) f |= CS_DEBUG_NOSPIN;
        if (e && strstr(e, "norunnext")) f |= CS_DEBUG_NORUNNEXT;
        if (e && strstr(e, "canarystacks")) f |= CS_DEBUG_CANARYSTACKS;
        if (e && strstr(e, "noretake")) f |= CS_DEBUG_NORETAKE;
        atomic_store_explicit(&debug_flags, f, memory_order_relaxed);
    }
    return (f & flag) != 0;
}

static void check_deadlock(uint64_t c) {
    uint64_t live = c & COUNT_MASK;
    uint64_t blocked = (c >> COUNT_BITS) & COUNT_MASK;
    uint64_t sources = c >> (2 * COUNT_BITS);
    if (live > 0 && blocked == live && sources == 0) cs_report_deadlock((int)blocked);
}

void cs_count_live(int delta) {
    uint64_t c;
    if (delta > 0) {
        atomic_fetch_add(&counts, LIVE_ONE * (uint64_t)delta);
        return;
    }
    c = atomic_fetch_sub(&counts, LIVE_ONE * (uint64_t)-delta) - LIVE_ONE * (uint64_t)-delta;
    check_deadlock(c);
}

int cs_count_live_now(void) {
    return (int)(atomic_load(&counts) & COUNT_MASK);
}

int cs_count_blocked_now(void) {
    return (int)((atomic_load(&counts) >> COUNT_BITS) & COUNT_MASK);
}

void cs_sources_add(int delta) {
    if (delta >= 0) {
        atomic_fetch_add(&counts, SOURCE_ONE * (uint64_t)delta);
        return;
    }
    uint64_t d = SOURCE_ONE * (uint64_t)-delta;
    check_deadlock(atomic_fetch_sub(&counts, d) - d);
}

int64_t cs_new_object_id(void) {
    return atomic_fetch_add_explicit(&next_object_id, 1, memory_order_relaxed);
}

void cs_park_prepare(cs_g *g, int reason, int64_t obj, cs_site site) {
    g->block_reason = reason;
    g->block_obj = obj;
    g->block_site = site;
    g->park_uncounted = false;
    CS_EV(EV_GO_BLOCK, obj, reason, 0, 0, 0, site);
    check_deadlock(atomic_fetch_add(&counts, BLOCKED_ONE) + BLOCKED_ONE);
}

/* A foreign thread (no P, nothing else to run) sleeps on its futex word. */
static void foreign_wait(cs_g *g) {
    for (;;) {
        uint32_t expect = WAKE_NONE;
        if (atomic_compare_exchange_strong_explicit(&g->wakeword, &expect, WAKE_SLEEPING,
                                                    memory_order_acquire,
                                                    memory_order_acquire) ||
            expect == WAKE_SLEEPING) {
            cs_futex_wait(&g->wakeword, WAKE_SLEEPING, NULL);
            continue;
        }
        if (expect == WAKE_READY) break;
    }
    /* Only our own next park reads this word again. */
    atomic_store_explicit(&g->wakeword, WAKE_NONE, memory_order_relaxed);
}

static void park_switch(cs_g *g) {
    if (g->foreign) {
        foreign_wait(g);
        return;
    }
    uint32_t s = G_RUNNING;
    if (atomic_compare_exchange_strong_explicit(&g->status, &s, G_PARKING, memory_order_acq_rel,
                                                memory_order_acquire)) {
        cs_mcall(ACT_PARK); /* back when readied, maybe on another thread */
        return;
    }
    if (s != G_READY_EARLY) {
        fputs("fatal error: park: bad goroutine status\n", stderr);
        _exit(2);
    }
    /* Readied between the unlock and here: no need to leave. */
    atomic_store_explicit(&g->status, G_RUNNING, memory_order_relaxed);
}

void cs_park_switch(cs_g *g) {
    park_switch(g);
    /* Woken: what follows comes after what the waker did (its clock). */
    if (CS_LC_ON()) cs_lc_join(g->wake_lc);
}

void cs_park_wait(cs_g *g) {
    cs_park_switch(g);
    g->block_reason = 0;
    CS_EV(EV_GO_UNBLOCK, 0, g->waker, 0, 0, 0, g->block_site);
}

void cs_ready(cs_g *g, cs_g *waker) {
    g->waker = waker ? waker->id : 0;
    if (CS_LC_ON()) g->wake_lc = cs_lc_now(); /* joined when its park returns */
    if (!g->park_uncounted) atomic_fetch_sub(&counts, BLOCKED_ONE);
    if (g->foreign) {
        uint32_t old = atomic_exchange_explicit(&g->wakeword, WAKE_READY, memory_order_release);
        if (old == WAKE_SLEEPING) cs_futex_wake(&g->wakeword);
        return;
    }
    uint32_t s = atomic_load_explicit(&g->status, memory_order_relaxed);
    for (;;) {
        if (s == G_PARKED) {
            if (atomic_compare_exchange_weak_explicit(&g->status, &s, G_RUNNABLE,
                                                      memory_order_acq_rel, memory_order_relaxed)) {
                cs_runq_ready(g, true);
                return;
            }
        } else if (s == G_RUNNING || s == G_PARKING) {
            if (atomic_compare_exchange_weak_explicit(&g->status, &s, G_READY_EARLY,
                                                      memory_order_acq_rel, memory_order_relaxed))
                return;
        } else {
            fputs("fatal error: ready of a goroutine that is not parked\n", stderr);
            _exit(2);
        }
    }
}

int64_t cs_nanotime(void) {
    if (__builtin_expect(!atomic_load_explicit(&cs_det_inited, memory_order_acquire), 0))
        cs_det_setup(); /* (a clock read before any other runtime call) */
    if (__builtin_expect(cs_det_on, 0)) /* virtual time (det.h) */
        return atomic_load_explicit(&cs_det_vclock, memory_order_relaxed);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

uint32_t cs_fastrandn(cs_g *g, uint32_t n) {
    /* xorshift64*; per goroutine, so no shared state. */
    uint64_t x = g->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    g->rng = x;
    return (uint32_t)(((x * UINT64_C(2685821657736338717)) >> 32) * n >> 32);
}

const char *cs_block_reason_name(int reason) {
    switch (reason) {
    case BLOCK_SEND: return "chan send";
    case BLOCK_RECV: return "chan receive";
    case BLOCK_SELECT: return "select";
    case BLOCK_LOCK: return "sync.Mutex.Lock";
    case BLOCK_RLOCK: return "sync.RWMutex.RLock";
    case BLOCK_WG_WAIT: return "sync.WaitGroup.Wait";
    case BLOCK_COND: return "sync.Cond.Wait";
    case BLOCK_SLEEP: return "sleep";
    case BLOCK_NIL_CHAN: return "chan (nil chan)";
    case BLOCK_SEMAPHORE: return "semacquire";
    case BLOCK_ONCE: return "sync.Once.Do";
    case BLOCK_IO: return "IO wait";
    default: return "running";
    }
}
