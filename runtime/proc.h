/*
 * proc.h — the M:N scheduler's internal interface between proc.c (Ms, Ps,
 * run queues), sched.c (park/ready), goroutine.c (goroutine lifecycle) and
 * stackguard.c.  See proc.c for the model.
 */
#ifndef CS_PROC_H
#define CS_PROC_H

#include <stdint.h>
#include <time.h>

#include "scheduler.h"

typedef struct cs_m cs_m;

/* What a goroutine asks its M's g0 to do when it switches out (cs_mcall). */
enum cs_mcall_action {
    ACT_PARK = 1,    /* PARKING -> PARKED, unless readied early */
    ACT_YIELD = 2,   /* back to the global run queue (go_yield) */
    ACT_EXIT = 3,    /* the goroutine is finished: free it */
    ACT_REQUEUE = 4, /* no P for it (exitsyscall, M0 start): global queue */
    ACT_GOSCHED = 5, /* deterministic go_yield: another runnable one first */
};

/* The M of the calling thread, NULL on a thread the runtime did not create.
 * An opaque call: a goroutine may resume on another thread after a switch,
 * so no caller may keep a thread-local address across one. */
cs_m *cs_getm(void);
/* The goroutine the calling thread's M is running (NULL on its g0 and on a
 * thread without an M): its m->curg.  Read it only from a function that is
 * itself never inlined into code that may switch (cs_getg). */
extern _Thread_local cs_g *cs_tls_curg;
/* The goroutine an M is running (NULL on its g0). */
cs_g *cs_m_curg(cs_m *m);
/* The M's number, for messages. */
int cs_m_id(cs_m *m);

/* Sleep while *word == val (a private futex), at most *limit (NULL: no
 * limit); it may return early, so callers re-check their condition in a
 * loop.  cs_futex_wake wakes one sleeper.  In ThreadSanitizer builds the
 * sleep is cut into short slices, each ending in a TSan interceptor (see
 * proc.c, "ThreadSanitizer's deferred signals"). */
void cs_futex_wait(_Atomic uint32_t *word, uint32_t val, const struct timespec *limit);
void cs_futex_wake(_Atomic uint32_t *word);

/* Set up the Ps and sysmon (idempotent, thread-safe). */
void cs_sched_init(void);
/* The main thread becomes M0 running g (goroutine 1) on its own stack. */
void cs_sched_start_m0(cs_g *g);
/* Switch from the current goroutine to its M's g0, which performs action. */
void cs_mcall(int action);
/* g (RUNNABLE) goes to a run queue: the current P's runnext (next=true) or
 * its tail, or the global queue from a thread without a P; wakes an idle M
 * if no spinning one will take it. */
void cs_runq_ready(cs_g *g, bool next);
/* go_yield in deterministic mode (a step; runs another one if any). */
void cs_det_gosched(void);
/* A new goroutine's stack, context and sanitizer fiber, entering entry(g). */
void cs_g_init_context(cs_g *g, void (*entry)(void *));
/* First thing a new goroutine runs on its stack (sanitizer bookkeeping). */
void cs_g_started(void);
/* Release what cs_g_init_context made (g0 calls it for an exited g). */
void cs_g_free(cs_g *g);

#endif
