/*
 * hb.c — happens-before from the runtime's own events (the Go memory
 * model, the same rules as analyzer/replay.c, applied as the program runs).
 *
 * Every runtime event reaches cs_race_event() (tracer/trace_buf.c, under
 * CS_RACE), emitted inside the critical section that makes the step
 * visible, so for one object the events come in the order the steps took
 * effect.  A release joins the goroutine's clock into the object's and
 * starts a new epoch for the goroutine; an acquire joins the object's
 * clock into the goroutine's.  The edges:
 *
 *   go statement         parent's clock → the child (shared copy-on-write)
 *   channel send k       → receive k (FIFO: the k-th successful receive
 *                          takes the k-th message); unbuffered: also
 *                          receive → the send's completion
 *   buffered, capacity C receive k → completion of send k+C
 *   close                → a receive that saw the close
 *   Mutex/RWMutex        Unlock → Lock and RLock; RUnlock → Lock
 *   WaitGroup            Done (Add < 0) → Wait returning; an Add from zero
 *                        unordered with a blocking Wait is a race (Go's
 *                        model, wg_order)
 *   Once                 the function's return → every Do returning
 *   Cond                 Signal/Broadcast → the woken Wait
 *   semaphore            release → acquire
 *   atomic_i64           store/add/cas → later load/add/cas (Go's rule)
 *   context              cancel → Done's close → receive; cancel → Err
 *                        (CS_RACE_ACQUIRE in ctx_err)
 *   timer                start → fire → its channel send (sent by the
 *                        runtime, goroutine 0: a per-thread clock carries
 *                        the timer's clock from the fire to the send)
 *   signal_notify        registration → delivery on the channel
 *   socket write         → a socket read (Go's ioSync: CS_RACE_IOSYNC)
 *   pthread_create       → the thread's start; its end → pthread_join
 *                        (threads.c)
 * Goroutine end gives nothing (only a later sync does).
 *
 * Locking: each object's state has a spinlock; a goroutine's clock is
 * changed only by its own thread or, for events the runtime emits on
 * behalf of a parked goroutine (a hand-off completed by its partner),
 * while it is parked — its wake-up orders that before it runs again.
 */
#include <stdlib.h>
#include <unistd.h>

#include "goroutine.h"
#include "race_hooks.h"
#include "race_internal.h"
#include "trace_hooks.h"

typedef struct robj {
    _Atomic int lock;
    rvc *L;              /* releases: unlock, done, signal, store, close... */
    rvc *R;              /* RWMutex: RUnlock releases */
    rvc *closed;         /* channel: the close */
    rvc *notify;         /* channel: signal_notify registrations */
    int64_t cap;         /* channel capacity */
    uint64_t nsend, nrecv;
    rvc **sent, **recvd; /* buffered: ring of cap clocks each */
    rvc *handoff;        /* unbuffered: the send being handed off */
    int64_t handoff_gid;
    int waiters;         /* WaitGroup: Waits blocked now */
    uint64_t wg_word;    /* WaitGroup: Go's &wg.sema (see wg_order) */
} robj;

/* ---- object table (ids up to 2^32, like goroutines.c's) -------------------- */
#define PAGE_BITS 16
#define PAGE_N (1u << PAGE_BITS)
static robj *_Atomic *_Atomic opages[PAGE_N];

static void oom(void) {
    static const char msg[] = "race detector: out of memory\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(2);
}

static robj iosync; /* CS_RACE_IOSYNC (race_hooks.h) */

static robj *obj_get(int64_t id) {
    if (id == CS_RACE_IOSYNC) return &iosync;
    if (id <= 0 || id >= (INT64_C(1) << (2 * PAGE_BITS))) return NULL;
    uint32_t hi = (uint32_t)(id >> PAGE_BITS), lo = (uint32_t)id & (PAGE_N - 1);
    robj *_Atomic *p = atomic_load_explicit(&opages[hi], memory_order_acquire);
    if (!p) {
        robj *_Atomic *n = __libc_calloc(PAGE_N, sizeof *n);
        if (!n) oom();
        robj *_Atomic *expect = NULL;
        if (atomic_compare_exchange_strong(&opages[hi], &expect, n)) p = n;
        else {
            __libc_free(n);
            p = expect;
        }
    }
    robj *o = atomic_load_explicit(&p[lo], memory_order_acquire);
    if (o) return o;
    robj *n = __libc_calloc(1, sizeof *n);
    if (!n) oom();
    robj *expect = NULL;
    if (atomic_compare_exchange_strong(&p[lo], &expect, n)) return n;
    __libc_free(n);
    return expect;
}

static inline void olock(robj *o) {
    while (atomic_exchange_explicit(&o->lock, 1, memory_order_acquire))
        while (atomic_load_explicit(&o->lock, memory_order_relaxed)) __builtin_ia32_pause();
}
static inline void ounlock(robj *o) { atomic_store_explicit(&o->lock, 0, memory_order_release); }

/* ---- clock operations ------------------------------------------------------ */

/* g learns everything in v. */
static void acquire(race_g *g, const rvc *v) {
    if (!v || !v->n) return;
    rvc_join(&g->vc, v);
    if (g->xslot != UINT32_MAX) { /* fold the creator's epoch in, now that vc is private */
        rvc_set_max(&g->vc, g->xslot, g->xclock);
        g->xslot = UINT32_MAX;
    }
}

/* *dst ⊔= everything g knows, its own epoch included. */
static void join_g(rvc **dst, race_g *g) {
    rvc_join(dst, g->vc);
    if (g->xslot != UINT32_MAX) rvc_set_max(dst, g->xslot, g->xclock);
    if (g->slot != UINT32_MAX) rvc_set_max(dst, g->slot, g->clock);
}

/* g releases into *dst and starts a new epoch. */
static void release(race_g *g, rvc **dst) {
    join_g(dst, g);
    if (g->slot != UINT32_MAX) race_g_tick(g);
}

/* Goroutine s (parked, or running this code) learns everything g knows. */
static void learn_g(race_g *s, race_g *g) {
    join_g(&s->vc, g);
    if (s->xslot != UINT32_MAX) {
        rvc_set_max(&s->vc, s->xslot, s->xclock);
        s->xslot = UINT32_MAX;
    }
}

/* *dst = exactly what g knows (a store, for a ring slot). */
static void snapshot(rvc **dst, race_g *g) {
    rvc_assign(dst, g->vc);
    if (g->xslot != UINT32_MAX) rvc_set_max(dst, g->xslot, g->xclock);
    if (g->slot != UINT32_MAX) rvc_set_max(dst, g->slot, g->clock);
}

void race_acquire(race_g *g, const rvc *v) { acquire(g, v); }
void race_release(race_g *g, rvc **dst) { release(g, dst); }

/* ---- the runtime as a sender (goroutine 0: timers, signals) ---------------- */

/* The timer that just fired on this thread hands its clock to the send
 * that follows; nothing else the runtime does carries a clock. */
static _Thread_local race_g rt_g = {.slot = UINT32_MAX, .xslot = UINT32_MAX};
static _Thread_local bool rt_armed;

static race_g *who(int64_t gid) {
    if (gid == 0) {
        if (!rt_armed) rvc_assign(&rt_g.vc, NULL);
        return &rt_g;
    }
    race_g *g = race_g_find(gid);
    return g ? g : race_g_new(gid); /* (a thread we never saw start) */
}

/* ---- channels ---------------------------------------------------------------- */

static rvc **ring(robj *o, rvc ***r) {
    if (!*r) {
        *r = __libc_calloc((size_t)o->cap, sizeof **r);
        if (!*r) oom();
    }
    return *r;
}

static void on_send(race_g *g, robj *o, int64_t gid) {
    if (o->cap == 0) {
        snapshot(&o->handoff, g);
        o->handoff_gid = gid;
    } else {
        uint64_t j = o->nsend++;
        uint64_t cap = (uint64_t)o->cap;
        if (j >= cap) acquire(g, ring(o, &o->recvd)[(j - cap) % cap]);
        snapshot(&ring(o, &o->sent)[j % cap], g);
    }
    if (g->slot != UINT32_MAX) race_g_tick(g);
}

static void on_recv(race_g *g, robj *o, int64_t msg) {
    if (msg == 0) { /* saw the close */
        acquire(g, o->closed);
        return;
    }
    if (o->cap == 0) {
        acquire(g, o->handoff);
        race_g *s = o->handoff_gid ? race_g_find(o->handoff_gid) : NULL;
        if (s && s != g) learn_g(s, g); /* the receive happens before the send completes */
        o->handoff_gid = 0;
    } else {
        uint64_t k = o->nrecv++;
        uint64_t cap = (uint64_t)o->cap;
        acquire(g, ring(o, &o->sent)[k % cap]);
        snapshot(&ring(o, &o->recvd)[k % cap], g);
    }
    race_g_tick(g);
}

/* ---- goroutine end: its stack goes back to the pool ------------------------ */

/* The next goroutine to get this stack must find no history in it (it is
 * not ordered after this one): clear the shadow of the part instrumented
 * code used — from the deepest function entry seen (less a red zone) to
 * the top.  Runs on the ending goroutine's own stack (go_end is its last
 * event). */
static void forget_stack(race_g *g) {
    cs_g *cg = cs_getg_if_any();
    if (!cg || cg->id != g->gid || cg->stack.kind == CS_STACK_NONE || g->min_sp == UINTPTR_MAX)
        return;
    uintptr_t lo = (uintptr_t)cg->stack.lo, hi = lo + cg->stack.size;
    uintptr_t from = g->min_sp > lo + 512 ? g->min_sp - 512 : lo;
    if (from < hi) sh_clear((void *)from, hi - from);
}

/* ---- WaitGroup: an Add from zero must happen before a Wait --------------- */

/* Go's race detector models this rule as memory accesses (sync.WaitGroup):
 * an Add that takes the counter up from zero reads &wg.sema, the first
 * Wait to block writes it, so an Add concurrent with a blocking Wait is
 * reported as a race.  We do the same on a word of the object's state,
 * with the innermost pc of the goroutine's function-entry stack (the call
 * of the function that made the call) as the site. */
static void wg_order(race_g *g, robj *o, bool write) {
    uintptr_t pc = g->depth > 0 && g->depth <= RACE_STACK_DEPTH ? g->stack[g->depth - 1] : 0;
    race_access1(g, (uintptr_t)&o->wg_word, 8, write, pc);
}

/* ---- the events -------------------------------------------------------------- */

enum { OP_LOAD = 0, OP_STORE = 1, OP_ADD = 2, OP_CAS_OK = 3, OP_CAS_FAIL = 4 };

void cs_race_event(int64_t gid, int kind, int64_t obj, int64_t a, int64_t b, int64_t c,
                   int64_t d) {
    (void)c;
    (void)d;
    if (kind == EV_GO_CREATE) {
        sh_init();
        if (obj == gid) { /* a thread becoming a goroutine (main): announces itself */
            race_g *g = race_g_find(gid);
            race_cur = g ? g : race_g_new(gid);
            race_thread_adopted(race_cur); /* pthread_create → here (threads.c) */
            return;
        }
        race_g *p = who(gid);
        race_g *ch = race_g_find(obj);
        if (!ch) ch = race_g_new(obj);
        /* The child shares the parent's clock array and keeps the parent's
         * epoch aside; the parent's own extra epoch must be folded first. */
        if (p->xslot != UINT32_MAX) {
            rvc_set_max(&p->vc, p->xslot, p->xclock);
            p->xslot = UINT32_MAX;
        }
        rvc_unref(ch->vc);
        ch->vc = p->vc;
        if (ch->vc) atomic_fetch_add_explicit(&ch->vc->refs, 1, memory_order_relaxed);
        ch->xslot = p->slot;
        ch->xclock = p->clock;
        if (p->slot != UINT32_MAX) race_g_tick(p);
        return;
    }
    if (kind == EV_GO_START) {
        race_cur = who(gid);
        return;
    }
    if (kind == EV_GO_END) {
        race_g *g = race_g_find(gid);
        if (g) {
            cs_g *cg = cs_getg_if_any();
            if (cg && cg->foreign && cg->id == gid) race_thread_ending(g); /* → pthread_join */
            forget_stack(g);
            race_g_end(g);
        }
        return;
    }
    race_g *g = who(gid);
    if (kind == EV_GO_BLOCK) {
        g->block_reason = (int)a;
        g->block_obj = obj;
        return;
    }
    if (kind == EV_GO_UNBLOCK) {
        if (g->block_reason == BLOCK_COND) {
            robj *o = obj_get(g->block_obj);
            if (o) {
                olock(o);
                acquire(g, o->L);
                ounlock(o);
            }
        }
        g->block_reason = 0;
        return;
    }
    if (kind == EV_SIGNAL && b == 2) { /* signal_notify(obj = channel) */
        robj *o = obj_get(obj);
        if (!o) return;
        olock(o);
        release(g, &o->notify);
        ounlock(o);
        return;
    }
    robj *o = obj_get(obj);
    if (!o) return;
    int wg_access = 0; /* 1 read, 2 write: done after the object's lock */
    olock(o);
    switch (kind) {
    case EV_CHAN_MAKE:
        o->cap = a;
        break;
    case EV_CHAN_SEND:
        if (gid == 0) acquire(g, o->notify);
        on_send(g, o, gid);
        break;
    case EV_CHAN_RECV:
        on_recv(g, o, a);
        break;
    case EV_CHAN_CLOSE:
        release(g, &o->closed);
        break;
    case EV_MUTEX_ACQUIRE:
        acquire(g, o->L);
        acquire(g, o->R);
        break;
    case EV_MUTEX_RELEASE:
    case EV_SEM_RELEASE:
    case EV_COND_SIGNAL:
    case EV_COND_BROADCAST:
    case EV_TIMER_START:
    case EV_CTX_CANCEL:
        release(g, &o->L);
        break;
    case EV_RW_RACQUIRE:
        acquire(g, o->L);
        break;
    case EV_RW_RRELEASE:
        release(g, &o->R);
        break;
    case EV_WG_ADD:
        if (a < 0) release(g, &o->L);
        else if (a > 0 && b == a && g->slot != UINT32_MAX) wg_access = 1; /* up from zero */
        break;
    case EV_WG_WAIT:
        if (a == 0) {
            acquire(g, o->L);
            g->wg_quick = true; /* its wait_done follows at once */
        } else if (o->waiters++ == 0 && g->slot != UINT32_MAX) {
            wg_access = 2; /* the first Wait to block */
        }
        break;
    case EV_WG_WAIT_DONE:
        acquire(g, o->L);
        if (g->wg_quick) g->wg_quick = false;
        else if (o->waiters > 0) o->waiters--;
        break;
    case EV_ONCE_END:
        if (a == 1) release(g, &o->L);
        else acquire(g, o->L);
        break;
    case EV_SEM_ACQUIRE:
        if (b) acquire(g, o->L);
        break;
    case EV_ATOMIC:
        if (a != OP_STORE) acquire(g, o->L);
        if (a == OP_STORE || a == OP_ADD || a == OP_CAS_OK) release(g, &o->L);
        break;
    case EV_TIMER_FIRE: /* the runtime (gid 0) takes the timer's clock to the send */
        if (g == &rt_g) {
            rvc_assign(&rt_g.vc, o->L);
            rt_armed = true;
        }
        ounlock(o);
        return;
    default:
        break;
    }
    ounlock(o);
    if (wg_access) wg_order(g, o, wg_access == 2);
    if (gid == 0) rt_armed = false;
}

void cs_race_release(int64_t obj) {
    race_g *g = race_cur;
    robj *o = obj_get(obj);
    if (!g || !o) return;
    olock(o);
    release(g, &o->L);
    ounlock(o);
}

void cs_race_acquire(int64_t obj) {
    race_g *g = race_cur;
    robj *o = obj_get(obj);
    if (!g || !o) return;
    olock(o);
    acquire(g, o->L);
    ounlock(o);
}
