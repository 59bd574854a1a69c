/*
 * btree_bulk.c — the events table and its indexes written as SQLite b-tree
 * pages, in the file format SQLite documents (https://www.sqlite.org/
 * fileformat2.html, "B-tree Pages", "Record Format").
 *
 * Why: through SQLite, 10 M rows took 2-5 s to insert (the VDBE's per-row
 * work, however the rows are fed) and each CREATE INDEX about 3 s (a table
 * scan, a sort, the b-tree); keeping the indexes up to date row by row took
 * 15 s.  Here the rows arrive already in rowid order and the index keys are
 * small integers, so the pages can be filled one after another: the whole
 * conversion then runs at several M events/s.
 *
 * How: SQLite has created the file with the schema and closed it; the
 * events table and each index have an empty root page.  Table leaf pages
 * are filled in rowid order and appended after the file's last page; at the
 * end the interior levels are built from the list of leaves and the top
 * node goes on the root page (a single leaf goes there itself).  For each
 * index, its column's values were kept per row (4 bytes each while they
 * fit); the (key, rowid) pairs are sorted by key (a counting sort when the
 * keys span few values, as ids and kinds do, else an LSD radix sort: both
 * stable, so rowids stay ascending within a key; NULL first, as SQLite
 * orders them), then written the same way,
 * except that an index b-tree's interior cells are entries themselves (the
 * "divider" between two children).  Last, the header: page count and
 * change counter.  Every page belongs to exactly one b-tree and there is no
 * freelist, so PRAGMA integrity_check passes (the tests run it).
 *
 * The files: this one (rows, the writer thread, open, finish), btree_pages.c
 * (pages to the file, interior levels), btree_index.c (an index), their
 * shared state and encodings in btree_write.h.
 *
 * Invariants a reader may need: a page is never empty unless it is an
 * empty tree's root; an interior page has at least one cell; every leaf is
 * at the same depth; integers use SQLite's smallest serial type (what
 * SQLite itself would write, so the content is byte-for-byte the same kind
 * of record).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "btree_write.h"

static const char *const col_names[NCOLS] = {"seq", "t_ns", "g",    "kind", "obj", "a",
                                             "b",   "c",    "d",    "site", "s"};

/* A row's record, planned: each column's serial type and value, the
 * header's and the whole record's size. */
typedef struct rec_plan {
    uint64_t type[MAX_TABLE_COLS];
    int64_t val[MAX_TABLE_COLS];
    uint8_t len[MAX_TABLE_COLS];
    size_t hdr, size;
} rec_plan;

/* v and null: the row's columns by id (seq, the rowid, is NULL in the
 * record; obj and site 0 are NULL; s NULL is NULL). */
static inline void plan_record(const bt_bulk *b, const cs_event_row *r, const int64_t *v,
                               const bool *null, rec_plan *pl) {
    size_t hl = 1, dl = 0;
    for (int i = 0; i < b->ncols; i++) {
        int col = b->cols[i], len = 0;
        uint64_t t = 0;
        if (null[col]) {
        } else if (col == COL_S) {
            t = 13 + 2 * (uint64_t)r->slen;
            hl += (size_t)varint_len(t) - 1;
            dl += r->slen; /* the text is copied apart (len 0) */
        } else {
            t = (uint64_t)int_type(b, v[col], &len);
            pl->val[i] = v[col];
        }
        pl->type[i] = t;
        pl->len[i] = (uint8_t)len;
        hl++;
        dl += (size_t)len;
    }
    if (hl > 127) hl++; /* the header's size counts its own varint */
    pl->hdr = hl;
    pl->size = hl + dl;
}

/* Write the planned record at p. */
static inline void put_record(const bt_bulk *b, const cs_event_row *r, const rec_plan *pl,
                              uint8_t *p) {
    uint8_t *t = p + put_varint(p, pl->hdr), *d = p + pl->hdr;
    for (int i = 0; i < b->ncols; i++) {
        if (pl->type[i] < 128) *t++ = (uint8_t)pl->type[i];
        else t += put_varint(t, pl->type[i]);
        if (pl->len[i]) {
            d = put_int(d, pl->val[i], pl->len[i]);
        } else if (b->cols[i] == COL_S && r->s) {
            memcpy(d, r->s, r->slen);
            d += r->slen;
        }
    }
}

/* ---- the table ---------------------------------------------------------- */

/* Finish the current leaf: append it; its largest rowid separates it from
 * the next. */
static int leaf_out(bt_bulk *b, page *pg, int type, uint64_t key) {
    bt_page_seal(pg, type, 0);
    uint32_t no = bt_append(b, pg->p);
    if (!no) return -1;
    return bt_level_push(b, &b->leaves, no, key);
}

/* The fast path for the schema's own column order (seq, t_ns, g, kind,
 * obj, a, b, c, d, site, s) and a record that fits its page: the cell
 * written in place with few branches.  The integers are stored backwards,
 * each as an 8-byte big-endian word ending where the column ends: the bytes
 * it spills before the column are overwritten by the columns before it and
 * by the header, written last (the header is >= 12 bytes, so nothing before
 * the record is touched).  0 when the row needs the general path. */
static inline int int_type_bl(int64_t v, bool fmt4, int *len) {
    static const int8_t lens[6] = {1, 2, 3, 4, 6, 8};
    uint64_t u = (uint64_t)(v ^ (v >> 63));
    int c = (u > 127) + (u > 32767) + (u > 8388607) + (u > 2147483647) +
            (u > UINT64_C(0x7fffffffffff));
    bool small = fmt4 && (v & 1) == v;
    *len = small ? 0 : lens[c];
    return small ? 8 + (int)v : c + 1;
}

static inline void store_be_ending(uint8_t *end, int64_t v) {
    uint64_t y = __builtin_bswap64((uint64_t)v);
    memcpy(end - 8, &y, 8);
}

static int add_row_fast(bt_bulk *b, const cs_event_row *r, uint64_t rowid) {
    int64_t v[9] = {r->t, r->g, r->kind, r->obj, r->a, r->b, r->c, r->d, r->site};
    int len[9], type[9];
    size_t dl = 0;
    for (int i = 0; i < 9; i++) {
        type[i] = int_type_bl(v[i], b->fmt4, &len[i]);
        dl += (size_t)len[i];
    }
    if (bt_zero_is_null(COL_OBJ, r->obj)) type[3] = 0, dl -= (size_t)len[3], len[3] = 0;
    if (bt_zero_is_null(COL_SITE, r->site)) type[8] = 0, dl -= (size_t)len[8], len[8] = 0;
    uint64_t st = r->s ? 13 + 2 * (uint64_t)r->slen : 0;
    size_t hl = 11 + (size_t)varint_len(st);
    size_t P = hl + dl + (r->s ? r->slen : 0);
    if (P > b->usable - 35) return 0;
    size_t size = (size_t)varint_len(P) + (size_t)varint_len(rowid) + P;
    if (!page_fits(&b->leaf, size)) {
        if (leaf_out(b, &b->leaf, PG_TABLE_LEAF, b->rows) != 0) return -1;
        bt_page_init(&b->leaf, 8, b->usable);
    }
    uint8_t *cell = page_cell(&b->leaf, size), *end = cell + size;
    uint8_t *rec = end - P;
    if (r->s) {
        end -= r->slen;
        memcpy(end, r->s, r->slen);
    }
    for (int i = 8; i >= 0; i--) {
        store_be_ending(end, v[i]);
        end -= len[i];
    }
    rec[0] = (uint8_t)hl;
    rec[1] = 0; /* seq: the rowid */
    for (int i = 0; i < 9; i++) rec[2 + i] = (uint8_t)type[i];
    put_varint(rec + 11, st);
    uint8_t *p = cell + put_varint(cell, P);
    put_varint(p, rowid);
    return 1;
}

/* Index ix's values from 32 to 64 bits (bt_index): a value that does not
 * fit 32 bits has come. */
static int widen(bt_bulk *b, bt_index *ix) {
    int64_t *w = malloc((b->vals_cap ? b->vals_cap : 1) * sizeof *w);
    if (!w) return bt_fail(b, "%s", "out of memory");
    for (uint64_t i = 0; i < b->rows; i++) w[i] = ix->v32[i];
    free(ix->v32);
    ix->v32 = NULL;
    ix->v64 = w;
    return 0;
}

/* Keep the indexed columns' values of row b->rows (v: its columns). */
static inline int keep_vals(bt_bulk *b, const int64_t *v) {
    for (int i = 0; i < b->nidx; i++) {
        bt_index *ix = &b->idx[i];
        int64_t x = v[ix->col]; /* (obj, site: 0 is NULL, bt_zero_is_null) */
        if (!ix->v64 && (uint64_t)x <= UINT32_MAX) {
            ix->v32[b->rows] = (uint32_t)x;
            continue;
        }
        if (!ix->v64 && widen(b, ix) != 0) return -1;
        ix->v64[b->rows] = x;
    }
    return 0;
}

/* Append a row's cell to the current leaf (spilling to overflow pages a
 * payload too large for a page, as SQLite would), and keep its indexed
 * columns' values. */
static int add_row(bt_bulk *b, const cs_event_row *r) {
    if (b->canonical) {
        int rc = add_row_fast(b, r, b->rows + 1);
        if (rc < 0) return -1;
        if (rc) {
            if (b->nidx) {
                const int64_t v[NCOLS + 1] = {0, r->t, r->g, r->kind, r->obj, r->a,
                                              r->b, r->c, r->d, r->site, 0, 0};
                if (keep_vals(b, v) != 0) return -1;
            }
            b->rows++;
            return 0;
        }
    }
    int64_t v[NCOLS + 1] = {0, r->t, r->g, r->kind, r->obj, r->a, r->b, r->c, r->d, r->site, 0, 0};
    bool null[NCOLS + 1] = {true,  false, false,
                            false, bt_zero_is_null(COL_OBJ, r->obj), false,
                            false, false, false,
                            bt_zero_is_null(COL_SITE, r->site), r->s == NULL, true /* COL_NONE */};
    rec_plan pl;
    plan_record(b, r, v, null, &pl);
    size_t P = pl.size;
    uint64_t rowid = b->rows + 1;
    size_t U = b->usable, X = U - 35, local = P;
    if (P > X) {
        size_t M = ((U - 12) * 32 / 255) - 23, K = M + ((P - M) % (U - 4));
        local = K <= X ? K : M;
    }
    size_t size = (size_t)varint_len(P) + (size_t)varint_len(rowid) + local + (local < P ? 4 : 0);
    if (!page_fits(&b->leaf, size)) {
        if (leaf_out(b, &b->leaf, PG_TABLE_LEAF, b->rows) != 0) return -1;
        bt_page_init(&b->leaf, 8, b->usable);
    }
    uint32_t first_ovfl = 0;
    if (local < P) { /* the overflow chain, written before the leaf */
        if (P > b->rec_cap) {
            uint8_t *n = realloc(b->rec, P);
            if (!n) return bt_fail(b, "%s", "out of memory");
            b->rec = n;
            b->rec_cap = P;
        }
        put_record(b, r, &pl, b->rec);
        const uint8_t *src = b->rec + local;
        size_t left = P - local;
        first_ovfl = b->next_page;
        while (left) {
            size_t n = left < U - 4 ? left : U - 4;
            memset(b->scratch, 0, b->page_size);
            put_be32(b->scratch, left > n ? b->next_page + 1 : 0);
            memcpy(b->scratch + 4, src, n);
            if (!bt_append(b, b->scratch)) return -1;
            src += n;
            left -= n;
        }
    }
    uint8_t *p = page_cell(&b->leaf, size);
    p += put_varint(p, P);
    p += put_varint(p, rowid);
    if (local < P) {
        memcpy(p, b->rec, local);
        put_be32(p + local, first_ovfl);
    } else {
        put_record(b, r, &pl, p);
    }
    if (keep_vals(b, v) != 0) return -1;
    b->rows++;
    return 0;
}

static int add_rows(bt_bulk *b, const cs_event_row *rows, size_t n) {
    if (b->failed) return -1;
    if (b->rows + n > b->vals_cap && b->nidx) {
        uint64_t nc = b->vals_cap ? b->vals_cap : 65536;
        while (nc < b->rows + n) nc *= 2;
        for (int i = 0; i < b->nidx; i++) {
            bt_index *ix = &b->idx[i];
            if (ix->v64) {
                int64_t *v = realloc(ix->v64, nc * sizeof *v);
                if (!v) return bt_fail(b, "%s", "out of memory");
                ix->v64 = v;
            } else {
                uint32_t *v = realloc(ix->v32, nc * sizeof *v);
                if (!v) return bt_fail(b, "%s", "out of memory");
                ix->v32 = v;
            }
        }
        b->vals_cap = nc;
    }
    for (size_t i = 0; i < n; i++)
        if (add_row(b, &rows[i]) != 0) return -1;
    return 0;
}

static void *writer(void *arg) {
    bt_bulk *b = arg;
    pthread_mutex_lock(&b->mu);
    for (;;) {
        while (!b->job && !b->stop) pthread_cond_wait(&b->cv, &b->mu);
        if (!b->job) break;
        const cs_event_row *rows = b->job;
        size_t n = b->job_n;
        pthread_mutex_unlock(&b->mu);
        add_rows(b, rows, n);
        pthread_mutex_lock(&b->mu);
        b->job = NULL;
        b->busy = false;
        pthread_cond_broadcast(&b->cv);
    }
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

/* Wait until the writer thread has written what it was given. */
static void wait_idle(bt_bulk *b) {
    if (!b->started) return;
    pthread_mutex_lock(&b->mu);
    while (b->busy) pthread_cond_wait(&b->cv, &b->mu);
    pthread_mutex_unlock(&b->mu);
}

static void stop_writer(bt_bulk *b) {
    if (!b->started) return;
    pthread_mutex_lock(&b->mu);
    while (b->busy) pthread_cond_wait(&b->cv, &b->mu);
    b->stop = true;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
    pthread_join(b->th, NULL);
    b->started = false;
}

static int report(bt_bulk *b, char *err, size_t errlen) {
    if (!b->failed) return 0;
    snprintf(err, errlen, "%s", b->msg);
    return -1;
}

int bt_bulk_add(bt_bulk *b, const cs_event_row *rows, size_t n, char *err, size_t errlen) {
    if (!b->started && !b->no_thread) {
        b->started = pthread_create(&b->th, NULL, writer, b) == 0;
        b->no_thread = !b->started;
    }
    if (b->no_thread) return add_rows(b, rows, n) != 0 ? report(b, err, errlen) : 0;
    wait_idle(b); /* the previous batch written: b->failed, b->rows are ours to read */
    if (b->failed) return report(b, err, errlen);
    pthread_mutex_lock(&b->mu);
    b->job = rows;
    b->job_n = n;
    b->busy = true;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
    return 0;
}

uint64_t bt_bulk_rows(bt_bulk *b) {
    wait_idle(b);
    return b->rows;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int finish(bt_bulk *b, double *index_seconds) {
    if (b->failed) return -1;
    /* the table's last leaf; interior levels */
    memset(b->leaf.p + b->usable, 0, b->page_size - b->usable);
    if (!b->leaves.n) {
        bt_page_seal(&b->leaf, PG_TABLE_LEAF, 0);
        if (bt_write_at(b, b->leaf.p, b->table_root) != 0) return -1;
    } else {
        if (leaf_out(b, &b->leaf, PG_TABLE_LEAF, 0) != 0) return -1;
        if (bt_build_upper(b, &b->leaves, NULL, 0, b->table_root) != 0) return -1;
    }
    double t0 = now_s();
    for (int i = 0; i < b->nidx; i++) {
        if (!b->rows) { /* the root is SQLite's empty leaf already */
            continue;
        }
        if (bt_build_index(b, &b->idx[i]) != 0) return -1;
        free(b->idx[i].v32);
        free(b->idx[i].v64);
        b->idx[i].v32 = NULL;
        b->idx[i].v64 = NULL;
    }
    if (bt_flush(b) != 0) return -1;
    /* the header: page count, change counter = version-valid-for */
    uint8_t h[100];
    if (pread(b->fd, h, sizeof h, 0) != (ssize_t)sizeof h)
        return bt_fail(b, "reading the trace's header failed: %s", strerror(errno));
    uint32_t counter = ((uint32_t)h[24] << 24 | (uint32_t)h[25] << 16 | (uint32_t)h[26] << 8 | h[27]) + 1;
    put_be32(h + 24, counter);
    put_be32(h + 28, b->next_page - 1);
    put_be32(h + 92, counter);
    if (pwrite(b->fd, h, sizeof h, 0) != (ssize_t)sizeof h)
        return bt_fail(b, "writing the trace failed: %s", strerror(errno));
    *index_seconds = now_s() - t0;
    return 0;
}

int bt_bulk_finish(bt_bulk *b, double *index_seconds, char *err, size_t errlen) {
    *index_seconds = 0;
    stop_writer(b);
    if (finish(b, index_seconds) != 0) return report(b, err, errlen);
    return 0;
}

/* ---- open --------------------------------------------------------------- */

static int64_t query_int(sqlite3 *db, const char *sql, bool *ok) {
    sqlite3_stmt *st;
    int64_t v = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        *ok = false;
        return 0;
    }
    if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
    else *ok = false;
    sqlite3_finalize(st);
    return v;
}

static int col_id(const char *name) {
    for (int i = 0; i < NCOLS; i++)
        if (!strcmp(name, col_names[i])) return i;
    return COL_NONE;
}

/* The table's columns (in their order) and its indexes, as the file has them. */
static int read_schema(bt_bulk *b, sqlite3 *db) {
    bool ok = true;
    b->page_size = (uint32_t)query_int(db, "PRAGMA main.page_size", &ok);
    b->next_page = (uint32_t)query_int(db, "PRAGMA main.page_count", &ok) + 1;
    b->table_root = (uint32_t)query_int(
        db, "SELECT rootpage FROM main.sqlite_schema WHERE type='table' AND name='events'", &ok);
    if (query_int(db, "PRAGMA main.auto_vacuum", &ok) != 0 || !ok || b->table_root < 2)
        return bt_fail(b, "%s", "the new trace has no events table we can write");
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT name, type, pk FROM pragma_table_info('events')", -1, &st,
                           NULL) != SQLITE_OK)
        return bt_fail(b, "%s", "reading the events table's columns failed");
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        const char *type = (const char *)sqlite3_column_text(st, 1);
        int id = name ? col_id(name) : COL_NONE;
        bool pk = sqlite3_column_int(st, 2) != 0;
        if (b->ncols == MAX_TABLE_COLS || pk != (id == COL_SEQ) ||
            (pk && (!type || strcmp(type, "INTEGER")))) {
            bt_fail(b, "events column '%s' is not one convert/btree_bulk.c writes", name ? name : "?");
            sqlite3_finalize(st);
            return -1;
        }
        b->cols[b->ncols++] = id;
    }
    sqlite3_finalize(st);
    int seen[NCOLS] = {0};
    for (int i = 0; i < b->ncols; i++)
        if (b->cols[i] != COL_NONE) seen[b->cols[i]]++;
    for (int i = 0; i < NCOLS; i++)
        if (seen[i] != 1) /* a column the converter fills was renamed or removed */
            return bt_fail(b, "the events table has no column '%s' (convert/btree_bulk.c)",
                           col_names[i]);
    b->canonical = b->ncols == NCOLS;
    for (int i = 0; i < b->ncols && b->canonical; i++) b->canonical = b->cols[i] == i;
    if (sqlite3_prepare_v2(db,
                           "SELECT s.name, s.rootpage, l.\"unique\", l.partial,"
                           " (SELECT count(*) FROM pragma_index_xinfo(s.name) x WHERE x.key),"
                           " (SELECT name FROM pragma_index_xinfo(s.name) x WHERE x.key AND NOT x.desc)"
                           " FROM main.sqlite_schema s JOIN pragma_index_list('events') l"
                           " ON l.name = s.name WHERE s.type='index' AND s.tbl_name='events'",
                           -1, &st, NULL) != SQLITE_OK)
        return bt_fail(b, "%s", "reading the events indexes failed");
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        const char *col = (const char *)sqlite3_column_text(st, 5);
        int id = col ? col_id(col) : COL_NONE;
        if (b->nidx == MAX_INDEXES || sqlite3_column_int(st, 2) || sqlite3_column_int(st, 3) ||
            sqlite3_column_int(st, 4) != 1 || id == COL_NONE || id == COL_S || id == COL_SEQ ||
            sqlite3_column_int64(st, 1) < 2) {
            bt_fail(b, "index %s on events is not one convert/btree_bulk.c writes (one "
                    "ascending integer column, not unique, not partial)",
                 name ? name : "?");
            sqlite3_finalize(st);
            return -1;
        }
        b->idx[b->nidx].col = id;
        b->idx[b->nidx].root = (uint32_t)sqlite3_column_int64(st, 1);
        b->nidx++;
    }
    sqlite3_finalize(st);
    return 0;
}

bt_bulk *bt_bulk_open(sqlite3 *db, const char *path, char *err, size_t errlen) {
    bt_bulk *b = calloc(1, sizeof *b);
    if (!b) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    b->fd = -1;
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
    if (read_schema(b, db) != 0) goto bad;
    b->fd = open(path, O_RDWR | O_CLOEXEC);
    uint8_t h[100];
    if (b->fd < 0 || pread(b->fd, h, sizeof h, 0) != (ssize_t)sizeof h) {
        bt_fail(b, "cannot reopen the new trace: %s", strerror(errno));
        goto bad;
    }
    uint32_t ps = (uint32_t)h[16] << 8 | h[17];
    if (ps == 1) ps = 65536;
    if (ps != b->page_size || h[20] > ps / 2 || b->page_size < 512) {
        bt_fail(b, "%s", "the new trace's header is not as SQLite reported");
        goto bad;
    }
    b->usable = b->page_size - h[20];
    b->fmt4 = ((uint32_t)h[44] << 24 | (uint32_t)h[45] << 16 | (uint32_t)h[46] << 8 | h[47]) >= 4;
    b->wbuf = malloc((size_t)WBUF_PAGES * b->page_size);
    b->scratch = calloc(1, b->page_size);
    b->leaf.p = calloc(1, b->page_size);
    if (!b->wbuf || !b->scratch || !b->leaf.p) {
        bt_fail(b, "%s", "out of memory");
        goto bad;
    }
    bt_page_init(&b->leaf, 8, b->usable);
    return b;
bad:
    report(b, err, errlen);
    bt_bulk_free(b);
    return NULL;
}

void bt_bulk_free(bt_bulk *b) {
    if (!b) return;
    stop_writer(b);
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->cv);
    if (b->fd >= 0) close(b->fd);
    for (int i = 0; i < b->nidx; i++) {
        free(b->idx[i].v32);
        free(b->idx[i].v64);
    }
    bt_level_free(&b->leaves);
    free(b->wbuf);
    free(b->scratch);
    free(b->leaf.p);
    free(b->rec);
    free(b->pairs);
    free(b->tmp);
    free(b->pk);
    free(b->perm);
    free(b->counts);
    free(b);
}
