/*
 * race_hooks.h — where the runtime tells the race detector (race/) what
 * the trace events cannot: which goroutine a thread runs, and the few
 * happens-before edges that have no event.
 *
 * Only libchanscope-race.a is compiled with -DCS_RACE; in every other
 * build these macros are empty and cost nothing.  Everything else the
 * detector learns from the runtime's trace events: under CS_RACE every
 * CS_EV reaches cs_trace_event_g (CS_TRACING() is 1, trace_hooks.h),
 * which hands it to cs_race_event() first (tracer/trace_buf.c).
 */
#ifndef CS_RACE_HOOKS_H
#define CS_RACE_HOOKS_H

#include <stddef.h>
#include <stdint.h>

#ifdef CS_RACE
/* Every runtime event, with the goroutine it is for (race/hb.c). */
void cs_race_event(int64_t gid, int kind, int64_t obj, int64_t a, int64_t b, int64_t c,
                   int64_t d);
/* This thread now runs goroutine gid (0: the scheduler, nothing checked). */
void cs_race_switch(int64_t gid);
/* Happens-before through object obj with no event of its own.  The
 * pseudo object CS_RACE_IOSYNC is Go's ioSync: every socket write releases
 * it and every socket read acquires it (data written before a write is
 * seen by the goroutine that reads it, whichever connection). */
#define CS_RACE_IOSYNC (-1)
void cs_race_release(int64_t obj);
void cs_race_acquire(int64_t obj);
/* The runtime (goroutine 0: a timer callback) acts for object obj until
 * cs_race_runtime_end: its events carry obj's clock (what was released
 * into obj, e.g. by starting the timer). */
void cs_race_runtime_as(int64_t obj);
void cs_race_runtime_end(void);
#define CS_RACE_SWITCH(gid) cs_race_switch(gid)
#define CS_RACE_RUNTIME_AS(obj) cs_race_runtime_as(obj)
#define CS_RACE_RUNTIME_END() cs_race_runtime_end()
#define CS_RACE_RELEASE(obj) cs_race_release(obj)
#define CS_RACE_ACQUIRE(obj) cs_race_acquire(obj)
#else
#define CS_RACE_SWITCH(gid) ((void)0)
#define CS_RACE_RUNTIME_AS(obj) ((void)0)
#define CS_RACE_RUNTIME_END() ((void)0)
#define CS_RACE_RELEASE(obj) ((void)0)
#define CS_RACE_ACQUIRE(obj) ((void)0)
#endif

#endif
