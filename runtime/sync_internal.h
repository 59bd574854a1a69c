/*
 * sync_internal.h — shared internals of the sync, context, time and signal
 * parts of the runtime (internal; not for pattern programs).
 */
#ifndef CS_SYNC_INTERNAL_H
#define CS_SYNC_INTERNAL_H

#include <stddef.h>

#include "scheduler.h"
#include "trace_hooks.h"

/* Goroutine id for events emitted on behalf of `g` (0: the runtime). */
static inline int64_t cs_gid_of(cs_g *g) { return g ? g->id : 0; }

/* Memory the runtime never frees implicitly (contexts, timers, errors: what
 * Go's collector would own).  Zeroed.  Every block stays reachable from one
 * global list, so leak checkers do not mistake it for a leak. */
void *cs_alloc_kept(size_t size);
char *cs_strdup_kept(const char *s);

/* Per-queue scratch words for primitives whose public struct has no room
 * for more state (WaitGroup: waiters still returning; Cond: tickets).
 * Guarded by q->lock; zero when the queue is created. */
int64_t *cs_waitq_aux(cs_waitq *q);

/* cs_waitq_park() that may queue at the front (a woken goroutine that lost
 * the race for a mutex goes back first, as in Go). */
void cs_waitq_park_at(cs_waitq *q, cs_waiter *w, bool front, int reason, int64_t obj,
                      cs_site site);

/* First use of a sync object at `addr`: remember the address.  If the object
 * was used before at another address it is a copy: report it once
 * (EV_MISUSE MISUSE_LOCK_COPIED and a copylocks-style warning on stderr),
 * then make it a lock of its own — new object id, its own wait queue (the
 * copied state, e.g. "locked", is kept, as in Go).  Must run before the
 * operation reads *idp or *qp. */
void cs_sync_home(_Atomic(void *) *selfp, void *addr, _Atomic(int64_t) *idp,
                  struct cs_waitq **qp, int type, const char *name, const char *what,
                  cs_site site);

/* The inner mutex of a Once (mutex.c): untraced, blocking with `reason` on
 * object `block_obj` so the deadlock dump says what the goroutine waits for. */
void cs_mutex_lock_as(mutex_t *m, int reason, int64_t block_obj, cs_site site);
void cs_mutex_unlock_quiet(mutex_t *m, cs_site site);

/* ---- timers (time.c): one runtime thread, a min-heap by deadline ------- */
typedef void (*cs_timer_func)(void *arg);
typedef struct cs_rtimer cs_rtimer;
/* Call fn(arg) on the timer thread at monotonic time `when` (ns).  fn must
 * not block and must act as the runtime (no cs_getg()).  The timer counts
 * as an external wake source until it has run or is cancelled. */
cs_rtimer *cs_timer_after_func(int64_t when, cs_timer_func fn, void *arg);
/* when + d, saturated at INT64_MAX: a deadline past the end of int64 time
 * is "never" (Go's time.Duration arithmetic does the same), not a negative
 * time that fires at once.  d <= 0 gives `when` (already due). */
static inline int64_t cs_deadline_add(int64_t when, int64_t d) {
    if (d <= 0) return when;
    return when > INT64_MAX - d ? INT64_MAX : when + d;
}
/* Cancel; true if it had not started running.  (Timers are kept memory:
 * cancelling one that already ran is fine.) */
bool cs_timer_cancel(cs_rtimer *t);

#endif
