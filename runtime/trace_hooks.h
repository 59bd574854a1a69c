/*
 * trace_hooks.h — the one interface between the runtime and the tracer.
 *
 * The runtime calls CS_EV(...) at every observable step.  When tracing is
 * off this is one predictable branch on a global flag.  When it is on, the
 * tracer stamps the event *at the call* with the thread's logical clock,
 * which meets other threads' clocks where the runtime synchronises
 * (tracer/trace_buf.c), so the runtime must call CS_EV inside the critical
 * section that makes the step visible: a release event before the release,
 * an acquire event after the acquire.  That is what makes seq order respect
 * causality (a send's completion is logged before its receive's, unlock n
 * before lock n+1).
 *
 * Argument meaning per kind is written once, in format/trace.def (the
 * contract; docs/trace-format.md explains it); its numbers are stored in
 * traces and are never renumbered.
 */
#ifndef CS_TRACE_HOOKS_H
#define CS_TRACE_HOOKS_H

#include <stdatomic.h>
#include <stdint.h>

#include "chanscope.h"

/* The event kinds (EV_*), block reasons (BLOCK_*), chan flags (CS_EVF_*),
 * misuse codes (MISUSE_*) and object types (OBJ_*), with what each field of
 * each kind means: the trace contract, format/trace.def. */
#include "../format/trace_format.h"

/* 1 while a trace is being recorded.  Set once before main, never cleared
 * while goroutines run (the tracer's shutdown sets it to 0 under its own
 * lock after the last flush). */
extern _Atomic int cs_tracing;
#ifdef CS_RACE
/* The race build (race/build.mk): every event reaches cs_trace_event_g,
 * which feeds the race detector and records it only if tracing. */
#define CS_TRACING() 1
#else
#define CS_TRACING() (__builtin_expect(atomic_load_explicit(&cs_tracing, memory_order_relaxed), 0))
#endif

/* Emit one event for the current goroutine.  Takes the thread's clock. */
void cs_trace_event(int kind, int64_t obj, int64_t a, int64_t b, int64_t c, int64_t d,
                    const char *s, cs_site site);
/* Same, attributed to goroutine gid (for events the timer thread emits on
 * behalf of nobody: gid 0). */
void cs_trace_event_g(int64_t gid, int kind, int64_t obj, int64_t a, int64_t b, int64_t c,
                      int64_t d, const char *s, cs_site site);
/* Goroutine gid begins an operation on channel chan (kind: EV_CHAN_SEND_BEGIN
 * or EV_CHAN_RECV_BEGIN), before taking its lock: the tracer keeps it, with
 * its time stamp, until the operation completes (one record) or blocks
 * (tracer/trace_buf.c).  CS_EV with fewer arguments. */
void cs_trace_chan_begin(int64_t gid, int kind, int64_t chan, cs_site site);
/* A chan_send or chan_recv (kind) of goroutine gid, under the channel's
 * lock: cs_trace_event_g's arguments without the text.  The completion of
 * the operation the thread began (same goroutine, channel and site) takes
 * its clock here and its record is written by cs_trace_commit, once the
 * lock is let go: call that after every release of a channel's lock
 * (chan_unlock, runtime/chan.c). */
void cs_trace_chan_done(int64_t gid, int kind, int64_t chan, int64_t a, int64_t b, int64_t c,
                        int64_t d, cs_site site);
void cs_trace_commit(void);
/* Register an object (row in `objects`).  Name may be NULL. */
void cs_trace_object(int64_t id, int type, const char *name, cs_site site, int64_t a,
                     int64_t b);
/* Record the end of the program and flush everything; idempotent. */
void cs_trace_finish(const char *reason, int status);
/* For cs_trace_finish (runtime/exit.c): who ended the program (goroutine
 * id; 0 the runtime) and by which signal (0 none).  From this call on, a
 * fatal signal kills at once instead of waiting for the flush. */
void cs_trace_end_info(int64_t *gid, int *sig);

#define CS_EV(kind, obj, a, b, c, d, site)                                     \
    do {                                                                       \
        if (CS_TRACING()) cs_trace_event((kind), (obj), (a), (b), (c), (d), NULL, (site)); \
    } while (0)
#define CS_EVS(kind, obj, a, b, s, site)                                       \
    do {                                                                       \
        if (CS_TRACING()) cs_trace_event((kind), (obj), (a), (b), 0, 0, (s), (site)); \
    } while (0)

/* The calling thread's logical clock (tracer/trace_buf.c): read it when a
 * goroutine leaves the thread or readies another, join a clock where a
 * goroutine resumes.  Out of line: never keep a thread-local address across
 * a switch (proc.h). */
uint64_t cs_lc_now(void);
void cs_lc_join(uint64_t clock);
/* A lock's clock (cs_lock.lc, spinlock.h): joined by each new holder,
 * set by each holder as it lets go. */
void cs_lc_acquire(const uint64_t *lock_clock);
void cs_lc_release(uint64_t *lock_clock);
/* Recording now (not CS_TRACING(), which the race build makes 1 always:
 * its detector needs the events, not the clocks). */
#define CS_LC_ON() __builtin_expect(atomic_load_explicit(&cs_tracing, memory_order_relaxed), 0)

/* New object id (global space shared by every object type; 0 = none). */
int64_t cs_new_object_id(void);

#endif
