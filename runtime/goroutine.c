/*
 * goroutine.c — goroutines on pthreads, with a cache of idle threads.
 *
 * A goroutine is a cs_g run by a worker thread.  When its function returns,
 * the worker does not exit: it parks on its own futex word for a while, and
 * cs_go hands the next goroutine to an idle worker instead of creating a
 * thread.  The hand-off is the same ready/wait protocol as parking: the
 * spawner stores the goroutine in w->next (under idle_lock, which also
 * removes the worker from the idle list) and then sets the word.
 */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "goroutine.h"
#include "scheduler.h"
#include "trace_hooks.h"

#define IDLE_KEEP_NS (5LL * 1000000000) /* an idle thread lives 5 s */
/* Enough that a program spawning goroutines in batches of hundreds (a pool,
 * a fan-out) reuses threads instead of creating them; an idle thread costs
 * its few touched stack pages and is gone after IDLE_KEEP_NS.
 * CHANSCOPE_DEBUG=nocache turns the cache off (benchmarks measure it). */
#define MAX_IDLE 1024
#define STACK_SIZE (1 << 20)

typedef struct cs_worker {
    _Atomic uint32_t word; /* 0 idle, 1 work handed over, 2 sleeping */
    cs_g *next;            /* the goroutine to run; written before word=1 */
    struct cs_worker *idle_next;
} cs_worker;

static _Thread_local cs_g *cur_g;
static _Atomic int64_t next_gid = 1;

/* The end of the program (exit(), panic, a fatal signal) freezes every
 * other goroutine at its next runtime call: see exit.c (cs_exit_state). */

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static cs_g *reg_head, *reg_tail;

static pthread_mutex_t idle_lock = PTHREAD_MUTEX_INITIALIZER;
static cs_worker *idle_list;
static int idle_count;

void cs_registry_lock(void) { pthread_mutex_lock(&reg_lock); }
void cs_registry_unlock(void) { pthread_mutex_unlock(&reg_lock); }
cs_g *cs_registry_first(void) { return reg_head; }

static void registry_add(cs_g *g) {
    pthread_mutex_lock(&reg_lock);
    g->all_prev = reg_tail;
    g->all_next = NULL;
    if (reg_tail) reg_tail->all_next = g;
    else reg_head = g;
    reg_tail = g;
    pthread_mutex_unlock(&reg_lock);
}

static void registry_remove(cs_g *g) {
    pthread_mutex_lock(&reg_lock);
    if (g->all_prev) g->all_prev->all_next = g->all_next;
    else reg_head = g->all_next;
    if (g->all_next) g->all_next->all_prev = g->all_prev;
    else reg_tail = g->all_prev;
    pthread_mutex_unlock(&reg_lock);
}

static cs_g *new_g(const char *name, int64_t parent, cs_site site) {
    cs_g *g = calloc(1, sizeof *g);
    if (!g) {
        fputs("fatal error: out of memory\n", stderr);
        _exit(2);
    }
    g->id = atomic_fetch_add(&next_gid, 1);
    g->name = strdup(name ? name : "goroutine");
    g->parent = parent;
    g->go_site = site;
    g->rng = (uint64_t)g->id * UINT64_C(0x9E3779B97F4A7C15) ^ (uint64_t)cs_nanotime();
    if (!g->rng) g->rng = 1;
    return g;
}

/* ---- threads not started by go() ---------------------------------------
 * Such a thread becomes a goroutine on its first runtime call (cs_getg).
 * When it exits (it was joined, or detached and returned), a key
 * destructor ends that goroutine as run_g does for go()'s: go_end in the
 * trace, out of the registry and the live count.  (main never gets here:
 * its end is the program's.) */
static pthread_key_t adopted_key;
static pthread_once_t adopted_once = PTHREAD_ONCE_INIT;

static void adopted_thread_gone(void *p) {
    cs_g *g = p;
    cs_freeze_if_exiting(); /* the process is ending: it never ends */
    CS_EV(EV_GO_END, 0, 0, 0, 0, 0, g->go_site);
    cur_g = NULL;
    registry_remove(g);
    free(g->name);
    free(g);
    cs_count_live(-1); /* may report a deadlock, as for any goroutine end */
}

static void adopted_key_make(void) { pthread_key_create(&adopted_key, adopted_thread_gone); }

static void adopted_thread(cs_g *g) {
    pthread_once(&adopted_once, adopted_key_make);
    pthread_setspecific(adopted_key, g);
}

cs_g *cs_getg_if_any(void) { return cur_g; }

cs_g *cs_getg(void) {
    cs_g *g = cur_g;
    if (__builtin_expect(g != NULL && !atomic_load_explicit(&cs_exit_state, memory_order_relaxed), 1))
        return g;
    cs_freeze_if_exiting();
    if (g) return g;
    /* A thread not started by go(): the first one is main (id 1). */
    g = new_g(NULL, 0, (cs_site){"?", 0});
    free(g->name);
    g->name = strdup(g->id == 1 ? "main" : "thread");
    cur_g = g;
    registry_add(g);
    cs_count_live(1);
    if (g->id == 1) on_exit(cs_freeze_on_exit, NULL);
    else adopted_thread(g); /* its end is a goroutine end */
    if (CS_TRACING()) {
        cs_trace_event(EV_GO_CREATE, g->id, 0, 0, 0, 0, g->name, g->go_site);
        cs_trace_event(EV_GO_START, 0, 0, 0, 0, 0, NULL, g->go_site);
    }
    return g;
}

static long futex(_Atomic uint32_t *addr, int op, uint32_t val, const struct timespec *ts) {
    return syscall(SYS_futex, (uint32_t *)addr, op | FUTEX_PRIVATE_FLAG, val, ts, NULL, 0);
}

static void run_g(cs_g *g) {
    cur_g = g;
    CS_EV(EV_GO_START, 0, 0, 0, 0, 0, g->go_site);
    g->fn(g->arg);
    CS_EV(EV_GO_END, 0, 0, 0, 0, 0, g->go_site);
    cur_g = NULL;
    registry_remove(g);
    free(g->name);
    free(g);
    cs_count_live(-1); /* may report a deadlock: everyone left is blocked */
}

/* Wait up to IDLE_KEEP_NS for a hand-off.  Returns the goroutine, or NULL
 * when the worker left the idle list and should exit. */
static cs_g *idle_wait(cs_worker *w) {
    pthread_mutex_lock(&idle_lock);
    if (idle_count >= MAX_IDLE || cs_debug(CS_DEBUG_NOCACHE)) {
        pthread_mutex_unlock(&idle_lock);
        return NULL;
    }
    atomic_store_explicit(&w->word, 0, memory_order_relaxed);
    w->idle_next = idle_list;
    idle_list = w;
    idle_count++;
    pthread_mutex_unlock(&idle_lock);

    int64_t deadline = cs_nanotime() + IDLE_KEEP_NS;
    for (;;) {
        uint32_t expect = 0;
        if (atomic_compare_exchange_strong_explicit(&w->word, &expect, 2, memory_order_acquire,
                                                    memory_order_acquire) ||
            expect == 2) {
            int64_t left = deadline - cs_nanotime();
            if (left > 0) {
                struct timespec ts = {left / 1000000000, left % 1000000000};
                futex(&w->word, FUTEX_WAIT, 2, &ts);
                continue;
            }
            /* Timed out: leave the idle list unless a spawner took us. */
            pthread_mutex_lock(&idle_lock);
            cs_worker **pp = &idle_list;
            while (*pp && *pp != w) pp = &(*pp)->idle_next;
            if (*pp) {
                *pp = w->idle_next;
                idle_count--;
                pthread_mutex_unlock(&idle_lock);
                return NULL;
            }
            pthread_mutex_unlock(&idle_lock);
            deadline = INT64_MAX; /* handed over: the word is about to be set */
            continue;
        }
        if (expect == 1) return w->next;
    }
}

static void *worker_main(void *arg) {
    cs_worker *w = arg;
    cs_g *g = w->next;
    char altstack[CS_ALTSTACK_BYTES]; /* a fault here is still recorded (signal.c) */
    bool alt = cs_altstack_on(altstack, sizeof altstack);
    while (g) {
        g->worker = w;
        run_g(g);
        g = idle_wait(w);
    }
    if (alt) cs_altstack_off();
    free(w);
    return NULL;
}

int64_t cs_go(go_func fn, void *arg, const char *name, cs_site site) {
    if (!fn) cs_fatal_misuse(site, MISUSE_GO_NIL_FUNC, 0, "go of nil func value");
    cs_g *self = cs_getg();
    cs_g *g = new_g(name, self->id, site);
    g->fn = fn;
    g->arg = arg;
    int64_t id = g->id;
    registry_add(g);
    cs_count_live(1);
    CS_EVS(EV_GO_CREATE, id, 0, 0, g->name, site);

    pthread_mutex_lock(&idle_lock);
    cs_worker *w = idle_list;
    if (w) {
        idle_list = w->idle_next;
        idle_count--;
    }
    pthread_mutex_unlock(&idle_lock);
    if (w) {
        w->next = g;
        uint32_t old = atomic_exchange_explicit(&w->word, 1, memory_order_release);
        if (old == 2) futex(&w->word, FUTEX_WAKE, 1, NULL);
        return id;
    }
    w = calloc(1, sizeof *w);
    if (!w) {
        fputs("fatal error: out of memory\n", stderr);
        _exit(2);
    }
    w->next = g;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, STACK_SIZE);
    pthread_t th; /* not stored: the worker may exit and free w at any time */
    int err = pthread_create(&th, &attr, worker_main, w);
    pthread_attr_destroy(&attr);
    if (err) {
        fprintf(stderr, "fatal error: cannot create goroutine thread: %s\n", strerror(err));
        cs_exit_now("panic", 2);
    }
    return id;
}

int64_t goroutine_id(void) { return cs_getg()->id; }
const char *goroutine_name(void) { return cs_getg()->name; }
void goroutine_set_name(const char *name) {
    cs_g *g = cs_getg();
    char *n = strdup(name);
    pthread_mutex_lock(&reg_lock); /* the deadlock dump reads names */
    free(g->name);
    g->name = n;
    pthread_mutex_unlock(&reg_lock);
}
void go_yield(void) { sched_yield(); }
int goroutine_count(void) { return cs_count_live_now(); }
