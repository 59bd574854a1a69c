/*
 * waitfor.c — the wait-for graph at the end of a run.
 *
 * A goroutine blocked at the end waits for the goroutines that could wake it:
 *   lock on a mutex        → its holder (rwmutex: the writer and the readers)
 *   read lock              → the writer, and writers already waiting (Go's
 *                            RWMutex lets a waiting writer block new readers)
 *   receive / send         → alive goroutines that ever sent/closed (for a
 *                            receive) or received (for a send) on the channel,
 *                            or made it (not in a run a signal stopped); a
 *                            timer, a timeout context with a pending deadline
 *                            or a signal_notify registration can always wake it
 *   select                 → the union over its channel cases
 *   nil channel, select{}  → nobody, ever
 *   WaitGroup, cond, semaphore, once → any other alive goroutine
 *   IO wait (a socket)     → the outside world: never stuck
 * Goroutines that are running or sleeping are eventually runnable; so is a
 * blocked goroutine that an eventually-runnable goroutine could wake
 * (fixpoint).  The rest are stuck forever.
 */
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endstate.h"

static int64_t role_key(const endctx *c, int64_t chan, int32_t g) {
    /* unsigned: ids come from the trace and may be anything */
    return (int64_t)((uint64_t)chan * ((uint64_t)c->ng + 1) + (uint64_t)g);
}

static void add_role(endctx *c, int64_t chan, int32_t g, int bits) {
    if (!chan || !c->alive[g]) return;
    int ins;
    *an_imap_put(&c->roles, role_key(c, chan, g), 0, &ins) |= bits;
    if (!ins) return;
    int64_t *li = an_imap_put(&c->chan_list, chan, (int64_t)c->users.n, &ins);
    if (ins) {
        i32vec empty = {0};
        VEC_PUSH(c->users, empty);
    }
    VEC_PUSH(c->users.v[*li], g);
}

int es_get_role(const endctx *c, int64_t chan, int32_t g) {
    int64_t *v = an_imap_get(&c->roles, role_key(c, chan, g));
    return v ? (int)*v : 0;
}

/* Goroutines no longer alive that sent on / received from chan; and whether
 * one goroutine both sent and received (a channel used as a semaphore). */
static void note_past(endctx *c, const an_ev *e) {
    if (e->kind != EV_CHAN_SEND && e->kind != EV_CHAN_RECV) return;
    int bit = e->kind == EV_CHAN_SEND ? 1 : 2;
    int64_t *r = an_imap_put(&c->all_roles, role_key(c, e->obj, e->g), 0, NULL);
    if ((*r | bit) == 3 && *r != 3) *an_imap_put(&c->both, e->obj, 1, NULL) = 1;
    int fresh = !(*r & bit);
    *r |= bit;
    if (!fresh || c->alive[e->g] || c->t->gs[e->g].id == 0) return;
    int ins;
    int64_t *li = an_imap_put(&c->gone_list, e->obj, (int64_t)c->gone.n, &ins);
    if (ins) {
        i32vec empty = {0};
        VEC_PUSH(c->gone, empty);
        VEC_PUSH(c->gone, empty);
    }
    VEC_PUSH(c->gone.v[*li + (bit == 2)], e->g);
}

/* One pass: who sent on / received from / made each channel (alive ones). */
void es_collect_roles(endctx *c) {
    const an_trace *t = c->t;
    for (size_t i = 0; i < t->nev; i++) {
        const an_ev *e = &t->ev[i];
        note_past(c, e);
        switch (e->kind) {
        case EV_CHAN_MAKE: add_role(c, e->obj, e->g, 8); break;
        case EV_CHAN_SEND_BEGIN:
        case EV_CHAN_SEND:
        case EV_CHAN_CLOSE: add_role(c, e->obj, e->g, 1); break;
        case EV_CHAN_RECV_BEGIN:
        case EV_CHAN_RECV: add_role(c, e->obj, e->g, 2); break;
        case EV_CTX_CREATE: add_role(c, e->c, e->g, 4); break;
        case EV_SIGNAL: /* signal_notify's channel (b 2) or a delivery to it (b 1) */
            if ((e->b == 1 || e->b == 2) && e->obj) *an_imap_put(&c->ext_chan, e->obj, 1, NULL) = 1;
            break;
        case EV_SELECT_BEGIN: {
            if (!c->alive[e->g]) break;
            const char *s = an_ev_str(t, e);
            while (s && *s) {
                while (*s == ' ') s++;
                if ((s[0] == 'r' || s[0] == 's') && s[1] == ':')
                    add_role(c, strtoll(s + 2, NULL, 10), e->g, s[0] == 's' ? 1 : 2);
                while (*s && *s != ' ') s++;
            }
            break;
        }
        default: break;
        }
    }
    /* Channels a timer or a pending deadline will still act on. */
    an_replay *rp = c->rp;
    for (size_t i = 0; i < rp->os.n; i++) {
        an_ost *o = &rp->os.v[i];
        if (o->type == OBJ_TIMER && o->timer_active && o->timer_chan)
            *an_imap_put(&c->ext_chan, o->timer_chan, 1, NULL) = 1;
        if (o->type == OBJ_CONTEXT && o->done_chan && !o->canceled) {
            /* a timeout anywhere up the chain cancels this context too */
            an_ost *a = o;
            for (int depth = 0; a && depth < 64; depth++) {
                if ((a->ctx_kind == 2 || a->ctx_kind == 3) && !a->canceled) {
                    *an_imap_put(&c->ext_chan, o->done_chan, 1, NULL) = 1;
                    break;
                }
                a = a->parent_ctx ? an_ost_find(rp, a->parent_ctx) : NULL;
            }
            /* whoever created an ancestor context can cancel this one */
            a = o;
            for (int depth = 0; a && depth < 64; depth++) {
                /* (a root, Background or TODO, has no cancel function) */
                if (a->creator >= 0 && a->parent_ctx) add_role(c, o->done_chan, a->creator, 4);
                a = a->parent_ctx ? an_ost_find(rp, a->parent_ctx) : NULL;
            }
        }
    }
}

void es_push_unique(i32vec *v, int32_t g) {
    for (size_t i = 0; i < v->n; i++)
        if (v->v[i] == g) return;
    VEC_PUSH(*v, g);
}

/* Who could still act on chan for gi.  The goroutine that made a channel
 * could still use it — unless a signal stopped the run: then only a goroutine
 * that has used it (sent or closed for a receiver, received for a sender)
 * counts, or every channel main made would look alive while main waits in
 * its accept loop (docs/analyzer.md, "stopped by a signal"). */
static void chan_wakers(endctx *c, int32_t gi, int64_t chan, int want_bits) {
    if (!chan) return;
    if (!c->signaled) want_bits |= 8;
    if (an_imap_get(&c->ext_chan, chan)) c->external[gi] = 1;
    int64_t *li = an_imap_get(&c->chan_list, chan);
    if (!li) return;
    i32vec *u = &c->users.v[*li];
    for (size_t k = 0; k < u->n; k++) {
        int32_t h = u->v[k];
        if (h != gi && (es_get_role(c, chan, h) & want_bits)) es_push_unique(&c->wakers[gi], h);
    }
}

/* Any other alive goroutine could do it (Done, Signal, Release): no list. */
static void all_others(endctx *c, int32_t gi) { c->any_waker[gi] = 1; }

void es_compute_wakers(endctx *c, int32_t gi) {
    an_gst *g = &c->rp->gs[gi];
    an_ost *o = g->obj ? an_ost_find(c->rp, g->obj) : NULL;
    switch (g->reason) {
    case BLOCK_LOCK:
    case BLOCK_RLOCK:
        if (!o) break;
        if (o->holder >= 0 && c->alive[o->holder]) es_push_unique(&c->wakers[gi], o->holder);
        if (g->reason == BLOCK_LOCK || o->holder < 0) {
            for (size_t i = 0; i < o->readers.n; i++)
                if (c->alive[o->readers.v[i]] && (g->reason == BLOCK_LOCK || o->readers.v[i] != gi))
                    es_push_unique(&c->wakers[gi], o->readers.v[i]);
        }
        if (g->reason == BLOCK_RLOCK) /* behind a waiting writer */
            for (uint32_t h = 0; h < c->ng; h++)
                if (c->alive[h] && c->rp->gs[h].state == ST_BLOCKED &&
                    c->rp->gs[h].reason == BLOCK_LOCK && c->rp->gs[h].obj == g->obj)
                    es_push_unique(&c->wakers[gi], (int32_t)h);
        if (!c->wakers[gi].n && o->holder < 0 && !o->readers.n) c->external[gi] = 1; /* free: about to get it */
        break;
    case BLOCK_SEND: chan_wakers(c, gi, g->obj, 2 | 4); break;
    case BLOCK_RECV: chan_wakers(c, gi, g->obj, 1 | 4); break;
    case BLOCK_SELECT:
        for (size_t i = 0; i < g->sel_chans.n; i++)
            chan_wakers(c, gi, g->sel_chans.v[i], 1 | 2 | 4);
        break;
    case BLOCK_NIL_CHAN: break;
    case BLOCK_IO: c->external[gi] = 1; break; /* a peer can always wake it */
    case BLOCK_ONCE: {
        /* the goroutine running the function holds the once's inner lock */
        all_others(c, gi);
        break;
    }
    default: all_others(c, gi); break;
    }
}

/* Eventually runnable: the running/sleeping ones, and (fixpoint) whoever one
 * of them could wake.  Worklist over the reversed waker lists: O(edges). */
void es_propagate_runnable(endctx *c) {
    VEC(i32vec) wakes = {0}; /* h -> goroutines h could wake */
    for (uint32_t i = 0; i < c->ng; i++) {
        i32vec empty = {0};
        VEC_PUSH(wakes, empty);
    }
    for (uint32_t gi = 0; gi < c->ng; gi++)
        for (size_t k = 0; k < c->wakers[gi].n; k++) VEC_PUSH(wakes.v[c->wakers[gi].v[k]], (int32_t)gi);
    i32vec work = {0};
    for (uint32_t gi = 0; gi < c->ng; gi++)
        if (c->alive[gi] && c->runnable[gi]) VEC_PUSH(work, (int32_t)gi);
    /* any_waker goroutines need one runnable goroutine other than themselves */
    int any_done = 0;
    for (size_t w = 0; w < work.n; w++) {
        int32_t h = work.v[w];
        if (!any_done) { /* h is runnable and is not any of them */
            for (uint32_t gi = 0; gi < c->ng; gi++)
                if (c->alive[gi] && !c->runnable[gi] && c->any_waker[gi]) {
                    c->runnable[gi] = 1;
                    VEC_PUSH(work, (int32_t)gi);
                }
            any_done = 1;
        }
        for (size_t k = 0; k < wakes.v[h].n; k++) {
            int32_t g = wakes.v[h].v[k];
            if (c->alive[g] && !c->runnable[g]) {
                c->runnable[g] = 1;
                VEC_PUSH(work, g);
            }
        }
    }
    VEC_FREE(work);
    for (uint32_t i = 0; i < c->ng; i++) VEC_FREE(wakes.v[i]);
    VEC_FREE(wakes);
}


/* gi as a node of f's wait-for graph: its state, what it waits on, the locks
 * it holds, and who could still wake it (every alive goroutine that can
 * still run, for a wait that anyone could end: a WaitGroup, a Cond...). */
void es_graph_node(an_finding *f, endctx *c, int32_t gi) {
    an_gst *g = &c->rp->gs[gi];
    int64_t id = c->t->gs[gi].id;
    int st = !c->alive[gi] ? WS_ENDED
             : g->state == ST_BLOCKED ? (g->reason == BLOCK_IO ? WS_IO : WS_BLOCKED)
             : g->state == ST_SLEEPING ? WS_SLEEPING
                                       : WS_RUNNING;
    int blocked = c->alive[gi] && g->state == ST_BLOCKED;
    int64_t seq = blocked ? g->block_seq : g->last_seq;
    int32_t site = blocked ? g->block_site : g->last_site;
    if (g->state == ST_NONE && !seq) {
        seq = c->t->gs[gi].create_seq;
        site = c->t->gs[gi].site;
    }
    an_finding_wait(f, id, st, blocked ? g->reason : 0, blocked ? g->obj : 0, site, seq);
    if (!c->alive[gi]) return;
    for (size_t i = 0; i < g->held.n; i++)
        an_finding_hold(f, id, g->held.v[i].obj, g->held.v[i].read, g->held.v[i].seq,
                        g->held.v[i].site);
    if (!blocked) return;
    for (size_t k = 0; c->wakers && k < c->wakers[gi].n; k++)
        an_finding_waker(f, id, c->t->gs[c->wakers[gi].v[k]].id);
    if (c->any_waker && c->any_waker[gi])
        for (uint32_t h = 0; h < c->ng; h++)
            if ((int32_t)h != gi && c->alive[h] && c->runnable[h])
                an_finding_waker(f, id, c->t->gs[h].id);
}

/* The members, then every waker of theirs that is not one (so each waker
 * is a node too). */
void es_graph_nodes(an_finding *f, endctx *c, const int32_t *v, size_t n) {
    for (size_t i = 0; i < n; i++) es_graph_node(f, c, v[i]);
    for (size_t i = 0; c->wakers && i < n; i++)
        for (size_t k = 0; k < c->wakers[v[i]].n; k++) {
            int32_t h = c->wakers[v[i]].v[k];
            if (c->alive[h]) es_graph_node(f, c, h);
        }
}

/* The stuck goroutines (alive, never runnable again) that wait for each
 * other, as groups (connected by wait-for edges: union-find).  A stuck
 * goroutine waiting for "anyone" (a WaitGroup, a Cond) waits for every other
 * stuck goroutine: they all form one group.  A goroutine waiting for a lock
 * it holds itself is a group of one; a stuck goroutine with no stuck waker
 * is in no group (a lone one).  Each group goes to `each` (its `lock`: a
 * lock is involved — a lock wait or a lock held). */
void es_stuck_groups(endctx *c, void (*each)(endctx *c, i32vec *group, int lock)) {
    int32_t *parent = an_xmalloc(c->ng * sizeof *parent);
    int8_t *linked = an_xcalloc(c->ng, 1);
    int32_t any_stuck = -1;
    for (uint32_t gi = 0; gi < c->ng; gi++) parent[gi] = (int32_t)gi;
    for (uint32_t gi = 0; gi < c->ng; gi++) {
        if (!c->alive[gi] || c->runnable[gi]) continue;
        an_gst *g = &c->rp->gs[gi];
        an_ost *o = g->obj ? an_ost_find(c->rp, g->obj) : NULL;
        if ((g->reason == BLOCK_LOCK) && o && o->holder == (int32_t)gi) linked[gi] = 1;
        if (c->any_waker[gi] && any_stuck < 0) any_stuck = (int32_t)gi;
        for (size_t k = 0; k < c->wakers[gi].n; k++) {
            int32_t h = c->wakers[gi].v[k];
            if (c->runnable[h]) continue;
            /* only a lock relation makes "waits for" certain; co-users of a
             * channel that are all stuck count when they hold a lock */
            linked[gi] = linked[h] = 1;
            int32_t a = (int32_t)gi, b = h;
            while (parent[a] != a) a = parent[a];
            while (parent[b] != b) b = parent[b];
            if (a != b) parent[a] = b;
        }
    }
    /* a stuck goroutine waiting for "anyone" (wg, cond) waits for every
     * other stuck goroutine: they all form one group */
    if (any_stuck >= 0)
        for (uint32_t h = 0; h < c->ng; h++) {
            if (!c->alive[h] || c->runnable[h]) continue;
            if ((int32_t)h == any_stuck) {
                int other = 0;
                for (uint32_t k = 0; k < c->ng && !other; k++)
                    other = k != h && c->alive[k] && !c->runnable[k];
                if (!other) continue;
            }
            linked[h] = linked[any_stuck] = 1;
            int32_t a = (int32_t)h, b = any_stuck;
            while (parent[a] != a) a = parent[a];
            while (parent[b] != b) b = parent[b];
            if (a != b) parent[a] = b;
        }
    for (uint32_t root = 0; root < c->ng; root++) {
        i32vec comp = {0};
        for (uint32_t gi = 0; gi < c->ng; gi++) {
            if (!linked[gi] || c->runnable[gi] || !c->alive[gi]) continue;
            int32_t a = (int32_t)gi;
            while (parent[a] != a) a = parent[a];
            if (a == (int32_t)root) VEC_PUSH(comp, (int32_t)gi);
        }
        int lock = 0;
        for (size_t k = 0; k < comp.n; k++) {
            an_gst *g = &c->rp->gs[comp.v[k]];
            if (g->reason == BLOCK_LOCK || g->reason == BLOCK_RLOCK || g->held.n) lock = 1;
        }
        if (comp.n) each(c, &comp, lock);
        VEC_FREE(comp);
    }
    free(parent);
    free(linked);
}
