/*
 * an_internal.h — the analyzer's replay state, shared by replay.c (the pass
 * over the events), endstate.c (what was left when the program ended) and
 * findings.c (building and wording findings).
 */
#ifndef CS_AN_INTERNAL_H
#define CS_AN_INTERNAL_H

#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "trace_hooks.h"

/* ---- vector clocks ------------------------------------------------------
 * Dense over goroutine indices.  Entries at index >= n are 0.  The array
 * grows to the length it needs (a clock only knows goroutines up to the
 * highest index it has heard of), never beyond ng.  A goroutine's own entry
 * starts at 1. */
typedef struct an_vc {
    uint32_t *c;
    uint32_t n, cap;
} an_vc;

static inline uint32_t vc_get(const an_vc *v, uint32_t i) { return i < v->n ? v->c[i] : 0; }
static inline void vc_reserve(an_vc *v, uint32_t need, uint32_t ng) {
    if (need <= v->cap) return;
    uint32_t cap = v->cap ? v->cap * 2 : 8;
    if (cap < need) cap = need;
    if (cap > ng && ng >= need) cap = ng;
    v->c = an_xrealloc(v->c, cap * sizeof *v->c);
    memset(v->c + v->cap, 0, (cap - v->cap) * sizeof *v->c);
    v->cap = cap;
}
static inline void vc_set(an_vc *v, uint32_t i, uint32_t x, uint32_t ng) {
    vc_reserve(v, i + 1, ng);
    v->c[i] = x;
    if (i >= v->n) v->n = i + 1;
}
/* d := d ⊔ s */
static inline void vc_join(an_vc *d, const an_vc *s, uint32_t ng) {
    if (!s->n) return;
    vc_reserve(d, s->n, ng);
    uint32_t *dc = d->c;
    const uint32_t *sc = s->c;
    for (uint32_t i = 0; i < s->n; i++)
        if (sc[i] > dc[i]) dc[i] = sc[i];
    if (s->n > d->n) d->n = s->n;
}
/* d := s */
static inline void vc_copy(an_vc *d, const an_vc *s, uint32_t ng) {
    vc_reserve(d, s->n, ng);
    if (s->n) memcpy(d->c, s->c, s->n * sizeof *s->c);
    if (d->n > s->n) memset(d->c + s->n, 0, (d->n - s->n) * sizeof *d->c);
    d->n = s->n;
}
static inline void vc_free(an_vc *v) {
    free(v->c);
    v->c = NULL;
    v->n = v->cap = 0;
}

/* An access to an annotated variable, or an epoch with where it happened. */
typedef struct an_acc {
    int32_t g;     /* dense goroutine index */
    uint32_t clk;  /* that goroutine's clock at the access */
    int64_t seq;
    int32_t site;
} an_acc;

typedef VEC(an_acc) an_acc_vec;

typedef struct an_held {
    int64_t obj, seq;
    int32_t site;
    int8_t read;
    size_t span;   /* its row in an_result.lock_spans */
} an_held;

/* Per goroutine replay state. */
typedef struct an_gst {
    an_vc vc;
    uint32_t own_final; /* own clock after it ended (vc freed) */
    int8_t seen, ended, state, reason;
    int64_t obj;                 /* span object */
    int64_t span_seq, span_ns;   /* start of the current span */
    int64_t block_seq;           /* current go_block (0: not blocked) */
    int32_t block_site;
    int64_t last_seq;            /* its last event */
    int32_t last_site;
    int last_kind;
    size_t last_idx;             /* index of its last event in an_trace.ev */
    uint32_t last_clk;           /* own clock at its last event (before any tick) */
    int64_t create_seq;          /* its go_create (edge to go_start) */
    VEC(int64_t) sel_chans;      /* channels of its current/last select */
    VEC(int8_t) sel_dirs;        /* parallel to sel_chans: 's' send case, 'r' receive case */
    int8_t sel_default;
    VEC(an_held) held;           /* locks held, in acquisition order */
} an_gst;

/* Per object replay state (one struct for every type; only the fields of
 * the object's type are used). */
typedef struct an_ost {
    int64_t id;
    int type;
    /* channel */
    int64_t cap;
    int8_t closed, closed_by_cancel, is_timer_chan, is_done_chan;
    int64_t close_seq, close_g;
    int32_t close_site;
    an_vc close_vc;
    uint64_t nsend, nrecv;       /* values sent / received (capacity-k rule) */
    an_vc *ring;                 /* [ring_cap]: clock of receive k at k % ring_cap */
    uint64_t *ring_k;            /* which receive each ring entry holds (+1) */
    int64_t ring_cap;            /* cap when the ring was made (== cap while it exists) */
    int64_t ctx;                 /* done channel: its context */
    /* mutex / rwmutex: L = write-unlock clock, R = read-unlock clock */
    an_vc L, R;
    int32_t holder;              /* dense g holding the write lock, -1 */
    VEC(int32_t) readers;
    int64_t rel_seq, rrel_seq;   /* last release / read release (edges) */
    int32_t rel_g, rrel_g;
    /* waitgroup */
    int64_t counter, zero_seq;
    an_acc_vec waits, adds;     /* latest Wait / Add-from-zero per goroutine */
    int8_t wg_reported;
    /* once */
    int64_t once_seq;
    int32_t once_runner;         /* dense g running the function now, -1 */
    int64_t once_begin_seq;
    int32_t once_begin_site;
    /* cond / atomic / semaphore / once / timer: a release clock in L */
    int64_t signal_seq;
    /* context */
    int64_t done_chan, parent_ctx;
    int ctx_kind;
    int8_t canceled;
    int64_t cancel_seq;
    int32_t creator;
    /* timer */
    int64_t timer_chan;
    int8_t timer_active, ticker;
    int64_t timer_nfired, stop_seq; /* ticks delivered; last Stop of an active timer (0: none) */
    int32_t stop_g, stop_site;      /* dense g and site of that Stop */
    /* shared variable (FastTrack): last write, reads (one entry when
     * exclusive, one per reading goroutine when shared) */
    an_acc w;
    int8_t has_w;
    an_acc_vec reads;
} an_ost;

/* An edge of the lock-order graph: `to` acquired while holding `from`. */
typedef struct an_lockedge {
    int64_t from, to;
    int32_t g1, g2;           /* first two distinct goroutines that did it (-1) */
    int64_t seq_from, seq_to; /* acquisitions (first occurrence) */
    int32_t site_from, site_to;
    int8_t read_from;         /* `from` was read-locked */
} an_lockedge;

/* A read lock taken by a goroutine that already held one on the same RWMutex. */
typedef struct an_rrec {
    int64_t obj, seq1, seq2;
    int32_t g, site1, site2;
} an_rrec;

typedef struct an_replay {
    const an_trace *t;
    an_result *r;
    uint32_t ng;
    an_gst *gs;
    VEC(an_ost) os;
    an_imap omap;              /* object id -> index in os */
    an_imap msgmap;            /* message id -> index in r->msgs */
    VEC(an_vc) msgvc;          /* parallel to r->msgs: sender's clock until received */
    VEC(an_lockedge) ledges;
    an_imap lemap;             /* pair(from,to) -> index in ledges (verified) */
    VEC(an_rrec) rrecs;        /* recursive read locks, first per RWMutex */
    an_imap race_seen;
    an_imap race_prev;         /* race number -> 1 + index of its race_prev event */
    int nraces;
    int64_t deadlock_seq;
    int8_t panicked;           /* an EV_PANIC was seen */
    int64_t end_seq;           /* program_end event (0: none) */
    int32_t end_g;             /* its goroutine (dense), -1 */
} an_replay;

/* replay.c */
an_ost *an_ost_get(an_replay *rp, int64_t id);
an_ost *an_ost_find(const an_replay *rp, int64_t id);
void an_replay_run(an_replay *rp);
void an_replay_free(an_replay *rp);

/* endstate.c: deadlock, partial deadlock, leaks (then calls lockorder.c). */
void an_endstate(an_replay *rp);
/* cancel.c: loops that went on starting work after their context was cancelled. */
void an_work_after_cancel(an_replay *rp);
/* lockorder.c: lock-order cycles, except through the locks in deadlocked_locks. */
void an_lock_order_findings(an_replay *rp, const an_imap *deadlocked_locks);

/* findings.c */
an_finding *an_finding_add(an_result *r, const char *kind, const char *severity);
void an_finding_ref(an_finding *f, int64_t seq, int64_t g, int64_t obj, int32_t site,
                    const char *role);
/* Takes the three strings.  Defaults what is not set yet: fix_line from the
 * fix's first sentence, the culprit from the first ref with a site (unless
 * an_finding_culprit decided it, even as none). */
void an_finding_text(an_finding *f, char *title, char *explanation, char *fix);
#define AN_FIX_LINE_MAX 100 /* bytes of a fix_line (the contract) */
/* The line to change (site 0: none), whose goroutine, and the one-line fix
 * (NULL: keep the one set). */
void an_finding_culprit(an_finding *f, int32_t site, int64_t g, const char *fix_line);
/* The wait-for graph: a goroutine of it (once per g; returns its row), a
 * lock it holds, a goroutine that could wake it. */
an_wait *an_finding_wait(an_finding *f, int64_t g, int state, int reason, int64_t obj,
                         int32_t site, int64_t seq);
void an_finding_hold(an_finding *f, int64_t g, int64_t obj, int read, int64_t seq, int32_t site);
void an_finding_waker(an_finding *f, int64_t g, int64_t waker);
void an_finding_free(an_finding *f);
const char *an_gname(const an_trace *t, int64_t gid);
const char *an_oname(const an_trace *t, int64_t obj);
const char *an_otype(const an_trace *t, int64_t obj);
/* The object as prose, as an_sb_obj says it, in a static rotating buffer (8). */
const char *an_oprose(const an_trace *t, int64_t obj);
/* "file:line" (or "an unknown site") into a static rotating buffer. */
const char *an_site_str(const an_trace *t, int32_t site);
/* Two site ids naming the same file:line (a trace may hold a line twice). */
int an_same_line(const an_trace *t, int32_t a, int32_t b);
/* "channel results", "mutex B.mu", "the WaitGroup made at x.c:12" (auto names
 * said in words), "ticker ..." for a timer that is a ticker. */
void an_sb_obj(an_sb *b, const an_trace *t, int64_t obj);
const char *an_type_word(int type); /* "channel", "WaitGroup", "RWMutex" ... */
/* "id 4", "ids 5–52", "ids 2, 3, 7–9" (sorted; runs of consecutive ids as a range). */
void an_sb_ids(an_sb *b, const int64_t *ids, size_t n);
int an_is_ticker(const an_trace *t, int64_t timer);
/* "sending on channel results" etc. */
void an_describe_block(an_sb *b, const an_trace *t, int reason, int64_t obj,
                       const int64_t *sel, size_t nsel);
const char *an_misuse_name(int code);
void an_misuse_finding(an_replay *rp, const an_ev *e, int code);
void an_panic_finding(an_replay *rp, const an_ev *e);
/* race_build: found by the program's race detector (EV_RACE), not by
 * replaying SHARED_READ/SHARED_WRITE marks. */
void an_race_finding(an_replay *rp, int64_t var, const an_acc *first, int first_write,
                     const an_acc *second, int second_write, int race_build);
void an_wg_misuse_finding(an_replay *rp, int64_t wg, const an_acc *add, const an_acc *wait);

#endif
