/*
 * errgroup.c — golang.org/x/sync/errgroup.
 *
 * A WaitGroup counts the group's goroutines; the first non-nil error is
 * kept (under the group's lock) and cancels the derived context; Wait waits,
 * cancels the context, and returns that first error.  set_limit installs a
 * semaphore channel of capacity n exactly like x/sync: go() sends a token
 * before starting (blocking while n are active), a finished goroutine takes
 * one back; try_go sends without blocking.
 */
#include <stdio.h>
#include <stdlib.h>

#include "scheduler.h"
#include "sync_internal.h"
#include "trace_hooks.h"

struct cs_errgroup {
    waitgroup_t wg;
    cancel_func cancel;    /* NULL without a context */
    pthread_mutex_t lock;  /* guards err */
    err_t err;
    chan_t *_Atomic sem;   /* NULL: no limit */
    int64_t id;
    cs_site site;
};

typedef struct group_call {
    errgroup_t *g;
    errgroup_func fn;
    void *arg;
    cs_site site;   /* the errgroup_go call */
} group_call;

errgroup_t *cs_errgroup_new(ctx_t *parent, ctx_t **derived, cs_site site) {
    errgroup_t *g = cs_alloc_kept(sizeof *g);
    pthread_mutex_init(&g->lock, NULL);
    g->site = site;
    g->id = cs_new_object_id();
    wg_set_name(&g->wg, "errgroup");
    if (CS_TRACING()) cs_trace_object(g->id, OBJ_ERRGROUP, NULL, site, 0, 0);
    if (derived) *derived = cs_ctx_with_cancel(parent, &g->cancel, site);
    return g;
}

static void group_done(errgroup_t *g, cs_site site) {
    chan_t *sem = atomic_load(&g->sem);
    if (sem) cs_chan_recv(sem, NULL, CS_SIZE_UNKNOWN, site);
    cs_wg_add(&g->wg, -1, site);
}

static void group_run(void *p) {
    group_call c = *(group_call *)p;
    free(p);
    /* Go's g.Go(nil): the new goroutine calls the nil func and panics. */
    if (!c.fn) cs_panic(c.site, "runtime error: invalid memory address or nil pointer dereference");
    err_t err = c.fn(c.arg);
    if (err) {
        pthread_mutex_lock(&c.g->lock);
        bool first = c.g->err == NULL;
        if (first) c.g->err = err;
        pthread_mutex_unlock(&c.g->lock);
        if (first && c.g->cancel) cs_ctx_cancel(c.g->cancel, c.g->site);
    }
    group_done(c.g, c.g->site);
}

static void start(errgroup_t *g, errgroup_func fn, void *arg, const char *name, cs_site site) {
    cs_wg_add(&g->wg, 1, site);
    group_call *c = malloc(sizeof *c);
    if (!c) {
        fputs("fatal error: out of memory\n", stderr);
        abort();
    }
    *c = (group_call){g, fn, arg, site};
    cs_go(group_run, c, name, site);
}

void cs_errgroup_go(errgroup_t *g, errgroup_func fn, void *arg, const char *name,
                    cs_site site) {
    chan_t *sem = atomic_load(&g->sem);
    if (sem) cs_chan_send(sem, &(char){0}, 1, site);
    start(g, fn, arg, name, site);
}

bool cs_errgroup_try_go(errgroup_t *g, errgroup_func fn, void *arg, const char *name,
                        cs_site site) {
    chan_t *sem = atomic_load(&g->sem);
    if (sem) {
        char token = 0;
        cs_case cases[] = {select_send(sem, &token), select_default()};
        if (cs_chan_select(cases, 2, site) != 0) return false;
    }
    start(g, fn, arg, name, site);
    return true;
}

err_t cs_errgroup_wait(errgroup_t *g, cs_site site) {
    cs_wg_wait(&g->wg, site);
    if (g->cancel) cs_ctx_cancel(g->cancel, site);
    pthread_mutex_lock(&g->lock);
    err_t err = g->err;
    pthread_mutex_unlock(&g->lock);
    return err;
}

void errgroup_set_limit(errgroup_t *g, int n) {
    chan_t *old = atomic_load(&g->sem);
    if (n < 0) {
        atomic_store(&g->sem, NULL);
        return;
    }
    if (old && chan_len(old) != 0)
        cs_panic(g->site, "errgroup: modify limit while %lld goroutines in the group are still active",
                 (long long)chan_len(old));
    atomic_store(&g->sem, cs_chan_make(1, n, "errgroup.sem", g->site));
}
