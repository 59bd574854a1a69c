/*
 * replay.c — one pass over the events in seq order.
 *
 * For every event it updates:
 *   - the goroutine's state span (running / blocked / sleeping),
 *   - the message table (send → receive, by message id),
 *   - vector clocks: each goroutine's clock, and a release clock per
 *     synchronisation object; a release joins the goroutine's clock into the
 *     object's and ticks the goroutine, an acquire joins the object's clock
 *     into the goroutine's.  Edges (Go's memory model):
 *       go statement → start of the goroutine
 *       send → the receive of that message
 *       unbuffered: receive → completion of the matching send
 *       buffered (capacity C): receive k → completion of send k+C
 *       close → a receive that saw the close (ctx cancel closes Done)
 *       Unlock → later Lock/RLock; RUnlock → later Lock
 *       wg Done → Wait returning;  Once's function → every once_do return
 *       cond Signal/Broadcast → the woken Wait;  atomics: store → later ops
 *       semaphore release → acquire;  timer start → its firing
 *   - FastTrack epochs of annotated variables: a race is two accesses, at
 *     least one a write, by different goroutines, neither happening before
 *     the other;
 *   - the lock-order graph (lock B acquired while holding A);
 *   - wg Add-from-zero vs Wait ordering (Go's rule: such an Add must
 *     happen before the Wait).
 * Panics and runtime-detected misuse become findings here; what is left at
 * the end (deadlocks, leaks, lock-order cycles) is endstate.c's job.
 */
#include <stdlib.h>
#include <string.h>

#include "an_internal.h"

an_ost *an_ost_find(const an_replay *rp, int64_t id) {
    int64_t *i = an_imap_get(&rp->omap, id);
    return i ? &rp->os.v[*i] : NULL;
}

an_ost *an_ost_get(an_replay *rp, int64_t id) {
    int ins;
    int64_t *i = an_imap_put(&rp->omap, id, (int64_t)rp->os.n, &ins);
    if (!ins) return &rp->os.v[*i];
    VEC_GROW(rp->os);
    an_ost *o = &rp->os.v[rp->os.n++];
    memset(o, 0, sizeof *o);
    o->id = id;
    o->holder = -1;
    o->creator = -1;
    o->once_runner = -1;
    const an_obj *info = an_obj_by_id(rp->t, id);
    if (info) {
        o->type = info->type;
        if (info->type == OBJ_CHAN) o->cap = info->a;
    }
    return o;
}

/* ---- goroutine clocks and spans ------------------------------------- */

static inline void tick(an_replay *rp, int32_t gi) {
    an_gst *g = &rp->gs[gi];
    vc_set(&g->vc, (uint32_t)gi, vc_get(&g->vc, (uint32_t)gi) + 1, rp->ng);
}

static void emit_span(an_replay *rp, int32_t gi, int64_t end_seq, int64_t end_ns, int open) {
    an_gst *g = &rp->gs[gi];
    an_span s = {rp->t->gs[gi].id, g->obj, g->span_seq, end_seq, g->span_ns, end_ns,
                 g->state, g->reason, (int8_t)open};
    VEC_PUSH(rp->r->spans, s);
}

static void span_switch(an_replay *rp, int32_t gi, const an_ev *e, int state, int reason,
                        int64_t obj) {
    an_gst *g = &rp->gs[gi];
    if (rp->t->gs[gi].id == 0) return; /* the runtime's own threads have no timeline */
    if (g->state != ST_NONE) {
        if (g->state == state && g->reason == reason && g->obj == obj) return;
        emit_span(rp, gi, e->seq, e->t_ns, 0);
    }
    g->state = (int8_t)state;
    g->reason = (int8_t)reason;
    g->obj = obj;
    g->span_seq = e->seq;
    g->span_ns = e->t_ns;
}

static void add_edge(an_replay *rp, int64_t from, int64_t to, int kind) {
    if (!from || !to || from >= to) return;
    an_edge ed = {from, to, kind};
    VEC_PUSH(rp->r->edges, ed);
}

/* ---- lock-order graph ----------------------------------------------- */

static void lock_edge(an_replay *rp, const an_held *h, const an_ev *e) {
    if (h->obj == e->obj) return; /* re-acquiring the same lock is not an order */
    int ins;
    int64_t *slot = an_imap_put(&rp->lemap, an_pair_key(h->obj, e->obj), (int64_t)rp->ledges.n, &ins);
    an_lockedge *le = NULL;
    if (!ins) {
        le = &rp->ledges.v[*slot];
        if (le->from != h->obj || le->to != e->obj) { /* hash collision: search */
            le = NULL;
            for (size_t i = 0; i < rp->ledges.n; i++)
                if (rp->ledges.v[i].from == h->obj && rp->ledges.v[i].to == e->obj)
                    le = &rp->ledges.v[i];
        }
    }
    if (!le) {
        an_lockedge n = {h->obj, e->obj, e->g, -1, h->seq, e->seq, h->site, e->site, h->read};
        VEC_PUSH(rp->ledges, n);
        return;
    }
    if (le->g1 != e->g && le->g2 < 0) le->g2 = e->g;
}

static void acquire_lock(an_replay *rp, const an_ev *e, int read) {
    an_gst *g = &rp->gs[e->g];
    for (size_t i = 0; i < g->held.n; i++) {
        const an_held *h = &g->held.v[i];
        lock_edge(rp, h, e);
        if (read && h->read && h->obj == e->obj) { /* recursive read lock */
            int seen = 0;
            for (size_t k = 0; k < rp->rrecs.n; k++) seen |= rp->rrecs.v[k].obj == e->obj;
            an_rrec rr = {e->obj, h->seq, e->seq, e->g, h->site, e->site};
            if (!seen) VEC_PUSH(rp->rrecs, rr);
        }
    }
    an_held h = {e->obj, e->seq, e->site, (int8_t)read, rp->r->lock_spans.n};
    VEC_PUSH(g->held, h);
    an_lockspan ls = {rp->t->gs[e->g].id, e->obj, e->seq, 0, e->t_ns, 0, e->site, (int8_t)read};
    VEC_PUSH(rp->r->lock_spans, ls);
}

/* Drop the hold of obj from gi's list and close its lock span; 1 if found. */
static int drop_hold(an_replay *rp, uint32_t gi, const an_ev *e, int read) {
    an_gst *g = &rp->gs[gi];
    for (size_t i = g->held.n; i-- > 0;)
        if (g->held.v[i].obj == e->obj && g->held.v[i].read == read) {
            an_lockspan *ls = &rp->r->lock_spans.v[g->held.v[i].span];
            ls->end_seq = e->seq;
            ls->end_ns = e->t_ns;
            memmove(&g->held.v[i], &g->held.v[i + 1], (g->held.n - i - 1) * sizeof *g->held.v);
            g->held.n--;
            return 1;
        }
    return 0;
}

/* Go lets one goroutine unlock a Mutex another one locked: the hold ends
 * wherever it is. */
static void release_lock(an_replay *rp, const an_ev *e, int read) {
    if (drop_hold(rp, (uint32_t)e->g, e, read)) return;
    for (uint32_t gi = 0; gi < rp->ng; gi++)
        if ((int32_t)gi != e->g && drop_hold(rp, gi, e, read)) return;
}

/* ---- FastTrack on annotated variables ------------------------------- */

static void var_access(an_replay *rp, const an_ev *e, int write) {
    an_ost *o = an_ost_get(rp, e->obj);
    an_gst *g = &rp->gs[e->g];
    const an_vc *vc = &g->vc;
    an_acc cur = {e->g, vc_get(vc, (uint32_t)e->g), e->seq, e->site};
    if (o->has_w && o->w.g != e->g && o->w.clk > vc_get(vc, (uint32_t)o->w.g))
        an_race_finding(rp, e->obj, &o->w, 1, &cur, write, 0);
    if (!write) {
        /* Keep the reads an antichain: drop those that happen before this one. */
        size_t k = 0;
        for (size_t i = 0; i < o->reads.n; i++) {
            an_acc *r = &o->reads.v[i];
            if (r->g == e->g || r->clk <= vc_get(vc, (uint32_t)r->g)) continue;
            o->reads.v[k++] = *r;
        }
        o->reads.n = k;
        VEC_PUSH(o->reads, cur);
        return;
    }
    for (size_t i = 0; i < o->reads.n; i++) {
        an_acc *r = &o->reads.v[i];
        if (r->g != e->g && r->clk > vc_get(vc, (uint32_t)r->g))
            an_race_finding(rp, e->obj, r, 0, &cur, 1, 0);
    }
    o->reads.n = 0;
    o->w = cur;
    o->has_w = 1;
}

/* ---- races the race build found (EV_RACE_PREV + EV_RACE) ------------ */

/* The detector in the program (chanscope build --race) already decided that
 * the two accesses race; the trace holds both sites and goroutines.  The
 * earlier access has no event of its own: its ref points at race_prev (seq
 * of the report, g the goroutine that made the access). */
static void race_build_access(an_replay *rp, const an_ev *e) {
    int64_t *pi = an_imap_get(&rp->race_prev, e->a);
    if (!pi || *pi < 1) return; /* race_prev missing (validate.c warned) */
    const an_ev *p = &rp->t->ev[*pi - 1];
    int64_t *gp = an_imap_get(&rp->t->g_index, p->b);
    if (!gp) return; /* a goroutine with no row: validate.c warned */
    if (*gp == e->g) return; /* one goroutine never races with itself: not a detector's pair */
    an_acc first = {(int32_t)*gp, 0, p->seq, p->site};
    an_acc second = {e->g, 0, e->seq, e->site};
    an_race_finding(rp, e->obj, &first, p->c != 0, &second, e->b != 0, 1);
}

/* ---- WaitGroup: an Add from zero must happen before a Wait ----------- */

static void wg_note(an_acc_vec *list, const an_acc *a) {
    for (size_t i = 0; i < list->n; i++)
        if (list->v[i].g == a->g) {
            list->v[i] = *a;
            return;
        }
    VEC_PUSH(*list, *a);
}

static void wg_check(an_replay *rp, an_ost *o, const an_acc *cur, int cur_is_add) {
    if (o->wg_reported) return;
    const an_vc *vc = &rp->gs[cur->g].vc;
    an_acc_vec *other = cur_is_add ? &o->waits : &o->adds;
    for (size_t i = 0; i < other->n; i++) {
        an_acc *x = &other->v[i];
        if (x->g == cur->g || x->clk <= vc_get(vc, (uint32_t)x->g)) continue;
        o->wg_reported = 1;
        if (cur_is_add) an_wg_misuse_finding(rp, o->id, cur, x);
        else an_wg_misuse_finding(rp, o->id, x, cur);
        return;
    }
}

/* ---- channels ------------------------------------------------------- */

#define RING_MAX (1 << 16) /* capacity-k rule tracked for capacities up to this */

/* Drop a channel's receive ring (sized ring_cap, which is the one size to
 * trust: a malformed trace may change the channel's capacity after it). */
static void ring_free(an_ost *o) {
    if (!o->ring) return;
    for (int64_t k = 0; k < o->ring_cap; k++) vc_free(&o->ring[k]);
    free(o->ring);
    free(o->ring_k);
    o->ring = NULL;
    o->ring_k = NULL;
    o->ring_cap = 0;
}

static void on_send(an_replay *rp, const an_ev *e, size_t idx) {
    an_ost *o = an_ost_get(rp, e->obj);
    an_gst *g = &rp->gs[e->g];
    an_msg m = {e->a, e->obj, e->seq, 0, e->c, rp->t->gs[e->g].id, 0, (int32_t)e->b,
                (int8_t)((e->d & CS_EVF_VALUE) != 0)};
    if (e->a) *an_imap_put(&rp->msgmap, e->a, (int64_t)rp->r->msgs.n, NULL) = (int64_t)rp->r->msgs.n;
    VEC_PUSH(rp->r->msgs, m);
    an_vc mv = {0};
    vc_copy(&mv, &g->vc, rp->ng);
    VEC_PUSH(rp->msgvc, mv);
    if (o->cap == 0) {
        /* Unbuffered: the runtime logs the matching receive right after the
         * send (both inside the hand-off); the receiver's clock now is its
         * clock at the receive, which happens before the send completes. */
        if (idx + 1 < rp->t->nev) {
            const an_ev *n = &rp->t->ev[idx + 1];
            if (n->kind == EV_CHAN_RECV && n->obj == e->obj && n->a == e->a && n->g != e->g)
                vc_join(&g->vc, &rp->gs[n->g].vc, rp->ng);
        }
    } else if (o->cap > 0 && o->cap <= RING_MAX) {
        uint64_t j = o->nsend++;
        uint64_t cap = (uint64_t)o->cap;
        if (j >= cap && o->ring && o->ring_cap == o->cap) {
            uint64_t k = j - cap, slot = k % cap;
            if (o->ring_k[slot] == k + 1) vc_join(&g->vc, &o->ring[slot], rp->ng);
        }
    }
    tick(rp, e->g);
}

static void on_recv(an_replay *rp, const an_ev *e) {
    an_ost *o = an_ost_get(rp, e->obj);
    an_gst *g = &rp->gs[e->g];
    if (e->a == 0) { /* saw the close */
        vc_join(&g->vc, &o->close_vc, rp->ng);
        add_edge(rp, o->close_seq, e->seq, o->closed_by_cancel ? HB_CANCEL : HB_CLOSE);
        tick(rp, e->g);
        return;
    }
    int64_t *ip = an_imap_get(&rp->msgmap, e->a);
    if (ip && rp->r->msgs.v[*ip].chan == e->obj && rp->r->msgs.v[*ip].recv_seq == 0) {
        an_msg *m = &rp->r->msgs.v[*ip];
        m->recv_seq = e->seq;
        m->recv_g = rp->t->gs[e->g].id;
        vc_join(&g->vc, &rp->msgvc.v[*ip], rp->ng);
        vc_free(&rp->msgvc.v[*ip]);
        add_edge(rp, m->send_seq, e->seq, HB_MSG);
    }
    if (o->cap > 0 && o->cap <= RING_MAX) {
        uint64_t cap = (uint64_t)o->cap;
        if (o->ring && o->ring_cap != o->cap) ring_free(o); /* (a malformed trace) */
        if (!o->ring) {
            o->ring = an_xcalloc(cap, sizeof *o->ring);
            o->ring_k = an_xcalloc(cap, sizeof *o->ring_k);
            o->ring_cap = o->cap;
        }
        uint64_t k = o->nrecv++, slot = k % cap;
        vc_copy(&o->ring[slot], &g->vc, rp->ng);
        o->ring_k[slot] = k + 1;
    }
    tick(rp, e->g);
}

static void on_close(an_replay *rp, an_ost *o, const an_ev *e, int by_cancel) {
    if (!o->closed) {
        o->closed = 1;
        o->close_seq = e->seq;
        o->close_g = rp->t->gs[e->g].id;
        o->close_site = e->site;
        o->closed_by_cancel = (int8_t)(by_cancel || o->is_done_chan);
    }
    vc_join(&o->close_vc, &rp->gs[e->g].vc, rp->ng);
}

static void parse_select(an_gst *g, const char *s) {
    g->sel_chans.n = 0;
    g->sel_dirs.n = 0;
    g->sel_default = 0;
    if (!s) return;
    while (*s) {
        while (*s == ' ') s++;
        if ((s[0] == 'r' || s[0] == 's') && s[1] == ':') {
            int64_t id = strtoll(s + 2, NULL, 10);
            VEC_PUSH(g->sel_chans, id); /* 0: a nil channel case */
            VEC_PUSH(g->sel_dirs, (int8_t)s[0]);
        } else if (s[0] == 'd') {
            g->sel_default = 1;
        }
        while (*s && *s != ' ') s++;
    }
}

/* ---- the pass --------------------------------------------------------- */

static void step(an_replay *rp, size_t idx) {
    const an_ev *e = &rp->t->ev[idx];
    int32_t gi = e->g;
    an_gst *g = &rp->gs[gi];
    uint32_t ng = rp->ng;
    if (!g->seen || g->ended) { /* first event (or one after its end: malformed) */
        g->seen = 1;
        if (vc_get(&g->vc, (uint32_t)gi) == 0) vc_set(&g->vc, (uint32_t)gi, g->own_final + 1, ng);
        if (e->kind != EV_GO_END) g->ended = 0;
    }
    if (e->kind != EV_GO_END && rp->t->gs[gi].id != 0) {
        if (g->state == ST_NONE) span_switch(rp, gi, e, ST_RUNNING, 0, 0);
        else if (g->state == ST_SLEEPING && e->kind != EV_GO_BLOCK && e->kind != EV_GO_UNBLOCK &&
                 e->kind != EV_GO_SLEEP)
            span_switch(rp, gi, e, ST_RUNNING, 0, 0);
    }
    uint32_t clk_before = vc_get(&g->vc, (uint32_t)gi);
    an_ost *o;
    switch (e->kind) {
    case EV_GO_CREATE: {
        int64_t *cip = an_imap_get(&rp->t->g_index, e->obj);
        if (!cip || *cip == gi) break; /* main announcing itself */
        an_gst *c = &rp->gs[*cip];
        vc_copy(&c->vc, &g->vc, ng);
        vc_set(&c->vc, (uint32_t)*cip, vc_get(&c->vc, (uint32_t)*cip) + 1, ng);
        c->seen = 1;
        c->create_seq = e->seq;
        tick(rp, gi);
        break;
    }
    case EV_GO_START:
        add_edge(rp, g->create_seq, e->seq, HB_SPAWN);
        g->create_seq = 0;
        break;
    case EV_GO_BLOCK:
        if (e->a == BLOCK_SLEEP) span_switch(rp, gi, e, ST_SLEEPING, 0, 0);
        else span_switch(rp, gi, e, ST_BLOCKED, (int)e->a, e->obj);
        g->block_seq = e->seq;
        g->block_site = e->site;
        break;
    case EV_GO_UNBLOCK:
        if (g->state == ST_BLOCKED && g->reason == BLOCK_COND && (o = an_ost_find(rp, g->obj))) {
            vc_join(&g->vc, &o->L, ng);
            add_edge(rp, o->signal_seq, e->seq, HB_COND);
        }
        span_switch(rp, gi, e, ST_RUNNING, 0, 0);
        g->block_seq = 0;
        break;
    case EV_GO_END:
        if (g->state != ST_NONE && rp->t->gs[gi].id != 0) emit_span(rp, gi, e->seq, e->t_ns, 0);
        g->state = ST_NONE;
        g->ended = 1;
        g->block_seq = 0;
        g->own_final = vc_get(&g->vc, (uint32_t)gi);
        vc_free(&g->vc);
        break;
    case EV_GO_SLEEP:
        span_switch(rp, gi, e, ST_SLEEPING, 0, 0);
        break;
    case EV_CHAN_MAKE:
        o = an_ost_get(rp, e->obj);
        o->type = OBJ_CHAN;
        if (o->ring && o->ring_cap != e->a) ring_free(o); /* (a malformed trace) */
        o->cap = e->a;
        break;
    case EV_CHAN_SEND:
    case EV_CHAN_RECV:
        /* A hand-off the partner logged for this parked goroutine: its
         * operation is complete, it is runnable from here (its go_unblock
         * follows when it runs again, if the program is still there). */
        if (g->state == ST_BLOCKED &&
            (g->reason == BLOCK_SEND || g->reason == BLOCK_RECV || g->reason == BLOCK_SELECT)) {
            span_switch(rp, gi, e, ST_RUNNING, 0, 0);
            g->block_seq = 0;
        }
        if (e->kind == EV_CHAN_SEND) on_send(rp, e, idx);
        else on_recv(rp, e);
        break;
    case EV_CHAN_CLOSE:
        o = an_ost_get(rp, e->obj);
        on_close(rp, o, e, 0);
        tick(rp, gi);
        break;
    case EV_SELECT_BEGIN:
        parse_select(g, an_ev_str(rp->t, e));
        break;
    case EV_MUTEX_ACQUIRE:
        o = an_ost_get(rp, e->obj);
        vc_join(&g->vc, &o->L, ng);
        if (o->rel_seq && o->rel_g != gi) add_edge(rp, o->rel_seq, e->seq, HB_UNLOCK);
        if (o->type == OBJ_RWMUTEX) {
            vc_join(&g->vc, &o->R, ng);
            if (o->rrel_seq && o->rrel_g != gi) add_edge(rp, o->rrel_seq, e->seq, HB_UNLOCK);
        }
        acquire_lock(rp, e, 0);
        o->holder = gi;
        break;
    case EV_MUTEX_RELEASE:
        o = an_ost_get(rp, e->obj);
        vc_join(&o->L, &g->vc, ng);
        o->rel_seq = e->seq;
        o->rel_g = gi;
        tick(rp, gi);
        release_lock(rp, e, 0);
        o->holder = -1;
        break;
    case EV_RW_RACQUIRE:
        o = an_ost_get(rp, e->obj);
        vc_join(&g->vc, &o->L, ng);
        if (o->rel_seq && o->rel_g != gi) add_edge(rp, o->rel_seq, e->seq, HB_UNLOCK);
        acquire_lock(rp, e, 1);
        VEC_PUSH(o->readers, gi);
        break;
    case EV_RW_RRELEASE:
        o = an_ost_get(rp, e->obj);
        vc_join(&o->R, &g->vc, ng);
        o->rrel_seq = e->seq;
        o->rrel_g = gi;
        tick(rp, gi);
        release_lock(rp, e, 1);
        for (size_t i = 0; i < o->readers.n; i++)
            if (o->readers.v[i] == gi) {
                o->readers.v[i] = o->readers.v[--o->readers.n];
                break;
            }
        break;
    case EV_WG_ADD: {
        o = an_ost_get(rp, e->obj);
        an_acc cur = {gi, vc_get(&g->vc, (uint32_t)gi), e->seq, e->site};
        if (e->a < 0) {
            vc_join(&o->L, &g->vc, ng);
            tick(rp, gi);
            if (e->b == 0) o->zero_seq = e->seq;
        } else if (e->a > 0 && e->b == e->a) { /* counter went up from zero */
            wg_check(rp, o, &cur, 1);
            wg_note(&o->adds, &cur);
        }
        o->counter = e->b;
        break;
    }
    case EV_WG_WAIT: {
        o = an_ost_get(rp, e->obj);
        an_acc cur = {gi, vc_get(&g->vc, (uint32_t)gi), e->seq, e->site};
        wg_check(rp, o, &cur, 0);
        wg_note(&o->waits, &cur);
        if (e->a == 0) vc_join(&g->vc, &o->L, ng);
        break;
    }
    case EV_WG_WAIT_DONE:
        o = an_ost_get(rp, e->obj);
        vc_join(&g->vc, &o->L, ng);
        add_edge(rp, o->zero_seq, e->seq, HB_WG);
        break;
    case EV_ONCE_BEGIN:
        o = an_ost_get(rp, e->obj);
        o->once_runner = gi;
        o->once_begin_seq = e->seq;
        o->once_begin_site = e->site;
        break;
    case EV_ONCE_END:
        o = an_ost_get(rp, e->obj);
        if (o->once_runner == gi) o->once_runner = -1;
        if (e->a == 1) { /* this goroutine ran the function */
            vc_join(&o->L, &g->vc, ng);
            o->once_seq = e->seq;
            tick(rp, gi);
        } else {
            vc_join(&g->vc, &o->L, ng);
            add_edge(rp, o->once_seq, e->seq, HB_ONCE);
        }
        break;
    case EV_COND_SIGNAL:
    case EV_COND_BROADCAST:
        o = an_ost_get(rp, e->obj);
        vc_join(&o->L, &g->vc, ng);
        o->signal_seq = e->seq;
        tick(rp, gi);
        break;
    case EV_ATOMIC:
        o = an_ost_get(rp, e->obj);
        if (e->a != 1) vc_join(&g->vc, &o->L, ng);                 /* load, add, cas: acquire */
        if (e->a == 1 || e->a == 2 || e->a == 3) {                 /* store, add, cas ok: release */
            vc_join(&o->L, &g->vc, ng);
            tick(rp, gi);
        }
        break;
    case EV_SEM_ACQUIRE:
        o = an_ost_get(rp, e->obj);
        if (e->b) vc_join(&g->vc, &o->L, ng);
        break;
    case EV_SEM_RELEASE:
        o = an_ost_get(rp, e->obj);
        vc_join(&o->L, &g->vc, ng);
        tick(rp, gi);
        break;
    case EV_CTX_CREATE: {
        o = an_ost_get(rp, e->obj);
        o->type = OBJ_CONTEXT;
        o->parent_ctx = e->a;
        o->ctx_kind = (int)e->b;
        o->done_chan = e->c;
        o->creator = gi;
        if (e->c && e->c != e->obj) { /* (o is stale after this an_ost_get) */
            an_ost *dc = an_ost_get(rp, e->c);
            dc->is_done_chan = 1;
            dc->ctx = e->obj;
        }
        break;
    }
    case EV_CTX_CANCEL:
        o = an_ost_get(rp, e->obj);
        if (!o->canceled) {
            o->canceled = 1;
            o->cancel_seq = e->seq;
        }
        if (o->done_chan && o->done_chan != e->obj) {
            int64_t dc = o->done_chan; /* o is stale after an_ost_get */
            on_close(rp, an_ost_get(rp, dc), e, 1);
        }
        tick(rp, gi);
        break;
    case EV_TIMER_START:
        /* The channel first: an_ost_get may grow rp->os and move every
         * object, so no an_ost pointer may be held across it. */
        if (e->b && e->b != e->obj) an_ost_get(rp, e->b)->is_timer_chan = 1;
        o = an_ost_get(rp, e->obj);
        o->type = OBJ_TIMER;
        o->timer_chan = e->b;
        o->timer_active = 1;
        o->ticker = (int8_t)(e->c != 0);
        o->stop_seq = 0;
        vc_join(&o->L, &g->vc, ng);
        tick(rp, gi);
        break;
    case EV_TIMER_FIRE:
        o = an_ost_get(rp, e->obj);
        vc_join(&g->vc, &o->L, ng);
        if (!o->ticker) o->timer_active = 0;
        if (e->a) o->timer_nfired++;
        break;
    case EV_TIMER_STOP:
        o = an_ost_get(rp, e->obj);
        if (o->timer_active || e->a) {
            o->stop_seq = e->seq;
            o->stop_g = gi;
            o->stop_site = e->site;
        }
        o->timer_active = 0;
        break;
    case EV_VAR_READ:
        var_access(rp, e, 0);
        break;
    case EV_VAR_WRITE:
        var_access(rp, e, 1);
        break;
    case EV_RACE_PREV: /* the earlier access of a race the race build found */
        *an_imap_put(&rp->race_prev, e->a, 0, NULL) = (int64_t)idx + 1;
        break;
    case EV_RACE:
        race_build_access(rp, e);
        break;
    case EV_PANIC:
        an_panic_finding(rp, e);
        break;
    case EV_MISUSE:
        an_misuse_finding(rp, e, (int)e->a);
        break;
    case EV_DEADLOCK:
        if (!rp->deadlock_seq) rp->deadlock_seq = e->seq;
        break;
    case EV_PROGRAM_END:
        rp->end_seq = e->seq;
        rp->end_g = gi;
        break;
    default:
        break;
    }
    g->last_seq = e->seq;
    g->last_site = e->site;
    g->last_kind = e->kind;
    g->last_idx = idx;
    g->last_clk = clk_before;
}

void an_replay_run(an_replay *rp) {
    const an_trace *t = rp->t;
    rp->ng = (uint32_t)t->ng;
    rp->gs = an_xcalloc(t->ng, sizeof *rp->gs);
    rp->end_g = -1;
    for (size_t i = 0; i < t->nev; i++) {
        if ((i & (AN_PROGRESS_EVERY - 1)) == 0) an_progress("analyzing", i, t->nev);
        step(rp, i);
    }
    an_progress("analyzing", t->nev, t->nev);
    an_result *r = rp->r;
    if (t->nev) {
        r->last_seq = t->ev[t->nev - 1].seq;
        r->last_ns = t->ev[t->nev - 1].t_ns;
    }
    /* Spans still open at the end of the program. */
    for (uint32_t gi = 0; gi < rp->ng; gi++)
        if (rp->gs[gi].state != ST_NONE && !rp->gs[gi].ended)
            emit_span(rp, (int32_t)gi, r->last_seq, r->last_ns, 1);
}

void an_replay_free(an_replay *rp) {
    for (uint32_t i = 0; rp->gs && i < rp->ng; i++) {
        vc_free(&rp->gs[i].vc);
        VEC_FREE(rp->gs[i].sel_chans);
        VEC_FREE(rp->gs[i].sel_dirs);
        VEC_FREE(rp->gs[i].held);
    }
    free(rp->gs);
    for (size_t i = 0; i < rp->os.n; i++) {
        an_ost *o = &rp->os.v[i];
        vc_free(&o->close_vc);
        vc_free(&o->L);
        vc_free(&o->R);
        ring_free(o);
        VEC_FREE(o->readers);
        VEC_FREE(o->waits);
        VEC_FREE(o->adds);
        VEC_FREE(o->reads);
    }
    VEC_FREE(rp->os);
    for (size_t i = 0; i < rp->msgvc.n; i++) vc_free(&rp->msgvc.v[i]);
    VEC_FREE(rp->msgvc);
    VEC_FREE(rp->ledges);
    VEC_FREE(rp->rrecs);
    an_imap_free(&rp->omap);
    an_imap_free(&rp->msgmap);
    an_imap_free(&rp->lemap);
    an_imap_free(&rp->race_seen);
    an_imap_free(&rp->race_prev);
}

an_result *an_analyze(const an_trace *t) {
    an_result *r = an_xcalloc(1, sizeof *r);
    an_replay rp = {0};
    rp.t = t;
    rp.r = r;
    an_replay_run(&rp);
    an_endstate(&rp);
    an_replay_free(&rp);
    return r;
}

void an_result_free(an_result *r) {
    if (!r) return;
    for (size_t i = 0; i < r->findings.n; i++)
        an_finding_free(&r->findings.v[i]);
    VEC_FREE(r->findings);
    VEC_FREE(r->lock_spans);
    VEC_FREE(r->spans);
    VEC_FREE(r->msgs);
    VEC_FREE(r->edges);
    free(r);
}
