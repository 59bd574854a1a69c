/*
 * trace_hooks.h — the one interface between the runtime and the tracer.
 *
 * The runtime calls CS_EV(...) at every observable step.  When tracing is
 * off this is one predictable branch on a global flag.  When it is on, the
 * tracer assigns the global sequence number *at the call*, so the runtime
 * must call CS_EV inside the critical section that makes the step visible
 * (the channel lock, the wait-queue lock): that is what makes seq order
 * respect causality (a send's completion is logged before its receive's,
 * unlock n before lock n+1).
 *
 * Argument meaning per kind is documented once, in docs/trace-format.md; the
 * enum values below are stored in the trace and must never be renumbered.
 */
#ifndef CS_TRACE_HOOKS_H
#define CS_TRACE_HOOKS_H

#include <stdatomic.h>
#include <stdint.h>

#include "chanscope.h"

enum cs_ev_kind {
    /* goroutines */
    EV_GO_CREATE = 1,   /* g=parent obj=child gid; s=name */
    EV_GO_START = 2,    /* g=child */
    EV_GO_BLOCK = 3,    /* obj=object waited on (0 none) a=reason (cs_block_reason) */
    EV_GO_UNBLOCK = 4,  /* a=goroutine that woke us (0 timer/runtime) */
    EV_GO_END = 5,
    EV_GO_SLEEP = 6,    /* a=duration ns (the goroutine then shows as sleeping) */
    /* channels */
    EV_CHAN_MAKE = 10,       /* obj a=cap b=elemsize */
    EV_CHAN_SEND_BEGIN = 11, /* obj */
    EV_CHAN_SEND = 12,       /* obj a=msg id b=slot (-1 direct hand-off) c=value d=flags */
    EV_CHAN_RECV_BEGIN = 13, /* obj */
    EV_CHAN_RECV = 14,       /* obj a=msg id (0: closed) b=slot c=value d=flags */
    EV_CHAN_CLOSE = 15,      /* obj */
    EV_SELECT_BEGIN = 16,    /* a=number of cases b=1 if default; s=case list */
    EV_SELECT_END = 17,      /* a=chosen index b=1 if default was taken */
    /* sync */
    EV_MUTEX_WAIT = 20,      /* obj: lock is held by someone, about to block */
    EV_MUTEX_ACQUIRE = 21,   /* obj */
    EV_MUTEX_RELEASE = 22,   /* obj */
    EV_RW_RWAIT = 23,        /* obj */
    EV_RW_RACQUIRE = 24,     /* obj a=readers after */
    EV_RW_RRELEASE = 25,     /* obj a=readers after */
    EV_WG_ADD = 26,          /* obj a=delta b=counter after */
    EV_WG_WAIT = 27,         /* obj a=counter at call */
    EV_WG_WAIT_DONE = 28,    /* obj */
    EV_ONCE_BEGIN = 29,      /* obj: this goroutine runs the function */
    EV_ONCE_END = 30,        /* obj */
    EV_COND_WAIT = 31,       /* obj a=mutex id */
    EV_COND_SIGNAL = 32,     /* obj a=goroutines woken */
    EV_COND_BROADCAST = 33,  /* obj a=goroutines woken */
    EV_ATOMIC = 34,          /* obj a=op (0 load 1 store 2 add 3 cas-ok 4 cas-fail) b=value after */
    EV_SEM_ACQUIRE = 35,     /* obj a=n b=ok */
    EV_SEM_RELEASE = 36,     /* obj a=n */
    /* context, time */
    EV_CTX_CREATE = 40,      /* obj a=parent ctx b=kind (0 bg 1 cancel 2 timeout 3 deadline 4 value) c=done chan */
    EV_CTX_CANCEL = 41,      /* obj a=cause (1 canceled 2 deadline) b=1 if inherited from parent */
    EV_TIMER_START = 42,     /* obj a=duration ns b=channel c=1 ticker */
    EV_TIMER_FIRE = 43,      /* obj a=1 if delivered (0 dropped: channel full) */
    EV_TIMER_STOP = 44,      /* obj a=1 if it was active */
    /* shared variables, user, ends */
    EV_VAR_READ = 50,        /* obj=variable */
    EV_VAR_WRITE = 51,       /* obj=variable */
    EV_LOG = 52,             /* s=text */
    EV_PANIC = 53,           /* s=message a=misuse code (cs_misuse, 0 user panic) obj */
    EV_DEADLOCK = 54,        /* a=goroutines blocked */
    EV_PROGRAM_END = 55,     /* g=who ended it (0 runtime) a=exit status b=signal (0 none); s=reason */
    EV_MISUSE = 56,          /* a=cs_misuse obj: a non-fatal misuse noticed (copy of a lock) */
    EV_SIGNAL = 57,          /* a=signal number b=1 if delivered to a channel, b=2 signal_notify(obj=channel) registered it; fatal: g=goroutine a fault hit (0) s=dump */
    /* races the race build found (chanscope build --race; race/race_report.c).
     * Emitted as a pair by the goroutine making the later access, race_prev
     * first; the race number ties them. */
    EV_RACE_PREV = 58,       /* obj=variable a=race number b=goroutine of the earlier access c=1 if it wrote; site, s=its line, function */
    EV_RACE = 59,            /* obj=variable a=race number b=1 if this access wrote c=address d=size; site, s=its line, function */
};

/* Why a goroutine is blocked (EV_GO_BLOCK.a, spans.reason). */
enum cs_block_reason {
    BLOCK_SEND = 1,
    BLOCK_RECV = 2,
    BLOCK_SELECT = 3,
    BLOCK_LOCK = 4,
    BLOCK_RLOCK = 5,
    BLOCK_WG_WAIT = 6,
    BLOCK_COND = 7,
    BLOCK_SLEEP = 8,
    BLOCK_NIL_CHAN = 9,   /* send/recv on a nil channel, or select{} with no cases */
    BLOCK_SEMAPHORE = 10,
    BLOCK_ONCE = 11,      /* waiting for another goroutine's once function */
    BLOCK_IO = 12,        /* a socket not ready yet (netpoll.c): Go's "IO wait" */
};

/* EV_CHAN_SEND / EV_CHAN_RECV d flags */
#define CS_EVF_OK 1        /* recv: ok (false = closed) */
#define CS_EVF_VALUE 2     /* c holds the value (element <= 8 bytes) */
#define CS_EVF_SELECT 4    /* done inside a select */

/* Misuse codes (EV_PANIC.a, EV_MISUSE.a). */
enum cs_misuse {
    MISUSE_NONE = 0,
    MISUSE_SEND_ON_CLOSED = 1,
    MISUSE_CLOSE_CLOSED = 2,
    MISUSE_CLOSE_NIL = 3,
    MISUSE_NEGATIVE_WG = 4,
    MISUSE_UNLOCK_UNLOCKED = 5,
    MISUSE_RUNLOCK_UNLOCKED = 6,
    MISUSE_LOCK_COPIED = 7,
    MISUSE_WG_REUSE = 8,   /* Add with positive delta while Wait is returning */
    MISUSE_SEM_RELEASE = 9,/* semaphore: released more than held */
    MISUSE_GO_NIL_FUNC = 10, /* go(NULL, arg): fatal "go of nil func value" */
    MISUSE_ELEM_SIZE = 11, /* send/receive of a value whose size is not the channel's element size */
};

/* Object types (objects.type). */
enum cs_obj_type {
    OBJ_CHAN = 1,
    OBJ_MUTEX = 2,
    OBJ_RWMUTEX = 3,
    OBJ_WAITGROUP = 4,
    OBJ_ONCE = 5,
    OBJ_COND = 6,
    OBJ_CONTEXT = 7,
    OBJ_TIMER = 8,
    OBJ_VAR = 9,
    OBJ_ATOMIC = 10,
    OBJ_SEMAPHORE = 11,
    OBJ_ERRGROUP = 12,
    OBJ_SOCKET = 13,      /* net_listen/net_accept/net_dial: a=1 for a listener */
};

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

/* Emit one event for the current goroutine.  Takes the global seq. */
void cs_trace_event(int kind, int64_t obj, int64_t a, int64_t b, int64_t c, int64_t d,
                    const char *s, cs_site site);
/* Same, attributed to goroutine gid (for events the timer thread emits on
 * behalf of nobody: gid 0). */
void cs_trace_event_g(int64_t gid, int kind, int64_t obj, int64_t a, int64_t b, int64_t c,
                      int64_t d, const char *s, cs_site site);
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

/* New object id (global space shared by every object type; 0 = none). */
int64_t cs_new_object_id(void);

#endif
