/*
 * chrome.c — `chanscope export --format chrome`: the Chrome trace-event
 * format (JSON object form), which Perfetto and chrome://tracing open.
 *
 *   one process (pid 1), one track per goroutine (tid = goroutine id),
 *   named "name (id N)" by thread_name metadata events;
 *   state spans as complete events ("X"), named running / blocked: recv /
 *   sleeping, with the object and seqs in args;
 *   panics, misuse, deadlock, logs and findings as instant events ("i");
 *   each received message as a flow ("s" at the send, "f" at the receive).
 *   A flow must start inside a slice of its track or Perfetto drops it; a
 *   message the runtime sent (goroutine 0: a timer, a ticker, a signal) has
 *   no state span there, so each such send gets a 1 us slice of its own on
 *   the runtime track ("timer fires: CHAN", "signal: CHAN", "send: CHAN").
 * A range (an_export_chrome_range) keeps the events with from <= seq <= to:
 *   spans cut at the edges, instants and findings inside, flows with both
 *   ends inside.
 * Times are microseconds (the format's unit) from the program start.
 * Events are written one at a time, so memory stays small.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_internal.h"
#include "an_utf8.h"

typedef struct writer {
    FILE *out;
    int first;
    int err;
} writer;

static void emit(writer *w, cJSON *o) {
    char *s = an_utf8_valid(cJSON_PrintUnformatted(o)); /* trace text may be any bytes */
    cJSON_Delete(o);
    if (!s) {
        w->err = 1;
        return;
    }
    if (fputs(w->first ? "\n" : ",\n", w->out) < 0 || fputs(s, w->out) < 0) w->err = 1;
    w->first = 0;
    free(s);
}

static double us(int64_t ns) { return (double)ns / 1000.0; }

/* t_ns of the event with this seq (binary search; events are in seq order). */
static int64_t ns_of(const an_trace *t, int64_t seq) {
    size_t lo = 0, hi = t->nev;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->ev[mid].seq < seq) lo = mid + 1;
        else hi = mid;
    }
    return lo < t->nev ? t->ev[lo].t_ns : (t->nev ? t->ev[t->nev - 1].t_ns : 0);
}

static cJSON *base(const char *ph, const char *name, int64_t tid, double ts) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "ph", ph);
    cJSON_AddStringToObject(o, "name", name);
    cJSON_AddNumberToObject(o, "pid", 1);
    cJSON_AddNumberToObject(o, "tid", (double)tid);
    cJSON_AddNumberToObject(o, "ts", ts);
    return o;
}

static void instant(writer *w, const an_trace *t, const an_ev *e, const char *name,
                    const char *cat) {
    cJSON *o = base("i", name, t->gs[e->g].id, us(e->t_ns));
    cJSON_AddStringToObject(o, "cat", cat);
    cJSON_AddStringToObject(o, "s", t->gs[e->g].id == 0 ? "p" : "t");
    cJSON *args = cJSON_AddObjectToObject(o, "args");
    cJSON_AddNumberToObject(args, "seq", (double)e->seq);
    const an_site *s = an_site_by_id(t, e->site);
    if (s) {
        char buf[300];
        snprintf(buf, sizeof buf, "%s:%d", s->file, s->line);
        cJSON_AddStringToObject(args, "site", buf);
    }
    emit(w, o);
}

/* What the runtime (goroutine 0) did to send the message at seq, for the
 * name of its slice: the timer fire or signal is recorded just before. */
static const char *runtime_send_name(const an_trace *t, int64_t seq) {
    size_t lo = 0, hi = t->nev;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->ev[mid].seq < seq) lo = mid + 1;
        else hi = mid;
    }
    for (size_t k = lo; k > 0 && k + 3 > lo; k--) {
        const an_ev *e = &t->ev[k - 1];
        if (e->kind == EV_TIMER_FIRE) return an_is_ticker(t, e->obj) ? "ticker fires" : "timer fires";
        if (e->kind == EV_SIGNAL) return "signal";
    }
    return "send";
}

int an_export_chrome(FILE *out, const an_trace *t, const an_result *r) {
    return an_export_chrome_range(out, t, r, INT64_MIN, INT64_MAX);
}

int an_export_chrome_range(FILE *out, const an_trace *t, const an_result *r, int64_t from,
                           int64_t to) {
    writer w = {out, 1, 0};
    int64_t from_ns = from == INT64_MIN ? INT64_MIN : ns_of(t, from);
    int64_t to_ns = to == INT64_MAX ? INT64_MAX : ns_of(t, to);
    fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", out);
    /* process and track names */
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "ph", "M");
    cJSON_AddStringToObject(o, "name", "process_name");
    cJSON_AddNumberToObject(o, "pid", 1);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "args"), "name",
                            t->program ? t->program : "chanscope trace");
    emit(&w, o);
    for (size_t i = 0; i < t->ng; i++) {
        char buf[300];
        snprintf(buf, sizeof buf, "%s (id %lld)", t->gs[i].name, (long long)t->gs[i].id);
        o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "ph", "M");
        cJSON_AddStringToObject(o, "name", "thread_name");
        cJSON_AddNumberToObject(o, "pid", 1);
        cJSON_AddNumberToObject(o, "tid", (double)t->gs[i].id);
        cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "args"), "name", buf);
        emit(&w, o);
        o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "ph", "M");
        cJSON_AddStringToObject(o, "name", "thread_sort_index");
        cJSON_AddNumberToObject(o, "pid", 1);
        cJSON_AddNumberToObject(o, "tid", (double)t->gs[i].id);
        cJSON_AddNumberToObject(cJSON_AddObjectToObject(o, "args"), "sort_index",
                                (double)t->gs[i].id);
        emit(&w, o);
    }
    /* state spans */
    for (size_t i = 0; i < r->spans.n && !w.err; i++) {
        const an_span *s = &r->spans.v[i];
        if (s->start_seq > to || s->end_seq < from) continue;
        int64_t s0 = s->start_ns < from_ns ? from_ns : s->start_ns;
        int64_t s1 = s->end_ns > to_ns ? to_ns : s->end_ns;
        char name[64];
        const char *reason = an_reason_name(s->reason);
        if (s->state == ST_BLOCKED && reason) snprintf(name, sizeof name, "blocked: %s", reason);
        else snprintf(name, sizeof name, "%s", an_state_name(s->state));
        o = base("X", name, s->g, us(s0));
        cJSON_AddNumberToObject(o, "dur", ((double)s1 - (double)s0) / 1000.0);
        cJSON_AddStringToObject(o, "cat", "state");
        cJSON *args = cJSON_AddObjectToObject(o, "args");
        if (s->obj) cJSON_AddStringToObject(args, "object", an_oname(t, s->obj));
        cJSON_AddNumberToObject(args, "start_seq", (double)s->start_seq);
        cJSON_AddNumberToObject(args, "end_seq", (double)s->end_seq);
        if (s->open) cJSON_AddBoolToObject(args, "open", 1);
        emit(&w, o);
    }
    /* instants */
    for (size_t i = 0; i < t->nev && !w.err; i++) {
        const an_ev *e = &t->ev[i];
        if (e->seq < from || e->seq > to) continue;
        const char *s = an_ev_str(t, e);
        char name[300];
        switch (e->kind) {
        case EV_LOG:
            snprintf(name, sizeof name, "log: %s", s ? s : "");
            instant(&w, t, e, name, "log");
            break;
        case EV_PANIC:
            snprintf(name, sizeof name, "panic: %s", s ? s : "");
            instant(&w, t, e, name, "panic");
            break;
        case EV_MISUSE:
            snprintf(name, sizeof name, "misuse: %s", s ? s : an_misuse_name((int)e->a));
            instant(&w, t, e, name, "misuse");
            break;
        case EV_DEADLOCK: instant(&w, t, e, "deadlock: all goroutines are asleep", "deadlock"); break;
        case EV_PROGRAM_END: instant(&w, t, e, "program end", "end"); break;
        default: break;
        }
    }
    /* findings, at the first event they refer to */
    for (size_t i = 0; i < r->findings.n && !w.err; i++) {
        const an_finding *f = &r->findings.v[i];
        for (size_t k = 0; k < f->refs.n; k++) {
            const an_ref *x = &f->refs.v[k];
            if (!x->seq) continue;
            if (x->seq < from || x->seq > to) break;
            char name[400];
            snprintf(name, sizeof name, "%s: %s", f->kind, f->title ? f->title : "");
            o = base("i", name, x->g >= 0 ? x->g : 0, us(ns_of(t, x->seq)));
            cJSON_AddStringToObject(o, "cat", "finding");
            cJSON_AddStringToObject(o, "s", x->g >= 0 ? "t" : "p");
            cJSON *args = cJSON_AddObjectToObject(o, "args");
            cJSON_AddNumberToObject(args, "finding", (double)(i + 1));
            cJSON_AddStringToObject(args, "explanation", f->explanation ? f->explanation : "");
            cJSON_AddStringToObject(args, "fix", f->fix ? f->fix : "");
            emit(&w, o);
            break;
        }
    }
    /* message flows */
    for (size_t i = 0; i < r->msgs.n && !w.err; i++) {
        const an_msg *m = &r->msgs.v[i];
        if (!m->recv_seq) continue;
        if (m->send_seq < from || m->send_seq > to || m->recv_seq < from || m->recv_seq > to)
            continue;
        const char *cn = an_oname(t, m->chan);
        if (m->send_g == 0) { /* no span on the runtime track: a slice to start in */
            char sname[300];
            snprintf(sname, sizeof sname, "%s: %s", runtime_send_name(t, m->send_seq), cn);
            o = base("X", sname, 0, us(ns_of(t, m->send_seq)));
            cJSON_AddNumberToObject(o, "dur", 1);
            cJSON_AddStringToObject(o, "cat", "runtime");
            cJSON_AddNumberToObject(cJSON_AddObjectToObject(o, "args"), "seq", (double)m->send_seq);
            emit(&w, o);
        }
        o = base("s", cn, m->send_g, us(ns_of(t, m->send_seq)));
        cJSON_AddStringToObject(o, "cat", "msg");
        cJSON_AddNumberToObject(o, "id", (double)(i + 1));
        emit(&w, o);
        o = base("f", cn, m->recv_g, us(ns_of(t, m->recv_seq)));
        cJSON_AddStringToObject(o, "cat", "msg");
        cJSON_AddStringToObject(o, "bp", "e");
        cJSON_AddNumberToObject(o, "id", (double)(i + 1));
        emit(&w, o);
    }
    fputs("\n]}\n", out);
    return w.err || ferror(out) ? -1 : 0;
}
