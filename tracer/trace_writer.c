/*
 * trace_writer.c — the one background thread that moves events from the
 * per-thread rings into SQLite.
 *
 * Only this thread touches the database once recording has started (the
 * connection is opened SQLITE_OPEN_NOMUTEX).  One pass:
 *   1. under the ring-list lock: snapshot every ring's head (acquire), and
 *      free rings whose thread is gone and that are empty;
 *   2. walk each ring's new records in ring order: object registrations
 *      become `objects` rows (create_seq = the next event of that thread),
 *      go_create / go_end update `goroutines`, sites are interned;
 *   3. sort the pass's events by seq (they interleave across threads) and
 *      insert them with one `INSERT INTO events SELECT * FROM cs_batch`,
 *      where cs_batch is a virtual table that reads the pass's records in
 *      place (no per-column sqlite3_bind_* calls); a row whose seq is the
 *      table's max + 1 (nearly all of them) is given a NULL seq, so SQLite
 *      takes its append path (max rowid + 1 = that seq) instead of a
 *      root-to-leaf search of the events B-tree per row (see insert_events);
 *   4. release the rings' tails (release) so producers can reuse the slots.
 * A transaction stays open across passes and is committed at least every
 * COMMIT_NS, so a SIGKILL loses at most that much (WAL, synchronous=NORMAL:
 * a committed transaction survives the death of the process).
 *
 * Lock waits never lose events (docs/reliability.md): every transaction
 * starts with BEGIN IMMEDIATE, the only statement that can meet another
 * process's write lock, and the busy handler (busy_wait) waits for as long
 * as that lock is held, saying so on stderr after BUSY_NOTE_NS.  Meanwhile
 * the rings fill and the program's threads wait for space: the program
 * pauses, its trace stays complete.  Only a real write error (disk full,
 * I/O) stops the recording, with one line on stderr.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "det.h"
#include "tracer.h"

#define COMMIT_NS (25 * 1000000LL)   /* commit at least this often: 25 ms leaves a pass
                                        * and a descheduled writer room within 100 ms */
#define IDLE_SLEEP_NS (1000000LL)    /* poll period when there is nothing to do */
#define STRAGGLER_NS (2000000000LL)  /* finish waits this long for a taken seq */
#define PASS_MAX (64 * 1024)         /* records per pass (bounds memory and pass time) */
#define BUSY_NOTE_NS (2000000000LL)  /* a lock wait this long is reported on stderr */
#define FINISH_BUSY_NS (5000000000LL) /* finish's WAL fold waits this long for readers */

typedef struct site_ent {
    const char *key;  /* file pointer (ptr table) or owned copy (text table) */
    uint64_t hash;
    int line;
    int64_t id;
} site_ent;

typedef struct site_tab {
    site_ent *v;
    size_t cap, n;
} site_tab;

/* One event of the pass, as the cs_batch virtual table shows it. */
typedef struct ev_ref {
    cs_rec *r;
    int64_t site;   /* sites.id, 0 for none */
    bool auto_seq;  /* seq == max(seq) in the table + 1: insert it as NULL */
} ev_ref;

typedef struct drained {
    cs_tbuf *tb;
    uint64_t from, to;
} drained;

struct cs_writer {
    sqlite3 *db;
    int lock_fd;           /* flock(LOCK_EX) on the file: "being recorded" */
    char *path;
    int64_t start_mono;
    pthread_t thread;
    bool thread_started;

    sqlite3_stmt *ins_events, *ins_site, *ins_obj, *upd_obj_seq, *go_create,
        *go_end, *set_meta;
    bool in_txn;
    int64_t last_commit;
    bool failed;           /* a write failed: keep draining, write nothing */
    int64_t busy_since;    /* start of the current lock wait */
    int64_t busy_limit;    /* 0: wait as long as it takes; else give up after */
    int64_t busy_noted;    /* wait length last reported on stderr (0: none) */

    site_tab by_ptr, by_text;
    int64_t next_site;

    ev_ref *batch, *sorted;
    size_t batch_cap, sorted_cap;
    ev_ref *cur;           /* what cs_batch shows: cur[0 .. ncur) */
    size_t ncur;
    uint64_t max_seq;      /* largest seq inserted so far (0: none) */
    drained *dr;
    size_t dr_cap;

    _Atomic uint64_t stored;
    int64_t cpu_before_finish;     /* writer thread CPU ns (diagnostics) */
    _Atomic int64_t cpu_ns;        /* writer thread CPU ns, updated per pass */
    _Atomic uint64_t commits;

    /* finish request, guarded by lock */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool finishing;
    uint64_t last_seq;
    int64_t end_t;
    const char *end_reason;
    int64_t end_g;                 /* program_end.g, meta end_goroutine */
    int end_sig;                   /* program_end.b, meta end_signal (0: none) */
    int end_status;
};

static const char *const kind_names[] = {
    [EV_GO_CREATE] = "go_create",         [EV_GO_START] = "go_start",
    [EV_GO_BLOCK] = "go_block",           [EV_GO_UNBLOCK] = "go_unblock",
    [EV_GO_END] = "go_end",               [EV_GO_SLEEP] = "go_sleep",
    [EV_CHAN_MAKE] = "chan_make",         [EV_CHAN_SEND_BEGIN] = "chan_send_begin",
    [EV_CHAN_SEND] = "chan_send",         [EV_CHAN_RECV_BEGIN] = "chan_recv_begin",
    [EV_CHAN_RECV] = "chan_recv",         [EV_CHAN_CLOSE] = "chan_close",
    [EV_SELECT_BEGIN] = "select_begin",   [EV_SELECT_END] = "select_end",
    [EV_MUTEX_WAIT] = "mutex_wait",       [EV_MUTEX_ACQUIRE] = "mutex_acquire",
    [EV_MUTEX_RELEASE] = "mutex_release", [EV_RW_RWAIT] = "rw_rwait",
    [EV_RW_RACQUIRE] = "rw_racquire",     [EV_RW_RRELEASE] = "rw_rrelease",
    [EV_WG_ADD] = "wg_add",               [EV_WG_WAIT] = "wg_wait",
    [EV_WG_WAIT_DONE] = "wg_wait_done",   [EV_ONCE_BEGIN] = "once_begin",
    [EV_ONCE_END] = "once_end",           [EV_COND_WAIT] = "cond_wait",
    [EV_COND_SIGNAL] = "cond_signal",     [EV_COND_BROADCAST] = "cond_broadcast",
    [EV_ATOMIC] = "atomic",               [EV_SEM_ACQUIRE] = "sem_acquire",
    [EV_SEM_RELEASE] = "sem_release",     [EV_CTX_CREATE] = "ctx_create",
    [EV_CTX_CANCEL] = "ctx_cancel",       [EV_TIMER_START] = "timer_start",
    [EV_TIMER_FIRE] = "timer_fire",       [EV_TIMER_STOP] = "timer_stop",
    [EV_VAR_READ] = "var_read",           [EV_VAR_WRITE] = "var_write",
    [EV_LOG] = "log",                     [EV_PANIC] = "panic",
    [EV_DEADLOCK] = "deadlock",           [EV_PROGRAM_END] = "program_end",
    [EV_MISUSE] = "misuse",               [EV_SIGNAL] = "signal",
    [EV_RACE_PREV] = "race_prev",         [EV_RACE] = "race",
};

static const char *const type_names[] = {
    [OBJ_CHAN] = "chan",           [OBJ_MUTEX] = "mutex",     [OBJ_RWMUTEX] = "rwmutex",
    [OBJ_WAITGROUP] = "waitgroup", [OBJ_ONCE] = "once",       [OBJ_COND] = "cond",
    [OBJ_CONTEXT] = "context",     [OBJ_TIMER] = "timer",     [OBJ_VAR] = "var",
    [OBJ_ATOMIC] = "atomic",       [OBJ_SEMAPHORE] = "semaphore",
    [OBJ_ERRGROUP] = "errgroup",   [OBJ_SOCKET] = "socket",
};

static const char schema_sql[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE sites(id INTEGER PRIMARY KEY, file TEXT, line INTEGER);"
    "CREATE TABLE goroutines(id INTEGER PRIMARY KEY, name TEXT, parent INTEGER,"
    " site INTEGER, create_seq INTEGER, end_seq INTEGER);"
    "CREATE TABLE objects(id INTEGER PRIMARY KEY, type INTEGER, type_name TEXT, name TEXT,"
    " site INTEGER, a INTEGER, b INTEGER, create_seq INTEGER);"
    "CREATE TABLE events(seq INTEGER PRIMARY KEY, t_ns INTEGER, g INTEGER, kind INTEGER,"
    " obj INTEGER, a INTEGER, b INTEGER, c INTEGER, d INTEGER, site INTEGER, s TEXT);"
    "CREATE TABLE event_kinds(id INTEGER PRIMARY KEY, name TEXT);";

/* ---- small helpers ------------------------------------------------------ */

static void fail(cs_writer *w, const char *what) {
    if (w->failed) return;
    w->failed = true;
    fprintf(stderr, "chanscope: trace %s: %s failed: %s (the trace is incomplete)\n", w->path,
            what, sqlite3_errmsg(w->db));
}

static bool exec(cs_writer *w, const char *sql) {
    if (w->failed) return false;
    if (sqlite3_exec(w->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        fail(w, sql);
        return false;
    }
    return true;
}

static void step(cs_writer *w, sqlite3_stmt *st, const char *what) {
    if (!w->failed && sqlite3_step(st) != SQLITE_DONE) fail(w, what);
    sqlite3_reset(st);
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s) {
    if (s) sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(st, i);
}

static void bind_id_or_null(sqlite3_stmt *st, int i, int64_t v) {
    if (v) sqlite3_bind_int64(st, i, v);
    else sqlite3_bind_null(st, i);
}

static void set_meta(cs_writer *w, const char *key, const char *value) {
    sqlite3_bind_text(w->set_meta, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(w->set_meta, 2, value, -1, SQLITE_TRANSIENT);
    step(w, w->set_meta, "meta");
}

static void set_meta_int(cs_writer *w, const char *key, int64_t v) {
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    set_meta(w, key, buf);
}

/* SQLite's busy handler: another connection holds a lock we need. */
static int busy_wait(void *arg, int count) {
    cs_writer *w = arg;
    int64_t now = cs_trace_now();
    if (count == 0) w->busy_since = now;
    int64_t waited = now - w->busy_since;
    if (w->busy_limit && waited >= w->busy_limit) return 0;
    if (!w->busy_limit && waited >= BUSY_NOTE_NS && waited >= 2 * w->busy_noted) {
        w->busy_noted = waited;
        fprintf(stderr,
                "chanscope: trace %s: another process holds the trace's write lock; waiting "
                "for it (%.0f s so far; nothing is lost, the program pauses meanwhile)\n",
                w->path, waited / 1e9);
    }
    struct timespec ts = {0, (count < 6 ? 1L << count : 50L) * 1000000L};
    nanosleep(&ts, NULL);
    return 1;
}

static void begin(cs_writer *w) {
    if (w->in_txn) return;
    if (exec(w, "BEGIN IMMEDIATE")) w->in_txn = true;
    if (w->busy_noted) {
        fprintf(stderr, "chanscope: trace %s: write lock released after %.1f s; recording goes on\n",
                w->path, (cs_trace_now() - w->busy_since) / 1e9);
        w->busy_noted = 0;
    }
}

static void commit(cs_writer *w) {
    if (w->in_txn) {
        exec(w, "COMMIT");
        w->in_txn = false;
        atomic_fetch_add_explicit(&w->commits, 1, memory_order_relaxed);
    }
    w->last_commit = cs_trace_now();
}

/* ---- sites -------------------------------------------------------------- */

static uint64_t mix(uint64_t h) {
    h ^= h >> 33;
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 33;
    return h;
}

static uint64_t text_hash(const char *s, int line) {
    uint64_t h = UINT64_C(1469598103934665603);
    for (; *s; s++) h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
    return mix(h ^ (uint64_t)line);
}

static site_ent *tab_find(site_tab *t, uint64_t hash, const char *key, int line, bool by_text) {
    if (!t->cap) return NULL;
    for (size_t i = hash & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        site_ent *e = &t->v[i];
        if (!e->key) return e;
        if (e->hash == hash && e->line == line &&
            (by_text ? strcmp(e->key, key) == 0 : e->key == key))
            return e;
    }
}

static bool tab_grow(site_tab *t) {
    if (t->n * 2 < t->cap) return true;
    size_t ncap = t->cap ? t->cap * 2 : 256;
    site_ent *nv = calloc(ncap, sizeof *nv);
    if (!nv) return false;
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->v[i].key) continue;
        size_t j = t->v[i].hash & (ncap - 1);
        while (nv[j].key) j = (j + 1) & (ncap - 1);
        nv[j] = t->v[i];
    }
    free(t->v);
    t->v = nv;
    t->cap = ncap;
    return true;
}

/* sites.id for (file, line), inserting a row the first time; 0 for none. */
static int64_t site_id(cs_writer *w, const char *file, int line) {
    if (!file) return 0;
    uint64_t ph = mix((uint64_t)(uintptr_t)file * 31 + (uint64_t)line);
    site_ent *e = tab_find(&w->by_ptr, ph, file, line, false);
    if (e && e->key) return e->id;
    /* Same text through another pointer (another translation unit)? */
    uint64_t th = text_hash(file, line);
    site_ent *te = tab_find(&w->by_text, th, file, line, true);
    int64_t id;
    if (te && te->key) {
        id = te->id;
    } else {
        id = w->next_site++;
        sqlite3_bind_int64(w->ins_site, 1, id);
        sqlite3_bind_text(w->ins_site, 2, file, -1, SQLITE_STATIC);
        sqlite3_bind_int(w->ins_site, 3, line);
        step(w, w->ins_site, "insert site");
        char *copy = strdup(file);
        if (copy && tab_grow(&w->by_text)) {
            te = tab_find(&w->by_text, th, file, line, true);
            *te = (site_ent){copy, th, line, id};
            w->by_text.n++;
        } else {
            free(copy);
        }
    }
    if (tab_grow(&w->by_ptr)) {
        e = tab_find(&w->by_ptr, ph, file, line, false);
        *e = (site_ent){file, ph, line, id};
        w->by_ptr.n++;
    }
    return id;
}

/* ---- records other than events ------------------------------------------ */

static void object_row(cs_writer *w, cs_tbuf *tb, const cs_rec *r) {
    int type = (int)r->a;
    const char *tname = type > 0 && type < (int)(sizeof type_names / sizeof *type_names) &&
                                type_names[type]
                            ? type_names[type]
                            : "object";
    char defname[256];
    const char *name = r->s;
    if (!name) {
        const char *f = r->file ? strrchr(r->file, '/') : NULL;
        f = f ? f + 1 : r->file;
        if (f) snprintf(defname, sizeof defname, "%s@%s:%d", tname, f, r->line);
        else snprintf(defname, sizeof defname, "%s#%lld", tname, (long long)r->obj);
        name = defname;
    }
    sqlite3_stmt *st = w->ins_obj;
    sqlite3_bind_int64(st, 1, r->obj);
    sqlite3_bind_int(st, 2, type);
    sqlite3_bind_text(st, 3, tname, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, name, -1, SQLITE_TRANSIENT);
    bind_id_or_null(st, 5, site_id(w, r->file, r->line));
    sqlite3_bind_int64(st, 6, r->b);
    sqlite3_bind_int64(st, 7, r->c);
    step(w, st, "insert object");
    if (tb->npending < (int)(sizeof tb->pending_obj / sizeof *tb->pending_obj))
        tb->pending_obj[tb->npending++] = r->obj;
}

/* Per-thread bookkeeping done in ring order, before the events are sorted. */
static void event_side_effects(cs_writer *w, cs_tbuf *tb, const cs_rec *r) {
    for (int i = 0; i < tb->npending; i++) {
        sqlite3_bind_int64(w->upd_obj_seq, 1, (int64_t)r->seq);
        sqlite3_bind_int64(w->upd_obj_seq, 2, tb->pending_obj[i]);
        step(w, w->upd_obj_seq, "object create_seq");
    }
    tb->npending = 0;
    if (r->kind == EV_GO_CREATE) {
        sqlite3_stmt *st = w->go_create;
        sqlite3_bind_int64(st, 1, r->obj);
        bind_text_or_null(st, 2, r->s);
        /* A thread adopted as a goroutine (main) creates itself: no parent. */
        bind_id_or_null(st, 3, r->obj == r->g ? 0 : r->g);
        bind_id_or_null(st, 4, site_id(w, r->file, r->line));
        sqlite3_bind_int64(st, 5, (int64_t)r->seq);
        step(w, st, "goroutine row");
    } else if (r->kind == EV_GO_END) {
        sqlite3_bind_int64(w->go_end, 1, r->g);
        sqlite3_bind_int64(w->go_end, 2, (int64_t)r->seq);
        step(w, w->go_end, "goroutine end");
    }
}

/* ---- events ------------------------------------------------------------- */

/* cs_batch: an eponymous virtual table over w->cur[0 .. ncur), with the
 * columns of `events`.  `INSERT INTO events SELECT * FROM cs_batch` moves a
 * whole pass in one statement step; SQLite reads each value straight from
 * the ring slot (xColumn), which costs less than binding it. */
typedef struct batch_vtab {
    sqlite3_vtab base;
    cs_writer *w;
} batch_vtab;

typedef struct batch_cursor {
    sqlite3_vtab_cursor base;
    size_t i;
} batch_cursor;

static int vt_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                      sqlite3_vtab **out, char **err) {
    (void)argc;
    (void)argv;
    (void)err;
    int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(seq, t_ns, g, kind, obj, a, b, c, d, site, s)");
    if (rc != SQLITE_OK) return rc;
    batch_vtab *vt = sqlite3_malloc(sizeof *vt);
    if (!vt) return SQLITE_NOMEM;
    memset(vt, 0, sizeof *vt);
    vt->w = aux;
    *out = &vt->base;
    return SQLITE_OK;
}

static int vt_disconnect(sqlite3_vtab *vt) {
    sqlite3_free(vt);
    return SQLITE_OK;
}

static int vt_best_index(sqlite3_vtab *vt, sqlite3_index_info *info) {
    (void)vt;
    info->estimatedCost = 1e6;
    info->estimatedRows = 100000;
    return SQLITE_OK;
}

static int vt_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out) {
    (void)vt;
    batch_cursor *c = sqlite3_malloc(sizeof *c);
    if (!c) return SQLITE_NOMEM;
    memset(c, 0, sizeof *c);
    *out = &c->base;
    return SQLITE_OK;
}

static int vt_close(sqlite3_vtab_cursor *c) {
    sqlite3_free(c);
    return SQLITE_OK;
}

static cs_writer *vt_writer(sqlite3_vtab_cursor *c) { return ((batch_vtab *)c->pVtab)->w; }

static int vt_filter(sqlite3_vtab_cursor *c, int idx, const char *idxs, int argc,
                     sqlite3_value **argv) {
    (void)idx;
    (void)idxs;
    (void)argc;
    (void)argv;
    ((batch_cursor *)c)->i = 0;
    return SQLITE_OK;
}

static int vt_next(sqlite3_vtab_cursor *c) {
    ((batch_cursor *)c)->i++;
    return SQLITE_OK;
}

static int vt_eof(sqlite3_vtab_cursor *c) {
    return ((batch_cursor *)c)->i >= vt_writer(c)->ncur;
}

static int vt_column(sqlite3_vtab_cursor *c, sqlite3_context *ctx, int col) {
    cs_writer *w = vt_writer(c);
    const ev_ref *e = &w->cur[((batch_cursor *)c)->i];
    const cs_rec *r = e->r;
    switch (col) {
    case 0:
        if (e->auto_seq) sqlite3_result_null(ctx);
        else sqlite3_result_int64(ctx, (int64_t)r->seq);
        break;
    case 1: sqlite3_result_int64(ctx, r->t - w->start_mono); break;
    case 2: sqlite3_result_int64(ctx, r->g); break;
    case 3: sqlite3_result_int(ctx, r->kind); break;
    case 4:
        if (r->obj) sqlite3_result_int64(ctx, r->obj);
        else sqlite3_result_null(ctx);
        break;
    case 5: sqlite3_result_int64(ctx, r->a); break;
    case 6: sqlite3_result_int64(ctx, r->b); break;
    case 7: sqlite3_result_int64(ctx, r->c); break;
    case 8: sqlite3_result_int64(ctx, r->d); break;
    case 9:
        if (e->site) sqlite3_result_int64(ctx, e->site);
        else sqlite3_result_null(ctx);
        break;
    default:
        /* freed only after the statement has run (insert_events) */
        if (r->s) sqlite3_result_text(ctx, r->s, -1, SQLITE_STATIC);
        else sqlite3_result_null(ctx);
        break;
    }
    return SQLITE_OK;
}

static int vt_rowid(sqlite3_vtab_cursor *c, sqlite3_int64 *rowid) {
    *rowid = (sqlite3_int64)((batch_cursor *)c)->i;
    return SQLITE_OK;
}

static const sqlite3_module batch_module = {
    .iVersion = 1,
    .xCreate = NULL, /* eponymous only: never in the file's schema */
    .xConnect = vt_connect,
    .xBestIndex = vt_best_index,
    .xDisconnect = vt_disconnect,
    .xDestroy = vt_disconnect,
    .xOpen = vt_open,
    .xClose = vt_close,
    .xFilter = vt_filter,
    .xNext = vt_next,
    .xEof = vt_eof,
    .xColumn = vt_column,
    .xRowid = vt_rowid,
};

/* Insert v[0 .. n) (sorted by seq), then free their text.
 *
 * The append path: SQLite checks an explicit rowid for uniqueness with a
 * search from the root of the events B-tree (it clears its "cursor key is
 * known" flag after every insert, so even a seq one above the last needs the
 * search: ~13% of the writer's time in a profile).  Given a NULL rowid it
 * takes max(rowid) + 1 from the cursor it left on the last row (O(1)).  This
 * thread is the only writer of `events` and knows max(seq) exactly
 * (w->max_seq), so a row whose seq is max_seq + 1 is inserted with a NULL
 * seq and gets exactly its seq; the others (a straggler below max_seq, or
 * above a gap) are inserted with their seq.  last_insert_rowid checks it. */
static void insert_events(cs_writer *w, ev_ref *v, size_t n) {
    if (!w->failed && n) {
        uint64_t max = w->max_seq;
        for (size_t i = 0; i < n; i++) {
            uint64_t seq = v[i].r->seq;
            v[i].auto_seq = seq == max + 1;
            if (seq > max) max = seq;
        }
        w->cur = v;
        w->ncur = n;
        step(w, w->ins_events, "insert events");
        w->cur = NULL;
        w->ncur = 0;
        if (!w->failed && (uint64_t)sqlite3_last_insert_rowid(w->db) != v[n - 1].r->seq) {
            w->failed = true;
            fprintf(stderr, "chanscope: trace %s: event seq mismatch (the trace is incomplete)\n",
                    w->path);
        }
        w->max_seq = max;
    }
    for (size_t i = 0; i < n; i++) {
        free(v[i].r->s);
        v[i].r->s = NULL;
    }
    atomic_fetch_add_explicit(&w->stored, n, memory_order_relaxed);
}

static int cmp_seq(const void *x, const void *y) {
    uint64_t a = ((const ev_ref *)x)->r->seq, b = ((const ev_ref *)y)->r->seq;
    return (a > b) - (a < b);
}

/* Order the pass's events by seq.  Seqs of one pass are nearly dense, so a
 * direct placement by (seq - lo) sorts in O(n); fall back to qsort when a
 * straggler makes the range sparse. */
static ev_ref *sort_batch(cs_writer *w, size_t n) {
    if (n < 2) return w->batch;
    uint64_t lo = UINT64_MAX, hi = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t s = w->batch[i].r->seq;
        if (s < lo) lo = s;
        if (s > hi) hi = s;
    }
    size_t range = (size_t)(hi - lo + 1);
    if (range > 4 * n + 1024) {
        qsort(w->batch, n, sizeof *w->batch, cmp_seq);
        return w->batch;
    }
    if (range > w->sorted_cap) {
        ev_ref *ns = realloc(w->sorted, range * sizeof *ns);
        if (!ns) {
            qsort(w->batch, n, sizeof *w->batch, cmp_seq);
            return w->batch;
        }
        w->sorted = ns;
        w->sorted_cap = range;
    }
    for (size_t i = 0; i < range; i++) w->sorted[i].r = NULL;
    for (size_t i = 0; i < n; i++) w->sorted[w->batch[i].r->seq - lo] = w->batch[i];
    size_t k = 0;
    for (size_t i = 0; i < range; i++)
        if (w->sorted[i].r) w->batch[k++] = w->sorted[i];
    return w->batch;
}

static bool grow(void **p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return true;
    size_t ncap = *cap ? *cap : 1024;
    while (ncap < need) ncap *= 2;
    void *np = realloc(*p, ncap * elem);
    if (!np) return false;
    *p = np;
    *cap = ncap;
    return true;
}

/* One pass over every ring.  Returns the number of records consumed. */
static size_t drain_pass(cs_writer *w) {
    size_t ndr = 0, total = 0;
    cs_tbuf_list_lock();
    cs_tbuf *prev = NULL;
    for (cs_tbuf *tb = cs_tbuf_list_head(), *next; tb; tb = next) {
        next = tb->next;
        /* dead (acquire) first: then head shows every record of the thread */
        int dead = atomic_load_explicit(&tb->dead, memory_order_acquire);
        uint64_t head = atomic_load_explicit(&tb->head, memory_order_acquire);
        uint64_t tail = atomic_load_explicit(&tb->tail, memory_order_relaxed);
        if (head == tail) {
            if (dead) {
                cs_tbuf_remove_locked(tb, prev);
                continue;
            }
        } else if (total < PASS_MAX &&
                   grow((void **)&w->dr, &w->dr_cap, ndr + 1, sizeof *w->dr)) {
            if (head - tail > PASS_MAX - total) head = tail + (PASS_MAX - total);
            w->dr[ndr++] = (drained){tb, tail, head};
            total += head - tail;
        }
        prev = tb;
    }
    cs_tbuf_list_unlock();
    if (!total) return 0;

    if (!grow((void **)&w->batch, &w->batch_cap, total, sizeof *w->batch)) {
        fprintf(stderr, "chanscope: trace: out of memory\n");
        abort();
    }
    begin(w);
    size_t n = 0;
    for (size_t i = 0; i < ndr; i++) {
        cs_tbuf *tb = w->dr[i].tb;
        for (uint64_t k = w->dr[i].from; k < w->dr[i].to; k++) {
            cs_rec *r = &tb->ring[k & (CS_RING_CAP - 1)];
            if (r->kind == REC_OBJECT) {
                if (!w->failed) object_row(w, tb, r);
                free(r->s);
                r->s = NULL;
            } else {
                if (!w->failed) event_side_effects(w, tb, r);
                w->batch[n++] = (ev_ref){r, w->failed ? 0 : site_id(w, r->file, r->line), false};
            }
        }
    }
    insert_events(w, sort_batch(w, n), n);
    for (size_t i = 0; i < ndr; i++)
        atomic_store_explicit(&w->dr[i].tb->tail, w->dr[i].to, memory_order_release);
    cs_trace_space_freed();
    return total;
}

/* ---- finishing ---------------------------------------------------------- */

static int64_t thread_cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void finish_file(cs_writer *w) {
    w->cpu_before_finish = thread_cpu_ns();
    begin(w);
    cs_rec end = {
        .seq = w->last_seq,
        .t = w->end_t,
        .g = w->end_g,
        .kind = EV_PROGRAM_END,
        .a = w->end_status,
        .b = w->end_sig,
        .s = strdup(w->end_reason),
    };
    ev_ref one = {&end, 0, false};
    insert_events(w, &one, 1);
    set_meta(w, "end_reason", w->end_reason);
    set_meta_int(w, "exit_status", w->end_status);
    set_meta_int(w, "end_goroutine", w->end_g);
    if (w->end_sig) set_meta_int(w, "end_signal", w->end_sig);
    set_meta_int(w, "events", (int64_t)atomic_load(&w->stored));
    commit(w);
    bool dbg = getenv("CS_TRACE_DEBUG") != NULL;
    int64_t t0 = cs_trace_now();
    /* The indexes are built while the file is still in WAL mode: a signal
     * that kills the program now (a second Ctrl-C kills at once) leaves
     * uncommitted WAL frames, which every reader ignores, never a hot
     * rollback journal.  A program ended by a signal gets no indexes at all:
     * it must die at once, as it would untraced, and they take ~3 s per
     * million events (they are only a speed-up; readers cope without them,
     * as for a truncated trace). */
    if (strcmp(w->end_reason, "signal") != 0) {
        /* seq is the rowid, so an index on (g) is ordered by (g, seq) and
         * serves "WHERE g=? AND seq ... ORDER BY seq" (likewise obj); it is
         * smaller and quicker to build than one that repeats seq.  The
         * sorter of CREATE INDEX spills its runs to a temporary file (page
         * cache) rather than to SQLite's in-memory journal chunks: ~10% less
         * CPU, and no memory peak of the size of the keys. */
        exec(w, "PRAGMA temp_store=FILE");
        exec(w, "BEGIN;"
                "CREATE INDEX IF NOT EXISTS events_g_seq ON events(g);"
                "CREATE INDEX IF NOT EXISTS events_obj_seq ON events(obj);"
                "CREATE INDEX IF NOT EXISTS events_kind ON events(kind);"
                "COMMIT;");
    }
    int64_t t1 = cs_trace_now();
    /* Make the .db self-contained: fold the WAL in and leave WAL mode.  Both
     * need the readers (a `chanscope check` of the live trace) gone: they
     * wait FINISH_BUSY_NS for them, then the file simply stays in WAL mode
     * (complete, with its -wal companion); neither is a write failure. */
    if (!w->failed) {
        w->busy_limit = FINISH_BUSY_NS;
        sqlite3_exec(w->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
        sqlite3_exec(w->db, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
        w->busy_limit = 0;
    }
    if (dbg) {
        fprintf(stderr,
                "chanscope: trace finish: indexes %.3f s, checkpoint %.3f s; writer CPU "
                "before finish %.0f ns/event\n",
                (t1 - t0) / 1e9, (cs_trace_now() - t1) / 1e9,
                (double)w->cpu_before_finish / (double)atomic_load(&w->stored));
    }
}

static void *writer_main(void *arg) {
    cs_writer *w = arg;
    w->last_commit = cs_trace_now();
    int64_t straggle_deadline = 0;
    for (;;) {
        size_t n = drain_pass(w);
        if (n) atomic_store_explicit(&w->cpu_ns, thread_cpu_ns(), memory_order_relaxed);
        int64_t now = cs_trace_now();
        if (w->in_txn && now - w->last_commit >= COMMIT_NS) commit(w);

        pthread_mutex_lock(&w->lock);
        bool finishing = w->finishing;
        pthread_mutex_unlock(&w->lock);
        if (finishing) {
            /* every seq below last_seq was handed out before the close:
             * wait until all of them are stored (gap-free), or give up on a
             * thread that never published (killed mid-event) */
            if (atomic_load(&w->stored) + 1 >= w->last_seq) break;
            if (!straggle_deadline) straggle_deadline = now + STRAGGLER_NS;
            if (now > straggle_deadline) break;
            if (n == 0) {
                struct timespec ts = {0, 100000};
                nanosleep(&ts, NULL);
            }
        }
        if (n == 0) {
            pthread_mutex_lock(&w->lock);
            if (!w->finishing) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                ts.tv_nsec += IDLE_SLEEP_NS;
                if (ts.tv_nsec >= 1000000000) {
                    ts.tv_sec++;
                    ts.tv_nsec -= 1000000000;
                }
                pthread_cond_timedwait(&w->cond, &w->lock, &ts);
            }
            pthread_mutex_unlock(&w->lock);
        }
    }
    finish_file(w);
    atomic_store_explicit(&w->cpu_ns, thread_cpu_ns(), memory_order_relaxed);
    return NULL;
}

/* ---- public (tracer-internal) API --------------------------------------- */

static bool prepare(cs_writer *w, sqlite3_stmt **st, const char *sql) {
    return sqlite3_prepare_v3(w->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) == SQLITE_OK;
}

static bool prepare_all(cs_writer *w) {
    bool ok = sqlite3_create_module(w->db, "cs_batch", &batch_module, w) == SQLITE_OK &&
              prepare(w, &w->ins_events, "INSERT INTO events SELECT * FROM cs_batch") &&
              prepare(w, &w->ins_site, "INSERT INTO sites(id, file, line) VALUES (?,?,?)") &&
              prepare(w, &w->ins_obj,
                      "INSERT INTO objects(id, type, type_name, name, site, a, b)"
                      " VALUES (?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET"
                      " type=excluded.type, type_name=excluded.type_name,"
                      " name=excluded.name, site=excluded.site, a=excluded.a, b=excluded.b") &&
              prepare(w, &w->upd_obj_seq,
                      "UPDATE objects SET create_seq=?1 WHERE id=?2 AND create_seq IS NULL") &&
              prepare(w, &w->go_create,
                      "INSERT INTO goroutines(id, name, parent, site, create_seq)"
                      " VALUES (?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET name=excluded.name,"
                      " parent=excluded.parent, site=excluded.site,"
                      " create_seq=excluded.create_seq") &&
              prepare(w, &w->go_end,
                      "INSERT INTO goroutines(id, end_seq) VALUES (?,?)"
                      " ON CONFLICT(id) DO UPDATE SET end_seq=excluded.end_seq") &&
              prepare(w, &w->set_meta, "INSERT OR REPLACE INTO meta(key, value) VALUES (?,?)");
    return ok;
}

static void wall_rfc3339(char *buf, size_t n) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, n, "%s.%03ldZ", base, ts.tv_nsec / 1000000);
}

static void writer_free(cs_writer *w) {
    sqlite3_stmt *sts[] = {w->ins_events, w->ins_site, w->ins_obj,
                           w->upd_obj_seq, w->go_create, w->go_end, w->set_meta};
    for (size_t i = 0; i < sizeof sts / sizeof *sts; i++) sqlite3_finalize(sts[i]);
    if (w->db) sqlite3_close(w->db);
    if (w->lock_fd >= 0) close(w->lock_fd); /* after SQLite's: the trace is no longer live */
    for (size_t i = 0; i < w->by_text.cap; i++) free((char *)w->by_text.v[i].key);
    free(w->by_text.v);
    free(w->by_ptr.v);
    free(w->batch);
    free(w->sorted);
    free(w->dr);
    free(w->path);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->cond);
    free(w);
}

cs_writer *cs_writer_open(const char *path, int lock_fd, const char *program,
                          const char *args_json, int64_t start_mono_ns, char *err,
                          size_t errlen) {
    cs_writer *w = calloc(1, sizeof *w);
    if (!w) {
        if (lock_fd >= 0) close(lock_fd);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->lock_fd = lock_fd;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
    w->path = strdup(path);
    w->start_mono = start_mono_ns;
    w->next_site = 1;
    int rc = sqlite3_open_v2(path, &w->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot create trace %s: %s", path,
                 w->db ? sqlite3_errmsg(w->db) : sqlite3_errstr(rc));
        writer_free(w);
        return NULL;
    }
    sqlite3_busy_handler(w->db, busy_wait, w);
    char sql[2048];
    bool ok = exec(w, "PRAGMA page_size=16384; PRAGMA journal_mode=WAL;"
                      " PRAGMA synchronous=NORMAL; PRAGMA cache_size=-32768") &&
              exec(w, "BEGIN IMMEDIATE") && exec(w, schema_sql) && prepare_all(w);
    if (ok) {
        for (size_t k = 1; k < sizeof kind_names / sizeof *kind_names; k++) {
            if (!kind_names[k]) continue;
            snprintf(sql, sizeof sql, "INSERT INTO event_kinds VALUES (%zu, '%s')", k,
                     kind_names[k]);
            if (!exec(w, sql)) break;
        }
        char wall[64];
        wall_rfc3339(wall, sizeof wall);
        set_meta_int(w, "schema_version", CS_TRACE_SCHEMA_VERSION);
        set_meta(w, "chanscope_version", CHANSCOPE_VERSION);
        set_meta(w, "program", program);
        set_meta(w, "args", args_json);
        set_meta(w, "start_wall", wall);
        set_meta_int(w, "start_mono_ns", start_mono_ns);
        set_meta_int(w, "pid", (int64_t)getpid());
        if (cs_det_on) { /* deterministic mode (det.h, docs/schedules.md) */
            char seed[24];
            snprintf(seed, sizeof seed, "%llu", (unsigned long long)cs_det_seed);
            set_meta(w, "seed", seed);
            set_meta(w, "strategy", cs_det_strategy_name());
            set_meta(w, "virtual_time", "1");
        }
        ok = !w->failed && exec(w, "COMMIT");
    }
    if (!ok || w->failed) {
        snprintf(err, errlen, "cannot create trace %s: %s", path, sqlite3_errmsg(w->db));
        writer_free(w);
        return NULL;
    }
    return w;
}

int cs_writer_start(cs_writer *w) {
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) return -1;
    w->thread_started = true;
    return 0;
}

uint64_t cs_writer_finish(cs_writer *w, uint64_t last_seq, int64_t end_t, const char *reason,
                          int status, int64_t end_g, int end_sig, int64_t *cpu_ns,
                          int64_t *cpu_before_finish) {
    pthread_mutex_lock(&w->lock);
    w->end_g = end_g;
    w->end_sig = end_sig;
    w->last_seq = last_seq;
    w->end_t = end_t;
    w->end_reason = reason;
    w->end_status = status;
    w->finishing = true;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
    if (w->thread_started) pthread_join(w->thread, NULL);
    uint64_t stored = atomic_load(&w->stored);
    if (cpu_ns) *cpu_ns = atomic_load(&w->cpu_ns);
    if (cpu_before_finish) *cpu_before_finish = w->cpu_before_finish;
    char *path = strdup(w->path);
    writer_free(w);
    /* journal_mode=DELETE removed the WAL; the -shm may linger. */
    if (path) {
        size_t n = strlen(path) + 8;
        char *shm = malloc(n);
        if (shm) {
            snprintf(shm, n, "%s-shm", path);
            char wal[4096];
            snprintf(wal, sizeof wal, "%s-wal", path);
            if (access(wal, F_OK) != 0) unlink(shm);
            free(shm);
        }
        free(path);
    }
    return stored;
}

/* The child owns none of it; only its copy of the lock descriptor is closed
 * (it shares the parent's flock, which must end with the parent's trace).
 * The child has no fcntl lock of SQLite's (they are not inherited), so the
 * close cannot disturb one. */
void cs_writer_abandon(cs_writer *w) {
    if (w && w->lock_fd >= 0) close(w->lock_fd);
}

uint64_t cs_writer_stored(cs_writer *w) { return atomic_load(&w->stored); }
uint64_t cs_writer_commits(cs_writer *w) { return atomic_load(&w->commits); }
int64_t cs_writer_cpu_ns(cs_writer *w) { return atomic_load(&w->cpu_ns); }
