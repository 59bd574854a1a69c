/*
 * race.h — the race detector's report interface (libchanscope-race.a).
 *
 * A program built with `clang -fsanitize=thread` and linked (without
 * -fsanitize=thread) against build/lib/libchanscope-race.a calls
 * chanscope's own implementation of ThreadSanitizer's entry points
 * (race/tsan_*.c).  When two accesses to the same memory race — by two
 * goroutines, at least one a write, neither happening before the other in
 * the Go memory model — the detector calls cs_race_report() once per
 * distinct (pc, prev_pc) pair.
 *
 * The library holds a WEAK default cs_race_report (race/report.c) that
 * prints a Go-shaped "WARNING: DATA RACE" with raw program counters to
 * stderr; a strong definition elsewhere in the program (symbolisation,
 * a trace event) replaces it.
 *
 * Called with no detector lock held, on the thread of the goroutine doing
 * the second access (`cur`), from inside its __tsan_* call: the callee may
 * allocate, print and take locks, but must not touch instrumented memory
 * of the program it reports on (its own code is never instrumented).
 *
 * Exit status: like Go's race detector, a program that found a race and
 * ends with status 0 exits with status 66 instead (race/report.c).
 */
#ifndef CS_RACE_H
#define CS_RACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CS_RACE_EXIT_STATUS 66
#define CS_RACE_STACK_MAX 8 /* frames of cur_stack kept in a report */

/* One side of a race. */
typedef struct cs_race_access {
    int64_t gid;      /* goroutine id (chanscope's, as in the trace) */
    bool write;       /* a write (else a read) */
    bool atomic;      /* an atomic access (never races with another atomic) */
    uintptr_t pc;     /* return address of the __tsan_* call: the
                         instrumented instruction is just before it (use
                         pc - 1 to find its line); 0 if unknown */
} cs_race_access;

typedef struct cs_race_info {
    uintptr_t addr;        /* first byte both accesses touched */
    size_t size;           /* bytes of the current access (1..8 per granule) */
    cs_race_access cur;    /* the access that found the race (now) */
    cs_race_access prev;   /* the earlier access it races with */
    /* The current goroutine's call stack from __tsan_func_entry: the
     * return addresses of the calls into the instrumented functions, the
     * innermost first (stack[0] is the caller of the function doing the
     * access); n of them (0 if the code was built without function
     * entry/exit instrumentation). */
    int nstack;
    uintptr_t stack[CS_RACE_STACK_MAX];
    /* The previous access's goroutine's stack is not kept (TSan rebuilds
     * it from a history buffer; we keep only prev.pc). */
} cs_race_info;

/* Called for each new race (see above).  Weak default in race/report.c. */
void cs_race_report(const cs_race_info *r);

/* Races reported so far (distinct pc pairs); for tests and the exit status. */
uint64_t cs_race_count(void);

#endif
