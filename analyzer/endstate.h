/*
 * endstate.h — what the end-of-run passes share (endstate.c is the driver):
 *   waitfor.c       the wait-for graph: who could wake each blocked
 *                   goroutine, who is eventually runnable, the stuck groups,
 *                   and a finding's graph as data (finding_waits/holds/wakers)
 *   wording.c       saying it: why a goroutine waits forever, its fix, the
 *                   names of goroutines, objects and groups in prose
 *   end_findings.c  the findings: deadlock, partial_deadlock, leak, signal
 */
#ifndef CS_ENDSTATE_H
#define CS_ENDSTATE_H

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
    an_imap roles;       /* (chan, g) -> bits: 1 sent/closed, 2 received, 4 can cancel, 8 made */
    an_imap ext_chan;    /* chan -> 1: a timer or deadline will act on it */
    int8_t *in_finding;  /* already explained by a deadlock finding */
    int in_deadlock;     /* wording a deadlock (else a leak) */
    int32_t ender;       /* the goroutine that ended the program (main returning), -1 */
    int exit_elsewhere;  /* exit() was called by a goroutine other than main */
    an_sb end_phrase;    /* "When main returned" / "When worker (id 5) called exit(3) at ..." */
    int signaled;        /* a signal ended the run (or, with killed, it was killed unrecorded) */
    int killed;          /* a truncated trace: killed before it could say how (SIGKILL) */
    an_imap gone_list;   /* chan -> index in gone: goroutines no longer alive that used it */
    VEC(i32vec) gone;    /* ... as pairs: even entries sent (role 's'), odd received ('r') */
    an_imap all_roles;   /* (chan, g) -> bits 1 sent 2 received, every goroutine */
    an_imap both;        /* chan -> 1: one goroutine both sent on and received from it */
} endctx;

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
    an_sb line;  /* the fix in one line (<= AN_FIX_LINE_MAX), in the program's names */
    int32_t csite, cg; /* the culprit line and its goroutine (dense), when has_culprit */
    int8_t has_culprit, applied; /* applied: the last set_fix took effect */
} why;


/* waitfor.c */
void es_collect_roles(endctx *c);
void es_compute_wakers(endctx *c, int32_t gi);
int es_get_role(const endctx *c, int64_t chan, int32_t g);
void es_graph_node(an_finding *f, endctx *c, int32_t gi);
void es_graph_nodes(an_finding *f, endctx *c, const int32_t *v, size_t n);
void es_propagate_runnable(endctx *c);
void es_push_unique(i32vec *v, int32_t g);
void es_stuck_groups(endctx *c, void (*each)(endctx *c, i32vec *group, int lock));

/* wording.c */
void es_describe_goroutine(an_sb *b, endctx *c, int32_t gi, const int32_t *grp, size_t n);
void es_end_phrase(endctx *c, int32_t ender);
void es_explain_wait(endctx *c, int32_t gi, why *w);
int64_t es_group_obj(const endctx *c, int32_t gi, const int32_t *grp, size_t n);
ssize_t es_last_event(const an_trace *t, int kind, int64_t b);
int32_t es_last_site_before(const an_trace *t, int32_t gi, size_t before);
void es_say_g(an_sb *b, const an_trace *t, int32_t gi);
void es_say_glist(an_sb *b, const an_trace *t, const int32_t *v, size_t n);
void es_say_obj(an_sb *b, endctx *c, int64_t obj);
const char *es_sig_name(int sig);
void es_why_free(why *w);

/* end_findings.c */
/* In a truncated trace, only a goroutine blocked since well before the last
 * recorded event is judged (the last moments may be missing). */
#define ES_KILLED_MIN_NS (1000LL * 1000 * 1000)
int es_judged(const endctx *c, int32_t gi);
void es_deadlock_finding(endctx *c, i32vec *members, int global);
void es_leak_findings(endctx *c, int32_t ender, int stuck_only);
void es_signal_finding(endctx *c, int32_t ender);

#endif
