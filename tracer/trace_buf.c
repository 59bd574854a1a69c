/*
 * trace_buf.c — the producer side: cs_trace_event() and its per-thread rings.
 *
 * Hot path (tracing on, ring not full): one thread-local load, one relaxed
 * fetch_add on the global seq, one vDSO clock read, a 88-byte store and one
 * release store of the ring head.  No lock, no allocation (except a copy of
 * the rare text argument).
 *
 * Invariants:
 *  - seq is taken inside cs_trace_event, i.e. inside the runtime's critical
 *    section that calls it: the modification order of cs_trace_seq follows
 *    happens-before, so seq order respects causality.
 *  - Space is reserved *before* the seq is taken, so a taken seq is always
 *    published a few instructions later: finish can wait for every seq it
 *    handed out (the seq space is gap-free on a clean exit).
 *  - Once finish has set CS_SEQ_CLOSED, events are dropped (counted).
 *  - A ring outlives its thread: the thread's exit marks it dead and the
 *    writer frees it after draining it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "scheduler.h"
#include "det.h"
#include "tracer.h"
#include "race_hooks.h"

_Atomic uint64_t cs_trace_seq = 1;
_Atomic uint64_t cs_trace_dropped;
_Atomic int cs_trace_starved;

static pthread_mutex_t list_lock = PTHREAD_MUTEX_INITIALIZER;
static cs_tbuf *list_head;
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;
static _Thread_local cs_tbuf *my_buf;

void cs_tbuf_list_lock(void) { pthread_mutex_lock(&list_lock); }
void cs_tbuf_list_unlock(void) { pthread_mutex_unlock(&list_lock); }
cs_tbuf *cs_tbuf_list_head(void) { return list_head; }

#define TBUF_BYTES (sizeof(cs_tbuf) + CS_RING_CAP * sizeof(cs_rec))

void cs_tbuf_remove_locked(cs_tbuf *tb, cs_tbuf *prev) {
    if (prev) prev->next = tb->next;
    else list_head = tb->next;
    munmap(tb, TBUF_BYTES);
}

/* An event's time: the monotonic clock, or in deterministic mode the
 * virtual one (det.h), so a trace shows the time the program saw. */
int64_t cs_trace_event_now(void) {
    if (__builtin_expect(cs_det_on, 0)) return atomic_load_explicit(&cs_det_vclock, memory_order_relaxed);
    return cs_trace_now();
}

int64_t cs_trace_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Thread exit: hand the ring to the writer (it frees it once drained). */
static void thread_gone(void *p) {
    cs_tbuf *tb = p;
    if (my_buf == tb) my_buf = NULL;
    atomic_store_explicit(&tb->dead, 1, memory_order_release);
}

static void make_exit_key(void) { pthread_key_create(&exit_key, thread_gone); }

static cs_tbuf *tbuf_new(void) {
    pthread_once(&exit_key_once, make_exit_key);
    /* Mapped, so pages are touched only as the ring fills (an idle thread
     * costs a page or two) and go back to the system when it is freed. */
    void *mem = mmap(NULL, TBUF_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) return NULL;
    cs_tbuf *tb = mem; /* zero-filled */
    pthread_setspecific(exit_key, tb);
    pthread_mutex_lock(&list_lock);
    tb->next = list_head;
    list_head = tb;
    pthread_mutex_unlock(&list_lock);
    my_buf = tb;
    return tb;
}

/* Producers wait here for ring space; the writer broadcasts after a pass
 * that released space (cs_trace_space_freed).  No lost wake-up: the waiter
 * publishes `starved` and then re-reads the tail, the writer publishes the
 * tail and then reads `starved` (a seq_cst fence on each side), so at least
 * one of them sees the other.  The wait is also timed (1 ms) for safety. */
static pthread_mutex_t space_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t space_cond = PTHREAD_COND_INITIALIZER;

static void wait_space(cs_tbuf *tb, uint64_t head) {
    pthread_mutex_lock(&space_lock);
    atomic_store_explicit(&cs_trace_starved, 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_seq_cst);
    if (head - atomic_load_explicit(&tb->tail, memory_order_acquire) >= CS_RING_CAP) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&space_cond, &space_lock, &ts);
    }
    pthread_mutex_unlock(&space_lock);
}

void cs_trace_space_freed(void) {
    atomic_thread_fence(memory_order_seq_cst); /* tails stored before: see above */
    if (!atomic_load_explicit(&cs_trace_starved, memory_order_relaxed)) return;
    pthread_mutex_lock(&space_lock);
    atomic_store_explicit(&cs_trace_starved, 0, memory_order_relaxed);
    pthread_cond_broadcast(&space_cond);
    pthread_mutex_unlock(&space_lock);
}

static inline bool seq_closed(void) {
    return atomic_load_explicit(&cs_trace_seq, memory_order_relaxed) & CS_SEQ_CLOSED;
}

/* Reserve the next slot of this thread's ring; NULL if tracing has ended
 * (or memory ran out).  Waits for the writer when the ring is full. */
static cs_rec *reserve(cs_tbuf **tbp) {
    cs_tbuf *tb = my_buf;
    if (__builtin_expect(tb == NULL, 0)) {
        if (seq_closed()) return NULL;
        tb = tbuf_new();
        if (!tb) return NULL;
    }
    *tbp = tb;
    uint64_t head = atomic_load_explicit(&tb->head, memory_order_relaxed);
    if (__builtin_expect(head - tb->tail_cache >= CS_RING_CAP, 0)) {
        /* Full: wait for the writer (it wakes us after each pass).  The
         * runtime may hold one of its locks here; the writer never takes
         * runtime locks, so this always ends. */
        for (;;) {
            tb->tail_cache = atomic_load_explicit(&tb->tail, memory_order_acquire);
            if (head - tb->tail_cache < CS_RING_CAP) break;
            if (seq_closed()) return NULL;
            wait_space(tb, head);
        }
    }
    return &tb->ring[head & (CS_RING_CAP - 1)];
}

static inline void publish(cs_tbuf *tb) {
    uint64_t head = atomic_load_explicit(&tb->head, memory_order_relaxed);
    atomic_store_explicit(&tb->head, head + 1, memory_order_release);
}

void cs_trace_event_g(int64_t gid, int kind, int64_t obj, int64_t a, int64_t b, int64_t c,
                      int64_t d, const char *s, cs_site site) {
#ifdef CS_RACE /* the race build: every event feeds the race detector (race/hb.c) */
    cs_race_event(gid, kind, obj, a, b, c, d);
    if (!atomic_load_explicit(&cs_tracing, memory_order_relaxed)) return;
#endif
    cs_tbuf *tb;
    cs_rec *r = reserve(&tb);
    if (!r) {
        atomic_fetch_add_explicit(&cs_trace_dropped, 1, memory_order_relaxed);
        return;
    }
    uint64_t seq = atomic_fetch_add_explicit(&cs_trace_seq, 1, memory_order_relaxed);
    if (__builtin_expect(seq & CS_SEQ_CLOSED, 0)) {
        atomic_fetch_add_explicit(&cs_trace_dropped, 1, memory_order_relaxed);
        return;
    }
    r->seq = seq;
    r->t = cs_trace_event_now();
    r->g = gid;
    r->obj = obj;
    r->a = a;
    r->b = b;
    r->c = c;
    r->d = d;
    r->s = s ? strdup(s) : NULL;
    r->file = site.file;
    r->line = site.line;
    r->kind = kind;
    publish(tb);
}

void cs_trace_event(int kind, int64_t obj, int64_t a, int64_t b, int64_t c, int64_t d,
                    const char *s, cs_site site) {
    /* (no early "closed?" test here: it would read the contended seq line
     * once more per event; cs_trace_event_g drops late events anyway) */
    cs_trace_event_g(cs_getg()->id, kind, obj, a, b, c, d, s, site);
}

void cs_trace_object(int64_t id, int type, const char *name, cs_site site, int64_t a,
                     int64_t b) {
    if (!atomic_load_explicit(&cs_tracing, memory_order_relaxed) || seq_closed()) return;
    cs_tbuf *tb;
    cs_rec *r = reserve(&tb);
    if (!r) return;
    r->seq = 0;
    r->t = 0;
    r->g = 0;
    r->obj = id;
    r->a = type;
    r->b = a;
    r->c = b;
    r->d = 0;
    r->s = name ? strdup(name) : NULL;
    r->file = site.file;
    r->line = site.line;
    r->kind = REC_OBJECT;
    publish(tb);
}

void cs_trace_log(cs_site site, const char *fmt, ...) {
    if (!CS_TRACING()) return;
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        cs_trace_event(EV_LOG, 0, 0, 0, 0, 0, small, site);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) return;
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    cs_trace_event(EV_LOG, 0, 0, 0, 0, 0, big, site);
    free(big);
}
