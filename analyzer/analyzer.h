/*
 * analyzer.h — `chanscope check` and `chanscope export`: load a trace,
 * replay it (states, messages, happens-before with vector clocks), find
 * deadlocks, leaks, races and misuse, write the derived tables, report.
 *
 * Life of a check:
 *   an_open(path)         validate read-only, load recorded tables into memory
 *   an_analyze(trace)     one pass over the events in seq order + end-state analysis
 *   an_store(path, ...)   drop and recreate the derived tables in ONE transaction
 *   an_report_text/json   the human report or the JSON document
 * The recorded tables are never modified; bad input never opens the file
 * for writing.  Schema of the derived tables: docs/trace-format.md.
 */
#ifndef CS_ANALYZER_H
#define CS_ANALYZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../format/trace_format.h"
#include "an_util.h"

/* the versions of the trace contract (format/trace.def) */
#define AN_SCHEMA_VERSION CS_TRACE_SCHEMA_VERSION     /* recorded tables this analyzer understands */
#define AN_ANALYSIS_VERSION CS_TRACE_ANALYSIS_VERSION /* derived tables it writes */

typedef struct sqlite3 sqlite3;

/* One recorded event (a row of `events`), compact. */
typedef struct an_ev {
    int64_t seq, t_ns, obj, a, b, c;
    int32_t g;      /* dense goroutine index (an_trace.gs), not the id */
    int32_t site;   /* sites.id (0: none) */
    uint32_t s;     /* offset of the text argument in an_trace.strs (0: NULL) */
    int16_t d;      /* flags (chan_send / chan_recv) */
    uint16_t kind;
} an_ev;            /* 64 bytes */

typedef struct an_gor {
    int64_t id;
    const char *name;   /* never NULL */
    int64_t parent;     /* goroutine id, 0 if none */
    int32_t site;       /* sites.id of the go statement */
    int64_t create_seq, end_seq; /* 0 if unknown / alive */
} an_gor;

typedef struct an_obj {
    int64_t id;
    int type;
    const char *type_name; /* never NULL */
    const char *name;      /* never NULL */
    int32_t site;
    int64_t a, b, create_seq;
} an_obj;

typedef struct an_site {
    int64_t id;
    const char *file;
    int line;
} an_site;

typedef struct an_trace {
    char *path;
    /* meta */
    char *program, *end_reason; /* end_reason NULL: truncated */
    int64_t exit_status;
    bool has_exit_status;
    bool truncated;
    /* meta.events_lost: events the program's log could not take (it could
     * not grow); the trace stops before the first of them (also truncated) */
    int64_t events_lost;
    /* recorded tables */
    an_ev *ev;
    size_t nev;
    an_gor *gs;      /* dense; gs[i].id is the goroutine id */
    size_t ng;
    an_imap g_index; /* goroutine id -> dense index */
    an_obj *objs;
    size_t nobj;
    an_imap obj_index;
    an_site *sites;
    size_t nsites;
    an_imap site_index;
    char *strs;      /* text arguments, NUL-separated; offset 0 is "" */
    size_t strs_len, strs_cap;
    /* What loading found wrong without refusing the trace (docs/analyzer.md,
     * "Traces that are not what the program wrote"): one line each, for the
     * report and stderr.  damaged: events are missing from a finished trace
     * (meta.events or gaps in seq), so the verdict cannot be trusted. */
    char **warnings;
    size_t nwarnings;
    bool damaged;
} an_trace;

/* ---- results ---------------------------------------------------------- */

enum an_state { ST_NONE = 0, ST_RUNNING = 1, ST_BLOCKED = 2, ST_SLEEPING = 3 };

typedef struct an_span {
    int64_t g;        /* goroutine id */
    int64_t obj;
    int64_t start_seq, end_seq, start_ns, end_ns;
    int8_t state;     /* enum an_state */
    int8_t reason;    /* enum cs_block_reason, 0 none */
    int8_t open;
} an_span;

typedef struct an_msg {
    int64_t msg, chan, send_seq, recv_seq; /* recv_seq 0: never received */
    int64_t value, send_g, recv_g;
    int32_t slot;
    int8_t has_value;
} an_msg;

enum an_edge_kind { HB_SPAWN, HB_MSG, HB_CLOSE, HB_UNLOCK, HB_WG, HB_ONCE, HB_CANCEL, HB_COND };
typedef struct an_edge {
    int64_t from_seq, to_seq;
    int kind;
} an_edge;

/* What a finding refers to: an event, goroutine, object and/or site, and why. */
typedef struct an_ref {
    int64_t seq;       /* 0: none */
    int64_t g;         /* goroutine id, -1: none */
    int64_t obj;       /* 0: none */
    int32_t site;      /* sites.id, 0: none */
    const char *role;  /* static string: blocked, holder, access1, ... */
} an_ref;

/* The wait-for graph of a finding (docs/analyzer.md "wait_for"): one an_wait
 * per goroutine in it, the locks each holds, and who could still wake each
 * blocked one (no an_waker row for g: nobody can). */
enum an_wstate { WS_BLOCKED = 1, WS_SLEEPING, WS_RUNNING, WS_ENDED, WS_IO };
typedef struct an_wait {
    int64_t g;        /* goroutine id */
    int8_t state;     /* enum an_wstate */
    int8_t reason;    /* enum cs_block_reason while blocked, else 0 */
    int64_t obj;      /* what it is blocked on (0: none) */
    int32_t site;     /* where (blocked: the blocking call; else its last step) */
    int64_t seq;      /* since which event */
} an_wait;
typedef struct an_hold {
    int64_t g, obj, seq; /* acquisition event */
    int32_t site;
    int8_t read;      /* 1: a read lock of an RWMutex; 0: write (a Mutex counts as write) */
} an_hold;
typedef struct an_waker {
    int64_t g, waker; /* goroutine ids */
} an_waker;

typedef struct an_finding {
    const char *kind;  /* a name of an_finding_kinds (finding_kinds.h) */
    const char *severity; /* "error" or "warning" */
    const char *klass; /* leak: blocked_forever / wakeable / running; misuse: the code name; else NULL */
    char *title, *explanation, *fix;
    char *fix_line;    /* the one-line fix, fitted to the program (<= 100 chars), or NULL */
    int32_t culprit_site; /* sites.id of the line to change, 0: none */
    int64_t culprit_g;    /* goroutine id whose code holds it, -1: none */
    int8_t culprit_set;   /* decided (even if none): no default from the refs */
    VEC(an_ref) refs;
    VEC(an_wait) waits;
    VEC(an_hold) holds;
    VEC(an_waker) wakers;
} an_finding;

/* One lock hold, acquire to release (end_seq 0: still held at the end). */
typedef struct an_lockspan {
    int64_t g, obj, start_seq, end_seq, start_ns, end_ns;
    int32_t site;     /* the acquisition */
    int8_t read;
} an_lockspan;

typedef struct an_result {
    VEC(an_span) spans;
    VEC(an_msg) msgs;
    VEC(an_edge) edges;
    VEC(an_finding) findings;
    VEC(an_lockspan) lock_spans;
    int64_t last_seq, last_ns; /* end of the program (for open spans) */
} an_result;

/* ---- API -------------------------------------------------------------- */

/* Validate and load the trace at path (opened read-only).  On bad input
 * (not a trace, or rows that contradict each other: see load.c) returns
 * NULL with one line in err (no "chanscope:" prefix).  Lesser problems
 * become t->warnings. */
an_trace *an_open(const char *path, char *err, size_t errlen);
/* Same from an open connection (tests, fuzzing); path is only a label. */
an_trace *an_load_db(sqlite3 *db, const char *path, char *err, size_t errlen);
void an_trace_free(an_trace *t);

an_result *an_analyze(const an_trace *t);
void an_result_free(an_result *r);

/* Write the derived tables (one transaction).  0 ok, -1 with err. */
int an_store(const char *path, const an_trace *t, const an_result *r, char *err, size_t errlen);
int an_store_db(sqlite3 *db, const an_trace *t, const an_result *r, char *err, size_t errlen);

/* Progress of a long load, analysis or store (a 9 M-event trace takes tens
 * of seconds): FN(phase, done, total) is called every AN_PROGRESS_EVERY
 * items of a phase ("loading", "analyzing", "storing"; total 0 if unknown)
 * and once with done == total at its end.  NULL (the default): no calls.
 * The CLI's cs_progress_begin sets it (cli/progress.c). */
typedef void (*an_progress_fn)(const char *phase, uint64_t done, uint64_t total);
void an_set_progress(an_progress_fn fn);
void an_progress(const char *phase, uint64_t done, uint64_t total);
#define AN_PROGRESS_EVERY 65536

/* Reports. */
/* What the report says of a trace that does not reach the program's end
 * (the text after "note: "), in buf; NULL for one that does. */
const char *an_trace_note(const an_trace *t, char *buf, size_t n);
void an_report_text(FILE *out, const an_trace *t, const an_result *r);
char *an_report_json(const an_trace *t, const an_result *r); /* malloc'd */
char *an_finding_json(const an_trace *t, const an_finding *f, size_t index); /* malloc'd */

/* Chrome trace-event JSON (opens in Perfetto / chrome://tracing). 0 ok. */
int an_export_chrome(FILE *out, const an_trace *t, const an_result *r);
/* The same for the events with from_seq <= seq <= to_seq only (a piece of a
 * big trace; spans cut at the edges, flows kept when both ends are inside;
 * times stay relative to the program start so pieces line up). */
int an_export_chrome_range(FILE *out, const an_trace *t, const an_result *r, int64_t from_seq,
                           int64_t to_seq);

/* Lookups (NULL-safe for unknown ids). */
const an_gor *an_gor_by_id(const an_trace *t, int64_t id);
const an_obj *an_obj_by_id(const an_trace *t, int64_t id);
const an_site *an_site_by_id(const an_trace *t, int32_t id);
const char *an_ev_str(const an_trace *t, const an_ev *e); /* NULL if none */
const char *an_reason_name(int reason);  /* spans.reason wording: send recv ... */
const char *an_state_name(int state);    /* running blocked sleeping */
const char *an_edge_kind_name(int kind); /* spawn msg close ... */
const char *an_wstate_name(int wstate);  /* blocked sleeping running ended io */

#endif
