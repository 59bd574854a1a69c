/*
 * cancel.c — work started after cancellation (finding `work_after_cancel`).
 *
 * The rule, from the trace alone (docs/analyzer.md, WORK AFTER CANCEL):
 *   1. a goroutine L receives from a context's Done channel and gets the
 *      close (a=0: the context was cancelled) — in a select or a plain
 *      receive: L has seen the cancellation;
 *   2. after that, L starts work at a site it had already started work at
 *      BEFORE it saw the cancel: a go / errgroup_go (go_create by L) or a
 *      semaphore acquire at the same line.  The same line before and after
 *      is what says "a loop": the loop went round again after the cancel;
 *   3. and L made no new context in between (a retry loop that gives each
 *      attempt its own context, cancelled by its own timeout, is fine).
 * "The context it was given" is therefore the context whose Done L saw
 * closed: the trace does not say which context a goroutine's argument
 * holds, only which Done its starter waited on.  Limits: a loop that checks
 * ctx_err() instead of ctx_done() is not seen (ctx_err is not an event);
 * the culprit is the select's line — the `break` itself leaves no event,
 * it is in the case of that select.  One finding per goroutine L.
 */
#include <stdlib.h>
#include <string.h>

#include "an_internal.h"

typedef struct lstate {
    int8_t saw;           /* it has seen a cancel */
    int8_t reported;
    int64_t saw_seq, ctx; /* the receive that saw it, the context */
    int32_t saw_site;
    VEC(int32_t) sites;   /* start sites used before it saw the cancel */
    VEC(int64_t) late;    /* goroutine ids started after (go_create) */
    int64_t late_seq;     /* the first late start */
    int32_t late_site;
    int nsem;             /* semaphore acquires after */
    int64_t sem_obj;
} lstate;

static int has_site(const an_trace *t, const lstate *l, int32_t site) {
    for (size_t i = 0; i < l->sites.n; i++)
        if (an_same_line(t, l->sites.v[i], site)) return 1;
    return 0;
}

static void finding(an_replay *rp, int32_t gi, lstate *l) {
    const an_trace *t = rp->t;
    int64_t lid = t->gs[gi].id;
    an_ost *ctx = an_ost_find(rp, l->ctx);
    an_finding *f = an_finding_add(rp->r, "work_after_cancel", "error");
    an_sb title = {0}, ex = {0}, fix = {0};
    size_t n = l->late.n;
    const an_gor *first = n ? an_gor_by_id(t, l->late.v[0]) : NULL;
    an_sb_printf(&title, "%s (id %lld) went on starting work after its context was cancelled: ",
                 t->gs[gi].name, (long long)lid);
    if (n)
        an_sb_printf(&title, "%zu more goroutine%s %s at %s", n, n == 1 ? "" : "s",
                     first ? first->name : "", an_site_str(t, l->late_site));
    else
        an_sb_printf(&title, "%d more semaphore acquire%s at %s", l->nsem, l->nsem == 1 ? "" : "s",
                     an_site_str(t, l->late_site));
    an_sb_printf(&ex, "%s (id %lld) waited at %s (seq %lld) on ", t->gs[gi].name, (long long)lid,
                 an_site_str(t, l->saw_site), (long long)l->saw_seq);
    if (ctx && ctx->done_chan) an_sb_printf(&ex, "the Done channel of ");
    an_sb_obj(&ex, t, l->ctx);
    an_sb_printf(&ex, " and saw it closed: the context was cancelled");
    if (ctx && ctx->cancel_seq) an_sb_printf(&ex, " (seq %lld)", (long long)ctx->cancel_seq);
    an_sb_printf(&ex, ". Its loop did not stop there: afterwards it started ");
    if (n) {
        an_sb_printf(&ex, "%zu more goroutine%s (", n, n == 1 ? "" : "s");
        an_sb_ids(&ex, l->late.v, n);
        an_sb_printf(&ex, ")");
    } else {
        an_sb_printf(&ex, "%d more acquire%s of ", l->nsem, l->nsem == 1 ? "" : "s");
        an_sb_obj(&ex, t, l->sem_obj);
    }
    an_sb_printf(&ex, " at %s, the same line that started work before the cancel, so each "
                      "started after everyone had been told to stop. A `break` inside a select "
                      "(in C: inside the switch on chan_select) leaves only the select, not the "
                      "loop around it; the work it starts then runs with a context that is "
                      "already cancelled, or without the slot the select was meant to wait for.",
                 an_site_str(t, l->late_site));
    an_sb_printf(&fix, "When the select at %s sees the context cancelled, leave the loop, not just "
                       "the select: Go `break loop` (a label on the for) or return; in C a goto "
                       "past the loop or a return. And check ctx_err(ctx) before starting each "
                       "piece of work.",
                 an_site_str(t, l->saw_site));
    an_finding_ref(f, l->saw_seq, lid, l->ctx, l->saw_site, "cancel_seen");
    an_finding_ref(f, l->late_seq, lid, n ? 0 : l->sem_obj, l->late_site, "started_after");
    for (size_t i = 0; i < n && i < 64; i++) {
        const an_gor *c = an_gor_by_id(t, l->late.v[i]);
        if (c) an_finding_ref(f, c->create_seq, c->id, 0, c->site, "late");
    }
    /* the graph: the loop, and the goroutines it started late (their state
     * is at the end of the run, as in every graph) */
    an_finding_wait(f, lid, WS_RUNNING, 0, 0, l->saw_site, l->saw_seq);
    for (size_t i = 0; i < n && i < 64; i++) {
        int64_t *ci = an_imap_get(&t->g_index, l->late.v[i]);
        if (!ci) continue;
        const an_gst *g = &rp->gs[*ci];
        int st = g->ended ? WS_ENDED
                 : g->state == ST_BLOCKED ? (g->reason == BLOCK_IO ? WS_IO : WS_BLOCKED)
                 : g->state == ST_SLEEPING ? WS_SLEEPING
                                           : WS_RUNNING;
        int blocked = st == WS_BLOCKED || st == WS_IO;
        an_finding_wait(f, l->late.v[i], st, blocked ? g->reason : 0, blocked ? g->obj : 0,
                        blocked ? g->block_site : g->last_site,
                        blocked ? g->block_seq : g->last_seq);
    }
    an_sb line = {0};
    an_sb_printf(&line, "Leave the loop (goto/return), not just the select, when %s sees ctx cancelled",
                 an_site_str(t, l->saw_site));
    if (line.n > AN_FIX_LINE_MAX) {
        line.n = 0;
        an_sb_printf(&line, "Leave the loop (goto/return), not just the select, when ctx is cancelled");
    }
    an_finding_culprit(f, l->saw_site, lid, line.s);
    free(line.s);
    an_finding_text(f, an_sb_take(&title), an_sb_take(&ex), an_sb_take(&fix));
}

void an_work_after_cancel(an_replay *rp) {
    const an_trace *t = rp->t;
    lstate *ls = an_xcalloc(rp->ng ? rp->ng : 1, sizeof *ls);
    for (size_t i = 0; i < t->nev; i++) {
        const an_ev *e = &t->ev[i];
        lstate *l = &ls[e->g];
        if (t->gs[e->g].id == 0) continue;
        switch (e->kind) {
        case EV_CHAN_RECV: {
            if (e->a != 0 || l->saw) break; /* a value, not the close */
            an_ost *o = an_ost_find(rp, e->obj);
            if (!o || !o->is_done_chan || !o->ctx) break;
            l->saw = 1;
            l->saw_seq = e->seq;
            l->saw_site = e->site;
            l->ctx = o->ctx;
            break;
        }
        case EV_CTX_CREATE: /* a fresh context: what it starts next gets that one */
            if (l->saw && !l->late.n && !l->nsem) l->saw = 0;
            break;
        case EV_GO_CREATE:
        case EV_SEM_ACQUIRE:
            if (e->kind == EV_GO_CREATE && (!e->obj || e->obj == t->gs[e->g].id)) break;
            if (!l->saw) {
                if (!has_site(t, l, e->site)) VEC_PUSH(l->sites, e->site);
            } else if (e->site && has_site(t, l, e->site)) {
                if (!l->late_seq) {
                    l->late_seq = e->seq;
                    l->late_site = e->site;
                }
                if (!an_same_line(t, e->site, l->late_site)) break;
                if (e->kind == EV_GO_CREATE) VEC_PUSH(l->late, e->obj);
                else {
                    l->nsem++;
                    l->sem_obj = e->obj;
                }
            }
            break;
        default: break;
        }
    }
    for (uint32_t gi = 0; gi < rp->ng; gi++) {
        if (ls[gi].late_seq) finding(rp, (int32_t)gi, &ls[gi]);
        VEC_FREE(ls[gi].sites);
        VEC_FREE(ls[gi].late);
    }
    free(ls);
}
