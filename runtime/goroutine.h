/*
 * goroutine.h — goroutine registry and accounting (internal).
 */
#ifndef CS_GOROUTINE_H
#define CS_GOROUTINE_H

#include <stddef.h>

#include "scheduler.h"

/* Deadlock accounting (sched.c). */
void cs_count_live(int delta);
int cs_count_live_now(void);
int cs_count_blocked_now(void); /* parked goroutines (tests wait on it) */

/* Registry of live goroutines (goroutine.c), for the deadlock dump.
 * cs_registry_lock() is held while walking; goroutines are added before
 * they are counted live and removed before they are uncounted. */
void cs_registry_lock(void);
void cs_registry_unlock(void);
cs_g *cs_registry_first(void); /* in creation order; then g->all_next */

/* The end of the program (exit.c).  cs_exit_state: CS_RUNNING, then
 * CS_EXITING (exit(), panic, deadlock: one thread ends the process, the
 * others freeze) or CS_DYING (a fatal signal: everyone freezes). */
enum { CS_RUNNING = 0, CS_EXITING = 1, CS_DYING = 2 };
extern _Atomic int cs_exit_state;
/* Claim the end for this thread (CS_EXITING); false if already claimed. */
bool cs_begin_exit(void);
/* Claim the end for a fatal signal (CS_DYING); async-signal-safe. */
bool cs_begin_dying(void);
/* True in every thread that must freeze: all of them while dying, all but
 * the one ending the process while exiting. */
bool cs_exiting(void);
/* Park this thread forever if the program is exiting. */
void cs_freeze_if_exiting(void);
/* on_exit() handler registered by main's adoption (goroutine.c). */
void cs_freeze_on_exit(int status, void *arg);
/* Who ended the program (goroutine id, 0 the runtime) and by which signal
 * (0 none): read by the tracer's finish for program_end and meta. */
void cs_set_end(int64_t gid, int sig);
/* True once an end is claimed or the trace is finishing: a fatal signal
 * then kills at once (signal.c). */
bool cs_end_is_near(void);
/* The calling thread's goroutine, or NULL; never adopts the thread and
 * never freezes: for signal handlers (goroutine.c). */
cs_g *cs_getg_if_any(void);

/* Signals (signal.c): an alternate signal stack in buf for the calling
 * thread unless it has one; true if installed, then cs_altstack_off()
 * before buf goes away.  A fault (a stack overflow) is then still recorded. */
#define CS_ALTSTACK_BYTES (32 * 1024)
bool cs_altstack_on(void *buf, size_t n);
void cs_altstack_off(void);

/* Failure reports (panic.c). */
CS_NORETURN void cs_report_deadlock(int blocked);
/* "goroutine 5 [chan send]:\n..." for every goroutine, as the deadlock
 * report prints them; a malloc'd string (NULL if out of memory). */
char *cs_goroutine_dump(void);

#endif
