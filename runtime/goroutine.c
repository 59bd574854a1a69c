/*
 * goroutine.c — a goroutine's life: creation (go), its first and last
 * steps on its own stack, the registry of live goroutines, and threads that
 * become goroutines (main, foreign callback threads).  Running them is
 * proc.c's job.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "det.h"
#include "goroutine.h"
#include "proc.h"
#include "scheduler.h"
#include "trace_hooks.h"

static _Atomic int64_t next_gid = 1;
/* A foreign thread's goroutine (goroutines run by Ms are m->curg). */
static _Thread_local cs_g *tls_foreign_g;

/* The calling thread's goroutine, NULL if it has none yet. */
static cs_g *current_g(void) {
    cs_g *g = cs_tls_curg; /* m->curg of this thread's M */
    if (g) return g;
    return cs_getm() ? NULL : tls_foreign_g;
}

/* The end of the program (exit(), panic, a fatal signal) freezes every
 * other goroutine at its next runtime call: see exit.c (cs_exit_state). */
cs_g *cs_getg_if_any(void) { return current_g(); }

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static cs_g *reg_head, *reg_tail;

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
    if (__builtin_expect(cs_det_on, 0)) g->rng = cs_det_g_rng(g->id); /* not the clock */
    return g;
}

/* A foreign thread ends (it was joined, or detached and returned): its
 * goroutine ends with it, as g_main ends go()'s: go_end in the trace, out of
 * the registry and the live count.  (main never gets here: its end is the
 * program's.) */
static pthread_key_t foreign_key;
static pthread_once_t foreign_once = PTHREAD_ONCE_INIT;
static cs_g *retired_foreign; /* ended foreign threads' goroutines; reg_lock */
static void foreign_exit(void *p) {
    cs_g *g = p;
    cs_freeze_if_exiting(); /* the process is ending: it never ends */
    CS_EV(EV_GO_END, 0, 0, 0, 0, 0, g->go_site);
    tls_foreign_g = NULL;
    registry_remove(g);
    cs_sources_add(-1);
    cs_count_live(-1);
    /* g itself stays: a waker may still be inside cs_ready(g) (it is tiny).
     * Kept on a list so that it stays reachable (no leak report). */
    pthread_mutex_lock(&reg_lock);
    g->all_next = retired_foreign;
    retired_foreign = g;
    pthread_mutex_unlock(&reg_lock);
}
static void make_foreign_key(void) { pthread_key_create(&foreign_key, foreign_exit); }

/* A thread not started by the runtime makes its first runtime call. */
static cs_g *adopt_thread(void) {
    cs_det_setup(); /* before the first goroutine: det.h */
    bool is_main = syscall(SYS_gettid) == getpid();
    static _Atomic int m0_taken;
    if (is_main && atomic_exchange(&m0_taken, 1)) is_main = false;
    cs_g *g = new_g(NULL, 0, (cs_site){"?", 0});
    free(g->name);
    g->name = strdup(is_main ? (g->id == 1 ? "main" : "main thread") : "thread");
    registry_add(g);
    cs_count_live(1);
    if (is_main) {
        if (cs_det_on) g->det_prio = cs_det_new_prio();
        on_exit(cs_freeze_on_exit, NULL);
        cs_sched_start_m0(g);
    } else {
        /* A foreign thread: no P, parks on a futex; while it exists no
         * global deadlock is declared (it may still call in). */
        cs_sched_init();
        g->foreign = true;
        atomic_store_explicit(&g->status, G_RUNNING, memory_order_relaxed);
        tls_foreign_g = g;
        cs_sources_add(1);
        pthread_once(&foreign_once, make_foreign_key);
        pthread_setspecific(foreign_key, g);
    }
    if (CS_TRACING()) {
        cs_trace_event(EV_GO_CREATE, g->id, 0, 0, 0, 0, g->name, g->go_site);
        cs_trace_event(EV_GO_START, 0, 0, 0, 0, 0, NULL, g->go_site);
    }
    return g;
}

__attribute__((noinline)) cs_g *cs_getg(void) {
    cs_g *g = current_g();
    if (__builtin_expect(g != NULL && !atomic_load_explicit(&cs_exit_state, memory_order_relaxed), 1))
        return g;
    cs_freeze_if_exiting();
    if (g) return g;
    if (cs_getm()) { /* g0: scheduler code never calls into the API */
        fputs("fatal error: runtime API called from the scheduler\n", stderr);
        _exit(2);
    }
    return adopt_thread();
}

/* A new goroutine's first frame, on its own stack. */
static void g_main(void *arg) {
    cs_g *g = arg;
    cs_g_started();
    CS_EV(EV_GO_START, 0, 0, 0, 0, 0, g->go_site);
    g->fn(g->arg);
    CS_EV(EV_GO_END, 0, 0, 0, 0, 0, g->go_site);
    registry_remove(g);
    cs_count_live(-1); /* may report a deadlock: everyone left is blocked */
    cs_mcall(ACT_EXIT); /* g0 frees g and its stack; never returns */
}

int64_t cs_go(go_func fn, void *arg, const char *name, cs_site site) {
    if (!fn) cs_fatal_misuse(site, MISUSE_GO_NIL_FUNC, 0, "go of nil func value");
    cs_g *self = cs_enter();
    cs_g *g = new_g(name, self->id, site);
    g->fn = fn;
    g->arg = arg;
    if (__builtin_expect(cs_det_on, 0)) g->det_prio = cs_det_new_prio();
    int64_t id = g->id;
    cs_g_init_context(g, g_main);
    registry_add(g);
    cs_count_live(1);
    CS_EVS(EV_GO_CREATE, id, 0, 0, g->name, site);
    if (CS_LC_ON()) g->lc = cs_lc_now(); /* its go_start follows go_create */
    atomic_store_explicit(&g->status, G_RUNNABLE, memory_order_relaxed);
    cs_runq_ready(g, true); /* g may run (and end) from here on */
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
void go_yield(void) {
    cs_g *g = cs_getg();
    if (g->foreign) sched_yield();
    else if (__builtin_expect(cs_det_on, 0)) cs_det_gosched();
    else cs_mcall(ACT_YIELD);
}
int goroutine_count(void) { return cs_count_live_now(); }
