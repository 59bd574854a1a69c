/*
 * goroutine.h — goroutine registry and accounting (internal).
 */
#ifndef CS_GOROUTINE_H
#define CS_GOROUTINE_H

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

/* True in every thread but the one running exit(): see goroutine.c. */
bool cs_exiting(void);
/* Park this thread forever if the program is exiting. */
void cs_freeze_if_exiting(void);

/* Failure reports (panic.c). */
CS_NORETURN void cs_report_deadlock(int blocked);

#endif
