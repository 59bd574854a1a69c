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
 *   IO wait (a socket)     → the outside world: never stuck
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
#include <stdarg.h>
#include <signal.h>
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
    int in_deadlock;     /* wording a deadlock (else a leak) */
    int32_t ender;       /* the goroutine that ended the program (main returning), -1 */
    int exit_elsewhere;  /* exit() was called by a goroutine other than main */
    an_sb end_phrase;    /* "When main returned" / "When worker (id 5) called exit(3) at ..." */
    an_imap gone_list;   /* chan -> index in gone: goroutines no longer alive that used it */
    VEC(i32vec) gone;    /* ... as pairs: even entries sent (role 's'), odd received ('r') */
    an_imap all_roles;   /* (chan, g) -> bits 1 sent 2 received, every goroutine */
    an_imap both;        /* chan -> 1: one goroutine both sent on and received from it */
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
static void collect_roles(endctx *c) {
    const an_trace *t = c->t;
    for (size_t i = 0; i < t->nev; i++) {
        const an_ev *e = &t->ev[i];
        note_past(c, e);
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
                /* (a root, Background or TODO, has no cancel function) */
                if (a->creator >= 0 && a->parent_ctx) add_role(c, o->done_chan, a->creator, 4);
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

/* ---- wording -----------------------------------------------------------
 * Every blocked goroutine gets a `why`: clauses that say what would have to
 * happen for it to go on and why that never comes, a fix for its case, and
 * a score that says how close to the root cause its wait is:
 *   5  waits for itself (a mutex it holds, a recursive read lock behind a
 *      writer, a once_do inside the same once's function)
 *   4  waits for something dead for good (a nil channel, a stopped ticker,
 *      a timer that already fired)
 *   3  nobody alive could ever provide it (no receiver, sender gone without
 *      closing, a context nobody can cancel, a full buffer nobody drains)
 *   2  the goroutines that could provide it are stuck themselves (a cycle)
 *   1  waits for "anyone" (a WaitGroup, a Once being run by another one):
 *      a consequence of the others
 * A deadlock's explanation starts from the highest score, and its fix is
 * that goroutine's fix. */

typedef struct why {
    an_sb text;  /* clauses, each starting with "; " */
    an_sb fix;
    int score;
    int timer;   /* a timer / deadline will wake it */
    int ticker;  /* ... a running ticker: it wakes, but the loop never ends */
} why;

static void why_free(why *w) {
    free(w->text.s);
    free(w->fix.s);
    memset(w, 0, sizeof *w);
}

static void set_fix(why *w, int score, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_fix(why *w, int score, const char *fmt, ...) {
    if (score < w->score && w->fix.n) return;
    w->score = score;
    w->fix.n = 0;
    if (w->fix.s) w->fix.s[0] = 0;
    va_list ap;
    va_start(ap, fmt);
    an_sb_vprintf(&w->fix, fmt, ap);
    va_end(ap);
}

static void say_g(an_sb *b, const an_trace *t, int32_t gi) {
    an_sb_printf(b, "%s (id %lld)", t->gs[gi].name, (long long)t->gs[gi].id);
}

/* "worker (ids 2, 3, 4)" when they share a name, else "a (id 1), b (id 2)". */
static void say_glist(an_sb *b, const an_trace *t, const int32_t *v, size_t n) {
    int same = n > 1;
    for (size_t i = 1; i < n && same; i++) same = !strcmp(t->gs[v[i]].name, t->gs[v[0]].name);
    if (same) {
        an_sb_printf(b, "%s (ids", t->gs[v[0]].name);
        for (size_t i = 0; i < n && i < 8; i++)
            an_sb_printf(b, "%s %lld", i ? "," : "", (long long)t->gs[v[i]].id);
        an_sb_printf(b, "%s)", n > 8 ? ", ..." : "");
        return;
    }
    for (size_t i = 0; i < n && i < 5; i++) {
        an_sb_printf(b, "%s", i ? (i + 1 == n ? " and " : ", ") : "");
        say_g(b, t, v[i]);
    }
    if (n > 5) an_sb_printf(b, " and %zu others", n - 5);
}

static void say_obj(an_sb *b, endctx *c, int64_t obj) { an_sb_obj(b, c->t, obj); }

/* What the goroutine that ended the program did: main returned; another
 * called exit(). */
static const char *ender_gone(const endctx *c) {
    return c->exit_elsewhere ? "called exit()" : "returned";
}

/* "is itself blocked receiving from channel x at f.c:3" */
static void say_state(an_sb *b, endctx *c, int32_t gi) {
    const an_trace *t = c->t;
    an_gst *g = &c->rp->gs[gi];
    if (!c->alive[gi]) {
        an_sb_printf(b, "has %s", gi == c->ender ? ender_gone(c) : "finished");
    } else if (g->state == ST_BLOCKED) {
        an_sb_printf(b, "is itself blocked ");
        an_describe_block(b, t, g->reason, g->obj, g->sel_chans.v, g->sel_chans.n);
        an_sb_printf(b, " at %s", an_site_str(t, g->block_site));
    } else if (g->state == ST_SLEEPING) {
        an_sb_printf(b, "is sleeping at %s", an_site_str(t, g->last_site));
    } else if (g->state == ST_NONE) {
        an_sb_printf(b, "has not started yet");
    } else {
        an_sb_printf(b, "is still running");
    }
}

/* Alive goroutines (not gi) that used chan in one of the ways in bits, split
 * into the ones that can still act and the stuck ones. */
static void chan_partners(endctx *c, int32_t gi, int64_t chan, int bits, i32vec *live,
                          i32vec *stuck) {
    int64_t *li = an_imap_get(&c->chan_list, chan);
    if (!li) return;
    i32vec *u = &c->users.v[*li];
    for (size_t k = 0; k < u->n; k++) {
        int32_t h = u->v[k];
        if (h == gi || !(get_role(c, chan, h) & bits)) continue;
        push_unique(c->runnable[h] ? live : stuck, h);
    }
}

/* Goroutines no longer alive that sent on (dir 's') / received from (dir 'r')
 * chan; and the senders of the values still in its buffer. */
static void chan_gone(endctx *c, int64_t chan, int dir, i32vec *gone) {
    int64_t *li = an_imap_get(&c->gone_list, chan);
    if (!li) return;
    const i32vec *v = &c->gone.v[*li + (dir == 'r')];
    for (size_t i = 0; i < v->n && gone->n < 16; i++) push_unique(gone, v->v[i]);
}

static void buffered_senders(endctx *c, int64_t chan, i32vec *out) {
    const an_result *r = c->rp->r;
    for (size_t i = 0; i < r->msgs.n && out->n < 16; i++) {
        const an_msg *m = &r->msgs.v[i];
        if (m->chan != chan || m->recv_seq) continue;
        int64_t *gi = an_imap_get(&c->t->g_index, m->send_g);
        if (gi) push_unique(out, (int32_t)*gi);
    }
}

static an_ost *timer_of_chan(endctx *c, int64_t chan) {
    for (size_t i = 0; i < c->rp->os.n; i++) {
        an_ost *o = &c->rp->os.v[i];
        if (o->type == OBJ_TIMER && o->timer_chan == chan) return o;
    }
    return NULL;
}

static void clause_partners(an_sb *b, endctx *c, const i32vec *v, const char *what) {
    an_sb_printf(b, "; ");
    say_glist(b, c->t, v->v, v->n);
    an_sb_printf(b, " could %s, but ", what);
    if (v->n == 1) {
        an_sb_printf(b, "it ");
        say_state(b, c, v->v[0]);
    } else {
        int same = 1;
        an_gst *g0 = &c->rp->gs[v->v[0]];
        for (size_t i = 1; i < v->n; i++) {
            an_gst *g = &c->rp->gs[v->v[i]];
            same &= g->state == ST_BLOCKED && g0->state == ST_BLOCKED && g->reason == g0->reason &&
                    g->obj == g0->obj && g->block_site == g0->block_site;
        }
        if (same) {
            an_sb_printf(b, "they are all ");
            an_sb_printf(b, "blocked ");
            an_describe_block(b, c->t, g0->reason, g0->obj, g0->sel_chans.v, g0->sel_chans.n);
            an_sb_printf(b, " themselves");
        } else {
            an_sb_printf(b, "they are blocked themselves");
        }
    }
}

/* Why a receive from (dir 'r') or a send on (dir 's') chan does not happen. */
static void explain_chan(endctx *c, int32_t gi, int64_t chan, int dir, why *w) {
    const an_trace *t = c->t;
    an_sb *b = &w->text;
    an_ost *o = an_ost_find(c->rp, chan);
    if (o && o->is_timer_chan && dir == 'r') {
        an_ost *tm = timer_of_chan(c, chan);
        const char *kind = tm && tm->ticker ? "ticker" : "timer";
        if (tm && tm->timer_active && tm->ticker) {
            w->timer = w->ticker = 1;
            an_sb_printf(b, "; ");
            say_obj(b, c, tm->id);
            an_sb_printf(b, " is still running, so a tick will come and the loop will go round "
                            "again, but nothing makes it stop: a ticker's channel is never closed "
                            "(not even by Stop), so a loop that only receives from it (Go: for "
                            "range ticker.C) never ends");
            set_fix(w, 3, "Give the loop a way out: select on the tick and on ctx_done(ctx) (or a "
                          "done channel) and return when that case is ready; stop the ticker when "
                          "the loop returns (Go: defer ticker.Stop()).");
        } else if (tm && tm->timer_active) {
            w->timer = 1;
            an_sb_printf(b, "; its %s is still pending and will fire", kind);
        } else if (tm && tm->stop_seq) {
            an_sb_printf(b, "; ");
            say_obj(b, c, tm->id);
            an_sb_printf(b, " was stopped by ");
            say_g(b, t, tm->stop_g);
            an_sb_printf(b, " at %s (seq %lld): a stopped %s never fires again, and Stop does "
                            "not close its channel, so this receive waits forever",
                         an_site_str(t, tm->stop_site), (long long)tm->stop_seq, kind);
            set_fix(w, 4, "Stop the %s only when nobody waits on it any more: in the goroutine "
                          "that waits for its users to finish (after wg_wait), not in a function "
                          "that returns while they still run (Go: a defer in a constructor runs "
                          "as it returns). And give those goroutines a way out that does not "
                          "depend on the %s (a ctx_done case in their select).",
                    kind, kind);
        } else if (tm && tm->timer_nfired) {
            an_sb_printf(b, "; its timer already fired and its value was taken: a timer fires "
                            "once per start");
            set_fix(w, 4, "Receive from a timer's channel once per start: make a new timer (or "
                          "reset it) before waiting on it again, or use a ticker.");
        } else {
            an_sb_printf(b, "; its %s will never fire", kind);
            set_fix(w, 4, "Start (or reset) the timer before waiting on its channel.");
        }
        return;
    }
    if (o && o->is_done_chan && dir == 'r') {
        if (an_imap_get(&c->ext_chan, chan)) {
            w->timer = 1;
            an_sb_printf(b, "; its context has a deadline that will still cancel it");
            return;
        }
        i32vec live = {0}, stuck = {0};
        chan_partners(c, gi, chan, 4, &live, &stuck);
        an_ost *ctx = o->ctx ? an_ost_find(c->rp, o->ctx) : NULL;
        /* does it derive from Background while another context was canceled? */
        const an_ost *root = ctx, *canceled = NULL;
        for (int d = 0; root && root->parent_ctx && d < 64; d++) {
            an_ost *p = an_ost_find(c->rp, root->parent_ctx);
            if (!p) break;
            root = p;
        }
        if (root && !strcmp(an_oname(t, root->id), "context.Background"))
            for (size_t i = 0; i < c->rp->os.n && !canceled; i++) {
                const an_ost *x = &c->rp->os.v[i];
                if (x->type == OBJ_CONTEXT && x->canceled && x->cancel_seq) canceled = x;
            }
        if (live.n) {
            an_sb_printf(b, "; ");
            say_glist(b, t, live.v, live.n);
            an_sb_printf(b, " could still cancel its context");
        } else if (stuck.n) {
            clause_partners(b, c, &stuck, "cancel its context");
            set_fix(w, 2, "Cancel the context as soon as its work is over, before waiting for "
                          "anything that needs the cancel to finish; make sure the goroutines "
                          "waiting on ctx_done(ctx) are not the ones you wait for first.");
        } else {
            an_sb_printf(b, "; nobody still alive can cancel its context (whoever made it "
                            "returned without calling its cancel function)");
            set_fix(w, 3, "Keep the cancel function and call it when the work is over, on every "
                          "path (Go: defer cancel()); a goroutine waiting on ctx_done(ctx) stops "
                          "only when someone cancels ctx.");
        }
        if (canceled && ctx) {
            an_sb_printf(b, "; that context derives from context.Background, so the cancel of ");
            say_obj(b, c, canceled->id);
            an_sb_printf(b, " (seq %lld) never reaches it", (long long)canceled->cancel_seq);
            set_fix(w, 4, "Derive the context from the caller's ctx (ctx_with_cancel(parent, "
                          "...)), not from ctx_background(): then cancelling the caller cancels "
                          "everything started under it.");
        }
        VEC_FREE(live);
        VEC_FREE(stuck);
        return;
    }
    /* its name as prose: "results", or "the channel from x.c:12" */
    char cname[200];
    {
        an_sb nb = {0};
        const an_obj *info = an_obj_by_id(t, chan);
        const char *nm = info ? info->name : "";
        if (info && strchr(nm, '@')) an_sb_obj(&nb, t, chan);
        else an_sb_printf(&nb, "%s", info ? nm : "the channel");
        snprintf(cname, sizeof cname, "%s", nb.s ? nb.s : "the channel");
        free(nb.s);
    }
    i32vec live = {0}, stuck = {0}, gone = {0};
    chan_partners(c, gi, chan, dir == 's' ? 2 : 1, &live, &stuck);
    /* Stuck partners that wait on a WaitGroup wait for the others to finish
     * first: they will not act on this channel any more. */
    int waiting_wg = stuck.n > 0;
    for (size_t i = 0; i < stuck.n; i++) {
        an_gst *h = &c->rp->gs[stuck.v[i]];
        waiting_wg &= h->state == ST_BLOCKED && h->reason == BLOCK_WG_WAIT;
    }
    if (!live.n && waiting_wg) {
        an_gst *h = &c->rp->gs[stuck.v[0]];
        an_sb_printf(b, "; ");
        say_glist(b, t, stuck.v, stuck.n);
        an_sb_printf(b, " could %s, but %s waiting on ", dir == 's' ? "receive from it" : "send on it",
                     stuck.n == 1 ? "it is" : "they are");
        say_obj(b, c, h->obj);
        an_sb_printf(b, " at %s for other goroutines to finish first, so %s never will",
                     an_site_str(t, h->block_site), stuck.n == 1 ? "it" : "they");
        if (dir == 'r' && o && o->nsend && o->nrecv >= o->nsend && !o->closed) {
            an_sb_printf(b, ": all %llu value%s sent on %s %s been received already, and these "
                            "receives wait for values that will never be sent",
                         (unsigned long long)o->nsend, o->nsend == 1 ? "" : "s", cname,
                         o->nsend == 1 ? "has" : "have");
            set_fix(w, 3, "Make every receive from %s match exactly one send on it (for a "
                          "channel used as a semaphore: one release per acquire). Look at the "
                          "code that sends: it ran fewer times than the receivers expect, for "
                          "example a loop that should have stopped but went on starting "
                          "goroutines (a break inside a select leaves only the select, not the "
                          "loop).",
                    cname);
        } else if (dir == 'r') {
            set_fix(w, 3, "Send every value the receivers of %s expect (or close %s) before "
                          "waiting for them to finish; or let them give up with a select on "
                          "ctx_done(ctx) or a done channel.",
                    cname, cname);
        } else {
            set_fix(w, 3, "Every send on %s needs a receiver, also after the reader stopped "
                          "reading (a timeout, an error): give %s a buffer for the values that "
                          "may be left (a result channel of capacity 1 lets a late sender "
                          "finish), or let the sender give up with a select on ctx_done(ctx) or "
                          "a done channel.",
                    cname, cname);
        }
    } else if (live.n) {
        an_sb_printf(b, "; ");
        say_glist(b, t, live.v, live.n);
        an_sb_printf(b, " could still %s", dir == 's' ? "receive from it" : "send on it or close it");
        set_fix(w, 0, "%s", dir == 's'
                              ? "Let the sender give up when nobody wants the value any more: "
                                "select on the send and on ctx_done(ctx) or a done channel."
                              : "Let the receiver stop when the work is over: select on the "
                                "receive and on ctx_done(ctx) or a done channel, or close the "
                                "channel after the last send.");
    } else if (stuck.n) {
        clause_partners(b, c, &stuck, dir == 's' ? "receive from it" : "send on it or close it");
        if (!c->in_deadlock)
            set_fix(w, 2, "The goroutines that would %s %s are stuck themselves: fix what they "
                          "wait for first (see their finding). And let this one give up when "
                          "nobody wants it any more: a select on the %s and on ctx_done(ctx) or "
                          "a done channel.",
                    dir == 's' ? "receive from" : "send on", cname, dir == 's' ? "send" : "receive");
        else set_fix(w, 2, "These goroutines wait for each other, so none of them goes first. Break the "
                      "circle: let one side run in its own goroutine (for example send the jobs "
                      "from a separate goroutine while the results are being received), read "
                      "both channels in one select, or give %s a buffer big enough for "
                      "everything sent on it.",
                cname);
    } else if (dir == 's') {
        if (o && o->cap > 0) {
            i32vec senders = {0};
            buffered_senders(c, chan, &senders);
            an_sb_printf(b, "; its buffer is full (%lld value%s) and no goroutine still alive "
                            "receives from it",
                         (long long)o->cap, o->cap == 1 ? "" : "s");
            size_t ngone = 0;
            for (size_t i = 0; i < senders.n; i++) ngone += !c->alive[senders.v[i]];
            int received = o->nrecv > 0, semaphore = an_imap_get(&c->both, chan) != NULL;
            if (senders.n && ngone == senders.n) {
                an_sb_printf(b, ": the values in it were sent by ");
                say_glist(b, t, senders.v, senders.n);
                an_sb_printf(b, ", which finished without anyone taking them out again");
                if (semaphore)
                    an_sb_printf(b, " (%s is used as a semaphore: those are acquires that were "
                                    "never released)",
                                 cname);
            }
            if (semaphore)
                set_fix(w, 3, "Every value sent on %s must be received by someone. If it is used "
                              "as a semaphore (send = acquire, receive = release), release on "
                              "every path, including early returns on error (Go: defer the "
                              "release right after the acquire).",
                        cname);
            else
                set_fix(w, 3, "Nothing %sreceives from %s any more, so once its buffer is full "
                              "every send waits forever: keep one goroutine draining it for as "
                              "long as anyone sends, or drop the value when the buffer is full (a "
                              "select with a default case).",
                        received ? "" : "ever ", cname);
            VEC_FREE(senders);
        } else {
            chan_gone(c, chan, 'r', &gone);
            if (gone.n) {
                an_sb_printf(b, "; no goroutine still alive receives from it: ");
                say_glist(b, t, gone.v, gone.n);
                an_sb_printf(b, ", which received from it before, %s", gone.n == 1 ? "has " : "have ");
                an_sb_printf(b, "%s", gone.n == 1 && gone.v[0] == c->ender ? ender_gone(c) : "finished");
            } else {
                an_sb_printf(b, "; no goroutine has received from it so far");
            }
            if (o && o->cap == 0)
                an_sb_printf(b, " (%s is unbuffered: a send waits until a receiver takes the "
                                "value)",
                             cname);
            set_fix(w, 3, "Every send on %s needs a receiver: receive it in another goroutine "
                          "(started before the send), or give %s a buffer big enough for every "
                          "value sent (a result channel of capacity 1 lets a late sender finish "
                          "after its reader gave up), or let the sender give up with a select "
                          "on ctx_done(ctx) or a done channel.",
                    cname, cname);
        }
    } else {
        chan_gone(c, chan, 's', &gone);
        if (gone.n) {
            an_sb_printf(b, "; ");
            say_glist(b, t, gone.v, gone.n);
            an_sb_printf(b, " sent on it and %s without closing it, so neither a value nor a "
                            "close will ever come: a loop that receives until the channel is "
                            "closed (Go: for range) waits forever",
                         gone.n == 1 && gone.v[0] == c->ender ? ender_gone(c) : "finished");
            set_fix(w, 3, "Close %s after the last send: in the sender when its loop is done "
                          "(with several senders, in one goroutine after wg_wait on all of "
                          "them). A loop that receives until close ends only when the channel "
                          "is closed.",
                    cname);
        } else {
            an_sb_printf(b, "; no goroutine has sent on it or closed it so far");
            set_fix(w, 3, "A receive from %s waits until someone sends or closes it: make sure a "
                          "goroutine sends (or closes %s after its last send) on every path, or "
                          "let the receiver give up with a select on ctx_done(ctx) or a done "
                          "channel.",
                    cname, cname);
        }
    }
    VEC_FREE(live);
    VEC_FREE(stuck);
    VEC_FREE(gone);
}

static int32_t held_site(const an_gst *h, int64_t obj, int read, int64_t *seq) {
    for (size_t i = 0; i < h->held.n; i++)
        if (h->held.v[i].obj == obj && (read < 0 || h->held.v[i].read == read)) {
            if (seq) *seq = h->held.v[i].seq;
            return h->held.v[i].site;
        }
    return 0;
}

static void explain_lock(endctx *c, int32_t gi, why *w) {
    const an_trace *t = c->t;
    an_gst *g = &c->rp->gs[gi];
    an_ost *o = an_ost_find(c->rp, g->obj);
    an_sb *b = &w->text;
    const char *ln = an_oname(t, g->obj);
    if (!o) return;
    if (o->holder == gi) {
        an_sb_printf(b, "; it already holds %s itself (locked at %s): a Go mutex is not "
                        "reentrant, so it waits for itself",
                     ln, an_site_str(t, held_site(g, o->id, 0, NULL)));
        set_fix(w, 5, "Do not lock %s again while holding it: unlock before calling code that "
                      "locks it, or split the function into a locking wrapper and a helper that "
                      "expects the lock already held.",
                ln);
        return;
    }
    if (g->reason == BLOCK_RLOCK) {
        int32_t first = held_site(g, o->id, 1, NULL);
        i32vec writers = {0};
        for (uint32_t h = 0; h < c->ng; h++)
            if (c->alive[h] && c->rp->gs[h].state == ST_BLOCKED &&
                c->rp->gs[h].reason == BLOCK_LOCK && c->rp->gs[h].obj == g->obj)
                push_unique(&writers, (int32_t)h);
        if (first && writers.n) {
            an_sb_printf(b, "; ");
            say_glist(b, t, writers.v, writers.n);
            an_sb_printf(b, " %s waiting to write-lock %s: a waiting writer blocks new readers, "
                            "so this second RLock waits for the writer, while the writer waits "
                            "for this goroutine's first read lock (taken at %s) to be released: "
                            "neither can go on",
                         writers.n == 1 ? "is" : "are", ln, an_site_str(t, first));
            set_fix(w, 5, "Do not read-lock %s twice in one goroutine: it read-locked it at %s "
                          "and, still holding it, read-locks it again at %s. Take the read lock "
                          "once, in the outermost method, and have the inner code expect it held "
                          "(a helper that does not lock); never call a method that locks %s "
                          "while holding it.",
                    ln, an_site_str(t, first), an_site_str(t, g->block_site), ln);
            VEC_FREE(writers);
            return;
        }
        if (first) an_sb_printf(b, "; it already holds a read lock on %s (taken at %s)", ln,
                                an_site_str(t, first));
        for (size_t i = 0; i < writers.n; i++) {
            an_sb_printf(b, "; ");
            say_g(b, t, writers.v[i]);
            an_sb_printf(b, " is waiting to write-lock it, and a waiting writer blocks new readers");
        }
        VEC_FREE(writers);
    }
    if (o->holder >= 0) {
        int32_t h = o->holder;
        an_gst *hg = &c->rp->gs[h];
        an_sb_printf(b, "; %s is held by ", ln);
        say_g(b, t, h);
        an_sb_printf(b, ", which locked it at %s and ", an_site_str(t, held_site(hg, o->id, 0, NULL)));
        say_state(b, c, h);
        if (hg->state != ST_BLOCKED) an_sb_printf(b, " while holding it");
        if (hg->state == ST_BLOCKED && (hg->reason == BLOCK_LOCK || hg->reason == BLOCK_RLOCK)) {
            an_ost *ho = an_ost_find(c->rp, hg->obj);
            if (ho && (ho->holder == gi || held_site(g, hg->obj, -1, NULL))) {
                an_sb_printf(b, ", a lock this goroutine holds: each of the two holds the lock "
                                "the other one wants");
                set_fix(w, 3, "Take %s and %s in one fixed order everywhere (for example always "
                              "the lower account first), or merge them into one lock.",
                        an_oname(t, hg->obj), ln);
                return;
            }
            set_fix(w, 2, "Never wait for a lock while holding another one that its holder "
                          "needs: take locks in one fixed order everywhere.");
        } else if (hg->state == ST_BLOCKED) {
            set_fix(w, 3, "Do not wait (on a channel, a WaitGroup...) while holding %s: release "
                          "it before waiting, or make sure the goroutine you wait for never "
                          "needs %s.",
                    ln, ln);
        } else {
            set_fix(w, 2, "Hold %s only for short critical sections: ", ln);
            say_g(&w->fix, t, h);
            an_sb_printf(&w->fix, " holds it across slow work (%s). Copy what you need under "
                                  "the lock, unlock, do the slow part, then lock again to "
                                  "store the result.",
                         hg->state == ST_SLEEPING ? "sleeping" : "still running");
        }
    } else if (o->readers.n && g->reason == BLOCK_LOCK) {
        an_sb_printf(b, "; %s is read-locked by ", ln);
        i32vec rd = {0};
        for (size_t i = 0; i < o->readers.n; i++) push_unique(&rd, o->readers.v[i]);
        say_glist(b, t, rd.v, rd.n);
        if (rd.n == 1) {
            an_sb_printf(b, ", which ");
            say_state(b, c, rd.v[0]);
        }
        VEC_FREE(rd);
        set_fix(w, 2, "Release read locks before waiting for anything, and never take %s's "
                      "write lock while the readers wait for you.",
                ln);
    }
}

static void explain_wait(endctx *c, int32_t gi, why *w) {
    const an_trace *t = c->t;
    an_gst *g = &c->rp->gs[gi];
    an_ost *o = g->obj ? an_ost_find(c->rp, g->obj) : NULL;
    an_sb *b = &w->text;
    switch (g->reason) {
    case BLOCK_LOCK:
    case BLOCK_RLOCK: explain_lock(c, gi, w); break;
    case BLOCK_SEND: explain_chan(c, gi, g->obj, 's', w); break;
    case BLOCK_RECV: explain_chan(c, gi, g->obj, 'r', w); break;
    case BLOCK_SELECT: {
        size_t live = 0;
        for (size_t i = 0; i < g->sel_chans.n; i++) live += g->sel_chans.v[i] != 0;
        for (size_t i = 0; i < g->sel_chans.n; i++) {
            int64_t ch = g->sel_chans.v[i];
            if (!ch) continue;
            int dir = i < g->sel_dirs.n ? g->sel_dirs.v[i] : 'r';
            why sub = {0};
            explain_chan(c, gi, ch, dir, &sub);
            if (sub.text.n) {
                if (live > 1) {
                    an_sb_printf(b, "; %s ", dir == 's' ? "to send on" : "to receive from");
                    say_obj(b, c, ch);
                    an_sb_printf(b, ":%s", sub.text.s + 1);
                } else {
                    an_sb_printf(b, "%s", sub.text.s);
                }
            }
            w->timer |= sub.timer;
            w->ticker |= sub.ticker;
            if (sub.fix.n && (sub.score > w->score || !w->fix.n)) set_fix(w, sub.score, "%s", sub.fix.s);
            why_free(&sub);
        }
        if (!w->fix.n || w->score < 2)
            set_fix(w, w->score, "Give the select a way out: a case on ctx_done(ctx) or a done "
                                 "channel that is closed when the work is over.");
        break;
    }
    case BLOCK_NIL_CHAN:
        an_sb_printf(b, "; a nil channel is never ready, so this blocks forever");
        set_fix(w, 4, "Make the channel with chan_make before using it; a nil channel is only "
                      "useful to disable a select case on purpose.");
        break;
    case BLOCK_WG_WAIT: {
        int64_t n = o ? o->counter : 0;
        int others = 0;
        for (uint32_t h = 0; h < c->ng; h++) others += c->alive[h] && (int32_t)h != gi;
        if (n > 0)
            an_sb_printf(b, "; its counter is still %lld: it waits for %lld more wg_done call%s",
                         (long long)n, (long long)n, n == 1 ? "" : "s");
        if (others) {
            if (n > 0)
                an_sb_printf(b, "%s", c->runnable[gi] ? ", which goroutines still running could "
                                                        "make"
                                                      : ", and whoever would make them is "
                                                        "blocked too");
            set_fix(w, 1, "Every wg_add(n) must be matched by n wg_done calls (one wg_done per "
                          "goroutine, at its end), even on error paths.");
        } else {
            an_sb_printf(b, "; no goroutine is left to call wg_done: a goroutine that was counted "
                            "ended without it, or wg_add counted more goroutines than were "
                            "started");
            set_fix(w, 3, "Every wg_add(n) must be matched by n wg_done calls: one wg_done per "
                          "goroutine, at its end, on every path (Go: defer wg.Done() first thing "
                          "in the goroutine), and wg_add(1) once per go(...).");
        }
        break;
    }
    case BLOCK_ONCE:
        if (o && o->once_runner == gi) {
            an_sb_printf(b, "; it is running that Once's function itself (started by once_do at "
                            "%s, seq %lld) and, from inside it, called once_do on the same Once "
                            "again: it waits for its own function to finish",
                         an_site_str(t, o->once_begin_site), (long long)o->once_begin_seq);
            set_fix(w, 5, "Never call once_do on a Once (or a getter that does) from inside that "
                          "Once's function: pass the function what it needs (the value being "
                          "built) instead of fetching it through the getter.");
        } else {
            if (o && o->once_runner >= 0) {
                an_sb_printf(b, "; its function is being run by ");
                say_g(b, t, o->once_runner);
                an_sb_printf(b, ", which ");
                say_state(b, c, o->once_runner);
            }
            set_fix(w, 1, "Make sure the Once's function always returns.");
        }
        break;
    case BLOCK_COND:
        an_sb_printf(b, "; it waits for a Signal or Broadcast%s",
                     c->runnable[gi] ? "" : " that no goroutine left will send");
        set_fix(w, 2, "Signal or Broadcast after every change of the condition, and wait in a "
                      "loop that re-checks the condition with the lock held.");
        break;
    case BLOCK_IO:
        an_sb_printf(b, "; it waits for a peer on the network");
        set_fix(w, 1, "Close the listener or connection a goroutine is blocked on when it must "
                      "stop (Accept and Read then return ERR_NET_CLOSED), or give the operation "
                      "a deadline.");
        break;
    case BLOCK_SEMAPHORE:
        an_sb_printf(b, "; it waits for a release%s",
                     c->runnable[gi] ? "" : " that no goroutine left will make");
        set_fix(w, 2, "Release the semaphore on every path, including early returns on error "
                      "(Go: defer the release right after the acquire).");
        break;
    default:
        set_fix(w, 1, "Make sure whatever this goroutine waits for happens on every path, or "
                      "give it a way to give up (a done channel or a context).");
        break;
    }
}

/* The object a group of alike blocked goroutines waits on; 0 when they wait
 * in the poller on a socket each (the other reasons group by object).  A
 * lone goroutine may come without a group (grp NULL): its own object. */
static int64_t group_obj(const endctx *c, int32_t gi, const int32_t *grp, size_t n) {
    if (!grp || n < 2) return c->rp->gs[gi].obj;
    int64_t obj = c->rp->gs[grp[0]].obj;
    for (size_t i = 1; i < n; i++)
        if (c->rp->gs[grp[i]].reason == BLOCK_IO && c->rp->gs[grp[i]].obj != obj) return 0;
    return obj;
}

/* "worker (id 3) was blocked locking mutex B at x.c:20 (since seq 40)", or for a
 * group of n alike "3 goroutines worker (ids 2, 3, 4) were blocked ..." */
static void describe_goroutine(an_sb *b, endctx *c, int32_t gi, const int32_t *grp, size_t n) {
    const an_trace *t = c->t;
    an_gst *g = &c->rp->gs[gi];
    int many = n > 1;
    if (many) {
        an_sb_printf(b, "%zu goroutines ", n);
        say_glist(b, t, grp, n);
    } else {
        say_g(b, t, gi);
    }
    const char *was = many ? "were" : "was";
    if (g->state == ST_BLOCKED) {
        an_sb_printf(b, " %s blocked ", was);
        an_describe_block(b, t, g->reason, group_obj(c, gi, grp, n), g->sel_chans.v, g->sel_chans.n);
        an_sb_printf(b, " at %s", an_site_str(t, g->block_site));
        if (!many) an_sb_printf(b, " (since seq %lld)", (long long)g->block_seq);
    } else if (g->state == ST_SLEEPING) {
        an_sb_printf(b, " %s sleeping at %s", was, an_site_str(t, g->last_site));
    } else if (g->state == ST_NONE) {
        an_sb_printf(b, " had not even started running (%s created by go at %s)",
                     many ? "they were" : "it was", an_site_str(t, t->gs[gi].site));
    } else if (many) {
        an_sb_printf(b, " were still running (last traced step at %s)",
                     an_site_str(t, g->last_site));
    } else {
        an_sb_printf(b, " was still running (its last traced step was at %s, seq %lld)",
                     an_site_str(t, g->last_site), (long long)g->last_seq);
    }
    for (size_t i = 0; i < g->held.n; i++) {
        an_sb_printf(b, "%s ", i ? " and" : ", holding");
        say_obj(b, c, g->held.v[i].obj);
        an_sb_printf(b, "%s (locked at %s)", g->held.v[i].read ? " for reading" : "",
                     an_site_str(t, g->held.v[i].site));
    }
}

/* ---- findings ----------------------------------------------------------- */

static void ref_goroutine(an_finding *f, endctx *c, int32_t gi, const char *role) {
    an_gst *g = &c->rp->gs[gi];
    int64_t seq = g->state == ST_BLOCKED ? g->block_seq : g->last_seq;
    int32_t site = g->state == ST_BLOCKED ? g->block_site : g->last_site;
    if (g->state == ST_NONE && !seq) { /* never ran: point at its go statement */
        seq = c->t->gs[gi].create_seq;
        site = c->t->gs[gi].site;
    }
    an_finding_ref(f, seq, c->t->gs[gi].id, g->state == ST_BLOCKED ? g->obj : 0, site, role);
    /* and the locks it holds: that is what the others wait for */
    for (size_t i = 0; i < g->held.n; i++)
        an_finding_ref(f, g->held.v[i].seq, c->t->gs[gi].id, g->held.v[i].obj,
                       g->held.v[i].site, "holder");
}

/* gi as a node of f's wait-for graph: its state, what it waits on, the locks
 * it holds, and who could still wake it (every alive goroutine that can
 * still run, for a wait that anyone could end: a WaitGroup, a Cond...). */
static void graph_node(an_finding *f, endctx *c, int32_t gi) {
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
static void graph_nodes(an_finding *f, endctx *c, const int32_t *v, size_t n) {
    for (size_t i = 0; i < n; i++) graph_node(f, c, v[i]);
    for (size_t i = 0; c->wakers && i < n; i++)
        for (size_t k = 0; k < c->wakers[v[i]].n; k++) {
            int32_t h = c->wakers[v[i]].v[k];
            if (c->alive[h]) graph_node(f, c, h);
        }
}

/* Blocked goroutines with the same name, wait and site: one group. */
typedef struct wgroup {
    i32vec members;
    why w;
} wgroup;
typedef VEC(wgroup) wgvec;

/* The same object, or objects of one type made at the same site (one
 * WaitGroup per service, all made by the same line). */
static int same_kind_obj(endctx *c, int64_t a, int64_t b) {
    if (a == b) return 1;
    const an_obj *x = an_obj_by_id(c->t, a), *y = an_obj_by_id(c->t, b);
    return x && y && x->type == y->type && x->site && x->site == y->site &&
           x->type != OBJ_MUTEX && x->type != OBJ_RWMUTEX;
}

static int runs_once(endctx *c, int32_t gi) {
    an_gst *g = &c->rp->gs[gi];
    if (g->reason != BLOCK_ONCE) return 0;
    an_ost *o = an_ost_find(c->rp, g->obj);
    return o && o->once_runner == gi;
}

static void group_members(endctx *c, const i32vec *members, wgvec *out) {
    const an_trace *t = c->t;
    for (size_t i = 0; i < members->n; i++) {
        int32_t gi = members->v[i];
        an_gst *g = &c->rp->gs[gi];
        wgroup *grp = NULL;
        for (size_t k = 0; k < out->n && !grp; k++) {
            an_gst *h = &c->rp->gs[out->v[k].members.v[0]];
            if (!strcmp(t->gs[out->v[k].members.v[0]].name, t->gs[gi].name) &&
                h->reason == g->reason && same_kind_obj(c, h->obj, g->obj) &&
                h->block_site == g->block_site && h->held.n == 0 && g->held.n == 0 &&
                !runs_once(c, out->v[k].members.v[0]) && !runs_once(c, gi))
                grp = &out->v[k];
        }
        if (!grp) {
            wgroup n = {{0}, {{0}, {0}, 0, 0, 0}};
            VEC_PUSH(*out, n);
            grp = &out->v[out->n - 1];
            explain_wait(c, gi, &grp->w);
        }
        VEC_PUSH(grp->members, gi);
    }
}

static void say_group(an_sb *b, endctx *c, const wgroup *grp) {
    if (grp->members.n == 1) say_g(b, c->t, grp->members.v[0]);
    else {
        an_sb_printf(b, "%zu goroutines ", grp->members.n);
        say_glist(b, c->t, grp->members.v, grp->members.n);
    }
}

static void explain_group(an_sb *ex, endctx *c, const wgroup *grp) {
    const an_trace *t = c->t;
    int32_t g0 = grp->members.v[0];
    an_gst *g = &c->rp->gs[g0];
    say_group(ex, c, grp);
    an_sb_printf(ex, " %s blocked ", grp->members.n == 1 ? "was" : "were");
    an_describe_block(ex, t, g->reason, g->obj, g->sel_chans.v, g->sel_chans.n);
    an_sb_printf(ex, " at %s", an_site_str(t, g->block_site));
    if (grp->members.n == 1) an_sb_printf(ex, " (since seq %lld)", (long long)g->block_seq);
    for (size_t i = 0; i < g->held.n; i++) {
        an_sb_printf(ex, "%s ", i ? " and" : ", holding");
        say_obj(ex, c, g->held.v[i].obj);
        an_sb_printf(ex, "%s (locked at %s)", g->held.v[i].read ? " for reading" : "",
                     an_site_str(t, g->held.v[i].site));
    }
    an_sb_printf(ex, "%s. ", grp->w.text.n ? grp->w.text.s : "");
}

static void deadlock_finding(endctx *c, i32vec *members, int global) {
    const an_trace *t = c->t;
    an_finding *f = an_finding_add(c->rp->r, global ? "deadlock" : "partial_deadlock", "error");
    an_sb title = {0}, ex = {0};
    wgvec groups = {0};
    c->in_deadlock = 1;
    group_members(c, members, &groups);
    c->in_deadlock = 0;
    /* the root: the highest score, first in goroutine order */
    size_t root = 0;
    for (size_t k = 1; k < groups.n; k++)
        if (groups.v[k].w.score > groups.v[root].w.score) root = k;
    int top = groups.v[root].w.score;
    an_sb_printf(&title, "%s: ", global ? "all goroutines are asleep" : "goroutines stuck for good");
    for (size_t k = 0; k < groups.n && k < 3; k++) {
        const wgroup *grp = &groups.v[k];
        an_gst *g = &c->rp->gs[grp->members.v[0]];
        an_sb_printf(&title, "%s", k ? "; " : "");
        if (grp->members.n == 1) say_g(&title, t, grp->members.v[0]);
        else say_glist(&title, t, grp->members.v, grp->members.n);
        an_sb_printf(&title, " ");
        an_describe_block(&title, t, g->reason, g->obj, g->sel_chans.v, g->sel_chans.n);
    }
    if (groups.n > 3) an_sb_printf(&title, "; and %zu more", groups.n - 3);
    if (global)
        an_sb_printf(&ex, "The program stopped: every goroutine was blocked and nothing (no timer, "
                          "no other goroutine) could ever wake any of them. ");
    else
        an_sb_printf(&ex, "These goroutines were blocked when the program ended and none of them "
                          "could ever be woken: each waits for another one of the group (the "
                          "rest of the program went on without them). ");
    if (groups.n > 1 && top >= 3) {
        an_sb_printf(&ex, "The cause: ");
        explain_group(&ex, c, &groups.v[root]);
        an_sb_printf(&ex, "Waiting because of it: ");
        for (size_t k = 0; k < groups.n; k++)
            if (k != root) explain_group(&ex, c, &groups.v[k]);
    } else {
        if (groups.n > 1 && top == 2) an_sb_printf(&ex, "They wait for each other in a circle: ");
        for (size_t k = 0; k < groups.n; k++) explain_group(&ex, c, &groups.v[k]);
    }
    for (size_t i = 0; i < members->n; i++) {
        ref_goroutine(f, c, members->v[i], "blocked");
        c->in_finding[members->v[i]] = 1;
    }
    graph_nodes(f, c, members->v, members->n);
    if (global && c->rp->deadlock_seq)
        an_finding_ref(f, c->rp->deadlock_seq, -1, 0, 0, "deadlock");
    if (ex.n && ex.s[ex.n - 1] == ' ') ex.s[--ex.n] = 0;
    char *fix = an_xstrdup(groups.v[root].w.fix.n ? groups.v[root].w.fix.s
                                                   : "Make sure whatever these goroutines wait "
                                                     "for happens on every path.");
    an_finding_text(f, an_sb_take(&title), an_sb_take(&ex), fix);
    for (size_t k = 0; k < groups.n; k++) {
        VEC_FREE(groups.v[k].members);
        why_free(&groups.v[k].w);
    }
    VEC_FREE(groups);
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

static const char *STOP_AND_WAIT =
    "Tell the goroutine to stop (close a done channel or cancel a context it selects on) and "
    "wait for it to finish (a WaitGroup or a result channel) before main returns.";

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
        /* exit() from another goroutine cut main and the goroutines still at
         * work short on purpose (os.Exit): only one that could never have
         * finished anyway is a leak */
        if (c->exit_elsewhere && (t->gs[gi].id == 1 || g->state != ST_BLOCKED || c->runnable[gi]))
            continue;
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
            site = g->state == ST_NONE && !g->last_seq ? t->gs[gi].site : g->last_site;
        }
        leak_group *lg = NULL;
        for (size_t i = 0; i < groups.n; i++)
            if (groups.v[i].klass == klass && groups.v[i].site == site &&
                groups.v[i].reason == g->reason && !strcmp(groups.v[i].name, t->gs[gi].name) &&
                rp->gs[groups.v[i].members.v[0]].state == g->state)
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
            an_sb_printf(&title, "%zu goroutines ", lg->members.n);
            say_glist(&title, t, lg->members.v, lg->members.n);
            an_sb_printf(&title, " never finished");
        }
        if (g->state == ST_BLOCKED) {
            an_sb_printf(&title, ": blocked ");
            an_describe_block(&title, t, g->reason, group_obj(c, lg->members.v[0], lg->members.v, lg->members.n),
                              g->sel_chans.v, g->sel_chans.n);
            an_sb_printf(&title, " at %s", an_site_str(t, g->block_site));
        } else if (g->state == ST_SLEEPING) {
            an_sb_printf(&title, ": still sleeping at %s", an_site_str(t, g->last_site));
        } else if (g->state == ST_NONE) {
            an_sb_printf(&title, ": %s not even started when main returned",
                         lg->members.n == 1 ? "it had" : "they had");
        } else {
            an_sb_printf(&title, ": still running");
        }
        why w = {0};
        an_sb_printf(&ex, "%s, ", c->end_phrase.s);
        describe_goroutine(&ex, c, g0, lg->members.v, lg->members.n);
        if (g->state == ST_BLOCKED) {
            explain_wait(c, g0, &w);
            if (w.text.n) an_sb_printf(&ex, "%s", w.text.s);
        }
        an_sb_printf(&ex, ". ");
        int pl = lg->members.n > 1;
        const char *it = pl ? "them" : "it", *its = pl ? "their" : "its";
        if (!strcmp(lg->klass, "blocked_forever"))
            an_sb_printf(&ex, "Nothing could ever wake %s: %s would wait forever. In a long-running "
                              "program every such goroutine keeps its stack and everything it "
                              "references: a goroutine leak.",
                         it, pl ? "they" : "it");
        else if (!strcmp(lg->klass, "wakeable") && w.ticker)
            an_sb_printf(&ex, "%s would never stop on %s own: nothing tells %s that the program "
                              "is done, so %s would tick for as long as the process lives.",
                         pl ? "They" : "It", its, it, pl ? "they" : "it");
        else if (!strcmp(lg->klass, "wakeable") && w.timer)
            an_sb_printf(&ex, "A timer or deadline would still wake %s, but main did not wait for "
                              "that: the program just dropped %s mid-way.",
                         it, it);
        else if (!strcmp(lg->klass, "wakeable"))
            an_sb_printf(&ex, "Another goroutine could still have woken %s, but main did not wait "
                              "for that: the program just dropped %s mid-way.",
                         it, it);
        else if (g->state == ST_NONE)
            an_sb_printf(&ex, "main returned without waiting for %s, so %s work never happened.",
                         it, its);
        else
            an_sb_printf(&ex, "main returned without waiting for %s, so %s work was cut off "
                              "wherever it happened to be.",
                         it, its);
        for (size_t k = 0; k < lg->members.n; k++) ref_goroutine(f, c, lg->members.v[k], "leaked");
        graph_nodes(f, c, lg->members.v, lg->members.n);
        char *fix;
        if (g->state == ST_BLOCKED && w.fix.n && (w.score >= 2 || strcmp(lg->klass, "wakeable"))) {
            fix = an_sb_take(&w.fix);
        } else if (g->held.n) {
            an_sb fb = {0};
            an_sb_printf(&fb, "Do not hold %s across slow work (a call, a sleep): copy what you "
                              "need under the lock, unlock, then do the slow part. And %c%s",
                         an_oname(t, g->held.v[0].obj), 't', STOP_AND_WAIT + 1);
            fix = an_sb_take(&fb);
        } else {
            fix = an_xstrdup(STOP_AND_WAIT);
        }
        why_free(&w);
        an_finding_text(f, an_sb_take(&title), an_sb_take(&ex), fix);
        VEC_FREE(lg->members);
    }
    VEC_FREE(groups);
}

/* ---- how the run ended: exit() elsewhere, a fatal signal ---------------- */

/* The site of gi's last step before event index `before` (0: none). */
static int32_t last_site_before(const an_trace *t, int32_t gi, size_t before) {
    for (size_t i = before; i-- > 0;)
        if (t->ev[i].g == gi && t->ev[i].kind != EV_PROGRAM_END && t->ev[i].kind != EV_SIGNAL &&
            t->ev[i].site)
            return t->ev[i].site;
    return 0;
}

/* Index of the last event of `kind` (with b == b if b >= 0), or -1. */
static ssize_t last_event(const an_trace *t, int kind, int64_t b) {
    for (size_t i = t->nev; i-- > 0;)
        if (t->ev[i].kind == kind && (b < 0 || t->ev[i].b == b)) return (ssize_t)i;
    return -1;
}

/* "When main returned" or "When worker (id 5) called exit(3) at f.c:9". */
static void end_phrase(endctx *c, int32_t ender) {
    const an_trace *t = c->t;
    if (!c->exit_elsewhere) {
        an_sb_printf(&c->end_phrase, "When main returned");
        return;
    }
    an_sb_printf(&c->end_phrase, "When ");
    say_g(&c->end_phrase, t, ender);
    an_sb_printf(&c->end_phrase, " called exit(%lld)", (long long)t->exit_status);
    int32_t site = last_site_before(t, ender, t->nev);
    if (site) an_sb_printf(&c->end_phrase, " after its last traced step at %s",
                           an_site_str(t, site));
}

/* Signals that mean the program itself crashed (the others were sent). */
static int crash_signal(int sig) {
    return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGTRAP ||
           sig == SIGSYS || sig == SIGABRT;
}

static const char *sig_name(int sig) {
    switch (sig) {
    case SIGHUP: return "SIGHUP";     case SIGINT: return "SIGINT";
    case SIGQUIT: return "SIGQUIT";   case SIGILL: return "SIGILL";
    case SIGTRAP: return "SIGTRAP";   case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";     case SIGFPE: return "SIGFPE";
    case SIGUSR1: return "SIGUSR1";   case SIGSEGV: return "SIGSEGV";
    case SIGUSR2: return "SIGUSR2";   case SIGPIPE: return "SIGPIPE";
    case SIGALRM: return "SIGALRM";   case SIGTERM: return "SIGTERM";
    case SIGXCPU: return "SIGXCPU";   case SIGXFSZ: return "SIGXFSZ";
    case SIGVTALRM: return "SIGVTALRM"; case SIGPROF: return "SIGPROF";
    case SIGSYS: return "SIGSYS";
    default: return "signal";
    }
}

/* One finding for a run a signal ended: which signal, whom it hit, and
 * what every goroutine was doing.  A crash is an error; a signal sent from
 * outside (Ctrl-C, kill) a warning. */
static void signal_finding(endctx *c, int32_t ender) {
    const an_trace *t = c->t;
    an_replay *rp = c->rp;
    ssize_t pe = last_event(t, EV_PROGRAM_END, -1);
    int sig = pe >= 0 && t->ev[pe].b > 0 ? (int)t->ev[pe].b
                                          : (int)(t->exit_status > 128 ? t->exit_status - 128 : 0);
    ssize_t se = sig ? last_event(t, EV_SIGNAL, 0) : -1;
    int32_t hit = ender >= 0 && t->gs[ender].id > 0 ? ender : -1;
    int crash = crash_signal(sig) || hit >= 0;
    an_finding *f = an_finding_add(rp->r, "signal", crash ? "error" : "warning");
    f->klass = sig_name(sig);
    const char *descr = sig > 0 && sig < 128 ? sigdescr_np(sig) : NULL; /* any value in a trace */
    an_sb title = {0}, ex = {0};
    int32_t hit_site = hit >= 0 ? last_site_before(t, hit, pe >= 0 ? (size_t)pe : t->nev) : 0;
    an_sb_printf(&title, "killed by %s (%s)", f->klass, descr ? descr : "?");
    if (hit >= 0) {
        an_sb_printf(&title, " in ");
        say_g(&title, t, hit);
        if (hit_site) an_sb_printf(&title, " after %s", an_site_str(t, hit_site));
    }
    an_sb_printf(&ex, "The program was killed by signal %s (%s, exit status %lld as the shell "
                      "sees it)",
                 f->klass, descr ? descr : "?", (long long)t->exit_status);
    if (hit >= 0) {
        an_sb_printf(&ex, ": it hit ");
        say_g(&ex, t, hit);
        if (hit_site)
            an_sb_printf(&ex, " in its own code after its last traced step at %s",
                         an_site_str(t, hit_site));
        an_sb_printf(&ex, ".");
    } else if (crash) {
        an_sb_printf(&ex, ".");
    } else {
        an_sb_printf(&ex, ", sent from outside (Ctrl-C, kill, a closed pipe, a timer).");
    }
    size_t nalive = 0;
    for (uint32_t gi = 0; gi < c->ng; gi++) nalive += c->alive[gi];
    if (nalive) an_sb_printf(&ex, " When it was killed: ");
    size_t k = 0;
    for (uint32_t gi = 0; gi < c->ng; gi++) {
        if (!c->alive[gi]) continue;
        if (k++) an_sb_printf(&ex, "; ");
        describe_goroutine(&ex, c, (int32_t)gi, NULL, 1);
    }
    if (nalive) an_sb_printf(&ex, ".");
    an_sb_printf(&ex, " Every goroutine stopped where it was; the trace ends there.");
    if (se >= 0) an_finding_ref(f, t->ev[se].seq, hit >= 0 ? t->gs[hit].id : -1, 0, hit_site,
                                "signal");
    for (uint32_t gi = 0; gi < c->ng; gi++)
        if (c->alive[gi]) {
            ref_goroutine(f, c, (int32_t)gi, "stopped");
            graph_node(f, c, (int32_t)gi);
        }
    const char *fix =
        crash ? "Find the faulting line: run the program under gdb (or look at the core dump) "
                "or build it with -fsanitize=address,undefined; the trace shows what every "
                "goroutine did up to the crash."
              : "Nothing to fix if the program was stopped on purpose. To stop cleanly, catch "
                "the signal (signal_notify), tell the goroutines to stop and wait for them "
                "before main returns (see the graceful-shutdown pattern).";
    an_finding_text(f, an_sb_take(&title), an_sb_take(&ex), an_xstrdup(fix));
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
    c.ender = ender;
    c.exit_elsewhere = exited && !global && ender >= 0 && t->gs[ender].id != 1;
    end_phrase(&c, ender);
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
    if (reason && !strcmp(reason, "signal") && !global && !panicked) signal_finding(&c, ender);
    an_lock_order_findings(rp, &deadlocked_locks);
    an_imap_free(&deadlocked_locks);
    free(c.end_phrase.s);
    an_imap_free(&c.roles);
    an_imap_free(&c.all_roles);
    an_imap_free(&c.both);
    an_imap_free(&c.gone_list);
    for (size_t i = 0; i < c.gone.n; i++) VEC_FREE(c.gone.v[i]);
    VEC_FREE(c.gone);
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
