/* validate.c — checks made while a trace loads (validate.h, called by load.c). */
#include "validate.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace_hooks.h"

bool an_chan_size_ok(int64_t cap, int64_t elem) {
    return cap >= 0 && cap <= CAP_MAX && elem >= 0 && elem <= ELEM_MAX &&
           cap <= CHAN_BYTES_MAX / (elem ? elem : 1);
}

static void add_warning(an_trace *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_warning(an_trace *t, const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    for (char *c = buf; *c; c++) /* text from the file (meta) is quoted: keep it printable ASCII */
        if ((unsigned char)*c < 32 || (unsigned char)*c > 126) *c = '?';
    t->warnings = an_xrealloc(t->warnings, (t->nwarnings + 1) * sizeof *t->warnings);
    t->warnings[t->nwarnings++] = an_xstrdup(buf);
}

/* Is the kind one this analyzer knows (a kind of format/trace.def)? */
bool an_kind_known(int64_t k) {
    return cs_ev_name(k) != NULL;
}

/* Is events.obj an object id for this kind (not a goroutine id, not unused)?
 * The ref column of format/trace.def. */
static bool obj_is_object(int k) {
    return cs_ev_ref(k) == CS_REF_obj;
}

/* Refuse the trace: "PATH: inconsistent trace: ..." in err.  Returns -2. */
int an_vfail(an_vstate *v, const char *fmt, ...) {
    char buf[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    for (char *c = buf; *c; c++) /* text from the file is quoted: one printable line */
        if ((unsigned char)*c < 32 || (unsigned char)*c > 126) *c = '?';
    if (v->err && v->errlen) snprintf(v->err, v->errlen, "%s: inconsistent trace: %s", v->path, buf);
    return -2;
}

/* Check one events row before it is used (columns as in load_events). */
int an_check_row(an_vstate *v, an_trace *t, sqlite3_stmt *st, int64_t seq, int64_t gid) {
    int64_t kind = sqlite3_column_int64(st, 3), obj = sqlite3_column_int64(st, 4);
    int64_t a = sqlite3_column_int64(st, 5), b = sqlite3_column_int64(st, 6);
    if (sqlite3_column_type(st, 0) != SQLITE_INTEGER)
        return an_vfail(v, "events: seq '%.40s' is not an integer", (const char *)sqlite3_column_text(st, 0));
    if (seq < 1) return an_vfail(v, "events: seq %lld (seqs start at 1)", (long long)seq);
    if (seq == v->prev_seq) return an_vfail(v, "events: seq %lld appears twice", (long long)seq);
    if (seq < v->prev_seq) /* (ORDER BY seq: only if the column holds text or reals) */
        return an_vfail(v, "events: seq %lld is out of order", (long long)seq);
    if (seq > v->prev_seq + 1) {
        if (!v->missing) v->gap_from = v->prev_seq + 1, v->gap_to = seq - 1;
        v->missing += seq - v->prev_seq - 1;
    }
    v->prev_seq = seq;
    if (gid < 0)
        return an_vfail(v, "event seq %lld: goroutine id %lld (ids are 0 or more)", (long long)seq,
                    (long long)gid);
    if (!an_kind_known(kind)) {
        if (!v->n_unknown_kind++) v->unknown_kind = kind, v->unknown_kind_seq = seq;
        return 0;
    }
    if (kind == EV_GO_CREATE && obj < 1)
        return an_vfail(v, "event seq %lld: go_create of goroutine %lld (ids of created goroutines "
                       "start at 1)", (long long)seq, (long long)obj);
    if (obj < 0 && obj_is_object((int)kind))
        return an_vfail(v, "event seq %lld: object id %lld (ids start at 1)", (long long)seq,
                    (long long)obj);
    if (kind == EV_CHAN_MAKE) {
        if (obj < 1) return an_vfail(v, "event seq %lld: chan_make of channel %lld", (long long)seq, (long long)obj);
        if (!an_chan_size_ok(a, b))
            return an_vfail(v, "event seq %lld: chan_make of channel %lld with capacity %lld and "
                           "element size %lld (impossible)", (long long)seq, (long long)obj,
                        (long long)a, (long long)b);
        int ins;
        int64_t *made = an_imap_put(&v->made, obj, seq, &ins);
        if (!ins)
            return an_vfail(v, "event seq %lld: chan_make of channel %lld again (it was made at seq "
                           "%lld)", (long long)seq, (long long)obj, (long long)*made);
        const an_obj *o = an_obj_by_id(t, obj);
        if (o && (o->type != OBJ_CHAN || o->a != a))
            return an_vfail(v, "event seq %lld: chan_make of channel %lld with capacity %lld, but its "
                           "objects row says %s %lld", (long long)seq, (long long)obj, (long long)a,
                        o->type != OBJ_CHAN ? "type" : "capacity",
                        o->type != OBJ_CHAN ? (long long)o->type : (long long)o->a);
    }
    if (kind == EV_RACE_PREV || kind == EV_RACE) { /* the race build's race pair */
        if (a < 1)
            return an_vfail(v, "event seq %lld: %s with race number %lld (they start at 1)",
                            (long long)seq, kind == EV_RACE ? "race" : "race_prev", (long long)a);
        if (kind == EV_RACE_PREV && b < 1)
            return an_vfail(v, "event seq %lld: race_prev of goroutine %lld (ids start at 1)",
                            (long long)seq, (long long)b);
        if (kind == EV_RACE_PREV && !an_imap_get(&t->g_index, b))
            if (!v->n_no_g++) v->no_g = b, v->no_g_seq = seq;
    }
    /* references to rows that are missing (kept apart; reported at the end) */
    int64_t *gi = gid ? an_imap_get(&t->g_index, gid) : NULL;
    if (gid && (!gi || (size_t)*gi >= v->ng_rows || (gid == 1 && !v->main_row)))
        if (!v->n_no_g++) v->no_g = gid, v->no_g_seq = seq;
    if (obj && obj_is_object((int)kind) && !an_obj_by_id(t, obj))
        if (!v->n_no_obj++) v->no_obj = obj, v->no_obj_seq = seq;
    return 0;
}

/* What loading found that does not stop the analysis: t->warnings. */
void an_warn_load(an_trace *t, const an_vstate *v, const char *mev, const char *dch) {
    /* The event log had chunks that stopped decoding (a damaged file): the
     * converter kept what it could read, whatever the end (killed too) */
    if (dch) {
        t->damaged = true;
        add_warning(t, "the trace is damaged: %.20s chunk%s of its event log could not be read to "
                       "the end, so events are missing; the analysis covers what is left and may "
                       "be wrong", dch, strcmp(dch, "1") ? "s" : "");
    }
    if (v->n_unknown_kind)
        add_warning(t, "%lld event%s of a kind this chanscope does not know %s ignored (the first: "
                       "seq %lld, kind %lld)", (long long)v->n_unknown_kind,
                    v->n_unknown_kind == 1 ? "" : "s", v->n_unknown_kind == 1 ? "was" : "were",
                    (long long)v->unknown_kind_seq, (long long)v->unknown_kind);
    if (t->truncated) return; /* a killed program's last rows may be missing: nothing to say */
    /* Damaged: events missing from a finished trace. */
    long long want = -1;
    if (mev) {
        char *end;
        want = strtoll(mev, &end, 10);
        if (!*mev || *end || want < 0) {
            add_warning(t, "meta.events is '%.40s', not a number of events", mev);
            want = -1;
        }
    }
    char gap[160] = "";
    if (v->missing)
        snprintf(gap, sizeof gap, "%lld event%s missing: seq %lld%s%lld%s", (long long)v->missing,
                 v->missing == 1 ? " is" : "s are", (long long)v->gap_from,
                 v->gap_to > v->gap_from ? "-" : "", (long long)v->gap_to,
                 v->missing > v->gap_to - v->gap_from + 1 ? " and more" : "");
    if (v->gap_to == v->gap_from) /* one seq: print it once */
        snprintf(gap, sizeof gap, "%lld event%s missing: seq %lld%s", (long long)v->missing,
                 v->missing == 1 ? " is" : "s are", (long long)v->gap_from,
                 v->missing > 1 ? " and more" : "");
    if (want >= 0 && (size_t)want != t->nev) {
        t->damaged = true;
        add_warning(t, "the trace is damaged: meta.events says %lld events but it holds %zu%s%s%s; "
                       "the analysis covers what is left and may be wrong", want, t->nev,
                    v->missing ? " (" : "", gap, v->missing ? ")" : "");
    } else if (v->missing) {
        t->damaged = true;
        add_warning(t, "the trace is damaged: %s; the analysis covers what is left and may be "
                       "wrong", gap);
    }
    if (v->n_no_g)
        add_warning(t, "%lld event%s of goroutines that have no row in the goroutines table (the "
                       "first: seq %lld, goroutine %lld)", (long long)v->n_no_g,
                    v->n_no_g == 1 ? "" : "s", (long long)v->no_g_seq, (long long)v->no_g);
    if (v->n_no_obj)
        add_warning(t, "%lld event%s about objects that have no row in the objects table (the "
                       "first: seq %lld, object %lld)", (long long)v->n_no_obj,
                    v->n_no_obj == 1 ? "" : "s", (long long)v->no_obj_seq, (long long)v->no_obj);
}
