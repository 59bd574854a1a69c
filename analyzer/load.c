/*
 * load.c — validate a trace file and load its recorded tables into memory.
 *
 * Validation happens on a read-only connection, before anything could write:
 * missing file, not SQLite, not a chanscope trace (no meta/schema_version or
 * missing tables), unknown schema version → NULL and one line in err.
 * Memory is linear in the trace: one compact an_ev per event, names once.
 *
 * Every row is validated as it loads: validate.c.
 */
#include <assert.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "analyzer.h"
#include "trace_hooks.h"
#include "validate.h"

static void seterr(char *err, size_t len, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    if (err && len) vsnprintf(err, len, fmt, ap);
    va_end(ap);
}

/* Dense index of goroutine id, adding a placeholder row if it is new. */
static int32_t g_index(an_trace *t, int64_t id, size_t *gcap) {
    int ins;
    int64_t *slot = an_imap_put(&t->g_index, id, (int64_t)t->ng, &ins);
    if (!ins) return (int32_t)*slot;
    if (t->ng == *gcap) {
        *gcap = *gcap ? *gcap * 2 : 16;
        t->gs = an_xrealloc(t->gs, *gcap * sizeof *t->gs);
    }
    an_gor *g = &t->gs[t->ng++];
    memset(g, 0, sizeof *g);
    g->id = id;
    char buf[48];
    if (id == 0) snprintf(buf, sizeof buf, "runtime");
    else if (id == 1) snprintf(buf, sizeof buf, "main");
    else snprintf(buf, sizeof buf, "g%lld", (long long)id);
    g->name = an_xstrdup(buf);
    return (int32_t)*slot;
}

static uint32_t add_str(an_trace *t, const char *s, size_t n) {
    if (t->strs_len + n + 1 > t->strs_cap) {
        t->strs_cap = (t->strs_len + n + 1) * 2;
        t->strs = an_xrealloc(t->strs, t->strs_cap);
    }
    uint32_t off = (uint32_t)t->strs_len;
    memcpy(t->strs + off, s, n);
    t->strs[off + n] = 0;
    t->strs_len += n + 1;
    return off;
}

static char *meta_value(sqlite3 *db, const char *key) {
    assert(cs_meta_key_known(key)); /* a META row of format/trace.def */
    sqlite3_stmt *st;
    char *v = NULL;
    if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key=?", -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = an_xstrdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return v;
}

static bool has_table(sqlite3 *db, const char *name) {
    sqlite3_stmt *st;
    bool ok = false;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", -1,
                           &st, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    ok = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return ok;
}

static const char *col_text(sqlite3_stmt *st, int i) {
    return sqlite3_column_type(st, i) == SQLITE_NULL ? NULL : (const char *)sqlite3_column_text(st, i);
}

/* Check that the file can be a trace before SQLite touches it. */
static bool precheck_file(const char *path, char *err, size_t errlen) {
    struct stat sb;
    if (stat(path, &sb) != 0) {
        seterr(err, errlen, "%s: %s", path, errno == ENOENT ? "no such file" : strerror(errno));
        return false;
    }
    if (S_ISDIR(sb.st_mode)) {
        seterr(err, errlen, "%s: is a directory, not a trace", path);
        return false;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        seterr(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return false;
    }
    char hdr[16] = {0};
    size_t n = fread(hdr, 1, sizeof hdr, f);
    fclose(f);
    if (n == 0) {
        seterr(err, errlen, "%s: empty file, not a chanscope trace", path);
        return false;
    }
    if (n < 16 || memcmp(hdr, "SQLite format 3", 16) != 0) {
        seterr(err, errlen, "%s: not an SQLite database (not a chanscope trace)", path);
        return false;
    }
    return true;
}

_Static_assert(sizeof(an_ev) == 64, "an_ev is meant to be one cache line");

an_trace *an_open(const char *path, char *err, size_t errlen) {
    if (!precheck_file(path, err, errlen)) return NULL;
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        seterr(err, errlen, "%s: cannot open: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 5000);
    /* read through a memory map and a bigger cache: loading is a full scan */
    sqlite3_exec(db, "PRAGMA mmap_size=1073741824; PRAGMA cache_size=-65536", NULL, NULL, NULL);
    an_trace *t = an_load_db(db, path, err, errlen);
    sqlite3_close(db);
    return t;
}

static bool load_sites(sqlite3 *db, an_trace *t) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT id, file, line FROM sites", -1, &st, NULL) != SQLITE_OK)
        return false;
    size_t cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (t->nsites == cap) {
            cap = cap ? cap * 2 : 64;
            t->sites = an_xrealloc(t->sites, cap * sizeof *t->sites);
        }
        an_site *s = &t->sites[t->nsites];
        s->id = sqlite3_column_int64(st, 0);
        const char *file = col_text(st, 1);
        s->file = an_xstrdup(file ? file : "?");
        s->line = sqlite3_column_int(st, 2);
        *an_imap_put(&t->site_index, s->id, 0, NULL) = (int64_t)t->nsites;
        t->nsites++;
    }
    return sqlite3_finalize(st) == SQLITE_OK;
}

static int load_goroutines(sqlite3 *db, an_trace *t, size_t *gcap, an_vstate *v) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT id, name, parent, site, create_seq, end_seq FROM goroutines"
                           " ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        return false;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        if (id < 0) {
            sqlite3_finalize(st);
            return an_vfail(v, "goroutines: id %lld (goroutine ids are 0 or more)", (long long)id);
        }
        if (id == 1) v->main_row = true;
        int32_t i = g_index(t, id, gcap);
        an_gor *g = &t->gs[i];
        const char *name = col_text(st, 1);
        if (name && *name) {
            free((char *)g->name);
            g->name = an_xstrdup(name);
        }
        g->parent = sqlite3_column_int64(st, 2);
        g->site = (int32_t)sqlite3_column_int64(st, 3);
        g->create_seq = sqlite3_column_int64(st, 4);
        g->end_seq = sqlite3_column_int64(st, 5);
    }
    v->ng_rows = t->ng;
    return sqlite3_finalize(st) == SQLITE_OK ? 0 : -1;
}

static int load_objects(sqlite3 *db, an_trace *t, an_vstate *v) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT id, type, type_name, name, site, a, b, create_seq FROM objects",
                           -1, &st, NULL) != SQLITE_OK)
        return false;
    size_t cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int ins;
        int64_t id = sqlite3_column_int64(st, 0);
        int type = sqlite3_column_int(st, 1);
        int64_t a = sqlite3_column_int64(st, 5), b = sqlite3_column_int64(st, 6);
        const char *bad = id < 1 ? "object ids start at 1"
                          : type == OBJ_CHAN && !an_chan_size_ok(a, b)
                              ? "a channel with an impossible capacity or element size"
                              : NULL;
        if (bad) {
            sqlite3_finalize(st);
            return an_vfail(v, "objects: row %lld (type %d, a=%lld, b=%lld): %s", (long long)id, type,
                        (long long)a, (long long)b, bad);
        }
        int64_t *slot = an_imap_put(&t->obj_index, id, (int64_t)t->nobj, &ins);
        if (!ins) continue;
        if (t->nobj == cap) {
            cap = cap ? cap * 2 : 64;
            t->objs = an_xrealloc(t->objs, cap * sizeof *t->objs);
        }
        an_obj *o = &t->objs[*slot];
        t->nobj++;
        o->id = id;
        o->type = sqlite3_column_int(st, 1);
        const char *tn = col_text(st, 2);
        if (!tn) tn = cs_obj_type_name(o->type) ? cs_obj_type_name(o->type) : "object";
        o->type_name = an_xstrdup(tn);
        const char *name = col_text(st, 3);
        char buf[64];
        if (!name || !*name) {
            snprintf(buf, sizeof buf, "%s#%lld", tn, (long long)id);
            name = buf;
        }
        o->name = an_xstrdup(name);
        o->site = (int32_t)sqlite3_column_int64(st, 4);
        o->a = sqlite3_column_int64(st, 5);
        o->b = sqlite3_column_int64(st, 6);
        o->create_seq = sqlite3_column_int64(st, 7);
    }
    return sqlite3_finalize(st) == SQLITE_OK ? 0 : -1;
}

/* The event array is the one big allocation: back it with huge pages where
 * the kernel offers them on request, which saves ~160k page faults on a
 * 10 M-event trace.  Only a hint; nothing depends on it. */
static void ev_hugepages(void *p, size_t bytes) {
#ifdef MADV_HUGEPAGE
    const uintptr_t huge = (uintptr_t)2 << 20;
    uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1), e = ((uintptr_t)p + bytes) & ~(huge - 1);
    if (e > a) madvise((void *)a, e - a, MADV_HUGEPAGE);
#else
    (void)p;
    (void)bytes;
#endif
}

/* Goroutine ids are small in practice: a direct table for those, the hash
 * map (g_index) behind it. */
enum { GDIRECT = 4096 };

static int load_events(sqlite3 *db, an_trace *t, size_t *gcap, an_vstate *v) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT seq, t_ns, g, kind, obj, a, b, c, d, site, s FROM events"
                           " ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    /* Size the array once: max(seq) is the event count in a gap-free trace;
     * trust it only as far as the file could hold that many rows. */
    size_t cap = 0;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db,
                           "SELECT (SELECT max(seq) FROM events),"
                           " (SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size())",
                           -1, &q, NULL) == SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW) {
            int64_t maxseq = sqlite3_column_int64(q, 0), bytes = sqlite3_column_int64(q, 1);
            if (maxseq > 0 && maxseq <= bytes / 8 && maxseq < ((int64_t)1 << 32)) {
                cap = (size_t)maxseq;
                t->ev = an_xmalloc(cap * sizeof *t->ev);
                ev_hugepages(t->ev, cap * sizeof *t->ev);
            }
        }
        sqlite3_finalize(q);
    }
    int64_t last_g = INT64_MIN;
    int32_t last_gi = 0;
    int32_t *gdirect = an_xmalloc(GDIRECT * sizeof *gdirect); /* dense index + 1; 0 unknown */
    memset(gdirect, 0, GDIRECT * sizeof *gdirect);
    int rc, bad = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (t->nev == cap) {
            cap = cap ? cap * 2 : 4096;
            t->ev = an_xrealloc(t->ev, cap * sizeof *t->ev);
        }
        if ((t->nev & (AN_PROGRESS_EVERY - 1)) == 0) an_progress("loading", t->nev, cap);
        an_ev *e = &t->ev[t->nev++];
        e->seq = sqlite3_column_int64(st, 0);
        e->t_ns = sqlite3_column_int64(st, 1);
        int64_t gid = sqlite3_column_int64(st, 2);
        if ((bad = an_check_row(v, t, st, e->seq, gid))) break;
        if (gid != last_g) { /* consecutive events are often by the same goroutine */
            if (gid >= 0 && gid < GDIRECT) {
                if (!gdirect[gid]) gdirect[gid] = g_index(t, gid, gcap) + 1;
                last_gi = gdirect[gid] - 1;
            } else {
                last_gi = g_index(t, gid, gcap);
            }
            last_g = gid;
        }
        e->g = last_gi;
        int64_t kind = sqlite3_column_int64(st, 3);
        e->kind = an_kind_known(kind) ? (uint16_t)kind : 0; /* 0: unknown, ignored */
        e->obj = sqlite3_column_int64(st, 4);
        e->a = sqlite3_column_int64(st, 5);
        e->b = sqlite3_column_int64(st, 6);
        e->c = sqlite3_column_int64(st, 7);
        e->d = (int16_t)sqlite3_column_int64(st, 8);
        e->site = (int32_t)sqlite3_column_int64(st, 9);
        e->s = 0;
        if (sqlite3_column_type(st, 10) != SQLITE_NULL) {
            const unsigned char *s = sqlite3_column_text(st, 10);
            int n = sqlite3_column_bytes(st, 10);
            if (s && t->strs_len + (size_t)n + 1 > UINT32_MAX) { /* offsets are 32-bit */
                bad = an_vfail(v, "event seq %lld: more than 4 GiB of text in the events",
                           (long long)e->seq);
                break;
            }
            if (s) e->s = add_str(t, (const char *)s, (size_t)n);
        }
        /* go_create names a goroutine: make sure it exists in the table */
        if (e->kind == EV_GO_CREATE && e->obj) g_index(t, e->obj, gcap);
    }
    free(gdirect);
    sqlite3_finalize(st);
    an_progress("loading", t->nev, t->nev);
    if (bad) return bad;
    return rc == SQLITE_DONE ? 0 : -1;
}

an_trace *an_load_db(sqlite3 *db, const char *path, char *err, size_t errlen) {
    const char *p = path ? path : "trace";
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key='schema_version'", -1, &st,
                                NULL);
    if (rc != SQLITE_OK) {
        if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
            seterr(err, errlen, "%s: not an SQLite database (not a chanscope trace)", p);
        else if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
            seterr(err, errlen, "%s: the trace is locked by another process", p);
        else
            seterr(err, errlen, "%s: not a chanscope trace (no meta table)", p);
        return NULL;
    }
    char *ver = NULL;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        ver = an_xstrdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        seterr(err, errlen, "%s: cannot read the trace: %s", p, sqlite3_errmsg(db));
        return NULL;
    }
    if (!ver) {
        seterr(err, errlen, "%s: not a chanscope trace (no schema_version in meta)", p);
        return NULL;
    }
    char *end;
    long version = strtol(ver, &end, 10);
    if (*ver != 0 && *end == 0 && version >= 1 && version < AN_SCHEMA_VERSION) {
        seterr(err, errlen, "%s: " CS_OLD_SCHEMA_FMT, p, version, AN_SCHEMA_VERSION);
        free(ver);
        return NULL;
    }
    if (*ver == 0 || *end != 0 || version != AN_SCHEMA_VERSION) {
        seterr(err, errlen,
               "%s: unsupported trace schema version '%.40s' (this chanscope reads version %d)", p,
               ver, AN_SCHEMA_VERSION);
        free(ver);
        return NULL;
    }
    free(ver);
    static const char *tables[] = {"events", "goroutines", "objects", "sites"};
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++)
        if (!has_table(db, tables[i])) {
            seterr(err, errlen, "%s: not a chanscope trace (table '%s' is missing)", p, tables[i]);
            return NULL;
        }

    an_trace *t = an_xcalloc(1, sizeof *t);
    t->path = an_xstrdup(p);
    add_str(t, "", 0); /* offset 0 means "no text" */
    t->program = meta_value(db, "program");
    t->end_reason = meta_value(db, "end_reason");
    t->truncated = t->end_reason == NULL;
    char *lost = meta_value(db, "events_lost");
    long long nlost = lost ? strtoll(lost, NULL, 10) : 0;
    if (nlost > 0) t->events_lost = nlost;
    free(lost);
    char *status = meta_value(db, "exit_status");
    if (status) {
        t->exit_status = strtoll(status, NULL, 10);
        t->has_exit_status = true;
        free(status);
    }
    size_t gcap = 0;
    g_index(t, 1, &gcap); /* main is always index 0 */
    an_vstate v = {.path = p, .err = err, .errlen = errlen};
    int lrc = load_sites(db, t) ? 0 : -1;
    if (!lrc) lrc = load_goroutines(db, t, &gcap, &v);
    if (!lrc) lrc = load_objects(db, t, &v);
    if (!lrc) lrc = load_events(db, t, &gcap, &v);
    an_imap_free(&v.made);
    if (lrc) {
        if (lrc == -1) seterr(err, errlen, "%s: cannot read the trace: %s", p, sqlite3_errmsg(db));
        an_trace_free(t);
        return NULL;
    }
    char *mev = t->truncated ? NULL : meta_value(db, "events");
    char *dch = meta_value(db, "damaged_chunks");
    an_warn_load(t, &v, mev, dch);
    free(mev);
    free(dch);
    return t;
}

void an_trace_free(an_trace *t) {
    if (!t) return;
    for (size_t i = 0; i < t->ng; i++) free((char *)t->gs[i].name);
    for (size_t i = 0; i < t->nobj; i++) {
        free((char *)t->objs[i].name);
        free((char *)t->objs[i].type_name);
    }
    for (size_t i = 0; i < t->nsites; i++) free((char *)t->sites[i].file);
    free(t->gs);
    free(t->objs);
    free(t->sites);
    free(t->ev);
    free(t->strs);
    an_imap_free(&t->g_index);
    an_imap_free(&t->obj_index);
    an_imap_free(&t->site_index);
    for (size_t i = 0; i < t->nwarnings; i++) free(t->warnings[i]);
    free(t->warnings);
    free(t->path);
    free(t->program);
    free(t->end_reason);
    free(t);
}

const an_gor *an_gor_by_id(const an_trace *t, int64_t id) {
    int64_t *i = an_imap_get(&t->g_index, id);
    return i ? &t->gs[*i] : NULL;
}

const an_obj *an_obj_by_id(const an_trace *t, int64_t id) {
    int64_t *i = an_imap_get(&t->obj_index, id);
    return i ? &t->objs[*i] : NULL;
}

const an_site *an_site_by_id(const an_trace *t, int32_t id) {
    if (!id) return NULL;
    int64_t *i = an_imap_get(&t->site_index, id);
    return i ? &t->sites[*i] : NULL;
}

const char *an_ev_str(const an_trace *t, const an_ev *e) {
    return e->s ? t->strs + e->s : NULL;
}
