/*
 * validate.h — checks made while load.c reads a trace (validate.c).
 *
 * Nothing in the file is trusted (docs/analyzer.md, "Traces that are not
 * what the program wrote").  As the rows load:
 *   refused (NULL, "inconsistent trace: ..."): a seq that is not positive
 *     or appears twice, a negative goroutine id, an object id below 1, a
 *     channel with a negative or impossible capacity or element size, a
 *     channel made twice, or whose chan_make contradicts its objects row;
 *   warnings (t->warnings, the analysis goes on): events of unknown kinds
 *     (ignored, as a newer compatible version may add kinds), events that
 *     refer to goroutines or objects without a row (finished traces only);
 *   damaged (a warning, t->damaged): a finished trace whose seq space has
 *     gaps or whose meta.events differs from its number of events.
 * After this the replay may rely on: seqs strictly increasing, ids >= 0,
 * every channel's capacity fixed and within CAP_MAX.
 */
#ifndef CS_AN_VALIDATE_H
#define CS_AN_VALIDATE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer.h"

/* Channel capacities and element sizes beyond these could not have been
 * allocated by any program: the trace was not written by chanscope. */
#define CAP_MAX ((int64_t)1 << 40)
#define ELEM_MAX ((int64_t)1 << 32)
#define CHAN_BYTES_MAX ((int64_t)1 << 48)

/* Validation while loading: the refusal message, and what warnings need. */
typedef struct an_vstate {
    const char *path;
    char *err;
    size_t errlen;
    bool main_row;       /* goroutines has a row for main (id 1) */
    size_t ng_rows;      /* t->gs[0..ng_rows) came from the goroutines table (or are main) */
    an_imap made;        /* channel id -> seq of its chan_make */
    int64_t prev_seq;
    int64_t missing, gap_from, gap_to; /* seqs absent; the first gap */
    int64_t n_unknown_kind, unknown_kind, unknown_kind_seq;
    int64_t n_no_g, no_g, no_g_seq;    /* events of goroutines without a row */
    int64_t n_no_obj, no_obj, no_obj_seq;
} an_vstate;

/* Refuse the trace: "PATH: inconsistent trace: ..." in v->err.  Returns -2. */
int an_vfail(an_vstate *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool an_chan_size_ok(int64_t cap, int64_t elem);
bool an_kind_known(int64_t kind); /* a kind of trace_hooks.h */
/* Check one events row (columns seq, t_ns, g, kind, obj, a, b, ...) before it
 * is used; the goroutines and objects are already loaded.  0 or -2. */
int an_check_row(an_vstate *v, an_trace *t, sqlite3_stmt *st, int64_t seq, int64_t gid);
/* After the events: t->warnings and t->damaged.  meta_events: meta.events
 * (NULL if absent; not looked at for a truncated trace);
 * meta_damaged_chunks: meta.damaged_chunks (NULL if absent). */
void an_warn_load(an_trace *t, const an_vstate *v, const char *meta_events,
                  const char *meta_damaged_chunks);

#endif
