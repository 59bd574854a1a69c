/* synth.c — hand-made traces for tests, fuzzing and benchmarks (synth.h). */
#include "synth.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_util.h"
#include "chanscope.h" /* CHANSCOPE_VERSION */
#include "trace_format.h"
#include "trace_sql.h"

struct an_synth {
    sqlite3 *db;
    sqlite3_stmt *ev, *site, *gor, *obj, *meta;
    int64_t seq;
    int32_t nsites;
    int in_tx;
};

/* The recorded tables as the tracer creates them (format/schema.sql). */
static const char schema[] =
    CS_TRACE_TABLES_SQL CS_TRACE_EVENT_KINDS_SQL
    "INSERT INTO meta VALUES ('chanscope_version', '" CHANSCOPE_VERSION "');"
    "INSERT INTO meta VALUES ('program', 'synthetic');";

static void begin(an_synth *s) {
    if (!s->in_tx) {
        sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL);
        s->in_tx = 1;
    }
}

an_synth *an_synth_open(const char *path) {
    an_synth *s = an_xcalloc(1, sizeof *s);
    if (path) remove(path);
    if (sqlite3_open(path ? path : ":memory:", &s->db) != SQLITE_OK ||
        sqlite3_exec(s->db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF", NULL, NULL, NULL) ||
        sqlite3_exec(s->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?)", -1, &s->ev,
                           NULL) ||
        sqlite3_prepare_v2(s->db, "INSERT INTO sites VALUES (?,?,?)", -1, &s->site, NULL) ||
        sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO goroutines VALUES (?,?,?,?,?,NULL)", -1,
                           &s->gor, NULL) ||
        sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO objects VALUES (?,?,?,?,?,?,?,NULL)", -1,
                           &s->obj, NULL) ||
        sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO meta VALUES (?,?)", -1, &s->meta, NULL)) {
        an_synth_close(s);
        return NULL;
    }
    char ver[16];
    snprintf(ver, sizeof ver, "%d", CS_TRACE_SCHEMA_VERSION);
    an_synth_meta(s, "schema_version", ver);
    return s;
}

sqlite3 *an_synth_db(an_synth *s) {
    an_synth_flush(s);
    return s->db;
}

static void run(sqlite3_stmt *st) {
    sqlite3_step(st);
    sqlite3_reset(st);
}

void an_synth_meta(an_synth *s, const char *key, const char *value) {
    begin(s);
    sqlite3_bind_text(s->meta, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s->meta, 2, value, -1, SQLITE_TRANSIENT);
    run(s->meta);
}

int32_t an_synth_site(an_synth *s, const char *file, int line) {
    begin(s);
    int32_t id = ++s->nsites;
    sqlite3_bind_int(s->site, 1, id);
    sqlite3_bind_text(s->site, 2, file, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s->site, 3, line);
    run(s->site);
    return id;
}

void an_synth_goroutine(an_synth *s, int64_t id, const char *name, int64_t parent, int32_t site,
                        int64_t create_seq) {
    begin(s);
    sqlite3_bind_int64(s->gor, 1, id);
    sqlite3_bind_text(s->gor, 2, name, -1, SQLITE_TRANSIENT);
    if (parent) sqlite3_bind_int64(s->gor, 3, parent);
    else sqlite3_bind_null(s->gor, 3);
    sqlite3_bind_int(s->gor, 4, site);
    sqlite3_bind_int64(s->gor, 5, create_seq);
    run(s->gor);
}

void an_synth_object(an_synth *s, int64_t id, int type, const char *name, int32_t site, int64_t a,
                     int64_t b) {
    begin(s);
    sqlite3_bind_int64(s->obj, 1, id);
    sqlite3_bind_int(s->obj, 2, type);
    sqlite3_bind_text(s->obj, 3, cs_obj_type_name(type) ? cs_obj_type_name(type) : "?", -1,
                      SQLITE_STATIC);
    if (name) sqlite3_bind_text(s->obj, 4, name, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(s->obj, 4);
    sqlite3_bind_int(s->obj, 5, site);
    sqlite3_bind_int64(s->obj, 6, a);
    sqlite3_bind_int64(s->obj, 7, b);
    run(s->obj);
}

int64_t an_synth_ev(an_synth *s, int64_t g, int kind, int64_t obj, int64_t a, int64_t b, int64_t c,
                    int64_t d, int32_t site, const char *str) {
    begin(s);
    int64_t seq = ++s->seq;
    sqlite3_bind_int64(s->ev, 1, seq);
    sqlite3_bind_int64(s->ev, 2, seq * 1000);
    sqlite3_bind_int64(s->ev, 3, g);
    sqlite3_bind_int(s->ev, 4, kind);
    if (obj) sqlite3_bind_int64(s->ev, 5, obj);
    else sqlite3_bind_null(s->ev, 5);
    sqlite3_bind_int64(s->ev, 6, a);
    sqlite3_bind_int64(s->ev, 7, b);
    sqlite3_bind_int64(s->ev, 8, c);
    sqlite3_bind_int64(s->ev, 9, d);
    sqlite3_bind_int(s->ev, 10, site);
    if (str) sqlite3_bind_text(s->ev, 11, str, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(s->ev, 11);
    run(s->ev);
    return seq;
}

void an_synth_end(an_synth *s, int64_t g, const char *reason, int status) {
    an_synth_ev(s, g, EV_PROGRAM_END, 0, status, 0, 0, 0, 0, reason);
    char buf[32];
    snprintf(buf, sizeof buf, "%d", status);
    an_synth_meta(s, "end_reason", reason);
    an_synth_meta(s, "exit_status", buf);
    snprintf(buf, sizeof buf, "%lld", (long long)s->seq);
    an_synth_meta(s, "events", buf);
}

void an_synth_flush(an_synth *s) {
    if (s->in_tx) sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    s->in_tx = 0;
}

void an_synth_close(an_synth *s) {
    if (!s) return;
    an_synth_flush(s);
    sqlite3_finalize(s->ev);
    sqlite3_finalize(s->site);
    sqlite3_finalize(s->gor);
    sqlite3_finalize(s->obj);
    sqlite3_finalize(s->meta);
    sqlite3_close(s->db);
    free(s);
}
