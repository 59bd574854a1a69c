/*
 * end_findings.c — the findings about what was left at the end of a run:
 *   deadlock          the runtime's EV_DEADLOCK, confirmed by the replay
 *   partial_deadlock  stuck goroutines that wait for each other
 *   leak              goroutines left behind (main returned / exit()), or,
 *                     in a run a signal stopped, goroutines nobody alive
 *                     could ever wake
 *   signal            which signal ended the run and where everyone was
 * Each carries its wait-for graph (waitfor.c) and its culprit and one-line
 * fix.
 */
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endstate.h"

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

int es_judged(const endctx *c, int32_t gi) {
    return !c->killed || c->rp->r->last_ns - c->rp->gs[gi].span_ns >= ES_KILLED_MIN_NS;
}

/* The culprit and one-line fix of a finding from the why of its root
 * goroutine gi: the line the why named, else gi's blocking call. */
static void culprit_from(an_finding *f, endctx *c, int32_t gi, const why *w) {
    an_gst *g = &c->rp->gs[gi];
    int32_t site = w->has_culprit ? w->csite : g->state == ST_BLOCKED ? g->block_site : g->last_site;
    int32_t cg = w->has_culprit ? w->cg : gi;
    an_finding_culprit(f, site, cg >= 0 && (uint32_t)cg < c->ng ? c->t->gs[cg].id : -1,
                       w->line.n ? w->line.s : NULL);
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
                an_same_line(t, h->block_site, g->block_site) && h->held.n == 0 && g->held.n == 0 &&
                !runs_once(c, out->v[k].members.v[0]) && !runs_once(c, gi))
                grp = &out->v[k];
        }
        if (!grp) {
            wgroup n;
            memset(&n, 0, sizeof n);
            VEC_PUSH(*out, n);
            grp = &out->v[out->n - 1];
            es_explain_wait(c, gi, &grp->w);
        }
        VEC_PUSH(grp->members, gi);
    }
}

static void say_group(an_sb *b, endctx *c, const wgroup *grp) {
    if (grp->members.n == 1) es_say_g(b, c->t, grp->members.v[0]);
    else {
        an_sb_printf(b, "%zu goroutines ", grp->members.n);
        es_say_glist(b, c->t, grp->members.v, grp->members.n);
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
        es_say_obj(ex, c, g->held.v[i].obj);
        an_sb_printf(ex, "%s (locked at %s)", g->held.v[i].read ? " for reading" : "",
                     an_site_str(t, g->held.v[i].site));
    }
    an_sb_printf(ex, "%s. ", grp->w.text.n ? grp->w.text.s : "");
}

void es_deadlock_finding(endctx *c, i32vec *members, int global) {
    const an_trace *t = c->t;
    /* a truncated trace may have lost its last moments: a warning */
    an_finding *f = an_finding_add(c->rp->r, global ? "deadlock" : "partial_deadlock",
                                   c->killed ? "warning" : "error");
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
        if (grp->members.n == 1) es_say_g(&title, t, grp->members.v[0]);
        else es_say_glist(&title, t, grp->members.v, grp->members.n);
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
    es_graph_nodes(f, c, members->v, members->n);
    if (global && c->rp->deadlock_seq)
        an_finding_ref(f, c->rp->deadlock_seq, -1, 0, 0, "deadlock");
    if (ex.n && ex.s[ex.n - 1] == ' ') ex.s[--ex.n] = 0;
    char *fix = an_xstrdup(groups.v[root].w.fix.n ? groups.v[root].w.fix.s
                                                   : "Make sure whatever these goroutines wait "
                                                     "for happens on every path.");
    culprit_from(f, c, groups.v[root].members.v[0], &groups.v[root].w);
    an_finding_text(f, an_sb_take(&title), an_sb_take(&ex), fix);
    for (size_t k = 0; k < groups.n; k++) {
        VEC_FREE(groups.v[k].members);
        es_why_free(&groups.v[k].w);
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

void es_leak_findings(endctx *c, int32_t ender, int stuck_only) {
    const an_trace *t = c->t;
    an_replay *rp = c->rp;
    VEC(leak_group) groups = {0};
    /* the goroutine that ended the program: its clock says what it waited for */
    const an_vc *endvc = ender >= 0 ? &rp->gs[ender].vc : NULL;
    for (uint32_t gi = 0; gi < c->ng; gi++) {
        if (!c->alive[gi] || c->in_finding[gi]) continue;
        an_gst *g = &rp->gs[gi];
        if (stuck_only && (g->state != ST_BLOCKED || c->runnable[gi] || !es_judged(c, (int32_t)gi)))
            continue;
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
        an_finding *f = an_finding_add(rp->r, "leak", c->killed ? "warning" : "error");
        f->klass = lg->klass;
        int32_t g0 = lg->members.v[0];
        an_gst *g = &rp->gs[g0];
        an_sb title = {0}, ex = {0};
        if (lg->members.n == 1)
            an_sb_printf(&title, "goroutine %s (id %lld) never finished", lg->name,
                         (long long)t->gs[g0].id);
        else {
            an_sb_printf(&title, "%zu goroutines ", lg->members.n);
            es_say_glist(&title, t, lg->members.v, lg->members.n);
            an_sb_printf(&title, " never finished");
        }
        if (g->state == ST_BLOCKED) {
            an_sb_printf(&title, ": blocked ");
            an_describe_block(&title, t, g->reason, es_group_obj(c, lg->members.v[0], lg->members.v, lg->members.n),
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
        es_describe_goroutine(&ex, c, g0, lg->members.v, lg->members.n);
        if (g->state == ST_BLOCKED) {
            es_explain_wait(c, g0, &w);
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
        es_graph_nodes(f, c, lg->members.v, lg->members.n);
        char *fix;
        if (g->state == ST_BLOCKED && w.fix.n && (w.score >= 2 || strcmp(lg->klass, "wakeable"))) {
            culprit_from(f, c, g0, &w);
            fix = an_sb_take(&w.fix);
        } else if (g->held.n) {
            an_sb fb = {0};
            an_sb_printf(&fb, "Do not hold %s across slow work (a call, a sleep): copy what you "
                              "need under the lock, unlock, then do the slow part. And %c%s",
                         an_oprose(t, g->held.v[0].obj), 't', STOP_AND_WAIT + 1);
            fix = an_sb_take(&fb);
            an_sb line = {0};
            an_sb_printf(&line, "Unlock %s before the slow work, and wait for %s before main returns",
                         an_oprose(t, g->held.v[0].obj), lg->name);
            an_finding_culprit(f, g->held.v[0].site, t->gs[g0].id,
                               line.n <= AN_FIX_LINE_MAX ? line.s : NULL);
            free(line.s);
        } else {
            fix = an_xstrdup(STOP_AND_WAIT);
            /* the goroutine is fine; main's end is what to change: the go
             * statement says which goroutine main must stop and wait for */
            an_sb line = {0};
            an_sb_printf(&line, "Tell %s to stop and wait for it (a WaitGroup) before main returns",
                         lg->name);
            an_finding_culprit(f, t->gs[g0].site, t->gs[g0].parent > 0 ? t->gs[g0].parent : -1,
                               line.n <= AN_FIX_LINE_MAX ? line.s : NULL);
            free(line.s);
        }
        es_why_free(&w);
        an_finding_text(f, an_sb_take(&title), an_sb_take(&ex), fix);
        VEC_FREE(lg->members);
    }
    VEC_FREE(groups);
}

/* Signals that mean the program itself crashed (the others were sent). */
static int crash_signal(int sig) {
    return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGTRAP ||
           sig == SIGSYS || sig == SIGABRT;
}

/* One finding for a run a signal ended: which signal, whom it hit, and
 * what every goroutine was doing.  A crash is an error; a signal sent from
 * outside (Ctrl-C, kill) a warning. */
void es_signal_finding(endctx *c, int32_t ender) {
    const an_trace *t = c->t;
    an_replay *rp = c->rp;
    ssize_t pe = es_last_event(t, EV_PROGRAM_END, -1);
    int sig = pe >= 0 && t->ev[pe].b > 0 ? (int)t->ev[pe].b
                                          : (int)(t->exit_status > 128 ? t->exit_status - 128 : 0);
    ssize_t se = sig ? es_last_event(t, EV_SIGNAL, 0) : -1;
    int32_t hit = ender >= 0 && t->gs[ender].id > 0 ? ender : -1;
    int crash = crash_signal(sig) || hit >= 0;
    an_finding *f = an_finding_add(rp->r, "signal", crash ? "error" : "warning");
    f->klass = es_sig_name(sig);
    const char *descr = sig > 0 && sig < 128 ? sigdescr_np(sig) : NULL; /* any value in a trace */
    an_sb title = {0}, ex = {0};
    int32_t hit_site = hit >= 0 ? es_last_site_before(t, hit, pe >= 0 ? (size_t)pe : t->nev) : 0;
    an_sb_printf(&title, "killed by %s (%s)", f->klass, descr ? descr : "?");
    if (hit >= 0) {
        an_sb_printf(&title, " in ");
        es_say_g(&title, t, hit);
        if (hit_site) an_sb_printf(&title, " after %s", an_site_str(t, hit_site));
    }
    an_sb_printf(&ex, "The program was killed by signal %s (%s, exit status %lld as the shell "
                      "sees it)",
                 f->klass, descr ? descr : "?", (long long)t->exit_status);
    if (hit >= 0) {
        an_sb_printf(&ex, ": it hit ");
        es_say_g(&ex, t, hit);
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
        es_describe_goroutine(&ex, c, (int32_t)gi, NULL, 1);
    }
    if (nalive) an_sb_printf(&ex, ".");
    an_sb_printf(&ex, " Every goroutine stopped where it was; the trace ends there.");
    if (se >= 0) an_finding_ref(f, t->ev[se].seq, hit >= 0 ? t->gs[hit].id : -1, 0, hit_site,
                                "signal");
    for (uint32_t gi = 0; gi < c->ng; gi++)
        if (c->alive[gi]) {
            ref_goroutine(f, c, (int32_t)gi, "stopped");
            es_graph_node(f, c, (int32_t)gi);
        }
    const char *fix =
        crash ? "Find the faulting line: run the program under gdb (or look at the core dump) "
                "or build it with -fsanitize=address,undefined; the trace shows what every "
                "goroutine did up to the crash."
              : "Nothing to fix if the program was stopped on purpose. To stop cleanly, catch "
                "the signal (signal_notify), tell the goroutines to stop and wait for them "
                "before main returns (see the graceful-shutdown pattern).";
    if (crash && hit >= 0)
        an_finding_culprit(f, hit_site, t->gs[hit].id,
                           "Find the faulting line after this step (gdb, or -fsanitize=address)");
    else if (crash)
        an_finding_culprit(f, 0, -1, "Find the faulting line (gdb, the core dump, -fsanitize=address)");
    else
        an_finding_culprit(f, 0, -1, "To stop cleanly, catch the signal (signal_notify) and shut down");
    an_finding_text(f, an_sb_take(&title), an_sb_take(&ex), an_xstrdup(fix));
}
