/*
 * endstate.c — what was left when the program ended.
 *
 * The wait-for graph: a goroutine blocked at the end waits for the
 * goroutines that could wake it:
 *   lock on a mutex        → its holder (rwmutex: the writer and the readers)
 *   read lock              → the writer, and writers already waiting (Go's
 *                            RWMutex lets a waiting writer block new readers)
 *   receive / send         → alive goroutines that ever sent/closed (for a
 *                            receive) or received (for a send) on the channel,
 *                            or made it; a timer or a timeout context with a
 *                            pending deadline can always wake it
 *   select                 → the union over its channel cases
 *   nil channel, select{}  → nobody, ever
 *   WaitGroup, cond, semaphore, once → any other alive goroutine
 * Goroutines that are running or sleeping are eventually runnable; so is a
 * blocked goroutine that an eventually-runnable goroutine could wake
 * (fixpoint).  The rest are stuck forever.
 *
 * Findings:
 *   deadlock          the runtime's EV_DEADLOCK, confirmed: every alive
 *                     goroutine is blocked in the replay too
 *   partial_deadlock  stuck goroutines that wait for each other (a cycle, a
 *                     chain behind a stuck lock holder, a recursive lock)
 *   leak              (program returned normally) every other goroutine
 *                     still alive: blocked forever, wakeable, or running
 * and then lockorder.c's lock_order findings (cycles that did not deadlock).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_internal.h"

typedef VEC(int32_t) i32vec;

typedef struct endctx {
    an_replay *rp;
    const an_trace *t;
    uint32_t ng;
    int8_t *alive;       /* alive at the end (and not the one that ended it) */
    int8_t *runnable;    /* eventually runnable */
    int8_t *external;    /* blocked, but a timer/deadline can wake it */
    i32vec *wakers;      /* per blocked goroutine: who could wake it */
    int8_t *any_waker;   /* blocked on something any other goroutine could do (wg, cond) */
    an_imap chan_list;   /* chan -> index in users: alive goroutines that used it */
    VEC(i32vec) users;
    an_imap roles;       /* (chan, g) -> bits: 1 sent/closed, 2 received, 4 made/can cancel */
    an_imap ext_chan;    /* chan -> 1: a timer or deadline will act on it */
    int8_t *in_finding;  /* already explained by a deadlock finding */
} endctx;

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

static int get_role(const endctx *c, int64_t chan, int32_t g) {
    int64_t *v = an_imap_get(&c->roles, role_key(c, chan, g));
    return v ? (int)*v : 0;
}

/* One pass: who sent on / received from / made each channel (alive ones). */
static void collect_roles(endctx *c) {
    const an_trace *t = c->t;
    for (size_t i = 0; i < t->nev; i++) {
        const an_ev *e = &t->ev[i];
        switch (e->kind) {
        case EV_CHAN_MAKE: add_role(c, e->obj, e->g, 4); break;
        case EV_CHAN_SEND_BEGIN:
        case EV_CHAN_SEND:
        case EV_CHAN_CLOSE: add_role(c, e->obj, e->g, 1); break;
        case EV_CHAN_RECV_BEGIN:
        case EV_CHAN_RECV: add_role(c, e->obj, e->g, 2); break;
        case EV_CTX_CREATE: add_role(c, e->c, e->g, 4); break;
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
                if (a->creator >= 0) add_role(c, o->done_chan, a->creator, 4);
                a = a->parent_ctx ? an_ost_find(rp, a->parent_ctx) : NULL;
            }
        }
    }
}

static void push_unique(i32vec *v, int32_t g) {
    for (size_t i = 0; i < v->n; i++)
        if (v->v[i] == g) return;
    VEC_PUSH(*v, g);
}

static void chan_wakers(endctx *c, int32_t gi, int64_t chan, int want_bits) {
    if (!chan) return;
    if (an_imap_get(&c->ext_chan, chan)) c->external[gi] = 1;
    int64_t *li = an_imap_get(&c->chan_list, chan);
    if (!li) return;
    i32vec *u = &c->users.v[*li];
    for (size_t k = 0; k < u->n; k++) {
        int32_t h = u->v[k];
        if (h != gi && (get_role(c, chan, h) & want_bits)) push_unique(&c->wakers[gi], h);
    }
}

/* Any other alive goroutine could do it (Done, Signal, Release): no list. */
static void all_others(endctx *c, int32_t gi) { c->any_waker[gi] = 1; }

static void compute_wakers(endctx *c, int32_t gi) {
    an_gst *g = &c->rp->gs[gi];
    an_ost *o = g->obj ? an_ost_find(c->rp, g->obj) : NULL;
    switch (g->reason) {
    case BLOCK_LOCK:
    case BLOCK_RLOCK:
        if (!o) break;
        if (o->holder >= 0 && c->alive[o->holder]) push_unique(&c->wakers[gi], o->holder);
        if (g->reason == BLOCK_LOCK || o->holder < 0) {
            for (size_t i = 0; i < o->readers.n; i++)
                if (c->alive[o->readers.v[i]] && (g->reason == BLOCK_LOCK || o->readers.v[i] != gi))
                    push_unique(&c->wakers[gi], o->readers.v[i]);
        }
        if (g->reason == BLOCK_RLOCK) /* behind a waiting writer */
            for (uint32_t h = 0; h < c->ng; h++)
                if (c->alive[h] && c->rp->gs[h].state == ST_BLOCKED &&
                    c->rp->gs[h].reason == BLOCK_LOCK && c->rp->gs[h].obj == g->obj)
                    push_unique(&c->wakers[gi], (int32_t)h);
        if (!c->wakers[gi].n && o->holder < 0 && !o->readers.n) c->external[gi] = 1; /* free: about to get it */
        break;
    case BLOCK_SEND: chan_wakers(c, gi, g->obj, 2 | 4); break;
    case BLOCK_RECV: chan_wakers(c, gi, g->obj, 1 | 4); break;
    case BLOCK_SELECT:
        for (size_t i = 0; i < g->sel_chans.n; i++)
            chan_wakers(c, gi, g->sel_chans.v[i], 1 | 2 | 4);
        break;
    case BLOCK_NIL_CHAN: break;
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
static void propagate_runnable(endctx *c) {
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

/* ---- wording ----------------------------------------------------------- */

/* "worker (id 3) is blocked locking mutex B at x.c:20 (since seq 40)" */
static void describe_goroutine(an_sb *b, endctx *c, int32_t gi) {
    const an_trace *t = c->t;
    an_gst *g = &c->rp->gs[gi];
    an_sb_printf(b, "%s (id %lld) ", t->gs[gi].name, (long long)t->gs[gi].id);
    if (g->state == ST_BLOCKED) {
        an_sb_printf(b, "was blocked ");
        an_describe_block(b, t, g->reason, g->obj, g->sel_chans.v, g->sel_chans.n);
        an_sb_printf(b, " at %s (since seq %lld)", an_site_str(t, g->block_site),
                     (long long)g->block_seq);
    } else if (g->state == ST_SLEEPING) {
        an_sb_printf(b, "was sleeping at %s", an_site_str(t, g->last_site));
    } else if (g->state == ST_NONE) {
        an_sb_printf(b, "had not even started running");
    } else {
        an_sb_printf(b, "was still running (its last traced step was at %s, seq %lld)",
                     an_site_str(t, g->last_site), (long long)g->last_seq);
    }
}

/* Why nobody wakes gi: the holder of its lock, or who else uses its channel. */
static void describe_wait(an_sb *b, endctx *c, int32_t gi) {
    const an_trace *t = c->t;
    an_gst *g = &c->rp->gs[gi];
    an_ost *o = g->obj ? an_ost_find(c->rp, g->obj) : NULL;
    if ((g->reason == BLOCK_LOCK || g->reason == BLOCK_RLOCK) && o) {
        if (o->holder >= 0) {
            an_gst *h = &c->rp->gs[o->holder];
            int32_t site = 0;
            for (size_t i = 0; i < h->held.n; i++)
                if (h->held.v[i].obj == o->id) site = h->held.v[i].site;
            if (o->holder == gi)
                an_sb_printf(b, "; it already held %s itself (locked at %s): a Go mutex is not "
                                "reentrant",
                             an_oname(t, o->id), an_site_str(t, site));
            else
                an_sb_printf(b, "; %s was held by %s (id %lld), locked at %s", an_oname(t, o->id),
                             t->gs[o->holder].name, (long long)t->gs[o->holder].id,
                             an_site_str(t, site));
        } else if (o->readers.n) {
            int self = 0, others = 0;
            for (size_t i = 0; i < o->readers.n; i++) {
                if (o->readers.v[i] == gi) self = 1;
                else others++;
            }
            if (self && g->reason == BLOCK_RLOCK)
                an_sb_printf(b, "; it already held a read lock on %s itself", an_oname(t, o->id));
            if (others || g->reason == BLOCK_LOCK) {
                an_sb_printf(b, "; %s was read-locked by", an_oname(t, o->id));
                for (size_t i = 0; i < o->readers.n; i++)
                    an_sb_printf(b, "%s %s (id %lld)", i ? "," : "", t->gs[o->readers.v[i]].name,
                                 (long long)t->gs[o->readers.v[i]].id);
            }
        }
        if (g->reason == BLOCK_RLOCK)
            for (uint32_t h = 0; h < c->ng; h++)
                if (c->alive[h] && c->rp->gs[h].state == ST_BLOCKED &&
                    c->rp->gs[h].reason == BLOCK_LOCK && c->rp->gs[h].obj == g->obj)
                    an_sb_printf(b, "; %s (id %lld) was waiting to write-lock it, and a waiting "
                                    "writer blocks new readers",
                                 t->gs[h].name, (long long)t->gs[h].id);
        return;
    }
    if (g->reason == BLOCK_NIL_CHAN) {
        an_sb_printf(b, "; a nil channel (or a select with no cases) blocks forever");
        return;
    }
    if (g->reason == BLOCK_SEND || g->reason == BLOCK_RECV || g->reason == BLOCK_SELECT) {
        i32vec *w = &c->wakers[gi];
        if (!w->n)
            an_sb_printf(b, "; no other goroutine still alive could %s",
                         g->reason == BLOCK_SEND ? "receive from that channel"
                         : g->reason == BLOCK_RECV ? "send on or close that channel"
                                                    : "make any of its cases ready");
        else {
            an_sb_printf(b, "; only");
            for (size_t i = 0; i < w->n && i < 5; i++)
                an_sb_printf(b, "%s %s (id %lld)", i ? "," : "", t->gs[w->v[i]].name,
                             (long long)t->gs[w->v[i]].id);
            if (w->n > 5) an_sb_printf(b, " and %zu others", w->n - 5);
            an_sb_printf(b, " could wake it");
        }
    }
}

static const char *fix_for_reason(int reason) {
    switch (reason) {
    case BLOCK_SEND:
        return "Every send needs a receiver. Either make sure someone receives every value "
               "(or give the channel a buffer big enough for every send), or let the sender "
               "give up: select on the send and on a done channel or ctx_done(ctx).";
    case BLOCK_RECV:
        return "A receive waits until someone sends or closes. Have the sender close the "
               "channel when it has no more values (range-style loops end on close), or stop "
               "the receiver with a done channel or a context.";
    case BLOCK_SELECT:
        return "Give the select a way out: a case on a done channel or ctx_done(ctx) that is "
               "closed when the work is over.";
    case BLOCK_RLOCK:
        return "Do not read-lock an RWMutex you already hold: once a writer waits, the second "
               "RLock waits behind it while the writer waits for your first RLock. Take the "
               "read lock once, at the top, and call helpers that expect it held.";
    case BLOCK_LOCK:
        return "Never wait for something (a channel, another lock) while holding a lock that "
               "the goroutine you wait for needs: release the lock first, or take locks in one "
               "fixed order everywhere.";
    case BLOCK_WG_WAIT:
        return "Every wg_add(n) must be matched by n wg_done calls (use one wg_done per "
               "goroutine, deferred at its end), even on error paths.";
    case BLOCK_NIL_CHAN:
        return "Make the channel with chan_make before using it; a nil channel is only useful "
               "to disable a select case on purpose.";
    default:
        return "Make sure whatever this goroutine waits for happens on every path, or give it "
               "a way to give up (a done channel or a context).";
    }
}

/* ---- findings ----------------------------------------------------------- */

static void ref_goroutine(an_finding *f, endctx *c, int32_t gi, const char *role) {
    an_gst *g = &c->rp->gs[gi];
    int64_t seq = g->state == ST_BLOCKED ? g->block_seq : g->last_seq;
    int32_t site = g->state == ST_BLOCKED ? g->block_site : g->last_site;
    an_finding_ref(f, seq, c->t->gs[gi].id, g->state == ST_BLOCKED ? g->obj : 0, site, role);
    /* and the locks it holds: that is what the others wait for */
    for (size_t i = 0; i < g->held.n; i++)
        an_finding_ref(f, g->held.v[i].seq, c->t->gs[gi].id, g->held.v[i].obj,
                       g->held.v[i].site, "holder");
}

static void deadlock_finding(endctx *c, i32vec *members, int global) {
    an_finding *f = an_finding_add(c->rp->r, global ? "deadlock" : "partial_deadlock", "error");
    an_sb title = {0}, ex = {0};
    if (global) {
        an_sb_printf(&title, "deadlock: all goroutines are asleep (%zu blocked)", members->n);
        an_sb_printf(&ex, "The program stopped because every goroutine was blocked and nothing "
                          "(no timer, no other goroutine) could ever wake any of them. ");
    } else {
        an_sb_printf(&title, "partial deadlock: %zu goroutine%s wait for each other forever",
                     members->n, members->n == 1 ? "" : "s");
        an_sb_printf(&ex, "These goroutines were blocked when the program ended and none of "
                          "them could ever be woken: each waits for another one of the group "
                          "(the rest of the program went on without them). ");
    }
    int reason = 0;
    for (size_t i = 0; i < members->n; i++) {
        int32_t gi = members->v[i];
        describe_goroutine(&ex, c, gi);
        describe_wait(&ex, c, gi);
        an_sb_printf(&ex, ". ");
        ref_goroutine(f, c, gi, "blocked");
        c->in_finding[gi] = 1;
        /* the fix follows the most telling wait: a recursive read lock, else a lock */
        int r = c->rp->gs[gi].reason;
        if (!reason || r == BLOCK_RLOCK || (r == BLOCK_LOCK && reason != BLOCK_RLOCK)) reason = r;
    }
    if (global && c->rp->deadlock_seq)
        an_finding_ref(f, c->rp->deadlock_seq, -1, 0, 0, "deadlock");
    if (ex.n && ex.s[ex.n - 1] == ' ') ex.s[--ex.n] = 0;
    an_finding_text(f, an_sb_take(&title), an_sb_take(&ex), an_xstrdup(fix_for_reason(reason)));
}

static int is_final_act(const an_trace *t, const an_gst *g) {
    const an_ev *e = &t->ev[g->last_idx];
    switch (e->kind) {
    case EV_WG_ADD: return e->a < 0;
    case EV_CHAN_SEND: return !(e->d & CS_EVF_SELECT);
    case EV_CHAN_CLOSE:
    case EV_CTX_CANCEL:
    case EV_MUTEX_RELEASE:
    case EV_COND_SIGNAL:
    case EV_COND_BROADCAST: return 1;
    default: return 0;
    }
}

/* Leaks, grouped by class, blocking site and goroutine name. */
typedef struct leak_group {
    const char *klass;
    int32_t site;
    int reason;
    const char *name;
    i32vec members;
} leak_group;

static void leak_findings(endctx *c, int32_t ender) {
    const an_trace *t = c->t;
    an_replay *rp = c->rp;
    VEC(leak_group) groups = {0};
    /* the goroutine that ended the program: its clock says what it waited for */
    const an_vc *endvc = ender >= 0 ? &rp->gs[ender].vc : NULL;
    for (uint32_t gi = 0; gi < c->ng; gi++) {
        if (!c->alive[gi] || c->in_finding[gi]) continue;
        an_gst *g = &rp->gs[gi];
        const char *klass;
        int32_t site;
        if (g->state == ST_BLOCKED) {
            klass = c->runnable[gi] ? "wakeable" : "blocked_forever";
            site = g->block_site;
        } else {
            /* Its last step was a goroutine's typical final act (wg_done, close,
             * a plain send of its result, cancel) and the end of the program
             * happens after it (main waited for exactly that): it was on its way
             * out when main returned, not leaked. */
            if (endvc && g->state == ST_RUNNING && g->last_seq && is_final_act(t, g) &&
                g->last_clk <= vc_get(endvc, gi))
                continue;
            klass = "running";
            site = g->last_site;
        }
        leak_group *lg = NULL;
        for (size_t i = 0; i < groups.n; i++)
            if (groups.v[i].klass == klass && groups.v[i].site == site &&
                groups.v[i].reason == g->reason && !strcmp(groups.v[i].name, t->gs[gi].name))
                lg = &groups.v[i];
        if (!lg) {
            leak_group n = {klass, site, g->state == ST_BLOCKED ? g->reason : 0, t->gs[gi].name,
                            {0}};
            VEC_PUSH(groups, n);
            lg = &groups.v[groups.n - 1];
        }
        VEC_PUSH(lg->members, (int32_t)gi);
    }
    for (size_t i = 0; i < groups.n; i++) {
        leak_group *lg = &groups.v[i];
        an_finding *f = an_finding_add(rp->r, "leak", "error");
        f->klass = lg->klass;
        int32_t g0 = lg->members.v[0];
        an_gst *g = &rp->gs[g0];
        an_sb title = {0}, ex = {0};
        if (lg->members.n == 1)
            an_sb_printf(&title, "goroutine %s (id %lld) never finished", lg->name,
                         (long long)t->gs[g0].id);
        else {
            an_sb_printf(&title, "%zu goroutines %s (ids", lg->members.n, lg->name);
            for (size_t k = 0; k < lg->members.n && k < 8; k++)
                an_sb_printf(&title, "%s %lld", k ? "," : "", (long long)t->gs[lg->members.v[k]].id);
            an_sb_printf(&title, "%s) never finished", lg->members.n > 8 ? ", ..." : "");
        }
        if (g->state == ST_BLOCKED) {
            an_sb_printf(&title, ": blocked ");
            an_describe_block(&title, t, g->reason, g->obj, g->sel_chans.v, g->sel_chans.n);
            an_sb_printf(&title, " at %s", an_site_str(t, g->block_site));
        } else if (g->state == ST_SLEEPING) {
            an_sb_printf(&title, ": still sleeping at %s", an_site_str(t, g->last_site));
        } else {
            an_sb_printf(&title, ": still running");
        }
        an_sb_printf(&ex, "When main returned, ");
        describe_goroutine(&ex, c, g0);
        if (g->state == ST_BLOCKED) describe_wait(&ex, c, g0);
        an_sb_printf(&ex, ". ");
        if (!strcmp(lg->klass, "blocked_forever"))
            an_sb_printf(&ex, "Nothing could ever wake it: it would wait forever. In a long-running "
                              "program every such goroutine keeps its stack and everything it "
                              "references: a goroutine leak.");
        else if (!strcmp(lg->klass, "wakeable"))
            an_sb_printf(&ex, "Another goroutine could still have woken it, but main did not wait "
                              "for that: the program just dropped it mid-way.");
        else
            an_sb_printf(&ex, "main returned without waiting for it, so its work was cut off "
                              "wherever it happened to be.");
        for (size_t k = 0; k < lg->members.n; k++) ref_goroutine(f, c, lg->members.v[k], "leaked");
        const char *fix = g->state == ST_BLOCKED
                              ? fix_for_reason(g->reason)
                              : "Tell the goroutine to stop (close a done channel or cancel a "
                                "context) and wait for it to finish (a WaitGroup or a result "
                                "channel) before main returns.";
        an_finding_text(f, an_sb_take(&title), an_sb_take(&ex), an_xstrdup(fix));
        VEC_FREE(lg->members);
    }
    VEC_FREE(groups);
}

/* ---- driver ------------------------------------------------------------ */

void an_endstate(an_replay *rp) {
    const an_trace *t = rp->t;
    endctx c = {0};
    c.rp = rp;
    c.t = t;
    c.ng = rp->ng;
    const char *reason = t->end_reason;
    int global = rp->deadlock_seq != 0 || (reason && !strcmp(reason, "deadlock"));
    int panicked = reason && !strcmp(reason, "panic");
    int exited = reason && !strcmp(reason, "exit");
    if (rp->panicked) panicked = 1;
    c.alive = an_xcalloc(c.ng, 1);
    c.runnable = an_xcalloc(c.ng, 1);
    c.external = an_xcalloc(c.ng, 1);
    c.in_finding = an_xcalloc(c.ng, 1);
    c.wakers = an_xcalloc(c.ng, sizeof *c.wakers);
    c.any_waker = an_xcalloc(c.ng, 1);
    /* The goroutine that ended the program (main returning, exit()) is not
     * left behind; in a deadlock the detecting goroutine is itself blocked. */
    int32_t ender = -1;
    if (!global) {
        if (rp->end_g >= 0 && t->gs[rp->end_g].id != 0) ender = rp->end_g;
        else if (exited) ender = 0; /* main */
    }
    size_t nblocked = 0, nalive = 0;
    for (uint32_t gi = 0; gi < c.ng; gi++) {
        an_gst *g = &rp->gs[gi];
        if (!g->seen || g->ended || t->gs[gi].id == 0 || (int32_t)gi == ender) continue;
        c.alive[gi] = 1;
        nalive++;
        if (g->state == ST_BLOCKED) nblocked++;
        else c.runnable[gi] = 1;
    }
    an_imap deadlocked_locks = {0};
    if (nblocked && !panicked) {
        collect_roles(&c);
        for (uint32_t gi = 0; gi < c.ng; gi++)
            if (c.alive[gi] && rp->gs[gi].state == ST_BLOCKED) compute_wakers(&c, (int32_t)gi);
        for (uint32_t gi = 0; gi < c.ng; gi++)
            if (c.external[gi]) c.runnable[gi] = 1;
        propagate_runnable(&c);
        if (global) {
            i32vec all = {0};
            for (uint32_t gi = 0; gi < c.ng; gi++)
                if (c.alive[gi] && rp->gs[gi].state == ST_BLOCKED) VEC_PUSH(all, (int32_t)gi);
            deadlock_finding(&c, &all, 1);
            if (all.n != nalive) { /* the replay disagrees: say so rather than hide it */
                an_finding *f = &rp->r->findings.v[rp->r->findings.n - 1];
                an_sb ex = {0};
                an_sb_printf(&ex, "%s (Note: in the trace %zu goroutine%s still look%s runnable at "
                                  "that point; the trace may be incomplete.)",
                             f->explanation, nalive - all.n, nalive - all.n == 1 ? "" : "s",
                             nalive - all.n == 1 ? "s" : "");
                free(f->explanation);
                f->explanation = an_sb_take(&ex);
            }
            VEC_FREE(all);
        } else {
            /* Stuck goroutines connected by wait-for edges: union-find. */
            int32_t *parent = an_xmalloc(c.ng * sizeof *parent);
            int8_t *linked = an_xcalloc(c.ng, 1);
            int32_t any_stuck = -1;
            for (uint32_t gi = 0; gi < c.ng; gi++) parent[gi] = (int32_t)gi;
            for (uint32_t gi = 0; gi < c.ng; gi++) {
                if (!c.alive[gi] || c.runnable[gi]) continue;
                an_gst *g = &rp->gs[gi];
                an_ost *o = g->obj ? an_ost_find(rp, g->obj) : NULL;
                if ((g->reason == BLOCK_LOCK) && o && o->holder == (int32_t)gi) linked[gi] = 1;
                if (c.any_waker[gi] && any_stuck < 0) any_stuck = (int32_t)gi;
                for (size_t k = 0; k < c.wakers[gi].n; k++) {
                    int32_t h = c.wakers[gi].v[k];
                    if (c.runnable[h]) continue;
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
                for (uint32_t h = 0; h < c.ng; h++) {
                    if (!c.alive[h] || c.runnable[h]) continue;
                    if ((int32_t)h == any_stuck) {
                        int other = 0;
                        for (uint32_t k = 0; k < c.ng && !other; k++)
                            other = k != h && c.alive[k] && !c.runnable[k];
                        if (!other) continue;
                    }
                    linked[h] = linked[any_stuck] = 1;
                    int32_t a = (int32_t)h, b = any_stuck;
                    while (parent[a] != a) a = parent[a];
                    while (parent[b] != b) b = parent[b];
                    if (a != b) parent[a] = b;
                }
            for (uint32_t root = 0; root < c.ng; root++) {
                i32vec comp = {0};
                for (uint32_t gi = 0; gi < c.ng; gi++) {
                    if (!linked[gi] || c.runnable[gi] || !c.alive[gi]) continue;
                    int32_t a = (int32_t)gi;
                    while (parent[a] != a) a = parent[a];
                    if (a == (int32_t)root) VEC_PUSH(comp, (int32_t)gi);
                }
                /* a group of stuck goroutines is a partial deadlock when a lock is
                 * involved (AB-BA, lock <-> channel, read lock behind a writer,
                 * recursive lock); stuck channel partners alone are leaks */
                int lock = 0;
                for (size_t k = 0; k < comp.n; k++) {
                    an_gst *g = &rp->gs[comp.v[k]];
                    if (g->reason == BLOCK_LOCK || g->reason == BLOCK_RLOCK || g->held.n) lock = 1;
                }
                if (comp.n && lock) deadlock_finding(&c, &comp, 0);
                VEC_FREE(comp);
            }
            free(parent);
            free(linked);
        }
        for (uint32_t gi = 0; gi < c.ng; gi++)
            if (c.in_finding[gi]) {
                an_gst *g = &rp->gs[gi];
                if (g->reason == BLOCK_LOCK || g->reason == BLOCK_RLOCK)
                    *an_imap_put(&deadlocked_locks, g->obj, 1, NULL) = 1;
                for (size_t k = 0; k < g->held.n; k++)
                    *an_imap_put(&deadlocked_locks, g->held.v[k].obj, 1, NULL) = 1;
            }
    }
    if (exited && !global && !panicked && nalive) {
        if (!nblocked) collect_roles(&c);
        leak_findings(&c, ender);
    }
    an_lock_order_findings(rp, &deadlocked_locks);
    an_imap_free(&deadlocked_locks);
    an_imap_free(&c.roles);
    an_imap_free(&c.ext_chan);
    for (uint32_t gi = 0; gi < c.ng; gi++) VEC_FREE(c.wakers[gi]);
    free(c.wakers);
    free(c.any_waker);
    for (size_t i = 0; i < c.users.n; i++) VEC_FREE(c.users.v[i]);
    VEC_FREE(c.users);
    an_imap_free(&c.chan_list);
    free(c.alive);
    free(c.runnable);
    free(c.external);
    free(c.in_finding);
}
