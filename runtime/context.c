/*
 * context.c — package context: Background, WithCancel, WithTimeout,
 * WithDeadline, WithValue; Done, Err, Value, Deadline.
 *
 * A cancelable context owns a Done channel (element size 1, unbuffered) that
 * is closed exactly once, when the context is cancelled.  It registers with
 * its nearest cancelable ancestor (value contexts are skipped); cancelling a
 * context cancels its children, and a child created under an
 * already-cancelled parent is cancelled at creation.
 *
 * Locking: a context's lock guards its err, children list and timer.  A
 * cancellation holds the context's lock while cancelling its children
 * (parent before child, always) and takes the parent's lock only after
 * releasing its own (to leave the parent's list), so there is no cycle.
 * Deadlines fire on the timer thread, which cancels as the runtime (g 0).
 */
#include <stdlib.h>

#include "chan_internal.h"
#include "race_hooks.h"
#include "scheduler.h"
#include "sync_internal.h"
#include "trace_hooks.h"

enum ctx_kind { CTX_BACKGROUND = 0, CTX_CANCEL = 1, CTX_TIMEOUT = 2, CTX_DEADLINE = 3, CTX_VALUE = 4 };
enum { CAUSE_CANCELED = 1, CAUSE_DEADLINE = 2 };

struct cs_cancel_func {
    ctx_t *ctx;
};

struct cs_ctx {
    int kind;
    ctx_t *parent;
    int64_t id;
    cs_site site;
    /* value contexts */
    const void *key;
    void *val;
    /* cancelable contexts */
    pthread_mutex_t lock;
    chan_t *done;
    _Atomic(err_t) err;          /* set once, under lock */
    ctx_t *children;             /* under lock */
    ctx_t *sib_prev, *sib_next;  /* in the parent's list, under the parent's lock */
    ctx_t *registered_with;      /* under that ancestor's lock */
    bool has_deadline;           /* immutable after creation */
    int64_t deadline;
    cs_rtimer *timer;            /* under lock */
    struct cs_cancel_func cf;
};

static ctx_t background = {.kind = CTX_BACKGROUND};
static _Atomic(int64_t) background_id;

ctx_t *ctx_background(void) {
    if (atomic_load_explicit(&background_id, memory_order_acquire)) return &background;
    int64_t fresh = cs_new_object_id(), expect = 0;
    if (atomic_compare_exchange_strong(&background_id, &expect, fresh)) {
        cs_site site = {"context.Background", 0};
        background.id = fresh;
        if (CS_TRACING()) {
            cs_trace_object(fresh, OBJ_CONTEXT, "context.Background", site, 0, 0);
            cs_trace_event(EV_CTX_CREATE, fresh, 0, CTX_BACKGROUND, 0, 0, NULL, site);
        }
    }
    return &background;
}

static inline ctx_t *or_background(ctx_t *c) { return c ? c : ctx_background(); }

/* The nearest ancestor-or-self that can be cancelled, or NULL. */
static ctx_t *cancelable(ctx_t *c) {
    while (c && c->kind == CTX_VALUE) c = c->parent;
    return (c && c->kind != CTX_BACKGROUND) ? c : NULL;
}

static int64_t ctx_obj_id(ctx_t *c) {
    if (c == &background) return atomic_load(&background_id);
    return c ? c->id : 0;
}

static void cancel_ctx(ctx_t *c, bool remove_from_parent, err_t err, bool inherited, cs_g *by,
                       cs_site site) {
    pthread_mutex_lock(&c->lock);
    if (atomic_load_explicit(&c->err, memory_order_relaxed)) {
        pthread_mutex_unlock(&c->lock);
        return;
    }
    /* The event first: the race build's release (cancel → Err) must be in
     * place before anyone can see err. */
    if (CS_TRACING())
        cs_trace_event_g(cs_gid_of(by), EV_CTX_CANCEL, c->id,
                         err == ERR_DEADLINE_EXCEEDED ? CAUSE_DEADLINE : CAUSE_CANCELED, inherited,
                         0, 0, NULL, site);
    atomic_store_explicit(&c->err, err, memory_order_release);
    cs_chan_close_by(c->done, by, site);
    ctx_t *child = c->children;
    c->children = NULL;
    while (child) {
        ctx_t *next = child->sib_next;
        child->sib_prev = child->sib_next = NULL;
        child->registered_with = NULL;
        cancel_ctx(child, false, err, true, by, site);
        child = next;
    }
    if (c->timer) {
        cs_timer_cancel(c->timer);
        c->timer = NULL;
    }
    pthread_mutex_unlock(&c->lock);
    if (!remove_from_parent) return;
    ctx_t *p = cancelable(c->parent);
    if (!p) return;
    pthread_mutex_lock(&p->lock);
    if (c->registered_with == p) {
        if (c->sib_prev) c->sib_prev->sib_next = c->sib_next;
        else p->children = c->sib_next;
        if (c->sib_next) c->sib_next->sib_prev = c->sib_prev;
        c->sib_prev = c->sib_next = NULL;
        c->registered_with = NULL;
    }
    pthread_mutex_unlock(&p->lock);
}

/* Join the nearest cancelable ancestor's children, or be cancelled now if
 * it already is. */
static void attach(ctx_t *c, cs_g *by, cs_site site) {
    ctx_t *p = cancelable(c->parent);
    if (!p) return;
    pthread_mutex_lock(&p->lock);
    err_t perr = atomic_load_explicit(&p->err, memory_order_relaxed);
    if (!perr) {
        c->sib_prev = NULL;
        c->sib_next = p->children;
        if (p->children) p->children->sib_prev = c;
        p->children = c;
        c->registered_with = p;
    }
    pthread_mutex_unlock(&p->lock);
    if (perr) cancel_ctx(c, false, perr, true, by, site);
}

static ctx_t *new_ctx(ctx_t *parent, int kind, cs_site site) {
    ctx_t *c = cs_alloc_kept(sizeof *c);
    c->kind = kind;
    c->parent = or_background(parent);
    c->site = site;
    c->id = cs_new_object_id();
    if (kind != CTX_VALUE) {
        pthread_mutex_init(&c->lock, NULL);
        c->done = cs_chan_make(1, 0, "ctx.Done", site);
        c->cf.ctx = c;
    }
    if (CS_TRACING()) {
        cs_trace_object(c->id, OBJ_CONTEXT, NULL, site, 0, 0);
        cs_trace_event(EV_CTX_CREATE, c->id, ctx_obj_id(c->parent), kind,
                       chan_id(ctx_done(c)), 0, NULL, site);
    }
    return c;
}

ctx_t *cs_ctx_with_cancel(ctx_t *parent, cancel_func *cancel, cs_site site) {
    ctx_t *c = new_ctx(parent, CTX_CANCEL, site);
    attach(c, cs_getg(), site);
    if (cancel) *cancel = &c->cf;
    return c;
}

static void deadline_fired(void *arg) {
    ctx_t *c = arg;
    CS_RACE_RUNTIME_AS(c->id); /* the race build: the timer's start → this cancel */
    cancel_ctx(c, true, ERR_DEADLINE_EXCEEDED, false, NULL, c->site);
    CS_RACE_RUNTIME_END();
}

static ctx_t *with_deadline(ctx_t *parent, int kind, int64_t deadline, cancel_func *cancel,
                            cs_site site) {
    ctx_t *c = new_ctx(parent, kind, site);
    int64_t pdl;
    /* The parent's earlier deadline will cancel us: no timer of our own
     * (ctx_deadline then reports the parent's). */
    if (!ctx_deadline(c->parent, &pdl) || deadline <= pdl) {
        c->has_deadline = true;
        c->deadline = deadline;
    }
    cs_g *self = cs_getg();
    attach(c, self, site);
    if (cancel) *cancel = &c->cf;
    if (!c->has_deadline) return c;
    pthread_mutex_lock(&c->lock);
    bool expired = false;
    if (!atomic_load_explicit(&c->err, memory_order_relaxed)) {
        if (deadline <= cs_nanotime()) expired = true;
        else {
            CS_RACE_RELEASE(c->id); /* the creator → deadline_fired (Go: timer start → run) */
            c->timer = cs_timer_after_func(deadline, deadline_fired, c);
        }
    }
    pthread_mutex_unlock(&c->lock);
    if (expired) cancel_ctx(c, true, ERR_DEADLINE_EXCEEDED, false, self, site);
    return c;
}

ctx_t *cs_ctx_with_timeout(ctx_t *parent, duration_t d, cancel_func *cancel, cs_site site) {
    /* d <= 0: a deadline already passed; near INT64_MAX: never. */
    int64_t now = cs_nanotime();
    int64_t deadline = d > 0 ? cs_deadline_add(now, d) : now + d;
    return with_deadline(parent, CTX_TIMEOUT, deadline, cancel, site);
}

ctx_t *cs_ctx_with_deadline(ctx_t *parent, int64_t deadline_mono_ns, cancel_func *cancel,
                            cs_site site) {
    return with_deadline(parent, CTX_DEADLINE, deadline_mono_ns, cancel, site);
}

ctx_t *cs_ctx_with_value(ctx_t *parent, const void *key, void *val, cs_site site) {
    ctx_t *c = new_ctx(parent, CTX_VALUE, site);
    c->key = key;
    c->val = val;
    return c;
}

void cs_ctx_cancel(cancel_func cf, cs_site site) {
    if (!cf) return;
    cancel_ctx(cf->ctx, true, ERR_CANCELED, false, cs_getg(), site);
}

chan_t *ctx_done(ctx_t *ctx) {
    ctx_t *c = cancelable(ctx);
    return c ? c->done : NULL;
}

err_t ctx_err(ctx_t *ctx) {
    ctx_t *c = cancelable(ctx);
    err_t e = c ? atomic_load_explicit(&c->err, memory_order_acquire) : NULL;
    if (e) CS_RACE_ACQUIRE(c->id); /* cancel happens before Err returns non-nil */
    return e;
}

void *ctx_value(ctx_t *ctx, const void *key) {
    for (ctx_t *c = ctx; c; c = c->parent)
        if (c->kind == CTX_VALUE && c->key == key) return c->val;
    return NULL;
}

bool ctx_deadline(ctx_t *ctx, int64_t *deadline_mono_ns) {
    for (ctx_t *c = ctx; c; c = c->parent) {
        if (c->kind == CTX_VALUE || !c->has_deadline) continue;
        if (deadline_mono_ns) *deadline_mono_ns = c->deadline;
        return true;
    }
    return false;
}
