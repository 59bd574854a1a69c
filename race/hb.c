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
 *   context deadline     WithDeadline/WithTimeout → the cancel its timer
 *                        does (CS_RACE_RUNTIME_AS in context.c)
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
#include "sync_obj.h"
#include "trace_hooks.h"

static void oom(void) {
    static const char msg[] = "race detector: out of memory\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(2);
}

/* ---- the runtime as a sender (goroutine 0: timers, signals) ---------------- */

/* The timer that just fired on this thread hands its clock to the send
 * that follows; nothing else the runtime does carries a clock. */
static _Thread_local race_g rt_g = {.slot = UINT32_MAX, .xslot = UINT32_MAX};
static _Thread_local bool rt_armed;  /* for the next event (timer_fire → its send) */
static _Thread_local bool rt_acting; /* until cs_race_runtime_end */

static race_g *who(int64_t gid) {
    if (gid == 0) {
        if (!rt_armed && !rt_acting) rvc_assign(&rt_g.vc, NULL);
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
        race_snapshot(&o->handoff, g);
        o->handoff_gid = gid;
    } else {
        uint64_t j = o->nsend++;
        uint64_t cap = (uint64_t)o->cap;
        if (j >= cap) race_acquire(g, ring(o, &o->recvd)[(j - cap) % cap]);
        race_snapshot(&ring(o, &o->sent)[j % cap], g);
    }
    if (g->slot != UINT32_MAX) race_g_tick(g);
}

static void on_recv(race_g *g, robj *o, int64_t msg) {
    if (msg == 0) { /* saw the close */
        race_acquire(g, o->closed);
        return;
    }
    if (o->cap == 0) {
        race_acquire(g, o->handoff);
        race_g *s = o->handoff_gid ? race_g_find(o->handoff_gid) : NULL;
        if (s && s != g) race_learn_g(s, g); /* the receive happens before the send completes */
        o->handoff_gid = 0;
    } else {
        uint64_t k = o->nrecv++;
        uint64_t cap = (uint64_t)o->cap;
        race_acquire(g, ring(o, &o->sent)[k % cap]);
        race_snapshot(&ring(o, &o->recvd)[k % cap], g);
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
            robj *o = race_obj_get(g->block_obj);
            if (o) {
                olock(o);
                race_acquire(g, o->L);
                ounlock(o);
            }
        }
        g->block_reason = 0;
        return;
    }
    if (kind == EV_SIGNAL && b == 2) { /* signal_notify(obj = channel) */
        robj *o = race_obj_get(obj);
        if (!o) return;
        olock(o);
        race_release(g, &o->notify);
        ounlock(o);
        return;
    }
    robj *o = race_obj_get(obj);
    if (!o) return;
    int wg_access = 0; /* 1 read, 2 write: done after the object's lock */
    olock(o);
    switch (kind) {
    case EV_CHAN_MAKE:
        o->cap = a;
        break;
    case EV_CHAN_SEND:
        if (gid == 0) race_acquire(g, o->notify);
        on_send(g, o, gid);
        break;
    case EV_CHAN_RECV:
        on_recv(g, o, a);
        break;
    case EV_CHAN_CLOSE:
        race_release(g, &o->closed);
        break;
    case EV_MUTEX_ACQUIRE:
        race_acquire(g, o->L);
        race_acquire(g, o->R);
        break;
    case EV_MUTEX_RELEASE:
    case EV_SEM_RELEASE:
    case EV_COND_SIGNAL:
    case EV_COND_BROADCAST:
    case EV_TIMER_START:
    case EV_CTX_CANCEL:
        race_release(g, &o->L);
        break;
    case EV_RW_RACQUIRE:
        race_acquire(g, o->L);
        break;
    case EV_RW_RRELEASE:
        race_release(g, &o->R);
        break;
    case EV_WG_ADD:
        if (a < 0) race_release(g, &o->L);
        else if (a > 0 && b == a && g->slot != UINT32_MAX) wg_access = 1; /* up from zero */
        break;
    case EV_WG_WAIT:
        if (a == 0) {
            race_acquire(g, o->L);
            g->wg_quick = true; /* its wait_done follows at once */
        } else if (o->waiters++ == 0 && g->slot != UINT32_MAX) {
            wg_access = 2; /* the first Wait to block */
        }
        break;
    case EV_WG_WAIT_DONE:
        race_acquire(g, o->L);
        if (g->wg_quick) g->wg_quick = false;
        else if (o->waiters > 0) o->waiters--;
        break;
    case EV_ONCE_END:
        if (a == 1) race_release(g, &o->L);
        else race_acquire(g, o->L);
        break;
    case EV_SEM_ACQUIRE:
        if (b) race_acquire(g, o->L);
        break;
    case EV_ATOMIC:
        if (a != OP_STORE) race_acquire(g, o->L);
        if (a == OP_STORE || a == OP_ADD || a == OP_CAS_OK) race_release(g, &o->L);
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

void cs_race_runtime_as(int64_t obj) {
    robj *o = race_obj_get(obj);
    if (!o) return;
    olock(o);
    rvc_assign(&rt_g.vc, o->L);
    ounlock(o);
    rt_acting = true;
}

void cs_race_runtime_end(void) {
    rt_acting = false;
    rvc_assign(&rt_g.vc, NULL);
}

void cs_race_release(int64_t obj) {
    race_g *g = race_cur;
    robj *o = race_obj_get(obj);
    if (!g || !o) return;
    olock(o);
    race_release(g, &o->L);
    ounlock(o);
}

void cs_race_acquire(int64_t obj) {
    race_g *g = race_cur;
    robj *o = race_obj_get(obj);
    if (!g || !o) return;
    olock(o);
    race_acquire(g, o->L);
    ounlock(o);
}
