/*
 * scheduler.h — goroutines, parking, and global deadlock detection (internal).
 *
 * Goroutines are coroutines with their own stacks, run by a few threads in
 * Go's G/M/P model (proc.c explains it): a G (cs_g) is a goroutine, an M a
 * worker thread, a P the right to run goroutines (GOMAXPROCS of them).
 * Every block, wake and hand-off in the runtime goes through cs_park_wait()
 * and cs_ready(): that single place is where the scheduler decides who runs
 * next (and where a deterministic scheduler can later decide it).
 *
 * Parking protocol (the invariant every primitive relies on):
 *   1. The waiter publishes itself (a sudog on a channel queue, an entry on a
 *      wait queue) while holding that object's lock.
 *   2. Still holding the lock, it calls cs_park_prepare(): this counts it as
 *      blocked for deadlock detection.  Doing this *before* the unlock means
 *      no waker can find the waiter (and un-count it) before it is counted.
 *   3. It unlocks, then calls cs_park_wait(): the goroutine switches to its
 *      M's scheduler, which runs another goroutine on the thread.
 *   A waker finds the waiter under the same lock, removes it (so exactly one
 *   waker owns it), records what happened in the waiter's sudog/entry, and
 *   after unlocking calls cs_ready(g): un-count, then make g runnable (the
 *   current P's runnext slot, so the readied goroutine runs next).  Because
 *   only the one owner of the waiter calls cs_ready, every park is matched
 *   by exactly one ready.
 *
 * The early wake.  Step 3 unlocks before the goroutine has left its stack,
 * so cs_ready can come while the waiter is still running.  g->status says
 * where it is (all transitions are CAS):
 *
 *   RUNNING --park_wait--> PARKING --its M's g0, once off the stack--> PARKED
 *   PARKED  --cs_ready--> RUNNABLE --an M runs it--> RUNNING
 *   RUNNING or PARKING --cs_ready--> READY_EARLY: cs_park_wait (RUNNING) or
 *       the g0 (PARKING) sees the CAS fail, and the goroutine simply goes on
 *       running (the g0 switches straight back to it).
 *
 * Invariants:
 *   - A goroutine runs on at most one M: only the M whose g0 took it from a
 *     run queue (or from READY_EARLY) switches to it, g->m is set by that g0
 *     before the switch and cleared by it after the goroutine switched out;
 *     execute() checks g->m is NULL first (a fatal error otherwise).
 *   - A goroutine is in at most one run queue, and only when RUNNABLE.
 *   - Runtime code does not cache a thread-local address across a park: the
 *     goroutine may come back on another thread (cs_getm() is an opaque
 *     call for this reason).
 *   - Locks held across cs_park_wait: none.  Runtime locks (channel locks,
 *     wait-queue mutexes) are held only by running goroutines, so blocking
 *     the thread on them is brief.
 *
 * Threads the runtime did not create (a C library's callback thread) become
 * "foreign" goroutines on their first call: they have no P and park on a
 * futex (g->wakeword) instead of switching; while one exists, it counts as a
 * wake source, so no global deadlock is declared (Go does the same for cgo).
 */
#ifndef CS_SCHEDULER_H
#define CS_SCHEDULER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "chanscope.h"
#include "det.h"
#include "stack.h"

typedef struct cs_g cs_g;

struct cs_g {
    int64_t id;
    char *name;             /* owned */
    int64_t parent;
    cs_site go_site;        /* the go statement */
    go_func fn;
    void *arg;

    _Atomic uint32_t status;   /* enum cs_gstatus, see "The early wake" */
    _Atomic int select_done;   /* select: one-shot claim among its sudogs */
    int64_t waker;             /* who readied us (written before the wake) */
    /* Tracing's logical clocks (tracer/trace_buf.c): lc, the thread clock
     * when it last left a thread (or its creator's), joined where it runs
     * next; wake_lc, its waker's at the wake, joined when the park returns. */
    uint64_t lc, wake_lc;
    void *param;               /* channels: the sudog that completed (set by
                                  the waker before cs_ready) */
    bool park_uncounted;       /* this park is not counted blocked (sleep) */
    bool foreign;              /* a thread of its own: parks on wakeword */
    _Atomic uint32_t wakeword; /* foreign goroutines: futex, 1 once readied */

    /* What it is blocked on, for the deadlock dump.  Written by the goroutine
     * itself before it is counted blocked; read only by the deadlock report,
     * which runs when every goroutine is counted blocked. */
    int block_reason;          /* enum cs_block_reason, 0 when running */
    int64_t block_obj;
    cs_site block_site;

    cs_g *all_next, *all_prev; /* registry of live goroutines */
    uint64_t rng;              /* per-goroutine PRNG state (select order) */
    uint64_t det_prio;         /* deterministic mode, PCT: its priority */

    /* Scheduler (proc.c). */
    void *sp;                  /* saved stack pointer while switched out */
    struct cs_stack stack;     /* its stack (kind NONE: a thread's own) */
    _Atomic(struct cs_m *) m;  /* the M running it, NULL when off-CPU */
    cs_g *schedlink;           /* global run queue link */
    void *tsan_fiber;          /* ThreadSanitizer fiber (sanitized builds) */
    /* The preemption check's fast path (cs_enter): while the goroutine
     * runs, p_state is the state word of the P its M holds and p_running
     * the value it has while that P is still ours (proc.c writes both, on
     * this goroutine's own thread, whenever its M takes a P for it).  NULL
     * (a foreign goroutine, or none yet): always the slow path. */
    _Atomic uint64_t *p_state;
    uint64_t p_running;
};

enum cs_gstatus {
    G_IDLE = 0,      /* being created */
    G_RUNNABLE = 1,  /* in a run queue (or about to be) */
    G_RUNNING = 2,
    G_PARKING = 3,   /* in cs_park_wait, switching out */
    G_PARKED = 4,    /* off-CPU, waiting for its cs_ready */
    G_READY_EARLY = 5, /* readied while RUNNING/PARKING: does not sleep */
};

/* The current goroutine.  A thread that was not started by go() becomes a
 * goroutine on its first runtime call (the first such thread is main, id 1). */
cs_g *cs_getg(void);

/* Park protocol, see above. */
void cs_park_prepare(cs_g *g, int reason, int64_t obj, cs_site site);
void cs_park_wait(cs_g *g);
/* The switch-out of cs_park_wait without its trace event, for a park that
 * is not counted blocked (time_sleep: set g->park_uncounted first). */
void cs_park_switch(cs_g *g);
/* Make g runnable; waker is the goroutine doing it (NULL: timer/runtime). */
void cs_ready(cs_g *g, cs_g *waker);

/* Timers (time.c), run by the scheduler (proc.c): the earliest deadline
 * (INT64_MAX: none), running the due ones (returns the next deadline), and
 * the scheduler's hook for an earlier deadline (called under time.c's lock). */
extern _Atomic int64_t cs_timer_next;
int64_t cs_timers_run(void);
void cs_sched_timer_changed(int64_t when);

/* Timers and other external wake sources (signal channels): while any is
 * pending, "every goroutine blocked" is not a deadlock. */
void cs_sources_add(int delta);

/* Failure paths.  All print a Go-shaped message to stderr, record it in the
 * trace, flush the trace and exit with status 2. */
CS_NORETURN void cs_panic_misuse(cs_site site, int misuse, int64_t obj, const char *msg);
CS_NORETURN void cs_fatal_misuse(cs_site site, int misuse, int64_t obj, const char *msg);
/* End the process: record reason/status in the trace, flush, _exit. */
CS_NORETURN void cs_exit_now(const char *reason, int status);

/* Fast per-goroutine random number in [0, n). */
uint32_t cs_fastrandn(cs_g *g, uint32_t n);

/* Monotonic clock in ns (CLOCK_MONOTONIC). */
int64_t cs_nanotime(void);

/* CHANSCOPE_DEBUG=flag,flag: switches for measuring the scheduler's design
 * choices (like Go's GODEBUG); read once.  nospin: an idle M looks for work
 * once and sleeps, never spinning; norunnext: a readied goroutine goes to
 * the tail of the run queue instead of running next; canarystacks: stacks
 * without guard pages, checked by canary (stack.c's fallback, for tests). */
enum { CS_DEBUG_NOSPIN = 1, CS_DEBUG_NORUNNEXT = 2, CS_DEBUG_CANARYSTACKS = 4,
       CS_DEBUG_NORETAKE = 8 /* sysmon takes a P only from a marked system call */ };
bool cs_debug(int flag);

/* May a goroutine that waits for a lock spin once more (round i, from 0)?
 * Only a few rounds, only if another P is running (the holder may be
 * there) and this P has no other goroutine waiting (Go's canSpin). */
bool cs_can_spin(int i);

/* A safe point, at the start of the hot API calls (no runtime lock held;
 * they reach it through cs_enter below, only when the P check fails):
 * if sysmon gave this goroutine's P to another thread (it ran too long, or
 * blocked its thread), it waits in the global queue for a P, so that no more
 * than GOMAXPROCS goroutines run at once for long (Go preempts instead). */
void cs_preempt_point(void);

/* The entry of a hot API call: the scheduling point (deterministic mode:
 * cs_det_point, first, as before), then the current goroutine, whose P is
 * checked with one load and a compare (cs_preempt_point only when sysmon
 * took it).  A goroutine keeps its cs_g across switches, so the caller may
 * keep the returned pointer. */
static inline cs_g *cs_enter(void) {
    if (__builtin_expect(cs_det_on, 0)) {
        cs_det_point();
        return cs_getg();
    }
    cs_g *g = cs_getg();
    _Atomic uint64_t *w = g->p_state;
    if (__builtin_expect(!w || atomic_load_explicit(w, memory_order_relaxed) != g->p_running, 0))
        cs_preempt_point();
    return g;
}

/* cs_entersyscall/cs_exitsyscall (public: chanscope.h, syscall_blocking)
 * bracket a call that may block its thread. */

/* Human name of a block reason, Go's wording ("chan receive", ...). */
const char *cs_block_reason_name(int reason);

/* ---- wait queue: the building block of sync primitives ---------------- */

/* A FIFO of parked goroutines guarded by its own mutex.  Each primitive
 * keeps its state under q->lock and parks with cs_waitq_park(), which
 * releases q->lock after counting the goroutine blocked. */
typedef struct cs_waiter {
    cs_g *g;
    struct cs_waiter *next;
    intptr_t tag;          /* primitive-specific (reader/writer, weight) */
    intptr_t result;       /* set by the waker before cs_ready */
} cs_waiter;

typedef struct cs_waitq {
    pthread_mutex_t lock;
    cs_waiter *head, *tail;
} cs_waitq;

/* Lazily allocate *qp (sync types are zero-initialised). Thread-safe. */
cs_waitq *cs_waitq_get(struct cs_waitq **qp);
/* With q->lock held: enqueue w (for the current goroutine), count blocked,
 * unlock, park.  Returns with q->lock NOT held. */
void cs_waitq_park(cs_waitq *q, cs_waiter *w, int reason, int64_t obj, cs_site site);
/* With q->lock held: dequeue the first waiter (or NULL). */
cs_waiter *cs_waitq_pop(cs_waitq *q);
/* With q->lock held: remove a specific waiter; true if it was queued. */
bool cs_waitq_remove(cs_waitq *q, cs_waiter *w);

/* Object ids of zero-initialised sync types, assigned on first use; the
 * first use also registers the object in the trace. */
int64_t cs_lazy_id(_Atomic(int64_t) *idp, int type, const char *name, cs_site site);
/* Check the object has not been copied since first use (records misuse). */
void cs_check_copy(_Atomic(void *) *selfp, void *addr, int64_t id, const char *what, cs_site site);

#endif
