/*
 * time.c — package time: Sleep, After, Timer, Ticker, monotonic Now.
 *
 * A min-heap of timers ordered by deadline, run by the scheduler (proc.c):
 * an M looking for work runs the due timers (cs_timers_run), an idle M
 * sleeps until the earliest deadline, and sysmon runs overdue ones when
 * every M is busy; there is no timer thread.  The earliest deadline is
 * published in cs_timer_next, and arming an earlier one tells the scheduler
 * (cs_sched_timer_changed).  A due timer is unlinked under the heap lock, delivered
 * after unlocking — to its channel with a non-blocking send (capacity-1
 * channels: a tick is dropped when the channel is full, as in Go) or by
 * calling its function (context deadlines) — and a ticker is re-armed
 * before the unlock.  Stop and Reset wait for an in-flight delivery of
 * their timer: after they return, no earlier fire can still send.
 *
 * Deadlock accounting: every armed one-shot timer is one external wake
 * source (cs_sources_add), released only AFTER its delivery, so a goroutine
 * it wakes is already counted runnable; a ticker is one source from
 * creation until Stop.  time_sleep parks the goroutine (its thread runs
 * others) with a timer on its stack as the wake source, but is not counted
 * blocked: a sleeping goroutine is not blocked, as in Go.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "chan_internal.h"
#include "det.h"
#include "goroutine.h"
#include "scheduler.h"
#include "sync_internal.h"
#include "trace_hooks.h"

struct cs_rtimer {
    int64_t when;          /* monotonic deadline, ns */
    uint64_t seq;          /* arm order: breaks ties between equal deadlines */
    int64_t period;        /* > 0: ticker */
    int idx;               /* position in the heap; -1 when not armed */
    bool free_after_fire;  /* time_after: nobody else holds it */
    chan_t *ch;            /* deliver the time to ch, or ... */
    cs_timer_func fn;      /* ... call fn(arg) */
    void *arg;
    int64_t id;            /* trace object (0: internal timer) */
    cs_site site;          /* where it was created */
};

/* Public handles wrap a timer (the handle is the first member). */
typedef struct timer_obj {
    time_timer pub;
    struct cs_rtimer t;
} timer_obj;
typedef struct ticker_obj {
    time_ticker pub;
    struct cs_rtimer t;
} ticker_obj;

static pthread_mutex_t tlock = PTHREAD_MUTEX_INITIALIZER;
_Atomic int64_t cs_timer_next = INT64_MAX; /* heap[0]->when (written under tlock) */
static atomic_flag runner = ATOMIC_FLAG_INIT; /* one cs_timers_run at a time */
/* The timer being delivered right now (unlocked, by the timer thread), and
 * a condition broadcast when that delivery is over: Stop and Reset wait for
 * an in-flight delivery of their timer, so that once they return no send
 * from before can still land in the channel. */
static cs_rtimer *delivering;                                 /* guarded by tlock */
static pthread_cond_t delivered = PTHREAD_COND_INITIALIZER; /* with tlock */
static cs_rtimer **heap; /* guarded by tlock */
static uint64_t arm_seq;  /* guarded by tlock */
static int heap_len, heap_cap;

/* ---- heap (tlock held) ---------------------------------------------------- */

/* Heap order: deadline, then arm order, so timers due at the same instant
 * fire in the order they were armed (deterministic mode relies on it). */
static bool earlier(const cs_rtimer *a, const cs_rtimer *b) {
    return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static void heap_set(int i, cs_rtimer *t) {
    heap[i] = t;
    t->idx = i;
}

static void sift_up(int i) {
    cs_rtimer *t = heap[i];
    while (i > 0) {
        int parent = (i - 1) / 2;
        if (!earlier(t, heap[parent])) break;
        heap_set(i, heap[parent]);
        i = parent;
    }
    heap_set(i, t);
}

static void sift_down(int i) {
    cs_rtimer *t = heap[i];
    for (;;) {
        int c = 2 * i + 1;
        if (c >= heap_len) break;
        if (c + 1 < heap_len && earlier(heap[c + 1], heap[c])) c++;
        if (!earlier(heap[c], t)) break;
        heap_set(i, heap[c]);
        i = c;
    }
    heap_set(i, t);
}

static void heap_push(cs_rtimer *t) {
    if (heap_len == heap_cap) {
        int cap = heap_cap ? heap_cap * 2 : 64;
        cs_rtimer **h = realloc(heap, (size_t)cap * sizeof *h);
        if (!h) {
            fputs("fatal error: out of memory\n", stderr);
            abort();
        }
        heap = h;
        heap_cap = cap;
    }
    t->seq = arm_seq++;
    heap_set(heap_len++, t);
    sift_up(t->idx);
    if (t->idx == 0) { /* new earliest deadline */
        atomic_store(&cs_timer_next, t->when);
        cs_sched_timer_changed(t->when);
    }
}

static void heap_remove(cs_rtimer *t) {
    int i = t->idx;
    heap_len--;
    if (i != heap_len) {
        cs_rtimer *moved = heap[heap_len];
        heap_set(i, moved);
        sift_down(i);
        sift_up(moved->idx);
    }
    t->idx = -1;
    if (i == 0) atomic_store(&cs_timer_next, heap_len ? heap[0]->when : INT64_MAX);
}

/* ---- running timers ------------------------------------------------------ */

static void deliver(cs_rtimer *t) {
    /* A fatal signal is being recorded: nothing fires any more (outside
     * tlock; see exit.c).  At exit() timers still fire (an atexit handler
     * may stop one and wait for its delivery). */
    if (atomic_load_explicit(&cs_exit_state, memory_order_acquire) == CS_DYING)
        cs_freeze_if_exiting();
    if (t->fn) {
        t->fn(t->arg);
        return;
    }
    int64_t now = cs_nanotime();
    /* The fire is recorded before the send so that seq order reads fire →
     * send → receive (recorded after, the receiver could end the trace
     * first).  Whether the send will succeed is known beforehand: this
     * thread is the channel's only sender, so its length can only shrink
     * between the check and the send. */
    bool room = chan_len(t->ch) < chan_cap(t->ch);
    if (CS_TRACING()) cs_trace_event_g(0, EV_TIMER_FIRE, t->id, room, 0, 0, 0, NULL, t->site);
    if (room) cs_chan_send_nb_by(t->ch, &now, NULL, t->site);
}

/* Deliver every timer that is due.  Called by the scheduler's Ms (on their
 * g0) and by sysmon, one at a time (a second caller returns at once: the
 * first one is at it).  Returns the earliest pending deadline. */
int64_t cs_timers_run(void) {
    if (atomic_flag_test_and_set_explicit(&runner, memory_order_acquire))
        return atomic_load(&cs_timer_next);
    pthread_mutex_lock(&tlock);
    for (;;) {
        if (heap_len == 0) break;
        cs_rtimer *t = heap[0];
        int64_t now = cs_nanotime();
        if (t->when > now) break;
        heap_remove(t);
        bool periodic = t->period > 0;
        if (periodic) { /* next tick after now; missed ticks are dropped */
            int64_t missed = (now - t->when) / t->period;
            t->when = cs_deadline_add(t->when, t->period); /* saturated: never */
            if (missed > 0 && t->when != INT64_MAX)
                t->when = cs_deadline_add(t->when, missed > INT64_MAX / t->period
                                                       ? INT64_MAX
                                                       : missed * t->period);
            heap_push(t);
        }
        delivering = t;
        bool free_it = t->free_after_fire; /* (t may be gone after deliver) */
        pthread_mutex_unlock(&tlock);
        deliver(t);
        if (!periodic) {
            if (free_it) free(t);
            cs_sources_add(-1); /* after delivery: the woken goroutine is runnable */
        }
        pthread_mutex_lock(&tlock);
        delivering = NULL; /* (only compared, never dereferenced: t may be freed) */
        pthread_cond_broadcast(&delivered);
    }
    pthread_mutex_unlock(&tlock);
    atomic_flag_clear_explicit(&runner, memory_order_release);
    return atomic_load(&cs_timer_next);
}

/* Arm t (not armed) at t->when; counts one wake source for a one-shot timer
 * or a new ticker. */
static void arm_locked(cs_rtimer *t) {
    cs_sources_add(1);
    heap_push(t);
}

static void arm(cs_rtimer *t) {
    pthread_mutex_lock(&tlock);
    arm_locked(t);
    pthread_mutex_unlock(&tlock);
}

/* Disarm; true if it was armed (then its wake source is released). */
static bool disarm(cs_rtimer *t) {
    pthread_mutex_lock(&tlock);
    bool was = t->idx >= 0;
    if (was) heap_remove(t);
    /* A channel timer being delivered: wait until its send is done (a
     * function timer may disarm itself from its own delivery: no wait). */
    while (t->ch && delivering == t) pthread_cond_wait(&delivered, &tlock);
    pthread_mutex_unlock(&tlock);
    if (was) cs_sources_add(-1);
    return was;
}

cs_rtimer *cs_timer_after_func(int64_t when, cs_timer_func fn, void *arg) {
    cs_rtimer *t = cs_alloc_kept(sizeof *t);
    t->when = when;
    t->idx = -1;
    t->fn = fn;
    t->arg = arg;
    arm(t);
    return t;
}

bool cs_timer_cancel(cs_rtimer *t) { return t ? disarm(t) : false; }

/* ---- public API -------------------------------------------------------------- */

int64_t time_now(void) { return cs_nanotime(); }
duration_t time_since(int64_t start) { return cs_nanotime() - start; }

/* The timer of a sleeping goroutine fires. */
static void sleep_wake(void *arg) { cs_ready(arg, NULL); }

void cs_time_sleep(duration_t d, cs_site site) {
    CS_DET_POINT();
    if (d <= 0) return;
    if (CS_TRACING()) {
        cs_trace_event(EV_GO_SLEEP, 0, d, 0, 0, 0, NULL, site);
        cs_trace_event(EV_GO_BLOCK, 0, BLOCK_SLEEP, 0, 0, 0, NULL, site);
    }
    int64_t until = cs_deadline_add(cs_nanotime(), d); /* INT64_MAX: forever */
    cs_g *g = cs_getg();
    if (g->foreign && cs_det_on) { /* virtual time is not this thread's: sleep d */
        struct timespec ts = {(time_t)(d / 1000000000), (long)(d % 1000000000)};
        while (nanosleep(&ts, &ts) == EINTR) {
        }
    } else if (g->foreign) { /* a thread of its own: just sleep */
        struct timespec ts = {(time_t)(until / 1000000000), (long)(until % 1000000000)};
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
        }
    } else { /* park with a timer as the wake source: costs no thread */
        struct cs_rtimer t = {.when = until, .idx = -1, .fn = sleep_wake, .arg = g};
        g->park_uncounted = true; /* sleeping is not blocked (see above) */
        arm(&t);
        cs_park_switch(g);
    }
    if (CS_TRACING()) cs_trace_event(EV_GO_UNBLOCK, 0, 0, 0, 0, 0, NULL, site);
}

static void init_chan_timer(cs_rtimer *t, duration_t d, int64_t period, const char *chan_name,
                            cs_site site) {
    t->idx = -1;
    t->period = period;
    t->site = site;
    t->ch = cs_chan_make(sizeof(int64_t), 1, chan_name, site);
    t->id = cs_new_object_id();
    if (CS_TRACING()) {
        cs_trace_object(t->id, OBJ_TIMER, NULL, site, period > 0, 0);
        cs_trace_event(EV_TIMER_START, t->id, d, chan_id(t->ch), period > 0, 0, NULL, site);
    }
    t->when = cs_deadline_add(cs_nanotime(), d); /* INT64_MAX: never fires */
}

chan_t *cs_time_after(duration_t d, cs_site site) {
    CS_DET_POINT();
    cs_rtimer *t = calloc(1, sizeof *t); /* freed by the timer thread once delivered */
    if (!t) {
        fputs("fatal error: out of memory\n", stderr);
        abort();
    }
    init_chan_timer(t, d, 0, "time.After", site);
    t->free_after_fire = true;
    chan_t *ch = t->ch; /* t may be gone as soon as it is armed */
    arm(t);
    return ch;
}

time_timer *cs_time_new_timer(duration_t d, cs_site site) {
    CS_DET_POINT();
    timer_obj *o = cs_alloc_kept(sizeof *o);
    init_chan_timer(&o->t, d, 0, "Timer.C", site);
    o->pub.C = o->t.ch;
    arm(&o->t);
    return &o->pub;
}

bool cs_time_timer_stop(time_timer *tt, cs_site site) {
    CS_DET_POINT();
    timer_obj *o = (timer_obj *)tt;
    bool was = disarm(&o->t);
    CS_EV(EV_TIMER_STOP, o->t.id, was, 0, 0, 0, site);
    return was;
}

bool cs_time_timer_reset(time_timer *tt, duration_t d, cs_site site) {
    CS_DET_POINT();
    timer_obj *o = (timer_obj *)tt;
    pthread_mutex_lock(&tlock);
    bool was = o->t.idx >= 0;
    if (was) {
        heap_remove(&o->t);
        CS_EV(EV_TIMER_STOP, o->t.id, 1, 0, 0, 0, site);
    }
    o->t.when = cs_deadline_add(cs_nanotime(), d);
    CS_EV(EV_TIMER_START, o->t.id, d, chan_id(o->t.ch), 0, 0, site);
    heap_push(&o->t);
    if (!was) cs_sources_add(1);
    pthread_mutex_unlock(&tlock);
    return was;
}

time_ticker *cs_time_new_ticker(duration_t d, cs_site site) {
    CS_DET_POINT();
    if (d <= 0) cs_panic(site, "non-positive interval for NewTicker");
    ticker_obj *o = cs_alloc_kept(sizeof *o);
    init_chan_timer(&o->t, d, d, "Ticker.C", site);
    o->pub.C = o->t.ch;
    arm(&o->t);
    return &o->pub;
}

void cs_time_ticker_stop(time_ticker *tt, cs_site site) {
    CS_DET_POINT();
    ticker_obj *o = (ticker_obj *)tt;
    bool was = disarm(&o->t);
    CS_EV(EV_TIMER_STOP, o->t.id, was, 0, 0, 0, site);
}
