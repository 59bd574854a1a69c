/*
 * convert.c — the binary event log -> the SQLite trace (convert.h).
 *
 * One pass: the log's streams (one per writing thread; each one's events
 * are in clock order) are k-way merged by (clock, time, thread)
 * with a binary heap, so events come out in an order that respects
 * happens-before (tracer/trace_buf.c says why).  They are numbered densely
 * 1, 2, ... in that order: the trace's seq (= rowid, no gaps).  Rows go in
 * batches of BATCH to the bulk writer (btree_bulk.h), which writes them on a
 * thread of its own straight into the file as the pages of the events
 * b-tree, and at the end the pages of its indexes: SQLite's own insert and
 * CREATE INDEX were 5-10x slower (docs/performance.md, "The conversion").
 * Two batch buffers: the merge fills one while the other is written, so a
 * row must not be touched once flush_rows has handed its batch over.
 *
 * Objects (a registration's create_seq is the next event of the same
 * thread), goroutines (go_create / go_end), sites and meta go into an
 * in-memory SQLite database as their records come out of the merge, and
 * are copied into the file at the end.  The file is a temporary one nobody
 * else sees (no journal, no syncs), renamed into place.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "btree_bulk.h"
#include "convert.h"
#include "log_read.h"
#include "msg_ids.h"
#include "trace_sql.h" /* the schema, from the contract (format/schema.sql) */
#include "tracer.h"

#define BATCH 65536
#define MAX_PENDING 8 /* object registrations waiting for their thread's next event */

typedef cs_event_row row;

typedef struct site_ent {
    uint64_t key; /* file id << 32 | line, + 1 (0: empty) */
    int64_t id;
} site_ent;

typedef struct file_ent {
    const char *s;
    uint32_t n;
    int32_t id;
} file_ent;

typedef struct src {
    lr_stream *st;
    lr_rec cur;      /* its next event (valid while live) */
    bool live;
    int64_t pending[MAX_PENDING];
    int npending;
    bool past_cut; /* its events are now all left out: so are its objects */
} src;

typedef struct conv {
    sqlite3 *db;
    lr_log log;
    bool failed;
    char *err;
    size_t errlen;
    bt_bulk *bulk; /* the events table and its indexes, straight into the file */
    sqlite3_stmt *ins_site, *ins_obj, *upd_obj_seq, *del_obj, *go_create, *go_end, *set_meta;
    row *rows;     /* the batch being filled: one half of rows_buf */
    row *rows_buf; /* two batches: one filled while the other is written */
    size_t nrows;
    uint64_t next_seq; /* the next dense seq */
    uint64_t cut;      /* events from this clock value on are left out (0: none) */
    uint64_t cut_events; /* how many were */
    msg_ids msgs;      /* per-channel message numbers -> trace-wide ids */
    site_ent *sites;
    size_t sites_cap, nsites;
    file_ent *files;
    size_t files_cap, nfiles;
    double t0;
} conv;

static void failf(conv *c, const char *what) {
    if (c->failed) return;
    c->failed = true;
    snprintf(c->err, c->errlen, "%s failed: %s", what, sqlite3_errmsg(c->db));
}

static bool exec(conv *c, const char *sql) {
    if (c->failed) return false;
    if (sqlite3_exec(c->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        failf(c, "writing the trace");
        return false;
    }
    return true;
}

static void step(conv *c, sqlite3_stmt *st, const char *what) {
    if (!c->failed && sqlite3_step(st) != SQLITE_DONE) failf(c, what);
    sqlite3_reset(st);
}

static void bind_id_or_null(sqlite3_stmt *st, int i, int64_t v) {
    if (v) sqlite3_bind_int64(st, i, v);
    else sqlite3_bind_null(st, i);
}

static void set_meta(conv *c, const char *key, const char *value) {
    assert(cs_meta_key_known(key)); /* a META row of format/trace.def */
    sqlite3_bind_text(c->set_meta, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(c->set_meta, 2, value, -1, SQLITE_TRANSIENT);
    step(c, c->set_meta, "meta");
}

static void set_meta_int(conv *c, const char *key, int64_t v) {
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    set_meta(c, key, buf);
}

/* ---- sites -------------------------------------------------------------- */

static uint64_t mix(uint64_t h) {
    h ^= h >> 33;
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 33;
    return h;
}

static uint64_t text_hash(const char *s, size_t n) {
    uint64_t h = UINT64_C(1469598103934665603);
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * UINT64_C(1099511628211);
    return mix(h);
}

/* The converter-wide id of a file name (the same text from any chunk). */
static int32_t file_id(conv *c, lr_file *f) {
    if (f->id >= 0) return f->id;
    if (c->nfiles * 2 >= c->files_cap) {
        size_t ncap = c->files_cap ? c->files_cap * 2 : 256;
        file_ent *nv = calloc(ncap, sizeof *nv);
        if (!nv) return 0;
        for (size_t i = 0; i < c->files_cap; i++) {
            if (!c->files[i].s) continue;
            size_t j = text_hash(c->files[i].s, c->files[i].n) & (ncap - 1);
            while (nv[j].s) j = (j + 1) & (ncap - 1);
            nv[j] = c->files[i];
        }
        free(c->files);
        c->files = nv;
        c->files_cap = ncap;
    }
    size_t j = text_hash(f->s, f->n) & (c->files_cap - 1);
    for (;; j = (j + 1) & (c->files_cap - 1)) {
        file_ent *e = &c->files[j];
        if (!e->s) {
            *e = (file_ent){f->s, f->n, (int32_t)++c->nfiles};
            break;
        }
        if (e->n == f->n && !memcmp(e->s, f->s, f->n)) break;
    }
    return f->id = c->files[j].id;
}

/* sites.id for (file, line), inserting a row the first time; 0 for none. */
static int64_t site_id(conv *c, lr_file *f, int32_t line) {
    if (!f) return 0;
    uint64_t key = ((uint64_t)(uint32_t)file_id(c, f) << 32 | (uint32_t)line) + 1;
    if (c->nsites * 2 >= c->sites_cap) {
        size_t ncap = c->sites_cap ? c->sites_cap * 2 : 1024;
        site_ent *nv = calloc(ncap, sizeof *nv);
        if (!nv) return 0;
        for (size_t i = 0; i < c->sites_cap; i++) {
            if (!c->sites[i].key) continue;
            size_t j = mix(c->sites[i].key) & (ncap - 1);
            while (nv[j].key) j = (j + 1) & (ncap - 1);
            nv[j] = c->sites[i];
        }
        free(c->sites);
        c->sites = nv;
        c->sites_cap = ncap;
    }
    size_t j = mix(key) & (c->sites_cap - 1);
    for (;; j = (j + 1) & (c->sites_cap - 1)) {
        site_ent *e = &c->sites[j];
        if (e->key == key) return e->id;
        if (!e->key) break;
    }
    int64_t id = (int64_t)++c->nsites;
    c->sites[j] = (site_ent){key, id};
    sqlite3_bind_int64(c->ins_site, 1, id);
    sqlite3_bind_text(c->ins_site, 2, f->s, (int)f->n, SQLITE_STATIC);
    sqlite3_bind_int(c->ins_site, 3, line);
    step(c, c->ins_site, "insert site");
    return id;
}

/* ---- objects and goroutines --------------------------------------------- */

static void object_row(conv *c, src *sr, const lr_rec *r) {
    if (sr->past_cut) return; /* registered after the trace stops */
    int type = (int)r->a;
    const char *tname = cs_obj_type_name(type);
    if (!tname) tname = "object";
    char defname[256];
    sqlite3_stmt *st = c->ins_obj;
    if (r->s) {
        sqlite3_bind_text(st, 4, r->s, (int)r->slen, SQLITE_STATIC);
    } else {
        if (r->file) {
            const char *f = r->file->s, *e = f + r->file->n;
            const char *b = f;
            for (const char *q = f; q < e; q++)
                if (*q == '/') b = q + 1;
            snprintf(defname, sizeof defname, "%s@%.*s:%d", tname, (int)(e - b), b, r->line);
        } else {
            snprintf(defname, sizeof defname, "%s#%lld", tname, (long long)r->obj);
        }
        sqlite3_bind_text(st, 4, defname, -1, SQLITE_TRANSIENT);
    }
    sqlite3_bind_int64(st, 1, r->obj);
    sqlite3_bind_int(st, 2, type);
    sqlite3_bind_text(st, 3, tname, -1, SQLITE_STATIC);
    bind_id_or_null(st, 5, site_id(c, r->file, r->line));
    sqlite3_bind_int64(st, 6, r->b);
    sqlite3_bind_int64(st, 7, r->c);
    step(c, st, "insert object");
    if (sr->npending < MAX_PENDING) sr->pending[sr->npending++] = r->obj;
}

/* sr's next event is the first of it the cut leaves out: the objects it
 * would have introduced (registered since sr's last kept event) go too,
 * unless an earlier event of another thread introduced them, and so do
 * the ones sr registers from now on.  The trace then holds no object that
 * exists only after the point where it stops. */
static void stream_cut(conv *c, src *sr) {
    for (int i = 0; i < sr->npending; i++) {
        sqlite3_bind_int64(c->del_obj, 1, sr->pending[i]);
        step(c, c->del_obj, "object after the cut");
    }
    sr->npending = 0;
    sr->past_cut = true;
}

/* Bookkeeping for the event that gets dense seq `seq`. */
static void event_side_effects(conv *c, src *sr, const lr_rec *r, uint64_t seq, int64_t site) {
    for (int i = 0; i < sr->npending; i++) {
        sqlite3_bind_int64(c->upd_obj_seq, 1, (int64_t)seq);
        sqlite3_bind_int64(c->upd_obj_seq, 2, sr->pending[i]);
        step(c, c->upd_obj_seq, "object create_seq");
    }
    sr->npending = 0;
    if (r->kind == EV_GO_CREATE) {
        sqlite3_stmt *st = c->go_create;
        sqlite3_bind_int64(st, 1, r->obj);
        if (r->s) sqlite3_bind_text(st, 2, r->s, (int)r->slen, SQLITE_STATIC);
        else sqlite3_bind_null(st, 2);
        /* A thread adopted as a goroutine (main) creates itself: no parent. */
        bind_id_or_null(st, 3, r->obj == r->g ? 0 : r->g);
        bind_id_or_null(st, 4, site);
        sqlite3_bind_int64(st, 5, (int64_t)seq);
        step(c, st, "goroutine row");
    } else if (r->kind == EV_GO_END) {
        sqlite3_bind_int64(c->go_end, 1, r->g);
        sqlite3_bind_int64(c->go_end, 2, (int64_t)seq);
        step(c, c->go_end, "goroutine end");
    }
}

/* Hand the batch to the bulk writer's thread and fill the other buffer
 * meanwhile (the writer reads a batch until the next one is handed over). */
static void flush_rows(conv *c) {
    if (c->nrows && !c->failed) {
        if (bt_bulk_add(c->bulk, c->rows, c->nrows, c->err, c->errlen) != 0) c->failed = true;
        c->rows = c->rows == c->rows_buf ? c->rows_buf + BATCH : c->rows_buf;
    }
    c->nrows = 0;
}

/* ---- the merge ---------------------------------------------------------- */

/* Advance sr to its next event, handling object records on the way. */
static void src_advance(conv *c, src *sr) {
    for (;;) {
        if (!lr_next(&c->log, sr->st, &sr->cur)) {
            sr->live = false;
            return;
        }
        if (sr->cur.kind != CSLOG_REC_OBJECT) return;
        object_row(c, sr, &sr->cur);
    }
}

/* The trace's order: by logical clock (which respects happens-before:
 * tracer/trace_buf.c), events with the same clock (concurrent ones) by
 * time, then by thread.  Each stream is already in this order. */
static inline bool before(const src *x, const src *y) {
    if (x->cur.seq != y->cur.seq) return x->cur.seq < y->cur.seq;
    if (x->cur.raw != y->cur.raw) return x->cur.raw < y->cur.raw;
    return x < y; /* srcs[] is in stream order */
}

static void sift_down(src **h, size_t n, size_t i) {
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && before(h[l], h[m])) m = l;
        if (l + 1 < n && before(h[l + 1], h[m])) m = l + 1;
        if (m == i) return;
        src *t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

/* The next row: record r's, at time t (ns) and site. */
static inline void put_row(conv *c, src *sr, const lr_rec *r, int64_t t, int64_t site) {
    uint64_t seq = c->next_seq++;
    c->rows[c->nrows++] = (row){.t = t, .g = r->g, .obj = r->obj, .a = r->a, .b = r->b,
                                .c = r->c, .d = r->d, .site = site, .s = r->s,
                                .slen = r->slen, .kind = r->kind};
    event_side_effects(c, sr, r, seq, site);
    if (c->nrows == BATCH) flush_rows(c);
}

/* The rows of sr's current event record (two for a begun one). */
static void put_event(conv *c, src *sr) {
    lr_rec *r = &sr->cur;
    int64_t t = lr_time_ns(&c->log, sr->st, r->raw), site = site_id(c, r->file, r->line);
    if (r->begun) { /* its implied begin row first (trace_log.h) */
        lr_rec b = {.kind = r->kind == EV_CHAN_SEND ? EV_CHAN_SEND_BEGIN : EV_CHAN_RECV_BEGIN,
                    .g = r->g, .obj = r->obj};
        put_row(c, sr, &b, t, site);
    }
    if ((r->kind == EV_CHAN_SEND || r->kind == EV_CHAN_RECV) && r->a) {
        r->a = msg_ids_map(&c->msgs, r->obj, r->a, r->kind == EV_CHAN_SEND);
        if (r->a < 0) {
            c->failed = true;
            snprintf(c->err, c->errlen, "out of memory");
        }
    }
    put_row(c, sr, r, t, site);
}

/* The records of threads that finish left in the middle of one (the
 * header's stuck[], trace_log.h) that never landed: counted lost, and the
 * trace is cut below each one's clock (above the thread's last record in
 * the log), as for the events a full disk cost.  Returns how many. */
static uint64_t stuck_unwritten(conv *c) {
    const cslog_header *h = c->log.hdr;
    uint32_t named = h->nstuck < CSLOG_MAX_STUCK ? h->nstuck : CSLOG_MAX_STUCK;
    uint64_t lost = 0;
    for (uint32_t i = 0; i < named; i++) {
        uint64_t events = 0, last = 0;
        lr_thread_tail(&c->log, h->stuck[i].thread, &events, &last);
        if (events > h->stuck[i].written) continue; /* it landed after all */
        lost++;
        if (!c->cut || last + 1 < c->cut) c->cut = last + 1;
    }
    if (h->nstuck > named) { /* threads not named: no bound but the start */
        lost += h->nstuck - named;
        c->cut = 1;
    }
    return lost;
}

static void merge_events(conv *c) {
    size_t n = c->log.nstreams;
    src *srcs = calloc(n ? n : 1, sizeof *srcs);
    src **heap = calloc(n ? n : 1, sizeof *heap);
    if (!srcs || !heap) {
        free(srcs);
        free(heap);
        c->failed = true;
        snprintf(c->err, c->errlen, "out of memory");
        return;
    }
    size_t hn = 0;
    for (size_t i = 0; i < n; i++) {
        srcs[i].st = &c->log.streams[i];
        srcs[i].live = true;
        src_advance(c, &srcs[i]);
        if (srcs[i].live) heap[hn++] = &srcs[i];
    }
    for (size_t i = hn / 2; i-- > 0;) sift_down(heap, hn, i);
    while (hn && !c->failed) {
        src *sr = heap[0];
        if (c->cut && sr->cur.seq >= c->cut) {
            /* Events were lost from here on (the log could not grow): the
             * trace stops before the first, so that everything it holds is
             * there; the rest (all later in clock order) is counted. */
            c->cut_events += sr->cur.begun ? 2 : 1;
            if (!sr->past_cut) stream_cut(c, sr);
        } else
            put_event(c, sr);
        src_advance(c, sr);
        if (!sr->live) heap[0] = heap[--hn];
        sift_down(heap, hn, 0);
    }
    flush_rows(c);
    msg_ids_free(&c->msgs);
    /* a thread's last registrations, with no event after them */
    free(srcs);
    free(heap);
}

/* ---- the file ----------------------------------------------------------- */

static bool prepare(conv *c, sqlite3_stmt **st, const char *sql) {
    if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) == SQLITE_OK)
        return true;
    failf(c, "preparing a statement");
    return false;
}

static bool prepare_all(conv *c) {
    return prepare(c, &c->ins_site, "INSERT INTO sites(id, file, line) VALUES (?,?,?)") &&
           prepare(c, &c->ins_obj,
                   "INSERT INTO objects(id, type, type_name, name, site, a, b)"
                   " VALUES (?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET"
                   " type=excluded.type, type_name=excluded.type_name,"
                   " name=excluded.name, site=excluded.site, a=excluded.a, b=excluded.b") &&
           prepare(c, &c->upd_obj_seq,
                   "UPDATE objects SET create_seq=?1 WHERE id=?2 AND create_seq IS NULL") &&
           prepare(c, &c->del_obj, "DELETE FROM objects WHERE id=?1 AND create_seq IS NULL") &&
           prepare(c, &c->go_create,
                   "INSERT INTO goroutines(id, name, parent, site, create_seq)"
                   " VALUES (?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET name=excluded.name,"
                   " parent=excluded.parent, site=excluded.site,"
                   " create_seq=excluded.create_seq") &&
           prepare(c, &c->go_end,
                   "INSERT INTO goroutines(id, end_seq) VALUES (?,?)"
                   " ON CONFLICT(id) DO UPDATE SET end_seq=excluded.end_seq") &&
           prepare(c, &c->set_meta, "INSERT OR REPLACE INTO meta(key, value) VALUES (?,?)");
}

static double now_s(void);

/* The file tmp with the whole schema, empty (tables and indexes), and the
 * bulk writer of its events table and indexes.  The connection is closed
 * again: nothing but the bulk writer touches the file until it is done. */
static bool create_file(conv *c, const char *tmp) {
    if (sqlite3_open_v2(tmp, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        failf(c, "opening the new trace");
    } else if (exec(c, "PRAGMA page_size=16384; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF") &&
               exec(c, "BEGIN") && exec(c, CS_TRACE_TABLES_SQL) && exec(c, CS_TRACE_INDEXES_SQL) &&
               exec(c, "COMMIT")) {
        c->bulk = bt_bulk_open(c->db, tmp, c->err, c->errlen);
        if (!c->bulk) c->failed = true;
    }
    sqlite3_close(c->db);
    c->db = NULL;
    return !c->failed;
}

/* Every table but events, from the in-memory database into the file. */
static void copy_tables(conv *c, const char *tmp) {
    sqlite3_stmt *st = NULL;
    if (!prepare(c, &st, "ATTACH ?1 AS out")) return;
    sqlite3_bind_text(st, 1, tmp, -1, SQLITE_STATIC);
    step(c, st, "reopening the new trace");
    sqlite3_finalize(st);
    if (!exec(c, "PRAGMA out.journal_mode=OFF; PRAGMA out.synchronous=OFF; BEGIN") ||
        !prepare(c, &st, "SELECT name FROM main.sqlite_schema WHERE type='table'"
                         " AND name != 'events' AND name NOT LIKE 'sqlite_%'"))
        return;
    while (!c->failed && sqlite3_step(st) == SQLITE_ROW) {
        char sql[256];
        const char *name = (const char *)sqlite3_column_text(st, 0);
        snprintf(sql, sizeof sql, "INSERT INTO out.\"%s\" SELECT * FROM main.\"%s\"", name, name);
        exec(c, sql);
    }
    sqlite3_finalize(st);
    exec(c, "COMMIT");
    exec(c, "DETACH out");
}

/* Write the whole trace into the (empty, temporary) file tmp: the events
 * and their indexes by the bulk writer (btree_bulk.c), the other tables in
 * an in-memory database first, copied into the file at the end. */
static int write_trace(conv *c, const char *tmp, cs_convert_info *info) {
    if (!create_file(c, tmp)) return -1;
    if (sqlite3_open_v2(":memory:", &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        failf(c, "opening an in-memory database");
        sqlite3_close(c->db);
        c->db = NULL;
        bt_bulk_free(c->bulk);
        return -1;
    }
    bool ok = exec(c, "BEGIN") && exec(c, CS_TRACE_TABLES_SQL) && prepare_all(c);
    if (ok) {
        exec(c, CS_TRACE_EVENT_KINDS_SQL);
        set_meta_int(c, "schema_version", CS_TRACE_SCHEMA_VERSION);
        size_t pos = 0;
        const char *k, *v;
        while (lr_meta_next(&c->log, &pos, &k, &v))
            if (cs_meta_key_known(k)) set_meta(c, k, v); /* else a damaged log's */
        const cslog_header *h = c->log.hdr;
        uint64_t lost = atomic_load(&h->lost);
        if (lost) c->cut = atomic_load(&h->lost_clock);
        info->events_stuck = stuck_unwritten(c);
        lost += info->events_stuck;
        merge_events(c);
        info->events = c->next_seq - 1;
        info->events_lost = lost ? lost + c->cut_events : 0;
        /* chunks whose records stopped decoding (a damaged file): their
         * later events are missing; the analyzer calls the trace damaged */
        if (c->log.bad_chunks) set_meta_int(c, "damaged_chunks", (int64_t)c->log.bad_chunks);
        if (lost) {
            /* no end_reason: judged as a trace that stops where it stops
             * (the analyzer's "truncated"), with the reason */
            set_meta(c, "end_state", "incomplete");
            set_meta_int(c, "events_lost", (int64_t)info->events_lost);
        } else if (c->log.finished) {
            char reason[sizeof h->end_reason + 1];
            memcpy(reason, h->end_reason, sizeof h->end_reason);
            reason[sizeof h->end_reason] = 0;
            set_meta(c, "end_reason", reason);
            set_meta_int(c, "exit_status", h->end_status);
            set_meta_int(c, "end_goroutine", h->end_g);
            if (h->end_sig) set_meta_int(c, "end_signal", h->end_sig);
            set_meta_int(c, "events", (int64_t)info->events);
        } else {
            /* no end_reason: the analyzer calls it truncated (program killed?) */
            set_meta(c, "end_state", "killed");
        }
        exec(c, "COMMIT");
        double ti = now_s();
        if (!c->failed && bt_bulk_finish(c->bulk, &info->index_seconds, c->err, c->errlen) != 0)
            c->failed = true;
        if (!c->failed && bt_bulk_rows(c->bulk) != info->events) {
            c->failed = true;
            snprintf(c->err, c->errlen, "event seq mismatch while writing the trace");
        }
        if (!c->failed) copy_tables(c, tmp);
        if (getenv("CS_TRACE_DEBUG"))
            fprintf(stderr, "chanscope: convert: rows %.3f s, indexes %.3f s, the rest %.3f s\n",
                    ti - c->t0, info->index_seconds, now_s() - ti - info->index_seconds);
    }
    bt_bulk_free(c->bulk);
    c->bulk = NULL;
    sqlite3_stmt *sts[] = {c->ins_site, c->ins_obj, c->upd_obj_seq, c->del_obj,
                           c->go_create, c->go_end, c->set_meta};
    for (size_t i = 0; i < sizeof sts / sizeof *sts; i++) sqlite3_finalize(sts[i]);
    if (sqlite3_close(c->db) != SQLITE_OK && !c->failed) {
        c->failed = true;
        snprintf(c->err, c->errlen, "closing the new trace failed");
    }
    c->db = NULL;
    return c->failed ? -1 : 0;
}

int cs_is_event_log(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) return -1;
    char magic[8];
    ssize_t n = read(fd, magic, sizeof magic);
    close(fd);
    return n == (ssize_t)sizeof magic && !memcmp(magic, CSLOG_MAGIC, 8);
}

/* The temporary file being written, removed if a signal ends us. */
static char tmp_path[4096];

static void on_fatal(int sig) {
    if (tmp_path[0]) unlink(tmp_path);
    signal(sig, SIG_DFL);
    raise(sig);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int convert(const char *log, const char *trace, bool remove_log, bool snapshot,
                   cs_convert_info *info, char *err, size_t errlen) {
    double t0 = now_s();
    memset(info, 0, sizeof *info);
    struct stat st;
    if (stat(log, &st) != 0) {
        snprintf(err, errlen, "cannot read %s: %s", log, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s is not a chanscope event log (not a regular file)", log);
        return -1;
    }
    /* the output first (it looks at the log's lock; then we take it) */
    if (!snapshot && cs_trace_check_output(trace, err, errlen) != 0) return -1;
    struct stat ost;
    info->replaced = stat(trace, &ost) == 0 && ost.st_size > 0;
    int fd = open(log, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        snprintf(err, errlen, "cannot read %s: %s", log, strerror(errno));
        return -1;
    }
    if (!snapshot && flock(fd, LOCK_EX | LOCK_NB) != 0) {
        snprintf(err, errlen, "%s is being recorded by a running program (or converted): try "
                 "again when it has ended", log);
        close(fd);
        return -1;
    }
    if (fstat(fd, &st) != 0 || st.st_size < CSLOG_HEADER_SIZE) {
        snprintf(err, errlen, "%s is not a chanscope event log (too short)", log);
        close(fd);
        return -1;
    }
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        snprintf(err, errlen, "cannot map %s: %s", log, strerror(errno));
        close(fd);
        return -1;
    }
    madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
    conv c = {.err = err, .errlen = errlen, .next_seq = 1, .t0 = t0};
    char lerr[256];
    if (lr_open(&c.log, map, (size_t)st.st_size, lerr, sizeof lerr) != 0) {
        snprintf(err, errlen, "%s: %s", log, lerr);
        munmap(map, (size_t)st.st_size);
        close(fd);
        return -1;
    }
    info->finished = c.log.finished;
    info->pid = c.log.hdr->pid;
    c.rows = c.rows_buf = malloc(2 * BATCH * sizeof *c.rows);
    /* the temporary file, in the trace's folder (rename is atomic there) */
    char *copy = strdup(trace), *copy2 = strdup(trace);
    int tfd = -1;
    if (copy && copy2 && c.rows) {
        snprintf(tmp_path, sizeof tmp_path, "%s/.%s.tmp-XXXXXX", dirname(copy), basename(copy2));
        tfd = mkstemp(tmp_path);
    }
    free(copy);
    free(copy2);
    int rc = -1;
    if (tfd < 0) {
        snprintf(err, errlen, "cannot create a temporary file beside %s: %s", trace,
                 c.rows ? strerror(errno) : "out of memory");
        tmp_path[0] = 0;
    } else {
        mode_t um = umask(0); /* the trace gets the mode a new file would get */
        umask(um);
        if (fchmod(tfd, 0666 & ~um) != 0) { /* harmless: it stays private */
        }
        close(tfd);
        struct sigaction sa = {0}, old[3];
        sa.sa_handler = on_fatal;
        sigemptyset(&sa.sa_mask);
        const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
        for (int i = 0; i < 3; i++) sigaction(sigs[i], &sa, &old[i]);
        rc = write_trace(&c, tmp_path, info);
        if (rc == 0) {
            /* an old trace's companions would be read with the new file */
            static const char *const sfx[] = {"-wal", "-shm", "-journal"};
            char p[4200];
            for (int i = 0; i < 3; i++) {
                snprintf(p, sizeof p, "%s%s", trace, sfx[i]);
                unlink(p);
            }
            if (rename(tmp_path, trace) != 0) {
                snprintf(err, errlen, "cannot rename the new trace into %s: %s", trace,
                         strerror(errno));
                rc = -1;
            }
        }
        if (rc != 0) unlink(tmp_path);
        tmp_path[0] = 0;
        for (int i = 0; i < 3; i++) sigaction(sigs[i], &old[i], NULL);
    }
    info->bad_chunks = c.log.bad_chunks;
    lr_close(&c.log);
    free(c.rows_buf);
    free(c.sites);
    free(c.files);
    munmap(map, (size_t)st.st_size);
    if (rc == 0 && remove_log) unlink(log);
    close(fd); /* after the unlink: never a moment where the log looks idle */
    info->seconds = now_s() - t0;
    return rc;
}

int cs_convert(const char *log, const char *trace, bool remove_log, cs_convert_info *info,
               char *err, size_t errlen) {
    return convert(log, trace, remove_log, false, info, err, errlen);
}

int cs_convert_snapshot(const char *log, const char *out, cs_convert_info *info, char *err,
                        size_t errlen) {
    return convert(log, out, false, true, info, err, errlen);
}

const char *cs_convert_incomplete(const cs_convert_info *info, char *buf, size_t n) {
    if (!info->events_lost) return "";
    snprintf(buf, n, ", incomplete: %llu events were not recorded (%s)",
             (unsigned long long)info->events_lost,
             info->events_stuck ? "a thread was stopped in the middle of writing one when the "
                                  "program ended"
                                : "the log could not grow: a full disk?");
    return buf;
}

const char *cs_convert_damage(const cs_convert_info *info, const char *log, char *buf, size_t n) {
    if (!info->bad_chunks) return NULL;
    snprintf(buf, n, "%zu damaged chunk%s of %s: their later events are missing (the trace says "
                     "it is damaged)", info->bad_chunks, info->bad_chunks == 1 ? "" : "s", log);
    return buf;
}

int cs_convert_after_run(const char *trace, char *err, size_t errlen) {
    size_t n = strlen(trace) + sizeof ".cslog";
    char *lp = malloc(n);
    if (!lp) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(lp, n, "%s.cslog", trace);
    int rc = 0;
    if (cs_is_event_log(lp) == 1) {
        cs_convert_info info;
        rc = cs_convert(lp, trace, true, &info, err, errlen);
    }
    free(lp);
    return rc;
}

int cs_live_snapshot(const char *trace, char *snap, size_t n, char *err, size_t errlen) {
    snap[0] = 0;
    size_t ln = strlen(trace) + sizeof ".cslog";
    char *lp = malloc(ln);
    if (!lp) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(lp, ln, "%s.cslog", trace);
    int rc = 0;
    if (cs_trace_live(trace) == 1 && cs_is_event_log(lp) == 1) {
        const char *tmp = getenv("TMPDIR");
        snprintf(snap, n, "%.3000s/chanscope-live-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        int fd = mkstemp(snap);
        cs_convert_info info;
        if (fd < 0) {
            snprintf(err, errlen, "cannot create a scratch file in %s: %s", tmp && *tmp ? tmp : "/tmp",
                     strerror(errno));
            snap[0] = 0;
            rc = -1;
        } else {
            close(fd);
            if (cs_convert_snapshot(lp, snap, &info, err, errlen) != 0) {
                unlink(snap);
                snap[0] = 0;
                rc = -1;
            } else {
                rc = 1;
            }
        }
    }
    free(lp);
    return rc;
}
