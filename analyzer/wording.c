/*
 * wording.c — saying why goroutines wait forever: the clauses of an
 * explanation, the fix for each kind of wait, and goroutines, groups and
 * objects named the way a learner reads them (never an internal name such
 * as "mutex@bug.c:45": "the mutex from bug.c:45").
 */
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endstate.h"

void es_why_free(why *w) {
    free(w->text.s);
    free(w->fix.s);
    free(w->line.s);
    memset(w, 0, sizeof *w);
}

/* The fix for this wait, if it is at least as close to the root cause as
 * the one already set (score).  Clears the line and culprit of the old one. */
static void set_fix(why *w, int score, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_fix(why *w, int score, const char *fmt, ...) {
    w->applied = 0;
    if (score < w->score && w->fix.n) return;
    w->applied = 1;
    w->score = score;
    w->fix.n = 0;
    if (w->fix.s) w->fix.s[0] = 0;
    w->line.n = 0;
    if (w->line.s) w->line.s[0] = 0;
    w->has_culprit = 0;
    va_list ap;
    va_start(ap, fmt);
    an_sb_vprintf(&w->fix, fmt, ap);
    va_end(ap);
}

/* The one-line fix and the line to change (site 0: the blocked call itself,
 * which the finding fills in) of the fix set_fix just set; ignored when that
 * set_fix did not take effect.  A line longer than AN_FIX_LINE_MAX (long
 * names) is dropped: the finding then uses the fix's first sentence. */
static void set_line(why *w, int32_t site, int32_t g, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void set_line(why *w, int32_t site, int32_t g, const char *fmt, ...) {
    if (!w->applied) return;
    w->line.n = 0;
    va_list ap;
    va_start(ap, fmt);
    an_sb_vprintf(&w->line, fmt, ap);
    va_end(ap);
    if (w->line.n > AN_FIX_LINE_MAX) w->line.n = 0, w->line.s[0] = 0;
    if (site) {
        w->has_culprit = 1;
        w->csite = site;
        w->cg = g;
    }
}

/* The prose name of an object in a static rotating buffer. */
#define P(obj) an_oprose(c->t, (obj))

void es_say_g(an_sb *b, const an_trace *t, int32_t gi) {
    an_sb_printf(b, "%s (id %lld)", t->gs[gi].name, (long long)t->gs[gi].id);
}

/* "worker (ids 2, 3, 4)" when they share a name, else "a (id 1), b (id 2)". */
void es_say_glist(an_sb *b, const an_trace *t, const int32_t *v, size_t n) {
    int same = n > 1;
    for (size_t i = 1; i < n && same; i++) same = !strcmp(t->gs[v[i]].name, t->gs[v[0]].name);
    if (same) { /* "worker (ids 5–52)" */
        int64_t *ids = an_xmalloc(n * sizeof *ids);
        for (size_t i = 0; i < n; i++) ids[i] = t->gs[v[i]].id;
        an_sb_printf(b, "%s (", t->gs[v[0]].name);
        an_sb_ids(b, ids, n);
        an_sb_printf(b, ")");
        free(ids);
        return;
    }
    for (size_t i = 0; i < n && i < 5; i++) {
        an_sb_printf(b, "%s", i ? (i + 1 == n ? " and " : ", ") : "");
        es_say_g(b, t, v[i]);
    }
    if (n > 5) an_sb_printf(b, " and %zu others", n - 5);
}

void es_say_obj(an_sb *b, endctx *c, int64_t obj) { an_sb_obj(b, c->t, obj); }

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
        if (h == gi || !(es_get_role(c, chan, h) & bits)) continue;
        es_push_unique(c->runnable[h] ? live : stuck, h);
    }
}

/* Goroutines no longer alive that sent on (dir 's') / received from (dir 'r')
 * chan; and the senders of the values still in its buffer. */
static void chan_gone(endctx *c, int64_t chan, int dir, i32vec *gone) {
    int64_t *li = an_imap_get(&c->gone_list, chan);
    if (!li) return;
    const i32vec *v = &c->gone.v[*li + (dir == 'r')];
    for (size_t i = 0; i < v->n && gone->n < 16; i++) es_push_unique(gone, v->v[i]);
}

static void buffered_senders(endctx *c, int64_t chan, i32vec *out) {
    const an_result *r = c->rp->r;
    for (size_t i = 0; i < r->msgs.n && out->n < 16; i++) {
        const an_msg *m = &r->msgs.v[i];
        if (m->chan != chan || m->recv_seq) continue;
        int64_t *gi = an_imap_get(&c->t->g_index, m->send_g);
        if (gi) es_push_unique(out, (int32_t)*gi);
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
    es_say_glist(b, c->t, v->v, v->n);
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
/* Where a context was made (0: unknown). */
static int32_t ctx_site(endctx *c, int64_t ctx) {
    const an_obj *o = an_obj_by_id(c->t, ctx);
    return o ? o->site : 0;
}

/* The site of gi's last send on chan (0: none): where its close belongs. */
static int32_t last_send_site(endctx *c, int32_t gi, int64_t chan) {
    const an_trace *t = c->t;
    for (size_t i = t->nev; i-- > 0;)
        if (t->ev[i].g == gi && t->ev[i].obj == chan &&
            (t->ev[i].kind == EV_CHAN_SEND || t->ev[i].kind == EV_CHAN_SEND_BEGIN))
            return t->ev[i].site;
    return 0;
}

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
            es_say_obj(b, c, tm->id);
            an_sb_printf(b, " is still running, so a tick will come and the loop will go round "
                            "again, but nothing makes it stop: a ticker's channel is never closed "
                            "(not even by Stop), so a loop that only receives from it (Go: for "
                            "range ticker.C) never ends");
            set_fix(w, 3, "Give the loop a way out: select on the tick and on ctx_done(ctx) (or a "
                          "done channel) and return when that case is ready; stop the ticker when "
                          "the loop returns (Go: defer ticker.Stop()).");
            set_line(w, 0, gi, "Select on ctx_done(ctx) beside the tick and return when it is ready");
        } else if (tm && tm->timer_active) {
            w->timer = 1;
            an_sb_printf(b, "; its %s is still pending and will fire", kind);
        } else if (tm && tm->stop_seq) {
            an_sb_printf(b, "; ");
            es_say_obj(b, c, tm->id);
            an_sb_printf(b, " was stopped by ");
            es_say_g(b, t, tm->stop_g);
            an_sb_printf(b, " at %s (seq %lld): a stopped %s never fires again, and Stop does "
                            "not close its channel, so this receive waits forever",
                         an_site_str(t, tm->stop_site), (long long)tm->stop_seq, kind);
            set_fix(w, 4, "Stop the %s only when nobody waits on it any more: in the goroutine "
                          "that waits for its users to finish (after wg_wait), not in a function "
                          "that returns while they still run (Go: a defer in a constructor runs "
                          "as it returns). And give those goroutines a way out that does not "
                          "depend on the %s (a ctx_done case in their select).",
                    kind, kind);
            set_line(w, tm->stop_site, tm->stop_g, "Stop the %s after its users finished (after wg_wait), not when this returns", kind);
        } else if (tm && tm->timer_nfired) {
            an_sb_printf(b, "; its timer already fired and its value was taken: a timer fires "
                            "once per start");
            set_fix(w, 4, "Receive from a timer's channel once per start: make a new timer (or "
                          "reset it) before waiting on it again, or use a ticker.");
            set_line(w, 0, gi, "Make a new timer (or reset it) before waiting on its channel again");
        } else {
            an_sb_printf(b, "; its %s will never fire", kind);
            set_fix(w, 4, "Start (or reset) the timer before waiting on its channel.");
            set_line(w, 0, gi, "Start (or reset) the timer before waiting on its channel");
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
            es_say_glist(b, t, live.v, live.n);
            an_sb_printf(b, " could still cancel its context");
        } else if (stuck.n) {
            clause_partners(b, c, &stuck, "cancel its context");
            set_fix(w, 2, "Cancel the context as soon as its work is over, before waiting for "
                          "anything that needs the cancel to finish; make sure the goroutines "
                          "waiting on ctx_done(ctx) are not the ones you wait for first.");
            set_line(w, 0, gi, "Cancel the context before waiting for the goroutines that wait on ctx_done(ctx)");
        } else {
            an_sb_printf(b, "; nobody still alive can cancel its context (whoever made it "
                            "returned without calling its cancel function)");
            set_fix(w, 3, "Keep the cancel function and call it when the work is over, on every "
                          "path (Go: defer cancel()); a goroutine waiting on ctx_done(ctx) stops "
                          "only when someone cancels ctx.");
            set_line(w, ctx ? ctx_site(c, ctx->id) : 0, ctx ? ctx->creator : -1, "Keep the cancel function and call it when the work is over (Go: defer cancel())");
        }
        if (canceled && ctx) {
            an_sb_printf(b, "; that context derives from context.Background, so the cancel of ");
            es_say_obj(b, c, canceled->id);
            an_sb_printf(b, " (seq %lld) never reaches it", (long long)canceled->cancel_seq);
            set_fix(w, 4, "Derive the context from the caller's ctx (ctx_with_cancel(parent, "
                          "...)), not from ctx_background(): then cancelling the caller cancels "
                          "everything started under it.");
            set_line(w, ctx_site(c, ctx->id), ctx->creator, "Derive this context from the caller's ctx, not from ctx_background()");
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
        es_say_glist(b, t, stuck.v, stuck.n);
        an_sb_printf(b, " could %s, but %s waiting on ", dir == 's' ? "receive from it" : "send on it",
                     stuck.n == 1 ? "it is" : "they are");
        es_say_obj(b, c, h->obj);
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
            set_line(w, 0, gi, "Make each receive from %s match one send: find the loop that ran on too long", cname);
        } else if (dir == 'r') {
            set_fix(w, 3, "Send every value the receivers of %s expect (or close %s) before "
                          "waiting for them to finish; or let them give up with a select on "
                          "ctx_done(ctx) or a done channel.",
                    cname, cname);
            set_line(w, 0, gi, "Close %s (or send every value) before waiting for its receivers to finish", cname);
        } else {
            set_fix(w, 3, "Every send on %s needs a receiver, also after the reader stopped "
                          "reading (a timeout, an error): give %s a buffer for the values that "
                          "may be left (a result channel of capacity 1 lets a late sender "
                          "finish), or let the sender give up with a select on ctx_done(ctx) or "
                          "a done channel.",
                    cname, cname);
            set_line(w, 0, gi, "Give %s a buffer of 1, or let the sender also select on ctx_done(ctx)", cname);
        }
    } else if (live.n) {
        an_sb_printf(b, "; ");
        es_say_glist(b, t, live.v, live.n);
        an_sb_printf(b, " could still %s", dir == 's' ? "receive from it" : "send on it or close it");
        set_fix(w, 0, "%s", dir == 's'
                              ? "Let the sender give up when nobody wants the value any more: "
                                "select on the send and on ctx_done(ctx) or a done channel."
                              : "Let the receiver stop when the work is over: select on the "
                                "receive and on ctx_done(ctx) or a done channel, or close the "
                                "channel after the last send.");
        set_line(w, 0, gi, "Let it give up: select on ctx_done(ctx) or a done channel too");
    } else if (stuck.n) {
        clause_partners(b, c, &stuck, dir == 's' ? "receive from it" : "send on it or close it");
        if (!c->in_deadlock) {
            set_fix(w, 2, "The goroutines that would %s %s are stuck themselves: fix what they "
                          "wait for first (see their finding). And let this one give up when "
                          "nobody wants it any more: a select on the %s and on ctx_done(ctx) or "
                          "a done channel.",
                    dir == 's' ? "receive from" : "send on", cname, dir == 's' ? "send" : "receive");
            set_line(w, 0, gi, "Fix what the goroutines that would %s %s wait for first",
                     dir == 's' ? "receive from" : "send on", cname);
        } else {
            set_fix(w, 2, "These goroutines wait for each other, so none of them goes first. "
                          "Break the circle: one of them must not wait on %s while the other "
                          "waits for it — send from a separate goroutine, handle both "
                          "directions in one select, or give %s a buffer big enough for "
                          "everything in flight.",
                    cname, cname);
            set_line(w, 0, gi, "Break the circle on %s: let one side go first (own goroutine, one select)",
                     cname);
        }
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
                es_say_glist(b, t, senders.v, senders.n);
                an_sb_printf(b, ", which finished without anyone taking them out again");
                if (semaphore)
                    an_sb_printf(b, " (%s is used as a semaphore: those are acquires that were "
                                    "never released)",
                                 cname);
            }
            if (semaphore) {
                set_fix(w, 3, "Every value sent on %s must be received by someone. If it is used "
                              "as a semaphore (send = acquire, receive = release), release on "
                              "every path, including early returns on error (Go: defer the "
                              "release right after the acquire).",
                        cname);
                set_line(w, 0, gi, "Release %s on every path, also early returns (Go: defer the release)", cname);
            } else {
                set_fix(w, 3, "Nothing %sreceives from %s any more, so once its buffer is full "
                              "every send waits forever: keep one goroutine draining it for as "
                              "long as anyone sends, or drop the value when the buffer is full (a "
                              "select with a default case).",
                        received ? "" : "ever ", cname);
                set_line(w, 0, gi, "Keep a goroutine receiving from %s while anyone sends, or drop values when full", cname);
            }
            VEC_FREE(senders);
        } else {
            chan_gone(c, chan, 'r', &gone);
            if (gone.n) {
                an_sb_printf(b, "; no goroutine still alive receives from it: ");
                es_say_glist(b, t, gone.v, gone.n);
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
            set_line(w, 0, gi, "Give %s a buffer of 1 so the sender can finish, or receive from it on every path", cname);
        }
    } else {
        chan_gone(c, chan, 's', &gone);
        if (gone.n) {
            an_sb_printf(b, "; ");
            es_say_glist(b, t, gone.v, gone.n);
            an_sb_printf(b, " sent on it and %s without closing it, so neither a value nor a "
                            "close will ever come: a loop that receives until the channel is "
                            "closed (Go: for range) waits forever",
                         gone.n == 1 && gone.v[0] == c->ender ? ender_gone(c) : "finished");
            set_fix(w, 3, "Close %s after the last send: in the sender when its loop is done "
                          "(with several senders, in one goroutine after wg_wait on all of "
                          "them). A loop that receives until close ends only when the channel "
                          "is closed.",
                    cname);
            set_line(w, last_send_site(c, gone.v[0], chan), gone.v[0], "Close %s after the last send, in %s when its loop ends", cname, t->gs[gone.v[0]].name);
        } else {
            an_sb_printf(b, "; no goroutine has sent on it or closed it so far");
            set_fix(w, 3, "A receive from %s waits until someone sends or closes it: make sure a "
                          "goroutine sends (or closes %s after its last send) on every path, or "
                          "let the receiver give up with a select on ctx_done(ctx) or a done "
                          "channel.",
                    cname, cname);
            set_line(w, 0, gi, "Send on or close %s on every path, or let the receiver give up", cname);
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
    const char *ln = an_oprose(t, g->obj); /* "mutex A.mu", "the mutex from x.c:4" */
    if (!o) return;
    if (o->holder == gi) {
        an_sb_printf(b, "; it already holds %s itself (locked at %s): a Go mutex is not "
                        "reentrant, so it waits for itself",
                     ln, an_site_str(t, held_site(g, o->id, 0, NULL)));
        set_fix(w, 5, "Do not lock %s again while holding it: unlock before calling code that "
                      "locks it, or split the function into a locking wrapper and a helper that "
                      "expects the lock already held.",
                ln);
        set_line(w, 0, gi, "Unlock %s before calling code that locks it again", ln);
        return;
    }
    if (g->reason == BLOCK_RLOCK) {
        int32_t first = held_site(g, o->id, 1, NULL);
        i32vec writers = {0};
        for (uint32_t h = 0; h < c->ng; h++)
            if (c->alive[h] && c->rp->gs[h].state == ST_BLOCKED &&
                c->rp->gs[h].reason == BLOCK_LOCK && c->rp->gs[h].obj == g->obj)
                es_push_unique(&writers, (int32_t)h);
        if (first && writers.n) {
            an_sb_printf(b, "; ");
            if (writers.n > 1) an_sb_printf(b, "%zu goroutines ", writers.n);
            es_say_glist(b, t, writers.v, writers.n);
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
            set_line(w, 0, gi, "Take the read lock on %s once, in the outer function; the inner code must not lock", ln);
            VEC_FREE(writers);
            return;
        }
        if (first) an_sb_printf(b, "; it already holds a read lock on %s (taken at %s)", ln,
                                an_site_str(t, first));
        if (writers.n) { /* one clause for the lot: "48 goroutines writer (ids 5–52) wait..." */
            an_sb_printf(b, "; ");
            if (writers.n > 1) an_sb_printf(b, "%zu goroutines ", writers.n);
            es_say_glist(b, t, writers.v, writers.n);
            an_sb_printf(b, " %s to write-lock it, and a waiting writer blocks new readers",
                         writers.n == 1 ? "is waiting" : "wait");
        }
        VEC_FREE(writers);
    }
    if (o->holder >= 0) {
        int32_t h = o->holder;
        an_gst *hg = &c->rp->gs[h];
        an_sb_printf(b, "; %s is held by ", ln);
        es_say_g(b, t, h);
        an_sb_printf(b, ", which locked it at %s and ", an_site_str(t, held_site(hg, o->id, 0, NULL)));
        say_state(b, c, h);
        if (hg->state != ST_BLOCKED) an_sb_printf(b, " while holding it");
        if (hg->state == ST_BLOCKED && (hg->reason == BLOCK_LOCK || hg->reason == BLOCK_RLOCK)) {
            an_ost *ho = an_ost_find(c->rp, hg->obj);
            if (ho && (ho->holder == gi || held_site(g, hg->obj, -1, NULL))) {
                an_sb_printf(b, ", a lock this goroutine holds: each of the two holds the lock "
                                "the other one wants");
                set_fix(w, 3, "Take %s and %s in one fixed order in every goroutine (decide which "
                              "comes first and lock it first everywhere), or merge them into one "
                              "lock.",
                        an_oprose(t, hg->obj), ln);
                set_line(w, 0, gi, "Lock %s and %s in the same order in every goroutine", P(hg->obj), ln);
                return;
            }
            set_fix(w, 2, "Never wait for a lock while holding another one that its holder "
                          "needs: take locks in one fixed order everywhere.");
            set_line(w, 0, gi, "Take the locks in one fixed order in every goroutine");
        } else if (hg->state == ST_BLOCKED) {
            set_fix(w, 3, "Do not wait (on a channel, a WaitGroup...) while holding %s: release "
                          "it before waiting, or make sure the goroutine you wait for never "
                          "needs %s.",
                    ln, ln);
            set_line(w, held_site(hg, o->id, 0, NULL), h, "Unlock %s before waiting on anything else", ln);
        } else {
            set_fix(w, 2, "Hold %s only for short critical sections: ", ln);
            set_line(w, held_site(hg, o->id, 0, NULL), h, "Unlock %s before the slow work; lock again to store the result", ln);
            es_say_g(&w->fix, t, h);
            an_sb_printf(&w->fix, " holds it across slow work (%s). Copy what you need under "
                                  "the lock, unlock, do the slow part, then lock again to "
                                  "store the result.",
                         hg->state == ST_SLEEPING ? "sleeping" : "still running");
        }
    } else if (o->readers.n && g->reason == BLOCK_LOCK) {
        an_sb_printf(b, "; %s is read-locked by ", ln);
        i32vec rd = {0};
        for (size_t i = 0; i < o->readers.n; i++) es_push_unique(&rd, o->readers.v[i]);
        es_say_glist(b, t, rd.v, rd.n);
        if (rd.n == 1) {
            an_sb_printf(b, ", which ");
            say_state(b, c, rd.v[0]);
        }
        VEC_FREE(rd);
        set_fix(w, 2, "Release read locks before waiting for anything, and never take %s's "
                      "write lock while the readers wait for you.",
                ln);
        set_line(w, 0, gi, "Release the read locks on %s before waiting for anything", ln);
    }
}

void es_explain_wait(endctx *c, int32_t gi, why *w) {
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
                    es_say_obj(b, c, ch);
                    an_sb_printf(b, ":%s", sub.text.s + 1);
                } else {
                    an_sb_printf(b, "%s", sub.text.s);
                }
            }
            w->timer |= sub.timer;
            w->ticker |= sub.ticker;
            if (sub.fix.n && (sub.score > w->score || !w->fix.n)) {
                set_fix(w, sub.score, "%s", sub.fix.s);
                if (sub.has_culprit) set_line(w, sub.csite, sub.cg, "%s", sub.line.s ? sub.line.s : "");
                else if (sub.line.n) set_line(w, 0, gi, "%s", sub.line.s);
            }
            es_why_free(&sub);
        }
        if (!w->fix.n || w->score < 2) {
            set_fix(w, w->score, "Give the select a way out: a case on ctx_done(ctx) or a done "
                                 "channel that is closed when the work is over.");
            set_line(w, 0, gi, "Add a case on ctx_done(ctx) (or a done channel) to the select");
        }
        break;
    }
    case BLOCK_NIL_CHAN:
        an_sb_printf(b, "; a nil channel is never ready, so this blocks forever");
        set_fix(w, 4, "Make the channel with chan_make before using it; a nil channel is only "
                      "useful to disable a select case on purpose.");
        set_line(w, 0, gi, "Make the channel with chan_make before using it");
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
            set_line(w, 0, gi, "Call wg_done once per wg_add, on every path (Go: defer wg.Done())");
        } else {
            an_sb_printf(b, "; no goroutine is left to call wg_done: a goroutine that was counted "
                            "ended without it, or wg_add counted more goroutines than were "
                            "started");
            set_fix(w, 3, "Every wg_add(n) must be matched by n wg_done calls: one wg_done per "
                          "goroutine, at its end, on every path (Go: defer wg.Done() first thing "
                          "in the goroutine), and wg_add(1) once per go(...).");
            set_line(w, 0, gi, "Call wg_done once per wg_add, on every path (Go: defer wg.Done())");
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
            set_line(w, 0, gi, "Do not call once_do on this Once from inside its own function");
        } else {
            if (o && o->once_runner >= 0) {
                an_sb_printf(b, "; its function is being run by ");
                es_say_g(b, t, o->once_runner);
                an_sb_printf(b, ", which ");
                say_state(b, c, o->once_runner);
            }
            set_fix(w, 1, "Make sure the Once's function always returns.");
            set_line(w, 0, gi, "Make sure the Once's function always returns");
        }
        break;
    case BLOCK_COND:
        an_sb_printf(b, "; it waits for a Signal or Broadcast%s",
                     c->runnable[gi] ? "" : " that no goroutine left will send");
        set_fix(w, 2, "Signal or Broadcast after every change of the condition, and wait in a "
                      "loop that re-checks the condition with the lock held.");
        set_line(w, 0, gi, "Signal or Broadcast after every change of the condition");
        break;
    case BLOCK_IO:
        an_sb_printf(b, "; it waits for a peer on the network");
        set_fix(w, 1, "Close the listener or connection a goroutine is blocked on when it must "
                      "stop (Accept and Read then return ERR_NET_CLOSED), or give the operation "
                      "a deadline.");
        set_line(w, 0, gi, "Close the listener or connection it waits on when it must stop, or set a deadline");
        break;
    case BLOCK_SEMAPHORE:
        an_sb_printf(b, "; it waits for a release%s",
                     c->runnable[gi] ? "" : " that no goroutine left will make");
        set_fix(w, 2, "Release the semaphore on every path, including early returns on error "
                      "(Go: defer the release right after the acquire).");
        set_line(w, 0, gi, "Release the semaphore on every path (Go: defer the release after the acquire)");
        break;
    default:
        set_fix(w, 1, "Make sure whatever this goroutine waits for happens on every path, or "
                      "give it a way to give up (a done channel or a context).");
        set_line(w, 0, gi, "Make what it waits for happen on every path, or let it give up");
        break;
    }
}

/* The object a group of alike blocked goroutines waits on; 0 when they wait
 * in the poller on a socket each (the other reasons group by object).  A
 * lone goroutine may come without a group (grp NULL): its own object. */
int64_t es_group_obj(const endctx *c, int32_t gi, const int32_t *grp, size_t n) {
    if (!grp || n < 2) return c->rp->gs[gi].obj;
    int64_t obj = c->rp->gs[grp[0]].obj;
    for (size_t i = 1; i < n; i++)
        if (c->rp->gs[grp[i]].reason == BLOCK_IO && c->rp->gs[grp[i]].obj != obj) return 0;
    return obj;
}

/* "worker (id 3) was blocked locking mutex B at x.c:20 (since seq 40)", or for a
 * group of n alike "3 goroutines worker (ids 2, 3, 4) were blocked ..." */
void es_describe_goroutine(an_sb *b, endctx *c, int32_t gi, const int32_t *grp, size_t n) {
    const an_trace *t = c->t;
    an_gst *g = &c->rp->gs[gi];
    int many = n > 1;
    if (many) {
        an_sb_printf(b, "%zu goroutines ", n);
        es_say_glist(b, t, grp, n);
    } else {
        es_say_g(b, t, gi);
    }
    const char *was = many ? "were" : "was";
    if (g->state == ST_BLOCKED) {
        an_sb_printf(b, " %s blocked ", was);
        an_describe_block(b, t, g->reason, es_group_obj(c, gi, grp, n), g->sel_chans.v, g->sel_chans.n);
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
        es_say_obj(b, c, g->held.v[i].obj);
        an_sb_printf(b, "%s (locked at %s)", g->held.v[i].read ? " for reading" : "",
                     an_site_str(t, g->held.v[i].site));
    }
}
/* ---- how the run ended: exit() elsewhere, a fatal signal ---------------- */

/* The site of gi's last step before event index `before` (0: none). */
int32_t es_last_site_before(const an_trace *t, int32_t gi, size_t before) {
    for (size_t i = before; i-- > 0;)
        if (t->ev[i].g == gi && t->ev[i].kind != EV_PROGRAM_END && t->ev[i].kind != EV_SIGNAL &&
            t->ev[i].site)
            return t->ev[i].site;
    return 0;
}

/* Index of the last event of `kind` (with b == b if b >= 0), or -1. */
ssize_t es_last_event(const an_trace *t, int kind, int64_t b) {
    for (size_t i = t->nev; i-- > 0;)
        if (t->ev[i].kind == kind && (b < 0 || t->ev[i].b == b)) return (ssize_t)i;
    return -1;
}

/* "When main returned", "When worker (id 5) called exit(3) at f.c:9", "When
 * the program was killed by SIGINT". */
void es_end_phrase(endctx *c, int32_t ender) {
    const an_trace *t = c->t;
    if (c->killed && t->events_lost) {
        an_sb_printf(&c->end_phrase, "When the trace stopped (the program's log could not grow, "
                                     "or a thread was stopped while writing it, so its later "
                                     "events were not recorded)");
        return;
    }
    if (c->killed) {
        an_sb_printf(&c->end_phrase, "When the trace ended (the program was killed before it "
                                     "could record how: kill -9, SIGKILL, timeout -s KILL?)");
        return;
    }
    if (c->signaled) {
        int sig = t->exit_status > 128 ? (int)(t->exit_status - 128) : 0;
        an_sb_printf(&c->end_phrase, "When the program was killed by %s", es_sig_name(sig));
        return;
    }
    if (!c->exit_elsewhere) {
        an_sb_printf(&c->end_phrase, "When main returned");
        return;
    }
    an_sb_printf(&c->end_phrase, "When ");
    es_say_g(&c->end_phrase, t, ender);
    an_sb_printf(&c->end_phrase, " called exit(%lld)", (long long)t->exit_status);
    int32_t site = es_last_site_before(t, ender, t->nev);
    if (site) an_sb_printf(&c->end_phrase, " after its last traced step at %s",
                           an_site_str(t, site));
}
const char *es_sig_name(int sig) {
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
