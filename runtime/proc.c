/*
 * proc.c — the scheduler: goroutines (G) on worker threads (M) holding
 * processors (P), after Go's runtime/proc.go.
 *
 * The model.
 *   G  a goroutine: a function, its own stack (stack.c), its saved stack
 *      pointer while it is switched out, and a status (scheduler.h).
 *   M  a worker thread.  Each has a g0: the scheduler's own context (the
 *      thread's stack, or an mmap'd one for M0, the main thread), and
 *      everything below runs on g0: a goroutine that parks, yields or ends
 *      switches to its g0 (cs_mcall), which decides what to run next and
 *      switches to it (execute).  So every hand-off is two switches, and no
 *      goroutine ever runs scheduler code on its own stack while it is
 *      already visible as runnable elsewhere.
 *   P  the right to run goroutines; GOMAXPROCS of them (CHANSCOPE_MAXPROCS,
 *      default the online CPUs).  An M runs goroutines only while it holds
 *      a P; each P has a local run queue (256 slots, lock-free: the owner
 *      pushes and pops, other Ms steal half) and a runnext slot.
 *
 * Where a runnable goroutine goes (cs_runq_ready).  A goroutine readied by
 * a running goroutine (cs_ready) or just created (go) goes to the current
 * P's runnext slot and runs as soon as the current one blocks: a ping-pong
 * or a pipeline stays on one thread, in cache, with no wake-up at all (the
 * displaced runnext goes to the queue tail).  From a thread without a P
 * (the timer thread, a foreign thread) it goes to the global queue.
 *
 * Finding work (findrunnable).  runnext, the local queue, the global queue
 * (every 61st schedule first, for fairness), then stealing from the other
 * Ps.  An M that finds nothing is "spinning" while it looks, for up to
 * SPIN_NS; then it gives its P back (idle list) and sleeps on its futex.
 *
 * Waking Ms (wakep).  When work is added and some P is idle, one idle M is
 * woken — but only if no M is spinning already (the spinning one will find
 * the work).  A spinning M that finds work stops spinning and, if it was
 * the last one, wakes another in turn (more work may follow).  This keeps
 * wake-ups (a futex system call each) rare while never leaving work
 * stranded: an M that stops spinning re-checks every queue after
 * announcing it, so a ready that saw it spinning cannot be lost.
 *
 * P ownership.  p->state packs the owner M's id and one of IDLE (on the idle
 * list), INUSE (the owner is in the scheduler or touching the run queue)
 * and RUNNING (the owner is running a goroutine's own code).  The owner
 * moves RUNNING <-> INUSE with a CAS; sysmon may take a P only in RUNNING.
 * So the single-producer rule of the local run queue holds: only the INUSE
 * owner pushes.
 *
 * sysmon.  A thread of its own (Go's sysmon/retake) that wakes every 20 µs
 * to 10 ms and looks for Ps stuck on one goroutine while work waits: one
 * in a system call (cs_entersyscall) for over 20 µs, or running the same
 * goroutine for over 10 ms (a busy loop, or a blocking call nobody
 * annotated).  It takes the P (CAS RUNNING -> IDLE) and hands it to another
 * M; the stuck M goes on running its goroutine without a P and, the next
 * time it enters the scheduler, gets an idle P or goes to sleep.  That is
 * how programs that block threads directly (read, accept, usleep) still
 * run everything else.
 *
 * Timers.  time.c keeps the heap; the Ms run it: findrunnable delivers
 * the due timers first (what they ready lands in this P's runnext), and one
 * idle M, the timer sleeper, sleeps on its futex only until the earliest
 * deadline instead of indefinitely (arming an earlier timer wakes it to
 * re-aim).  sysmon delivers timers that are overdue because every M is busy.
 * There is no timer thread.
 *
 * Deterministic mode (CHANSCOPE_SEED, det.h).  One P, no sysmon, so one M
 * runs goroutines and nothing steals or spins.  Runnable goroutines are not
 * in the run queues but in one unordered set (det_runq, sched.lock); the
 * strategy picks from it (det_pick) whenever the running goroutine blocks,
 * yields, or offers a switch at a scheduling point (cs_det_point).  Timers
 * fire on the virtual clock: when the set is empty and a timer is pending,
 * the clock jumps to it (det_findrunnable).  Only wakes from other threads
 * (the netpoller, signals, foreign threads) are outside the seed's control.
 */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "det.h"
#include "goroutine.h"
#include "proc.h"
#include "race_hooks.h"
#include "spinlock.h"
#include "stack.h"
#include "switch.h"
#include "trace_hooks.h"

#if defined(__SANITIZE_THREAD__)
#define CS_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CS_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define CS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CS_ASAN 1
#endif
#endif
#ifdef CS_TSAN
#include <sanitizer/tsan_interface.h>
#endif
#ifdef CS_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

#define RUNQ_SIZE 256
#define MAX_PROCS 256
#define SPIN_NS 20000                 /* an idle M looks for work this long */
#define SYSCALL_RETAKE_NS 20000       /* a P in a system call */
#define BUSY_RETAKE_NS 10000000       /* a P running one goroutine */

enum { P_IDLE = 0, P_INUSE = 1, P_RUNNING = 2 };
#define PSTATE(m, s) (((uint64_t)(m)->id << 2) | (uint64_t)(s))

typedef struct cs_p cs_p;
struct cs_p {
    int id;
    _Atomic uint64_t state;           /* owner id << 2 | P_* */
    _Atomic uint32_t runqhead, runqtail;
    _Atomic(cs_g *) runq[RUNQ_SIZE];
    _Atomic(cs_g *) runnext;
    _Atomic uint32_t schedtick;       /* goroutines run so far (only the
                                         owner writes it; sysmon reads) */
    _Atomic int syscall_m;            /* id of the M in a system call on it */
    cs_p *link;                       /* idle list (sched.lock) */
    /* sysmon's own view */
    uint64_t sm_state;
    uint32_t sm_tick;
    int64_t sm_when;
};

struct cs_m {
    int id;
    cs_g *g0;              /* the scheduler's context */
    cs_g *curg;            /* the goroutine it runs (NULL on g0) */
    cs_p *p;               /* the P it holds (or believes it holds) */
    cs_p *nextp;           /* handed by startm before the wake-up */
    bool spinning;
    int action;            /* enum cs_mcall_action, from the last cs_mcall */
    _Atomic uint32_t note; /* futex: 1 = woken */
    cs_m *schedlink;       /* idle list (sched.lock) */
    uint64_t rng;
};

static struct {
    cs_lock lock;
    cs_g *runqhead, *runqtail;   /* global run queue (lock) */
    _Atomic int runqsize;
    cs_p *pidle;                 /* (lock) */
    _Atomic int npidle;
    cs_m *midle;                 /* (lock) */
    _Atomic int nmspinning;
    _Atomic int mcount;
} sched;

static cs_p allp[MAX_PROCS];
static int gomaxprocs;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static _Thread_local cs_m *tls_m;
/* tls_m->curg, mirrored for cs_getg's fast path (written only on the M's
 * own thread, wherever m->curg changes). */
_Thread_local cs_g *cs_tls_curg;

/* ---- small helpers -------------------------------------------------------- */

__attribute__((noinline)) cs_m *cs_getm(void) {
    cs_m *m = tls_m;
    __asm__ volatile("" ::: "memory"); /* opaque: never cached by a caller */
    return m;
}
cs_g *cs_m_curg(cs_m *m) { return m->curg; }
int cs_m_id(cs_m *m) { return m->id; }

static _Noreturn void throw(const char *msg) {
    fprintf(stderr, "fatal error: %s\n", msg);
    _exit(2);
}

/* ---- sleeping, and ThreadSanitizer's deferred signals -----------------------
 *
 * ThreadSanitizer runs a signal's handler when the signal arrives only if
 * the thread is inside one of its blocking interceptors (nanosleep,
 * epoll_wait, ...).  Otherwise it queues the signal on the state of the
 * fiber that was running and runs the handler when that fiber next leaves
 * an interceptor.  Our goroutines and g0s are such fibers, and they switch,
 * spin and sleep (raw futex calls) without entering any: a signal queued on
 * one could wait for ever: Ctrl-C would do nothing, and a signal test of
 * `make sanitize-tsan` hung now and then.  So, in TSan builds only (the race
 * build links no TSan runtime: the kernel runs its handlers at once):
 *   - every fiber passes an interceptor just before it switches out
 *     (fiber_switch), so a signal that landed on a goroutine is handled
 *     by its next park, yield or end at the latest;
 *   - a futex sleep lasts at most TSAN_SLEEP_NS and passes one after each
 *     slice, so a signal that landed on an idle M is handled within that.
 * A goroutine that loops without ever switching still defers its signals,
 * as a plain thread busy in user code does under TSan. */
#ifdef CS_TSAN
#define TSAN_SLEEP_NS 10000000

static void tsan_signal_point(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts); /* intercepted, cheap (vDSO) */
}
#else
static inline void tsan_signal_point(void) {}
#endif

void cs_futex_wait(_Atomic uint32_t *word, uint32_t val, const struct timespec *limit) {
#ifdef CS_TSAN
    struct timespec slice = {0, TSAN_SLEEP_NS};
    if (!limit || limit->tv_sec > 0 || limit->tv_nsec > TSAN_SLEEP_NS) limit = &slice;
#endif
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, val, limit, NULL, 0);
    tsan_signal_point();
}

void cs_futex_wake(_Atomic uint32_t *word) {
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
}

/* m->note: 0 asleep, 1 woken with a P (startm), 2 "the earliest timer
 * changed" (only the timer sleeper acts on it; others ignore it). */
static void notesleep(cs_m *m) {
    uint32_t n;
    while ((n = atomic_load_explicit(&m->note, memory_order_acquire)) != 1) {
        if (n == 2) atomic_compare_exchange_strong(&m->note, &n, 0);
        else cs_futex_wait(&m->note, 0, NULL);
    }
    atomic_store_explicit(&m->note, 0, memory_order_relaxed);
}

static void notewakeup(cs_m *m) {
    atomic_store_explicit(&m->note, 1, memory_order_release);
    cs_futex_wake(&m->note);
}

static uint32_t m_rand(cs_m *m) {
    uint64_t x = m->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    m->rng = x;
    return (uint32_t)((x * UINT64_C(2685821657736338717)) >> 32);
}

static void cpu_relax(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

/* ---- switching, with sanitizer annotations -------------------------------- */

static inline void fiber_switch(cs_g *from, cs_g *to, bool from_exits) {
    CS_RACE_SWITCH(to->id); /* the race detector: whose accesses follow (g0: none) */
#ifdef CS_TSAN
    tsan_signal_point(); /* from's deferred signals, while from is current */
    __tsan_switch_to_fiber(to->tsan_fiber, 0);
#endif
#ifdef CS_ASAN
    void *fake = NULL;
    __sanitizer_start_switch_fiber(from_exits ? NULL : &fake, to->stack.lo, to->stack.size);
#else
    (void)from_exits;
#endif
    cs_ctx_switch(&from->sp, to->sp);
#ifdef CS_ASAN
    __sanitizer_finish_switch_fiber(fake, NULL, NULL);
#endif
}

void cs_g_started(void) {
#ifdef CS_ASAN
    __sanitizer_finish_switch_fiber(NULL, NULL, NULL);
#endif
}

void cs_g_init_context(cs_g *g, void (*entry)(void *)) {
    cs_stack_alloc(&g->stack);
    cs_ctx_init(&g->sp, g->stack.lo + g->stack.size, entry, g);
#ifdef CS_TSAN
    g->tsan_fiber = __tsan_create_fiber(0);
#endif
}

void cs_g_free(cs_g *g) {
#ifdef CS_TSAN
    if (g->tsan_fiber) __tsan_destroy_fiber(g->tsan_fiber);
#endif
    if (g->stack.kind != CS_STACK_NONE) {
#ifdef CS_ASAN
        /* Frames that never returned (the exit path) stay poisoned. */
        __asan_unpoison_memory_region(g->stack.lo, g->stack.size);
#endif
        cs_stack_free(&g->stack);
    }
    free(g->name);
    free(g);
}

/* The calling thread's own stack, as a kind-NONE cs_stack. */
static void thread_stack(cs_stack *s) {
    pthread_attr_t a;
    void *addr = NULL;
    size_t size = 0;
    if (pthread_getattr_np(pthread_self(), &a) == 0) {
        pthread_attr_getstack(&a, &addr, &size);
        pthread_attr_destroy(&a);
    }
    s->lo = addr;
    s->size = size;
    s->kind = CS_STACK_NONE;
}

/* ---- local run queues (Go's runqput/runqget/runqsteal) --------------------- */

static bool runq_empty(cs_p *p) {
    for (;;) {
        uint32_t h = atomic_load_explicit(&p->runqhead, memory_order_acquire);
        uint32_t t = atomic_load_explicit(&p->runqtail, memory_order_acquire);
        cs_g *next = atomic_load_explicit(&p->runnext, memory_order_acquire);
        if (t == atomic_load_explicit(&p->runqtail, memory_order_acquire))
            return h == t && next == NULL;
    }
}

static void globrunqput_batch(cs_g *head, cs_g *tail, int n);

/* Owner only.  Move half the queue and g to the global queue: false if a
 * stealer raced us (the caller retries). */
static bool runqputslow(cs_p *p, cs_g *g, uint32_t h, uint32_t t) {
    enum { HALF = RUNQ_SIZE / 2 };
    cs_g *batch[HALF + 1];
    uint32_t n = (t - h) / 2;
    if (n != HALF) throw("runqputslow: queue is not full");
    for (uint32_t i = 0; i < n; i++)
        batch[i] = atomic_load_explicit(&p->runq[(h + i) % RUNQ_SIZE], memory_order_relaxed);
    if (!atomic_compare_exchange_strong_explicit(&p->runqhead, &h, h + n, memory_order_release,
                                                 memory_order_relaxed))
        return false;
    batch[n] = g;
    for (uint32_t i = 0; i < n; i++) batch[i]->schedlink = batch[i + 1];
    globrunqput_batch(batch[0], batch[n], (int)n + 1);
    return true;
}

/* Owner only (P INUSE). */
static void runqput(cs_p *p, cs_g *g, bool next) {
    if (next) {
        g = atomic_exchange_explicit(&p->runnext, g, memory_order_acq_rel);
        if (!g) return;
    }
    for (;;) {
        uint32_t h = atomic_load_explicit(&p->runqhead, memory_order_acquire);
        uint32_t t = atomic_load_explicit(&p->runqtail, memory_order_relaxed);
        if (t - h < RUNQ_SIZE) {
            atomic_store_explicit(&p->runq[t % RUNQ_SIZE], g, memory_order_relaxed);
            atomic_store_explicit(&p->runqtail, t + 1, memory_order_release);
            return;
        }
        if (runqputslow(p, g, h, t)) return;
    }
}

/* Owner only. */
static cs_g *runqget(cs_p *p) {
    cs_g *next = atomic_load_explicit(&p->runnext, memory_order_relaxed);
    if (next && atomic_compare_exchange_strong_explicit(&p->runnext, &next, NULL,
                                                        memory_order_acq_rel, memory_order_relaxed))
        return next;
    for (;;) {
        uint32_t h = atomic_load_explicit(&p->runqhead, memory_order_acquire);
        uint32_t t = atomic_load_explicit(&p->runqtail, memory_order_relaxed);
        if (t == h) return NULL;
        cs_g *g = atomic_load_explicit(&p->runq[h % RUNQ_SIZE], memory_order_relaxed);
        if (atomic_compare_exchange_strong_explicit(&p->runqhead, &h, h + 1, memory_order_release,
                                                    memory_order_relaxed))
            return g;
    }
}

/* Grab half of p2's queue into pp's slots from pp_tail on; returns how many. */
static uint32_t runqgrab(cs_p *p2, cs_p *pp, uint32_t pp_tail, bool steal_next) {
    for (;;) {
        uint32_t h = atomic_load_explicit(&p2->runqhead, memory_order_acquire);
        uint32_t t = atomic_load_explicit(&p2->runqtail, memory_order_acquire);
        uint32_t n = t - h;
        n = n - n / 2;
        if (n == 0) {
            if (steal_next) {
                cs_g *next = atomic_load_explicit(&p2->runnext, memory_order_acquire);
                if (next) {
                    /* Its owner is probably about to run it (it readied it
                     * and is about to block): give it a few µs first, as Go
                     * does, or a ping-pong would bounce between threads.
                     * INUSE counts as owned too (Go's _Prunning covers
                     * both): it is the owner's g0 between two goroutines,
                     * i.e. the very moment it is taking runnext.  Sleep
                     * rather than spin (Go: usleep(3), which the kernel's
                     * timer slack stretches to ~50 µs): this M stays
                     * "spinning" meanwhile, so the owner's next readies
                     * wake no other M, and it burns no CPU. */
                    if ((atomic_load_explicit(&p2->state, memory_order_relaxed) & 3) != P_IDLE) {
                        struct timespec ts = {0, 3000};
                        nanosleep(&ts, NULL);
                    }
                    if (!atomic_compare_exchange_strong_explicit(&p2->runnext, &next, NULL,
                                                                 memory_order_acq_rel,
                                                                 memory_order_relaxed))
                        continue;
                    atomic_store_explicit(&pp->runq[pp_tail % RUNQ_SIZE], next,
                                          memory_order_relaxed);
                    return 1;
                }
            }
            return 0;
        }
        if (n > RUNQ_SIZE / 2) continue; /* read an inconsistent h/t */
        for (uint32_t i = 0; i < n; i++) {
            cs_g *g = atomic_load_explicit(&p2->runq[(h + i) % RUNQ_SIZE], memory_order_relaxed);
            atomic_store_explicit(&pp->runq[(pp_tail + i) % RUNQ_SIZE], g, memory_order_relaxed);
        }
        if (atomic_compare_exchange_strong_explicit(&p2->runqhead, &h, h + n, memory_order_acq_rel,
                                                    memory_order_relaxed))
            return n;
    }
}

static cs_g *runqsteal(cs_p *pp, cs_p *p2, bool steal_next) {
    uint32_t t = atomic_load_explicit(&pp->runqtail, memory_order_relaxed);
    uint32_t n = runqgrab(p2, pp, t, steal_next);
    if (n == 0) return NULL;
    n--;
    cs_g *g = atomic_load_explicit(&pp->runq[(t + n) % RUNQ_SIZE], memory_order_relaxed);
    if (n) atomic_store_explicit(&pp->runqtail, t + n, memory_order_release);
    return g;
}

/* ---- the global run queue and the idle lists (sched.lock) ------------------ */

/* ---- deterministic mode's run set (sched.lock) ----------------------------- */

static cs_g **det_runq;
static int det_n, det_cap;

static void det_put_locked(cs_g *g) {
    if (det_n == det_cap) {
        int cap = det_cap ? det_cap * 2 : 64;
        cs_g **q = realloc(det_runq, (size_t)cap * sizeof *q);
        if (!q) throw("out of memory");
        det_runq = q;
        det_cap = cap;
    }
    det_runq[det_n++] = g;
}

/* The strategy's choice among the runnable goroutines (NULL: none). */
static cs_g *det_pick_locked(void) {
    if (det_n == 0) return NULL;
    int i = 0;
    if (cs_det_strategy == CS_STRAT_PCT) {
        for (int k = 1; k < det_n; k++)
            if (det_runq[k]->det_prio > det_runq[i]->det_prio) i = k;
    } else {
        i = (int)(cs_det_rand() % (uint64_t)det_n);
    }
    cs_g *g = det_runq[i];
    det_runq[i] = det_runq[--det_n];
    return g;
}

static void globrunqput_locked(cs_g *g) {
    g->schedlink = NULL;
    if (sched.runqtail) sched.runqtail->schedlink = g;
    else sched.runqhead = g;
    sched.runqtail = g;
    atomic_fetch_add_explicit(&sched.runqsize, 1, memory_order_release);
}

static void globrunqput(cs_g *g) {
    cs_lock_acquire(&sched.lock);
    if (cs_det_on) det_put_locked(g);
    else globrunqput_locked(g);
    cs_lock_release(&sched.lock);
}

static void globrunqput_batch(cs_g *head, cs_g *tail, int n) {
    cs_lock_acquire(&sched.lock);
    tail->schedlink = NULL;
    if (sched.runqtail) sched.runqtail->schedlink = head;
    else sched.runqhead = head;
    sched.runqtail = tail;
    atomic_fetch_add_explicit(&sched.runqsize, n, memory_order_release);
    cs_lock_release(&sched.lock);
}

/* Locked.  One goroutine to run, and up to a fair share more into p. */
static cs_g *globrunqget_locked(cs_p *p, int max) {
    int size = atomic_load_explicit(&sched.runqsize, memory_order_relaxed);
    if (size == 0) return NULL;
    int n = size / gomaxprocs + 1;
    if (n > size) n = size;
    if (max > 0 && n > max) n = max;
    if (n > RUNQ_SIZE / 2) n = RUNQ_SIZE / 2;
    atomic_fetch_sub_explicit(&sched.runqsize, n, memory_order_relaxed);
    cs_g *g = sched.runqhead;
    sched.runqhead = g->schedlink;
    for (int i = 1; i < n; i++) {
        cs_g *x = sched.runqhead;
        sched.runqhead = x->schedlink;
        runqput(p, x, false);
    }
    if (!sched.runqhead) sched.runqtail = NULL;
    return g;
}

static cs_g *globrunqget(cs_p *p, int max) {
    if (atomic_load_explicit(&sched.runqsize, memory_order_acquire) == 0) return NULL;
    cs_lock_acquire(&sched.lock);
    cs_g *g = globrunqget_locked(p, max);
    cs_lock_release(&sched.lock);
    return g;
}

/* Locked. */
static void pidleput_locked(cs_p *p) {
    atomic_store_explicit(&p->state, P_IDLE, memory_order_release);
    p->link = sched.pidle;
    sched.pidle = p;
    atomic_fetch_add(&sched.npidle, 1);
}

static cs_p *pidleget_locked(void) {
    cs_p *p = sched.pidle;
    if (p) {
        sched.pidle = p->link;
        atomic_fetch_sub(&sched.npidle, 1);
    }
    return p;
}

static cs_p *pidleget(void) {
    if (atomic_load(&sched.npidle) == 0) return NULL;
    cs_lock_acquire(&sched.lock);
    cs_p *p = pidleget_locked();
    cs_lock_release(&sched.lock);
    return p;
}

/* The goroutine g runs on m, which holds p: cs_enter's fast check. */
static void g_bind_p(cs_g *g, cs_m *m, cs_p *p) {
    g->p_state = &p->state;
    g->p_running = PSTATE(m, P_RUNNING);
}

static void acquirep(cs_m *m, cs_p *p, int state) {
    m->p = p;
    if (state == P_RUNNING && m->curg) g_bind_p(m->curg, m, p); /* for its running goroutine */
    atomic_store_explicit(&p->state, PSTATE(m, state), memory_order_release);
}

/* ---- Ms ------------------------------------------------------------------- */

static void schedule_loop(cs_m *m);
void cs_stackguard_thread(void);
void cs_stackguard_init(void);

static cs_m *new_m_struct(void) {
    cs_m *m = calloc(1, sizeof *m);
    cs_g *g0 = calloc(1, sizeof *g0);
    if (!m || !g0) throw("out of memory");
    m->id = atomic_fetch_add(&sched.mcount, 1) + 1;
    m->g0 = g0;
    g0->name = strdup("g0");
    m->rng = (uint64_t)m->id * UINT64_C(0x9E3779B97F4A7C15) | 1;
    return m;
}

static void *mstart(void *arg) {
    cs_m *m = arg;
    tls_m = m;
    thread_stack(&m->g0->stack);
#ifdef CS_TSAN
    m->g0->tsan_fiber = __tsan_get_current_fiber();
#endif
    cs_stackguard_thread();
    acquirep(m, m->nextp, P_INUSE);
    m->nextp = NULL;
    schedule_loop(m);
    return NULL;
}

static void newm(cs_p *p, bool spinning) {
    cs_m *m = new_m_struct();
    m->nextp = p;
    m->spinning = spinning;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    pthread_t th;
    int err = pthread_create(&th, &attr, mstart, m);
    pthread_attr_destroy(&attr);
    if (err) {
        fprintf(stderr, "fatal error: cannot create a scheduler thread: %s\n", strerror(err));
        _exit(2);
    }
}

/* Run p (or an idle P) on an idle M (or a new one). */
static void startm(cs_p *p, bool spinning) {
    cs_lock_acquire(&sched.lock);
    if (!p) {
        p = pidleget_locked();
        if (!p) {
            cs_lock_release(&sched.lock);
            if (spinning) atomic_fetch_sub(&sched.nmspinning, 1);
            return;
        }
    }
    cs_m *m = sched.midle;
    if (m) sched.midle = m->schedlink;
    cs_lock_release(&sched.lock);
    if (!m) {
        newm(p, spinning);
        return;
    }
    m->spinning = spinning;
    m->nextp = p;
    notewakeup(m);
}

/* Work was added: make sure some M will look for it. */
static void wakep(void) {
    if (atomic_load(&sched.npidle) == 0) return;
    if (atomic_load(&sched.nmspinning) != 0) return;
    int zero = 0;
    if (!atomic_compare_exchange_strong(&sched.nmspinning, &zero, 1)) return;
    startm(NULL, true);
}

/* The idle M that sleeps only until the earliest timer (at most one). */
static cs_m *_Atomic timer_sleeper;
static _Atomic int64_t timer_sleep_until;

static void midle_put(cs_m *m) {
    cs_lock_acquire(&sched.lock);
    m->schedlink = sched.midle;
    sched.midle = m;
    cs_lock_release(&sched.lock);
}

/* Take m off the idle list; false if startm took it already. */
static bool midle_remove(cs_m *m) {
    cs_lock_acquire(&sched.lock);
    cs_m **pp = &sched.midle;
    while (*pp && *pp != m) pp = &(*pp)->schedlink;
    bool found = *pp != NULL;
    if (found) *pp = m->schedlink;
    cs_lock_release(&sched.lock);
    return found;
}

/* As the timer sleeper: sleep until startm hands us a P (true) or a timer
 * is due (false). */
static bool timer_sleep(cs_m *m) {
    for (;;) {
        uint32_t n = atomic_load_explicit(&m->note, memory_order_acquire);
        if (n == 1) return true;
        if (n == 2) {
            atomic_compare_exchange_strong(&m->note, &n, 0);
            continue;
        }
        int64_t next = atomic_load(&cs_timer_next);
        atomic_store(&timer_sleep_until, next);
        int64_t wait = next == INT64_MAX ? 1000000000 : next - cs_nanotime();
        if (wait <= 0) return false;
        struct timespec ts = {wait / 1000000000, wait % 1000000000};
        cs_futex_wait(&m->note, 0, &ts);
    }
}

/* Park this M (it has no P) until startm hands it one.  If timers are
 * pending and no other idle M watches them, it sleeps only until the
 * earliest one, runs the due timers, and looks for a P again. */
static void stopm(cs_m *m) {
    for (;;) {
        cs_m *none = NULL;
        bool timed = !cs_det_on && atomic_load(&cs_timer_next) != INT64_MAX &&
                     atomic_compare_exchange_strong(&timer_sleeper, &none, m);
        midle_put(m);
        if (!timed) {
            notesleep(m);
            break;
        }
        bool handed = timer_sleep(m);
        atomic_store(&timer_sleeper, NULL);
        if (handed || !midle_remove(m)) { /* a P is ours, or on its way */
            notesleep(m);
            break;
        }
        cs_timers_run(); /* readies go to the global queue (and wake Ms) */
        cs_p *p = pidleget();
        if (p) {
            acquirep(m, p, P_INUSE);
            return;
        }
    }
    acquirep(m, m->nextp, P_INUSE);
    m->nextp = NULL;
}

/* time.c armed a timer earlier than any before it (tlock held). */
void cs_sched_timer_changed(int64_t when) {
    cs_m *m = atomic_load(&timer_sleeper);
    if (m) {
        uint32_t zero = 0;
        if (when < atomic_load(&timer_sleep_until) &&
            atomic_compare_exchange_strong(&m->note, &zero, 2))
            cs_futex_wake(&m->note);
        return;
    }
    /* Nobody sleeps on the timers: an idle P's M will (when it stops); if
     * every P is busy, their Ms check timers whenever they schedule. */
    wakep();
}

static void resetspinning(cs_m *m) {
    m->spinning = false;
    if (atomic_fetch_sub(&sched.nmspinning, 1) == 1) wakep();
}

/* ---- finding work --------------------------------------------------------- */

static cs_g *steal_work(cs_m *m, bool steal_next) {
    cs_p *pp = m->p;
    int n = gomaxprocs;
    int start = (int)(m_rand(m) % (uint32_t)n);
    for (int i = 0; i < n; i++) {
        cs_p *p2 = &allp[(start + i) % n];
        if (p2 == pp) continue;
        cs_g *g = runqsteal(pp, p2, steal_next);
        if (g) return g;
    }
    return NULL;
}

/* findrunnable in deterministic mode: due timers, then the strategy's
 * pick; with nothing runnable, the virtual clock jumps to the earliest
 * timer (synctest's rule); with no timer either, the M sleeps for real
 * until another thread (netpoller, signal, foreign thread) readies one. */
static cs_g *det_findrunnable(cs_m *m) {
    for (;;) {
        int64_t next_timer = atomic_load(&cs_timer_next);
        if (next_timer <= atomic_load(&cs_det_vclock)) cs_timers_run();
        cs_lock_acquire(&sched.lock);
        cs_g *g = det_pick_locked();
        if (g) {
            cs_lock_release(&sched.lock);
            return g;
        }
        next_timer = atomic_load(&cs_timer_next);
        if (next_timer != INT64_MAX) {
            cs_lock_release(&sched.lock);
            if (next_timer > atomic_load(&cs_det_vclock)) atomic_store(&cs_det_vclock, next_timer);
            continue;
        }
        /* P and M go idle in one step: a wakep from the poller then always
         * finds this M to hand the P to, so no second M is ever made. */
        if (m->spinning) { /* (before startm may own m->spinning again) */
            m->spinning = false;
            atomic_fetch_sub(&sched.nmspinning, 1);
        }
        cs_p *p = m->p;
        m->p = NULL;
        pidleput_locked(p);
        m->schedlink = sched.midle;
        sched.midle = m;
        cs_lock_release(&sched.lock);
        notesleep(m);
        acquirep(m, m->nextp, P_INUSE);
        m->nextp = NULL;
    }
}

/* m holds a P (INUSE); returns a goroutine to run, holding a P. */
static cs_g *findrunnable(cs_m *m) {
    cs_g *g;
    if (__builtin_expect(cs_det_on, 0)) return det_findrunnable(m);
top:;
    cs_p *p = m->p;
    int64_t next_timer = atomic_load_explicit(&cs_timer_next, memory_order_relaxed);
    if (next_timer != INT64_MAX && next_timer <= cs_nanotime()) cs_timers_run();
    uint32_t tick = atomic_load_explicit(&p->schedtick, memory_order_relaxed);
    if (tick % 61 == 0 && (g = globrunqget(p, 1))) return g;
    if ((g = runqget(p))) return g;
    if ((g = globrunqget(p, 0))) return g;

    int busy = gomaxprocs - atomic_load(&sched.npidle);
    if (gomaxprocs > 1 && (m->spinning || 2 * atomic_load(&sched.nmspinning) < busy)) {
        if (!m->spinning) {
            m->spinning = true;
            atomic_fetch_add(&sched.nmspinning, 1);
        }
        bool nospin = cs_debug(CS_DEBUG_NOSPIN);
        int64_t deadline = 0;
        for (int i = 0;; i++) {
            if ((g = steal_work(m, i >= 3))) return g;
            if ((g = globrunqget(p, 0))) return g;
            if (i < 3) continue;
            if (nospin) break;
            int64_t now = cs_nanotime();
            if (!deadline) deadline = now + SPIN_NS;
            else if (now >= deadline) break;
            for (int k = 0; k < 64; k++) cpu_relax();
        }
    }

    /* Give the P back and sleep. */
    cs_lock_acquire(&sched.lock);
    if ((g = globrunqget_locked(p, 0))) {
        cs_lock_release(&sched.lock);
        return g;
    }
    m->p = NULL;
    pidleput_locked(p);
    cs_lock_release(&sched.lock);
    bool was_spinning = m->spinning;
    if (was_spinning) {
        m->spinning = false;
        atomic_fetch_sub(&sched.nmspinning, 1);
        /* Re-check after announcing we stopped: a ready that saw us
         * spinning did not wake anyone. */
        bool work = atomic_load(&sched.runqsize) > 0;
        for (int i = 0; i < gomaxprocs && !work; i++) work = !runq_empty(&allp[i]);
        if (work && (p = pidleget())) {
            acquirep(m, p, P_INUSE);
            m->spinning = true;
            atomic_fetch_add(&sched.nmspinning, 1);
            goto top;
        }
    }
    stopm(m);
    goto top;
}

/* ---- running goroutines ----------------------------------------------------- */

static void execute(cs_m *m, cs_g *g) {
    cs_p *p = m->p;
    if (atomic_load_explicit(&g->m, memory_order_relaxed) != NULL)
        throw("goroutine scheduled on two threads");
    atomic_store_explicit(&g->m, m, memory_order_relaxed);
    atomic_store_explicit(&g->status, G_RUNNING, memory_order_relaxed);
    m->curg = g;
    cs_tls_curg = g;
    if (CS_LC_ON()) cs_lc_join(g->lc); /* its events follow its earlier ones */
    g_bind_p(g, m, p);
    /* Owner-only writer: a plain increment, no locked instruction. */
    atomic_store_explicit(&p->schedtick, atomic_load_explicit(&p->schedtick, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    atomic_store_explicit(&p->state, PSTATE(m, P_RUNNING), memory_order_release);
    fiber_switch(m->g0, g, false);
}

/* Stack overflow on a canary stack: see stack.c. */
void cs_stack_overflow_fatal(cs_g *g, uintptr_t sp);

/* The g0 loop: finish what the goroutine that just switched out asked
 * (m->action), then find the next one and run it. */
static void schedule_loop(cs_m *m) {
    for (;;) {
        cs_g *gp = m->curg, *next = NULL;
        if (gp) {
            m->curg = NULL;
            cs_tls_curg = NULL;
            if (CS_LC_ON()) gp->lc = cs_lc_now(); /* before anyone can run it */
            if (cs_stack_canary_dead(&gp->stack, gp->sp)) cs_stack_overflow_fatal(gp, (uintptr_t)gp->sp);
            atomic_store_explicit(&gp->m, NULL, memory_order_relaxed);
        }
        /* Still our P?  sysmon may have handed it on while gp ran.  (With
         * no gp, this M just started and holds its P INUSE already.) */
        if (gp && m->p) {
            uint64_t s = PSTATE(m, P_RUNNING);
            if (!atomic_compare_exchange_strong_explicit(&m->p->state, &s, PSTATE(m, P_INUSE),
                                                         memory_order_acquire,
                                                         memory_order_relaxed))
                m->p = NULL;
        }
        if (gp) {
            switch (m->action) {
            case ACT_PARK: {
                uint32_t s = G_PARKING;
                if (atomic_compare_exchange_strong_explicit(&gp->status, &s, G_PARKED,
                                                            memory_order_acq_rel,
                                                            memory_order_acquire))
                    break;
                if (s != G_READY_EARLY) throw("park: bad goroutine status");
                /* Readied while it was switching out: run it again. */
                atomic_store_explicit(&gp->status, G_RUNNABLE, memory_order_relaxed);
                if (m->p && !cs_det_on) {
                    next = gp;
                } else {
                    globrunqput(gp);
                    wakep();
                }
                break;
            }
            case ACT_GOSCHED: /* deterministic go_yield: someone else first */
                atomic_store_explicit(&gp->status, G_RUNNABLE, memory_order_relaxed);
                cs_lock_acquire(&sched.lock);
                next = det_pick_locked();
                det_put_locked(gp);
                if (!next) next = det_pick_locked();
                cs_lock_release(&sched.lock);
                break;
            case ACT_YIELD:
            case ACT_REQUEUE:
                atomic_store_explicit(&gp->status, G_RUNNABLE, memory_order_relaxed);
                globrunqput(gp);
                break;
            case ACT_EXIT:
                cs_g_free(gp);
                break;
            default:
                throw("bad mcall action");
            }
        }
        if (!m->p) {
            cs_p *p = pidleget();
            if (p) acquirep(m, p, P_INUSE);
            else stopm(m);
        }
        if (!next) next = findrunnable(m);
        if (m->spinning) resetspinning(m);
        execute(m, next);
    }
}

static void g0_entry(void *arg) {
    cs_g_started();
    schedule_loop(arg);
}

void cs_mcall(int action) {
    cs_m *m = cs_getm();
    cs_g *g = m->curg;
    m->action = action;
    fiber_switch(g, m->g0, action == ACT_EXIT);
}

/* The P the current goroutine may push to (INUSE until p_done), or NULL. */
static cs_p *p_use(cs_m *m) {
    cs_p *p = m->p;
    if (!p) return NULL;
    if (!m->curg) return p; /* on g0: held already */
    uint64_t s = PSTATE(m, P_RUNNING);
    if (atomic_compare_exchange_strong_explicit(&p->state, &s, PSTATE(m, P_INUSE),
                                                memory_order_acquire, memory_order_relaxed))
        return p;
    m->p = NULL; /* retaken by sysmon */
    return NULL;
}

static void p_done(cs_m *m, cs_p *p) {
    if (m->curg) atomic_store_explicit(&p->state, PSTATE(m, P_RUNNING), memory_order_release);
}

void cs_runq_ready(cs_g *g, bool next) {
    if (__builtin_expect(cs_det_on, 0)) {
        globrunqput(g); /* the run set */
        wakep();
        return;
    }
    cs_m *m = cs_getm();
    cs_p *p = m ? p_use(m) : NULL;
    if (p) {
        runqput(p, g, next && !cs_debug(CS_DEBUG_NORUNNEXT));
        p_done(m, p);
    } else {
        globrunqput(g);
    }
    wakep();
}

bool cs_can_spin(int i) {
    if (i >= 4 || gomaxprocs <= 1) return false;
    if (gomaxprocs <= atomic_load(&sched.npidle) + atomic_load(&sched.nmspinning) + 1) return false;
    cs_m *m = cs_getm();
    if (!m || !m->p) return false;
    return runq_empty(m->p);
}

/* Deterministic mode's scheduling point: count the step (PCT may lower
 * this goroutine's priority here) and switch if the strategy may prefer
 * another runnable goroutine (random: any exists, and the pick includes
 * this one; PCT: one has a higher priority) or a timer is due. */
void cs_det_point(void) {
    cs_m *m = cs_getm();
    if (!m || !m->curg) return; /* a foreign thread, or the g0 */
    cs_g *g = m->curg;
    uint64_t low = cs_det_step();
    if (low) g->det_prio = low;
    bool sw = atomic_load(&cs_timer_next) <= atomic_load(&cs_det_vclock);
    cs_lock_acquire(&sched.lock);
    if (cs_det_strategy == CS_STRAT_PCT) {
        for (int k = 0; k < det_n && !sw; k++) sw = det_runq[k]->det_prio > g->det_prio;
    } else {
        sw = sw || det_n > 0;
    }
    cs_lock_release(&sched.lock);
    if (sw) cs_mcall(ACT_YIELD);
}

void cs_det_gosched(void) {
    (void)cs_det_step();
    cs_mcall(ACT_GOSCHED);
}

void cs_preempt_point(void) {
    if (__builtin_expect(cs_det_on, 0)) {
        cs_det_point();
        return;
    }
    cs_m *m = cs_getm();
    if (!m || !m->curg) return;
    cs_p *p = m->p;
    if (p && atomic_load_explicit(&p->state, memory_order_relaxed) == PSTATE(m, P_RUNNING)) return;
    m->p = NULL; /* retaken */
    if ((p = pidleget())) {
        acquirep(m, p, P_RUNNING);
        return;
    }
    cs_mcall(ACT_REQUEUE);
}

/* ---- system calls ----------------------------------------------------------- */

void cs_entersyscall(void) {
    cs_m *m = cs_getm();
    if (m && m->curg && m->p) atomic_store_explicit(&m->p->syscall_m, m->id, memory_order_relaxed);
}

void cs_exitsyscall(void) {
    cs_m *m = cs_getm();
    if (!m || !m->curg) return;
    cs_p *p = m->p;
    if (p) {
        int id = m->id;
        atomic_compare_exchange_strong(&p->syscall_m, &id, 0);
        if (atomic_load_explicit(&p->state, memory_order_acquire) == PSTATE(m, P_RUNNING)) return;
        m->p = NULL; /* sysmon gave it away */
    }
    if ((p = pidleget())) {
        acquirep(m, p, P_RUNNING);
        return;
    }
    cs_mcall(ACT_REQUEUE); /* wait in the global queue for a P */
}

/* ---- sysmon ------------------------------------------------------------------- */

static bool work_waiting(cs_p *p) {
    return atomic_load(&sched.runqsize) > 0 || !runq_empty(p);
}

static void *sysmon_main(void *unused) {
    (void)unused;
    int64_t delay = 20000;
    int idle = 0;
    for (;;) {
        struct timespec ts = {0, delay};
        nanosleep(&ts, NULL);
        int64_t now = cs_nanotime();
        bool retook = false;
        /* Timers overdue by a millisecond: every M is busy (or asleep
         * without a timeout); deliver them from here. */
        int64_t next_timer = atomic_load(&cs_timer_next);
        if (next_timer != INT64_MAX && now - next_timer > 1000000) {
            cs_timers_run();
            retook = true; /* (keep looking often while it is busy) */
        }
        for (int i = 0; i < gomaxprocs; i++) {
            cs_p *p = &allp[i];
            uint64_t s = atomic_load_explicit(&p->state, memory_order_acquire);
            uint32_t tick = atomic_load_explicit(&p->schedtick, memory_order_relaxed);
            if ((s & 3) != P_RUNNING) {
                p->sm_when = 0;
                continue;
            }
            if (!p->sm_when || tick != p->sm_tick || s != p->sm_state) {
                p->sm_state = s;
                p->sm_tick = tick;
                p->sm_when = now;
                continue;
            }
            bool insys = atomic_load_explicit(&p->syscall_m, memory_order_relaxed) == (int)(s >> 2);
            if (!insys && cs_debug(CS_DEBUG_NORETAKE)) continue; /* (tests) */
            if (now - p->sm_when < (insys ? SYSCALL_RETAKE_NS : BUSY_RETAKE_NS)) continue;
            if (!work_waiting(p)) continue;
            if (!atomic_compare_exchange_strong(&p->state, &s, P_IDLE)) continue;
            p->sm_when = 0;
            retook = true;
            startm(p, false);
        }
        if (retook) {
            idle = 0;
            delay = 20000;
        } else if (++idle > 50 && delay < 10000000) {
            delay *= 2;
        }
    }
    return NULL;
}

/* ---- start-up ------------------------------------------------------------------ */

static void init(void) {
    cs_det_setup();
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    const char *e = getenv("CHANSCOPE_MAXPROCS");
    if (e && *e) {
        char *end;
        long v = strtol(e, &end, 10);
        if (*end == 0 && v >= 1) n = v;
        else fprintf(stderr, "chanscope: CHANSCOPE_MAXPROCS=%s ignored\n", e);
    }
    if (n < 1) n = 1;
    if (n > MAX_PROCS) n = MAX_PROCS;
    if (cs_det_on) n = 1; /* one P, and no sysmon below */
    gomaxprocs = (int)n;
    for (int i = gomaxprocs - 1; i >= 0; i--) {
        allp[i].id = i;
        pidleput_locked(&allp[i]); /* (no other thread yet) */
    }
    cs_stackguard_init();
    if (cs_det_on) return;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&at, 64 * 1024);
    pthread_t th;
    if (pthread_create(&th, &at, sysmon_main, NULL) != 0) throw("cannot start sysmon");
    pthread_attr_destroy(&at);
}

void cs_sched_init(void) { pthread_once(&init_once, init); }

void cs_sched_start_m0(cs_g *g) {
    cs_sched_init();
    cs_m *m = new_m_struct();
    cs_g *g0 = m->g0;
    cs_stack_alloc(&g0->stack);
    cs_ctx_init(&g0->sp, g0->stack.lo + g0->stack.size, g0_entry, m);
#ifdef CS_TSAN
    g0->tsan_fiber = __tsan_create_fiber(0);
    g->tsan_fiber = __tsan_get_current_fiber();
#endif
    thread_stack(&g->stack);
    tls_m = m;
    cs_stackguard_thread();
    atomic_store_explicit(&g->m, m, memory_order_relaxed);
    atomic_store_explicit(&g->status, G_RUNNING, memory_order_relaxed);
    m->curg = g;
    cs_tls_curg = g;
    cs_p *p = pidleget();
    if (p) acquirep(m, p, P_RUNNING);
    else cs_mcall(ACT_REQUEUE); /* every P is busy: wait for one */
}

int cs_gomaxprocs(void) {
    cs_sched_init();
    return gomaxprocs;
}
