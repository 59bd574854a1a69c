/*
 * store.c — write the derived tables into the trace (docs/trace-format.md,
 * "Derived tables").  Everything happens in ONE transaction: the old
 * derived tables are dropped and recreated, so a reader sees either the
 * previous analysis or the new one, never a mix.  Recorded tables are only
 * read.  The file is opened read-write only here, after an_open validated it.
 */
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "an_internal.h"

static const char schema[] =
    "DROP TABLE IF EXISTS spans;"
    "DROP TABLE IF EXISTS messages;"
    "DROP TABLE IF EXISTS hb_edges;"
    "DROP TABLE IF EXISTS findings;"
    "DROP TABLE IF EXISTS finding_refs;"
    "CREATE TABLE spans(g INTEGER, state TEXT, reason TEXT, obj INTEGER,"
    " start_seq INTEGER, end_seq INTEGER, start_ns INTEGER, end_ns INTEGER, open INTEGER);"
    "CREATE TABLE messages(msg INTEGER, chan INTEGER, send_seq INTEGER, recv_seq INTEGER,"
    " slot INTEGER, value INTEGER, has_value INTEGER, send_g INTEGER, recv_g INTEGER);"
    "CREATE TABLE hb_edges(from_seq INTEGER, to_seq INTEGER, kind TEXT);"
    "CREATE TABLE findings(id INTEGER PRIMARY KEY, kind TEXT, severity TEXT, title TEXT,"
    " explanation TEXT, fix TEXT, json TEXT, class TEXT);"
    "CREATE TABLE finding_refs(finding INTEGER, seq INTEGER, g INTEGER, obj INTEGER,"
    " role TEXT, site INTEGER);";

static const char indexes[] =
    "CREATE INDEX spans_g_start ON spans(g, start_seq);"
    "CREATE INDEX spans_start_end ON spans(start_seq, end_seq);"
    "CREATE INDEX messages_send ON messages(send_seq);"
    "CREATE INDEX messages_recv ON messages(recv_seq);"
    "CREATE INDEX messages_chan ON messages(chan, send_seq);"
    "CREATE INDEX hb_edges_from ON hb_edges(from_seq);"
    "CREATE INDEX hb_edges_to ON hb_edges(to_seq);"
    "CREATE INDEX finding_refs_finding ON finding_refs(finding);"
    "CREATE INDEX finding_refs_seq ON finding_refs(seq);";

static void seterr(char *err, size_t len, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    if (err && len) vsnprintf(err, len, fmt, ap);
    va_end(ap);
}

static void bind_opt(sqlite3_stmt *st, int i, int64_t v, int present) {
    if (present) sqlite3_bind_int64(st, i, v);
    else sqlite3_bind_null(st, i);
}

static int finish(sqlite3_stmt *st) {
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int an_store_db(sqlite3 *db, const an_trace *t, const an_result *r, char *err, size_t errlen) {
    sqlite3_stmt *sp = NULL, *ms = NULL, *he = NULL, *fi = NULL, *fr = NULL, *me = NULL;
    int ok = 0;
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) goto fail;
    if (sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK) goto fail;
    if (sqlite3_prepare_v2(db, "INSERT INTO spans VALUES (?,?,?,?,?,?,?,?,?)", -1, &sp, NULL) ||
        sqlite3_prepare_v2(db, "INSERT INTO messages VALUES (?,?,?,?,?,?,?,?,?)", -1, &ms, NULL) ||
        sqlite3_prepare_v2(db, "INSERT INTO hb_edges VALUES (?,?,?)", -1, &he, NULL) ||
        sqlite3_prepare_v2(db, "INSERT INTO findings VALUES (?,?,?,?,?,?,?,?)", -1, &fi, NULL) ||
        sqlite3_prepare_v2(db, "INSERT INTO finding_refs VALUES (?,?,?,?,?,?)", -1, &fr, NULL) ||
        sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?,?)", -1, &me,
                           NULL))
        goto fail;
    for (size_t i = 0; i < r->spans.n; i++) {
        const an_span *s = &r->spans.v[i];
        const char *reason = s->state == ST_BLOCKED ? an_reason_name(s->reason) : NULL;
        sqlite3_bind_int64(sp, 1, s->g);
        sqlite3_bind_text(sp, 2, an_state_name(s->state), -1, SQLITE_STATIC);
        if (reason) sqlite3_bind_text(sp, 3, reason, -1, SQLITE_STATIC);
        else sqlite3_bind_null(sp, 3);
        bind_opt(sp, 4, s->obj, s->obj != 0);
        sqlite3_bind_int64(sp, 5, s->start_seq);
        sqlite3_bind_int64(sp, 6, s->end_seq);
        sqlite3_bind_int64(sp, 7, s->start_ns);
        sqlite3_bind_int64(sp, 8, s->end_ns);
        sqlite3_bind_int(sp, 9, s->open);
        if (finish(sp)) goto fail;
    }
    for (size_t i = 0; i < r->msgs.n; i++) {
        const an_msg *m = &r->msgs.v[i];
        sqlite3_bind_int64(ms, 1, m->msg);
        sqlite3_bind_int64(ms, 2, m->chan);
        sqlite3_bind_int64(ms, 3, m->send_seq);
        bind_opt(ms, 4, m->recv_seq, m->recv_seq != 0);
        sqlite3_bind_int(ms, 5, m->slot);
        bind_opt(ms, 6, m->value, m->has_value);
        sqlite3_bind_int(ms, 7, m->has_value);
        sqlite3_bind_int64(ms, 8, m->send_g);
        bind_opt(ms, 9, m->recv_g, m->recv_seq != 0);
        if (finish(ms)) goto fail;
    }
    for (size_t i = 0; i < r->edges.n; i++) {
        sqlite3_bind_int64(he, 1, r->edges.v[i].from_seq);
        sqlite3_bind_int64(he, 2, r->edges.v[i].to_seq);
        sqlite3_bind_text(he, 3, an_edge_kind_name(r->edges.v[i].kind), -1, SQLITE_STATIC);
        if (finish(he)) goto fail;
    }
    for (size_t i = 0; i < r->findings.n; i++) {
        const an_finding *f = &r->findings.v[i];
        char *json = an_finding_json(t, f, i);
        sqlite3_bind_int64(fi, 1, (int64_t)i + 1);
        sqlite3_bind_text(fi, 2, f->kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(fi, 3, f->severity, -1, SQLITE_STATIC);
        sqlite3_bind_text(fi, 4, f->title ? f->title : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(fi, 5, f->explanation ? f->explanation : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(fi, 6, f->fix ? f->fix : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(fi, 7, json ? json : "{}", -1, SQLITE_TRANSIENT);
        if (f->klass) sqlite3_bind_text(fi, 8, f->klass, -1, SQLITE_STATIC);
        else sqlite3_bind_null(fi, 8);
        free(json);
        if (finish(fi)) goto fail;
        for (size_t k = 0; k < f->refs.n; k++) {
            const an_ref *x = &f->refs.v[k];
            sqlite3_bind_int64(fr, 1, (int64_t)i + 1);
            bind_opt(fr, 2, x->seq, x->seq != 0);
            bind_opt(fr, 3, x->g, x->g >= 0);
            bind_opt(fr, 4, x->obj, x->obj != 0);
            sqlite3_bind_text(fr, 5, x->role, -1, SQLITE_STATIC);
            bind_opt(fr, 6, x->site, x->site != 0);
            if (finish(fr)) goto fail;
        }
    }
    if (sqlite3_exec(db, indexes, NULL, NULL, NULL) != SQLITE_OK) goto fail;
    char ver[16];
    snprintf(ver, sizeof ver, "%d", AN_ANALYSIS_VERSION);
    sqlite3_bind_text(me, 1, "analysis_version", -1, SQLITE_STATIC);
    sqlite3_bind_text(me, 2, ver, -1, SQLITE_TRANSIENT);
    if (finish(me)) goto fail;
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) goto fail;
    ok = 1;
fail:
    if (!ok) {
        seterr(err, errlen, "cannot store the derived tables: %s", sqlite3_errmsg(db));
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    }
    sqlite3_finalize(sp);
    sqlite3_finalize(ms);
    sqlite3_finalize(he);
    sqlite3_finalize(fi);
    sqlite3_finalize(fr);
    sqlite3_finalize(me);
    (void)t;
    return ok ? 0 : -1;
}

int an_store(const char *path, const an_trace *t, const an_result *r, char *err, size_t errlen) {
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        seterr(err, errlen, "cannot open %s for writing the derived tables: %s", path,
               db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return -1;
    }
    sqlite3_busy_timeout(db, 5000);
    sqlite3_exec(db, "PRAGMA cache_size=-65536", NULL, NULL, NULL);
    int rc = an_store_db(db, t, r, err, errlen);
    sqlite3_close(db);
    return rc;
}
