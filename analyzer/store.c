/*
 * store.c — write the derived tables into the trace (docs/trace-format.md,
 * "Derived tables").  Everything happens in ONE transaction: the old
 * derived tables are dropped and recreated, so a reader sees either the
 * previous analysis or the new one, never a mix.  Recorded tables are only
 * read.  The file is opened read-write only here, after an_open validated it.
 *
 * Never into a live trace: a running program holds flock(LOCK_EX) on the
 * trace it records (tracer/trace_file.c); an_store holds flock(LOCK_SH) on
 * the file for the whole store and stores nothing if it cannot get it, so
 * the program's writer never meets our write lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "an_internal.h"
#include "finding_kinds.h"
#include "trace_sql.h"

/* The derived tables: format/analysis.sql (build/format/trace_sql.h). */
static const char schema[] = CS_ANALYSIS_DROP_SQL CS_ANALYSIS_TABLES_SQL;
static const char indexes[] = CS_ANALYSIS_INDEXES_SQL;

static void seterr(char *err, size_t len, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    if (err && len) vsnprintf(err, len, fmt, ap);
    va_end(ap);
}

/* Rows of the big tables go in by 64 per INSERT statement: far fewer
 * statement executions than one row at a time.  A row is buffered as cells
 * (NULL, integer or static text) until a batch is full or flushed. */
enum { BATCH_ROWS = 64, CELL_NULL = 0, CELL_INT = 1, CELL_TEXT = 2 };
typedef struct cell {
    int type;
    int64_t i;
    const char *s; /* static text only */
} cell;
typedef struct batch {
    sqlite3_stmt *multi, *one;
    int ncols, n;
    cell cells[BATCH_ROWS * 9];
} batch;

static int batch_open(sqlite3 *db, batch *b, const char *table, int ncols) {
    memset(b, 0, sizeof *b);
    b->ncols = ncols;
    an_sb q = {0};
    an_sb_printf(&q, "INSERT INTO %s VALUES ", table);
    for (int r = 0; r < BATCH_ROWS; r++) {
        an_sb_printf(&q, "%s(", r ? "," : "");
        for (int c = 0; c < ncols; c++) an_sb_printf(&q, "%s?", c ? "," : "");
        an_sb_printf(&q, ")");
        if (r == 0) {
            if (sqlite3_prepare_v2(db, q.s, -1, &b->one, NULL) != SQLITE_OK) break;
        }
    }
    int rc = b->one ? sqlite3_prepare_v2(db, q.s, -1, &b->multi, NULL) : SQLITE_ERROR;
    free(q.s);
    return rc == SQLITE_OK ? 0 : -1;
}

static void bind_cells(sqlite3_stmt *st, const cell *c, int n) {
    for (int i = 0; i < n; i++) {
        if (c[i].type == CELL_INT) sqlite3_bind_int64(st, i + 1, c[i].i);
        else if (c[i].type == CELL_TEXT) sqlite3_bind_text(st, i + 1, c[i].s, -1, SQLITE_STATIC);
        else sqlite3_bind_null(st, i + 1);
    }
}

static int step_reset(sqlite3_stmt *st) {
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int batch_flush(batch *b) {
    int rc = 0;
    if (b->n == BATCH_ROWS) {
        bind_cells(b->multi, b->cells, b->n * b->ncols);
        rc = step_reset(b->multi);
    } else {
        for (int r = 0; r < b->n && !rc; r++) {
            bind_cells(b->one, b->cells + r * b->ncols, b->ncols);
            rc = step_reset(b->one);
        }
    }
    b->n = 0;
    return rc;
}

/* The cells of the next row; flushes a full batch first (error in *rc). */
static cell *batch_row(batch *b, int *rc) {
    if (b->n == BATCH_ROWS && batch_flush(b)) *rc = -1;
    return b->cells + b->n++ * b->ncols;
}

static void batch_close(batch *b) {
    sqlite3_finalize(b->multi);
    sqlite3_finalize(b->one);
}

static inline cell C_INT(int64_t v) { return (cell){CELL_INT, v, NULL}; }
static inline cell C_OPT(int64_t v, int present) { return (cell){present ? CELL_INT : CELL_NULL, v, NULL}; }
static inline cell C_TEXT(const char *s) { return (cell){s ? CELL_TEXT : CELL_NULL, 0, s}; }

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
    sqlite3_stmt *fi = NULL, *fr = NULL, *me = NULL, *fw = NULL, *fh = NULL, *fk = NULL,
                 *kd = NULL;
    batch *bs = an_xcalloc(4, sizeof *bs); /* ~50 KB: not on the stack */
    int ok = 0, rc = 0;
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) goto fail;
    if (sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK) goto fail;
    if (batch_open(db, &bs[0], "spans", 9) || batch_open(db, &bs[1], "messages", 9) ||
        batch_open(db, &bs[2], "hb_edges", 3) || batch_open(db, &bs[3], "lock_spans", 8) ||
        sqlite3_prepare_v2(db, "INSERT INTO findings VALUES (?,?,?,?,?,?,?,?,?,?,?)", -1, &fi,
                           NULL) ||
        sqlite3_prepare_v2(db, "INSERT INTO finding_refs VALUES (?,?,?,?,?,?)", -1, &fr, NULL) ||
        sqlite3_prepare_v2(db, "INSERT INTO finding_waits VALUES (?,?,?,?,?,?,?)", -1, &fw,
                           NULL) ||
        sqlite3_prepare_v2(db, "INSERT INTO finding_holds VALUES (?,?,?,?,?,?)", -1, &fh, NULL) ||
        sqlite3_prepare_v2(db, "INSERT INTO finding_wakers VALUES (?,?,?)", -1, &fk, NULL) ||
        sqlite3_prepare_v2(db, "INSERT INTO finding_kinds VALUES (?,?,?,?)", -1, &kd, NULL) ||
        sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?,?)", -1, &me,
                           NULL))
        goto fail;
    uint64_t rows = r->spans.n + r->msgs.n;
    for (size_t i = 0; i < r->spans.n && !rc; i++) {
        if ((i & (AN_PROGRESS_EVERY - 1)) == 0) an_progress("storing", i, rows);
        const an_span *x = &r->spans.v[i];
        cell *c = batch_row(&bs[0], &rc);
        c[0] = C_INT(x->g);
        c[1] = C_TEXT(an_state_name(x->state));
        c[2] = C_TEXT(x->state == ST_BLOCKED ? an_reason_name(x->reason) : NULL);
        c[3] = C_OPT(x->obj, x->obj != 0);
        c[4] = C_INT(x->start_seq);
        c[5] = C_INT(x->end_seq);
        c[6] = C_INT(x->start_ns);
        c[7] = C_INT(x->end_ns);
        c[8] = C_INT(x->open);
    }
    for (size_t i = 0; i < r->msgs.n && !rc; i++) {
        if ((i & (AN_PROGRESS_EVERY - 1)) == 0) an_progress("storing", r->spans.n + i, rows);
        const an_msg *m = &r->msgs.v[i];
        cell *c = batch_row(&bs[1], &rc);
        c[0] = C_INT(m->msg);
        c[1] = C_INT(m->chan);
        c[2] = C_INT(m->send_seq);
        c[3] = C_OPT(m->recv_seq, m->recv_seq != 0);
        c[4] = C_INT(m->slot);
        c[5] = C_OPT(m->value, m->has_value);
        c[6] = C_INT(m->has_value);
        c[7] = C_INT(m->send_g);
        c[8] = C_OPT(m->recv_g, m->recv_seq != 0);
    }
    for (size_t i = 0; i < r->edges.n && !rc; i++) {
        cell *c = batch_row(&bs[2], &rc);
        c[0] = C_INT(r->edges.v[i].from_seq);
        c[1] = C_INT(r->edges.v[i].to_seq);
        c[2] = C_TEXT(an_edge_kind_name(r->edges.v[i].kind));
    }
    for (size_t i = 0; i < r->lock_spans.n && !rc; i++) {
        const an_lockspan *x = &r->lock_spans.v[i];
        cell *c = batch_row(&bs[3], &rc);
        c[0] = C_INT(x->g);
        c[1] = C_INT(x->obj);
        c[2] = C_TEXT(x->read ? "read" : "write");
        c[3] = C_INT(x->start_seq);
        c[4] = C_OPT(x->end_seq, x->end_seq != 0);
        c[5] = C_INT(x->start_ns);
        c[6] = C_OPT(x->end_ns, x->end_seq != 0);
        c[7] = C_OPT(x->site, x->site != 0);
    }
    if (rc || batch_flush(&bs[0]) || batch_flush(&bs[1]) || batch_flush(&bs[2]) ||
        batch_flush(&bs[3]))
        goto fail;
    for (size_t k = 0; k < an_nfinding_kinds; k++) {
        const an_kind_info *ki = &an_finding_kinds[k];
        sqlite3_bind_text(kd, 1, ki->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(kd, 2, ki->label, -1, SQLITE_STATIC);
        sqlite3_bind_text(kd, 3, ki->severity, -1, SQLITE_STATIC);
        sqlite3_bind_text(kd, 4, ki->description, -1, SQLITE_STATIC);
        if (finish(kd)) goto fail;
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
        bind_opt(fi, 9, f->culprit_site, f->culprit_site != 0);
        bind_opt(fi, 10, f->culprit_g, f->culprit_site != 0 && f->culprit_g >= 0);
        if (f->fix_line) sqlite3_bind_text(fi, 11, f->fix_line, -1, SQLITE_STATIC);
        else sqlite3_bind_null(fi, 11);
        free(json);
        if (finish(fi)) goto fail;
        for (size_t k = 0; k < f->waits.n; k++) {
            const an_wait *x = &f->waits.v[k];
            sqlite3_bind_int64(fw, 1, (int64_t)i + 1);
            sqlite3_bind_int64(fw, 2, x->g);
            sqlite3_bind_text(fw, 3, an_wstate_name(x->state), -1, SQLITE_STATIC);
            bind_opt(fw, 4, x->obj, x->obj != 0);
            const char *rn = an_reason_name(x->reason);
            if (rn) sqlite3_bind_text(fw, 5, rn, -1, SQLITE_STATIC);
            else sqlite3_bind_null(fw, 5);
            bind_opt(fw, 6, x->site, x->site != 0);
            bind_opt(fw, 7, x->seq, x->seq != 0);
            if (finish(fw)) goto fail;
        }
        for (size_t k = 0; k < f->holds.n; k++) {
            const an_hold *x = &f->holds.v[k];
            sqlite3_bind_int64(fh, 1, (int64_t)i + 1);
            sqlite3_bind_int64(fh, 2, x->g);
            sqlite3_bind_int64(fh, 3, x->obj);
            sqlite3_bind_text(fh, 4, x->read ? "read" : "write", -1, SQLITE_STATIC);
            bind_opt(fh, 5, x->seq, x->seq != 0);
            bind_opt(fh, 6, x->site, x->site != 0);
            if (finish(fh)) goto fail;
        }
        for (size_t k = 0; k < f->wakers.n; k++) {
            sqlite3_bind_int64(fk, 1, (int64_t)i + 1);
            sqlite3_bind_int64(fk, 2, f->wakers.v[k].g);
            sqlite3_bind_int64(fk, 3, f->wakers.v[k].waker);
            if (finish(fk)) goto fail;
        }
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
    for (int i = 0; i < 4; i++) batch_close(&bs[i]);
    free(bs);
    sqlite3_finalize(fw);
    sqlite3_finalize(fh);
    sqlite3_finalize(fk);
    sqlite3_finalize(kd);
    sqlite3_finalize(fi);
    sqlite3_finalize(fr);
    sqlite3_finalize(me);
    (void)t;
    return ok ? 0 : -1;
}

int an_store(const char *path, const an_trace *t, const an_result *r, char *err, size_t errlen) {
    /* The shared flock first, before SQLite opens the file: this descriptor
     * is closed only after sqlite3_close (closing a descriptor of the file
     * would drop SQLite's fcntl locks). */
    int lock_fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (lock_fd < 0) {
        seterr(err, errlen, "cannot open %s for writing the derived tables: %s", path,
               strerror(errno));
        return -1;
    }
    if (flock(lock_fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
        close(lock_fd);
        seterr(err, errlen, "%s is being recorded by a running program: derived tables not "
               "stored", path);
        return -1;
    }
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        seterr(err, errlen, "cannot open %s for writing the derived tables: %s", path,
               db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        close(lock_fd);
        return -1;
    }
    sqlite3_busy_timeout(db, 5000);
    /* Bulk-write settings, for this connection only (nothing persists in the file):
     *  - journal_mode stays what the trace has (DELETE: rollback journal), so
     *    the one transaction of an_store_db is atomic: if chanscope dies
     *    mid-store, the hot journal is rolled back by the next chanscope
     *    command (cs_input_trace -> cs_trace_recover: a read-only connection
     *    cannot roll back, it would see no trace at all) and the trace is
     *    exactly what it was.  The recorded tables are never written at
     *    all, only the derived tables, the freelist and the schema page.
     *  - synchronous=NORMAL: SQLite still syncs at the critical moments, so
     *    a power loss or OS crash during the store can damage the file only
     *    in the small window SQLite documents for older filesystems.  OFF
     *    would save ~0.5 s on 10 M events; a trace is the learner's record,
     *    not worth the risk.
     *  - secure_delete=OFF: Debian's SQLite is built with SECURE_DELETE, which
     *    makes DROP TABLE read, journal and zero every page of the old derived
     *    tables (half of the time of a re-check).  Derived data is not secret.
     *  - temp_store=MEMORY, a 256 MB cache, threads=2: the index builds sort
     *    in memory, on two cores where there are two. */
    sqlite3_exec(db,
                 "PRAGMA synchronous=NORMAL; PRAGMA secure_delete=OFF; PRAGMA temp_store=MEMORY;"
                 " PRAGMA cache_size=-262144; PRAGMA threads=2",
                 NULL, NULL, NULL);
    int rc = an_store_db(db, t, r, err, errlen);
    sqlite3_close(db);
    close(lock_fd); /* releases the flock */
    return rc;
}
