/*
 * det.h — deterministic mode: seeded schedules and virtual time (det.c).
 *
 * CHANSCOPE_SEED=N (decimal uint64) turns it on for the whole run; it is read
 * once, before any goroutine exists, and never changes.  Then (proc.c) one P
 * and one M run every goroutine, and at each scheduling point the running
 * goroutine offers a switch (cs_det_point) and the next goroutine is chosen
 * among all runnable ones by the strategy (CHANSCOPE_STRATEGY=random|pct[:D])
 * from a generator seeded by N.  Time is virtual: cs_nanotime() returns
 * cs_det_vclock, which only the scheduler moves, jumping to the earliest
 * timer when nothing is runnable.  docs/schedules.md explains the model.
 *
 * Hot paths test cs_det_on with CS_DET_POINT(): one predictable branch.
 */
#ifndef CS_DET_H
#define CS_DET_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

enum { CS_STRAT_RANDOM = 0, CS_STRAT_PCT = 1 };

extern bool cs_det_on;              /* set before any goroutine, then constant */
extern uint64_t cs_det_seed;
extern int cs_det_strategy;         /* CS_STRAT_* */
extern int cs_det_depth;            /* PCT depth d (>= 1) */
extern _Atomic int64_t cs_det_vclock; /* the virtual monotonic clock, ns */

/* Where the virtual clock starts: a fixed value, the same in every run. */
#define CS_DET_VCLOCK_START INT64_C(1000000000000) /* 1000 s */
/* PCT's bound k on a run's length in scheduling points: the d-1 change
 * points are drawn in [1, k], log-uniformly (det.c, change_point). */
#define CS_DET_PCT_STEPS 10000

/* Read CHANSCOPE_SEED / CHANSCOPE_STRATEGY (idempotent; a bad value: one
 * line on stderr, exit 2).  Runs when the runtime starts: the first thread
 * that calls the runtime (goroutine.c), the tracer's start, the scheduler's
 * init, or the first clock read — whichever comes first, so a program's
 * (or a test child's) environment is read then, not at load time. */
void cs_det_setup(void);
extern _Atomic bool cs_det_inited;
/* "random" or "pct:D", for the trace's meta table. */
const char *cs_det_strategy_name(void);

/* A scheduling point of the running goroutine (deterministic mode only). */
void cs_det_point(void);
#define CS_DET_POINT()                                  \
    do {                                                \
        if (__builtin_expect(cs_det_on, 0)) cs_det_point(); \
    } while (0)

/* The scheduler's generator (only the M holding the one P calls these). */
uint64_t cs_det_rand(void);
/* A new goroutine's select generator and PCT priority. */
uint64_t cs_det_g_rng(int64_t gid);
uint64_t cs_det_new_prio(void);
/* One more scheduling point; returns the PCT priority the running goroutine
 * must drop to now (a change point), or 0. */
uint64_t cs_det_step(void);

#endif
