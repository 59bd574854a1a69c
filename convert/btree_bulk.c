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
 * index, its column's values were kept per row; the (key, rowid) pairs are
 * sorted by key (an LSD radix sort: stable, so rowids stay ascending within
 * a key; NULL first, as SQLite orders them), then written the same way,
 * except that an index b-tree's interior cells are entries themselves (the
 * "divider" between two children).  Last, the header: page count and
 * change counter.  Every page belongs to exactly one b-tree and there is no
 * freelist, so PRAGMA integrity_check passes (the tests run it).
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

#include "btree_bulk.h"

enum { COL_SEQ, COL_T, COL_G, COL_KIND, COL_OBJ, COL_A, COL_B, COL_C, COL_D, COL_SITE, COL_S, NCOLS };
static const char *const col_names[NCOLS] = {"seq", "t_ns", "g",    "kind", "obj", "a",
                                             "b",   "c",    "d",    "site", "s"};
enum { MAX_INDEXES = 8, MAX_TABLE_COLS = 32, WBUF_PAGES = 64 };

enum { PG_INDEX_INTERIOR = 2, PG_TABLE_INTERIOR = 5, PG_INDEX_LEAF = 10, PG_TABLE_LEAF = 13 };

/* The children of one level of a b-tree being built: key[i] separates
 * child[i] and child[i + 1] (a table: the largest rowid under child[i]; an
 * index: the position of the divider entry in the sorted pairs). */
typedef struct level {
    uint32_t *child;
    uint64_t *key;
    size_t n, cap;
} level;

/* A page being filled: cell pointers after the header, cells from the end. */
typedef struct page {
    uint8_t *p;
    int hdr;      /* 8 (leaf) or 12 (interior) */
    int ncell;
    int content;  /* start of the cell content area */
    int last_size;
} page;

typedef struct bt_index {
    int col;
    uint32_t root;
    int64_t *vals; /* the column's value per row (rowid - 1) */
} bt_index;

/* The sorted pairs of the index being built. */
typedef struct pair {
    uint64_t key; /* see sort_pairs */
    uint64_t rowid;
} pair;

struct bt_bulk {
    int fd;
    uint32_t page_size, usable;
    uint32_t next_page; /* the next page number to hand out */
    uint32_t table_root;
    bool fmt4;          /* file format 4: serial types 8 and 9 for 0 and 1 */
    int cols[MAX_TABLE_COLS], ncols;
    bt_index idx[MAX_INDEXES];
    int nidx;
    uint64_t rows, vals_cap;
    page leaf;
    level leaves;
    uint8_t *wbuf;      /* appended pages not written yet */
    uint32_t wfirst, wn;
    uint8_t *scratch;   /* a page for interior nodes and overflow */
    uint8_t *rec;       /* one record */
    size_t rec_cap;
    pair *pairs, *tmp;  /* index build: (key, rowid) pairs, or when both fit */
    bool packed;        /* 32 bits: pk, key << 32 | rowid - 1 (psorted: sorted) */
    uint64_t *pk, *psorted;
    uint64_t nnull;     /* pairs[0, nnull) have a NULL key */
    char msg[512];      /* the first failure */
    bool failed;
    /* the writer thread: rows handed over by bt_bulk_add (job, job_n) are
     * written while the caller merges the next batch */
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    const cs_event_row *job;
    size_t job_n;
    bool busy, stop, started, no_thread;
    bool canonical;     /* the columns in col_names order: add_row_fast */
};

static int fail(bt_bulk *b, const char *fmt, const char *what) {
    if (!b->failed) snprintf(b->msg, sizeof b->msg, fmt, what);
    b->failed = true;
    return -1;
}

/* ---- encoding ----------------------------------------------------------- */

static int put_varint(uint8_t *p, uint64_t v) {
    if (v <= 0x7f) {
        p[0] = (uint8_t)v;
        return 1;
    }
    if (v & (UINT64_C(0xff000000) << 32)) { /* 9 bytes: the last one holds 8 bits */
        p[8] = (uint8_t)v;
        v >>= 8;
        for (int i = 7; i >= 0; i--) {
            p[i] = (uint8_t)((v & 0x7f) | 0x80);
            v >>= 7;
        }
        return 9;
    }
    uint8_t buf[10];
    int n = 0;
    do {
        buf[n++] = (uint8_t)((v & 0x7f) | 0x80);
        v >>= 7;
    } while (v);
    buf[0] &= 0x7f;
    for (int i = 0; i < n; i++) p[i] = buf[n - 1 - i];
    return n;
}

static int varint_len(uint64_t v) {
    int n = 1;
    while (v > 0x7f && n < 9) {
        v >>= 7;
        n++;
    }
    return n;
}

static void put_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put_be16(uint8_t *p, int v) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* SQLite's serial type for an integer (sqlite3VdbeSerialType) and its size. */
static inline int int_type(const bt_bulk *b, int64_t v, int *len) {
    uint64_t u = v < 0 ? ~(uint64_t)v : (uint64_t)v;
    if (u <= 127) {
        if ((v & 1) == v && b->fmt4) {
            *len = 0;
            return 8 + (int)v;
        }
        *len = 1;
        return 1;
    }
    if (u <= 32767) return *len = 2, 2;
    if (u <= 8388607) return *len = 3, 3;
    if (u <= 2147483647) return *len = 4, 4;
    if (u <= UINT64_C(0x7fffffffffff)) return *len = 6, 5;
    return *len = 8, 6;
}

static inline uint8_t *put_int(uint8_t *p, int64_t v, int len) {
    uint64_t u = (uint64_t)v;
    switch (len) { /* big-endian, the low `len` bytes */
    case 1: p[0] = (uint8_t)u; break;
    case 2: p[0] = (uint8_t)(u >> 8), p[1] = (uint8_t)u; break;
    case 3: p[0] = (uint8_t)(u >> 16), p[1] = (uint8_t)(u >> 8), p[2] = (uint8_t)u; break;
    case 4: put_be32(p, (uint32_t)u); break;
    case 6: put_be16(p, (int)(uint16_t)(u >> 32)), put_be32(p + 2, (uint32_t)u); break;
    case 8: put_be32(p, (uint32_t)(u >> 32)), put_be32(p + 4, (uint32_t)u); break;
    default: break;
    }
    return p + len;
}

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

/* ---- pages -------------------------------------------------------------- */

static int flush_wbuf(bt_bulk *b) {
    if (!b->wn) return 0;
    size_t n = (size_t)b->wn * b->page_size;
    off_t off = (off_t)(b->wfirst - 1) * b->page_size;
    const uint8_t *p = b->wbuf;
    while (n) {
        ssize_t w = pwrite(b->fd, p, n, off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return fail(b, "writing the trace failed: %s", strerror(errno));
        p += w;
        n -= (size_t)w;
        off += w;
    }
    b->wn = 0;
    return 0;
}

/* Write pg at page number no (a root: in place). */
static int write_at(bt_bulk *b, const uint8_t *pg, uint32_t no) {
    if (flush_wbuf(b) != 0) return -1;
    if (pwrite(b->fd, pg, b->page_size, (off_t)(no - 1) * b->page_size) != (ssize_t)b->page_size)
        return fail(b, "writing the trace failed: %s", strerror(errno));
    return 0;
}

/* Append pg as a new page; its number (0 on failure). */
static uint32_t append(bt_bulk *b, const uint8_t *pg) {
    if (b->next_page == UINT32_MAX - 1) {
        fail(b, "%s", "the trace would exceed SQLite's page count limit");
        return 0;
    }
    if (b->wn == WBUF_PAGES && flush_wbuf(b) != 0) return 0;
    if (!b->wn) b->wfirst = b->next_page;
    memcpy(b->wbuf + (size_t)b->wn * b->page_size, pg, b->page_size);
    b->wn++;
    return b->next_page++;
}

static void page_init(page *pg, int hdr, uint32_t page_size) {
    pg->hdr = hdr;
    pg->ncell = 0;
    pg->content = (int)page_size;
    pg->last_size = 0;
}

static inline bool page_fits(const page *pg, size_t size) {
    return (size_t)pg->hdr + 2 * (size_t)(pg->ncell + 1) + size <= (size_t)pg->content;
}

/* Room for a cell of `size` bytes: where to write it. */
static inline uint8_t *page_cell(page *pg, size_t size) {
    pg->content -= (int)size;
    put_be16(pg->p + pg->hdr + 2 * pg->ncell, pg->content);
    pg->ncell++;
    pg->last_size = (int)size;
    return pg->p + pg->content;
}

static void page_pop(page *pg) {
    pg->ncell--;
    memset(pg->p + pg->content, 0, (size_t)pg->last_size);
    pg->content += pg->last_size;
}

/* The header; the free space between the pointers and the cells zeroed. */
static void page_seal(page *pg, int type, uint32_t right, uint32_t page_size) {
    uint8_t *p = pg->p;
    p[0] = (uint8_t)type;
    put_be16(p + 1, 0);
    put_be16(p + 3, pg->ncell);
    put_be16(p + 5, pg->content == 65536 ? 0 : pg->content);
    p[7] = 0;
    if (pg->hdr == 12) put_be32(p + 8, right);
    int ptr_end = pg->hdr + 2 * pg->ncell;
    memset(p + ptr_end, 0, (size_t)(pg->content - ptr_end));
    (void)page_size;
}

static int level_push(bt_bulk *b, level *lv, uint32_t child, uint64_t key) {
    if (lv->n == lv->cap) {
        size_t nc = lv->cap ? lv->cap * 2 : 256;
        uint32_t *c = realloc(lv->child, nc * sizeof *c);
        if (c) lv->child = c;
        uint64_t *k = realloc(lv->key, nc * sizeof *k);
        if (k) lv->key = k;
        if (!c || !k) return fail(b, "%s", "out of memory");
        lv->cap = nc;
    }
    lv->child[lv->n] = child;
    lv->key[lv->n] = key;
    lv->n++;
    return 0;
}

static void level_free(level *lv) {
    free(lv->child);
    free(lv->key);
    memset(lv, 0, sizeof *lv);
}

/* ---- index entries ------------------------------------------------------ */

/* The record (key, rowid) of sorted pair i into out (at most 19 bytes);
 * its size. */
static inline int index_record(const bt_bulk *b, uint64_t i, uint64_t base, uint8_t *out) {
    uint64_t key, rowid;
    if (b->packed) {
        key = b->psorted[i] >> 32;
        rowid = (b->psorted[i] & UINT32_MAX) + 1;
    } else {
        key = b->pairs[i].key;
        rowid = b->pairs[i].rowid;
    }
    uint8_t *p = out + 3;
    int kt = 0, len;
    if (i >= b->nnull) {
        int64_t v = (int64_t)((key + base) ^ (UINT64_C(1) << 63));
        kt = int_type(b, v, &len);
        p = put_int(p, v, len);
    }
    int rt = int_type(b, (int64_t)rowid, &len);
    p = put_int(p, (int64_t)rowid, len);
    out[0] = 3;
    out[1] = (uint8_t)kt;
    out[2] = (uint8_t)rt;
    return (int)(p - out);
}

/* An interior cell (child, key) into out; its size.  Table: key is a
 * rowid; index: the position of the divider pair. */
static int interior_cell(const bt_bulk *b, const bt_index *ix, uint64_t min, uint32_t child,
                         uint64_t key, uint8_t *out) {
    put_be32(out, child);
    if (!ix) return 4 + put_varint(out + 4, key);
    uint8_t rec[32];
    int n = index_record(b, key, min, rec);
    int v = put_varint(out + 4, (uint64_t)n);
    memcpy(out + 4 + v, rec, (size_t)n);
    return 4 + v + n;
}

/* Build the levels above `lv` (its children written already) up to the
 * root page.  ix NULL: the table.  lv is consumed. */
static int build_upper(bt_bulk *b, level *lv, const bt_index *ix, uint64_t min, uint32_t root) {
    int type = ix ? PG_INDEX_INTERIOR : PG_TABLE_INTERIOR;
    page pg = {.p = b->scratch};
    uint8_t cell[64];
    while (lv->n > 1) {
        /* one node for the whole level?  then it is the root */
        size_t total = 12;
        for (size_t i = 0; i + 1 < lv->n && total <= b->usable; i++)
            total += 2 + (size_t)interior_cell(b, ix, min, lv->child[i], lv->key[i], cell);
        bool top = total <= b->usable;
        level up = {0};
        size_t a = 0;
        while (a < lv->n) {
            page_init(&pg, 12, b->usable);
            size_t i = a;
            while (i + 1 < lv->n) {
                int n = interior_cell(b, ix, min, lv->child[i], lv->key[i], cell);
                if (!page_fits(&pg, (size_t)n)) break;
                memcpy(page_cell(&pg, (size_t)n), cell, (size_t)n);
                i++;
            }
            /* cells [a, i), right child i */
            size_t next;
            bool last = i + 1 >= lv->n;
            if (last) {
                next = lv->n;
            } else if (i + 2 == lv->n) { /* the next node would have no cell */
                page_pop(&pg);
                i--;
                next = i + 1;
            } else {
                next = i + 1;
            }
            if (pg.ncell == 0) {
                level_free(&up);
                return fail(b, "%s", "a b-tree node without cells (page too small)");
            }
            memset(b->scratch + b->usable, 0, b->page_size - b->usable);
            page_seal(&pg, type, lv->child[i], b->usable);
            uint32_t no;
            if (top) {
                if (write_at(b, b->scratch, root) != 0) return level_free(&up), -1;
                no = root;
            } else if (!(no = append(b, b->scratch))) {
                return level_free(&up), -1;
            }
            if (level_push(b, &up, no, last ? 0 : lv->key[i]) != 0) return level_free(&up), -1;
            a = next;
        }
        level_free(lv);
        *lv = up;
    }
    level_free(lv);
    return 0;
}

/* ---- the table ---------------------------------------------------------- */

/* Finish the current leaf: append it; its largest rowid separates it from
 * the next. */
static int leaf_out(bt_bulk *b, page *pg, int type, uint64_t key) {
    page_seal(pg, type, 0, b->usable);
    uint32_t no = append(b, pg->p);
    if (!no) return -1;
    return level_push(b, &b->leaves, no, key);
}

/* Append a row's cell to the current leaf (spilling to overflow pages a
 * payload too large for a page, as SQLite would). */
/* An indexed column's value (obj and site 0: NULL, sorted as such). */
static inline int64_t idx_value(const cs_event_row *r, int col) {
    int64_t v[NCOLS] = {0, r->t, r->g, r->kind, r->obj, r->a, r->b, r->c, r->d, r->site, 0};
    return v[col];
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
    if (!r->obj) type[3] = 0, dl -= (size_t)len[3], len[3] = 0;
    if (!r->site) type[8] = 0, dl -= (size_t)len[8], len[8] = 0;
    uint64_t st = r->s ? 13 + 2 * (uint64_t)r->slen : 0;
    size_t hl = 11 + (size_t)varint_len(st);
    size_t P = hl + dl + (r->s ? r->slen : 0);
    if (P > b->usable - 35) return 0;
    size_t size = (size_t)varint_len(P) + (size_t)varint_len(rowid) + P;
    if (!page_fits(&b->leaf, size)) {
        if (leaf_out(b, &b->leaf, PG_TABLE_LEAF, b->rows) != 0) return -1;
        page_init(&b->leaf, 8, b->usable);
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

static int add_row(bt_bulk *b, const cs_event_row *r) {
    if (b->canonical) {
        int rc = add_row_fast(b, r, b->rows + 1);
        if (rc < 0) return -1;
        if (rc) {
            for (int i = 0; i < b->nidx; i++) b->idx[i].vals[b->rows] = b->idx[i].col == COL_G ? r->g
                : b->idx[i].col == COL_OBJ ? r->obj : b->idx[i].col == COL_KIND ? r->kind
                : idx_value(r, b->idx[i].col);
            b->rows++;
            return 0;
        }
    }
    int64_t v[NCOLS] = {0, r->t, r->g, r->kind, r->obj, r->a, r->b, r->c, r->d, r->site, 0};
    bool null[NCOLS] = {true,  false, false, false,       r->obj == 0, false,
                        false, false, false, r->site == 0, r->s == NULL};
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
        page_init(&b->leaf, 8, b->usable);
    }
    uint32_t first_ovfl = 0;
    if (local < P) { /* the overflow chain, written before the leaf */
        if (P > b->rec_cap) {
            uint8_t *n = realloc(b->rec, P);
            if (!n) return fail(b, "%s", "out of memory");
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
            if (!append(b, b->scratch)) return -1;
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
    for (int i = 0; i < b->nidx; i++) b->idx[i].vals[b->rows] = v[b->idx[i].col]; /* obj, site: 0 is NULL */
    b->rows++;
    return 0;
}

static int add_rows(bt_bulk *b, const cs_event_row *rows, size_t n) {
    if (b->failed) return -1;
    if (b->rows + n > b->vals_cap && b->nidx) {
        uint64_t nc = b->vals_cap ? b->vals_cap : 65536;
        while (nc < b->rows + n) nc *= 2;
        for (int i = 0; i < b->nidx; i++) {
            int64_t *v = realloc(b->idx[i].vals, nc * sizeof *v);
            if (!v) return fail(b, "%s", "out of memory");
            b->idx[i].vals = v;
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

/* ---- the indexes -------------------------------------------------------- */

static bool null_col(int col, int64_t v) { return (col == COL_OBJ || col == COL_SITE) && v == 0; }

/* The pairs of index ix sorted: the NULLs first (b->nnull of them), then
 * by value; rowids ascending within a key.  A non-NULL key is stored as
 * (value with its sign bit flipped) - base, so it sorts as unsigned. */
static int sort_pairs(bt_bulk *b, const bt_index *ix, uint64_t *base) {
    uint64_t n = b->rows, nnull = 0, lo = UINT64_MAX, hi = 0;
    const uint64_t sign = UINT64_C(1) << 63;
    for (uint64_t i = 0; i < n; i++) {
        int64_t v = ix->vals[i];
        if (null_col(ix->col, v)) {
            nnull++;
            continue;
        }
        uint64_t u = (uint64_t)v ^ sign;
        if (u < lo) lo = u;
        if (u > hi) hi = u;
    }
    b->nnull = nnull;
    *base = lo;
    uint64_t range = nnull < n ? hi - lo : 0, inull = 0, ival = nnull, m = n - nnull;
    size_t count[256];
    /* the usual case: key and rowid - 1 both fit 32 bits, a pair is one word */
    b->packed = n <= UINT32_MAX && range <= UINT32_MAX;
    if (b->packed) {
        if (!b->pk && !(b->pk = malloc(2 * n * sizeof *b->pk))) return fail(b, "%s", "out of memory");
        uint64_t *a = b->pk, *t = b->pk + n;
        for (uint64_t i = 0; i < n; i++) {
            int64_t v = ix->vals[i];
            if (null_col(ix->col, v)) a[inull++] = i;
            else a[ival++] = (((uint64_t)v ^ sign) - lo) << 32 | i;
        }
        a += nnull;
        t += nnull;
        for (int shift = 32; shift < 64 && (range >> (shift - 32)); shift += 8) {
            memset(count, 0, sizeof count);
            for (uint64_t i = 0; i < m; i++) count[(a[i] >> shift) & 0xff]++;
            size_t pos = 0;
            for (int d = 0; d < 256; d++) {
                size_t c = count[d];
                count[d] = pos;
                pos += c;
            }
            for (uint64_t i = 0; i < m; i++) t[count[(a[i] >> shift) & 0xff]++] = a[i];
            uint64_t *x = a;
            a = t;
            t = x;
        }
        b->psorted = a - nnull;
        if (b->psorted != b->pk) memcpy(b->psorted, b->pk, nnull * sizeof *a); /* the NULLs */
        return 0;
    }
    if (!b->pairs) {
        b->pairs = malloc(n * sizeof *b->pairs);
        b->tmp = malloc(n * sizeof *b->tmp);
        if (!b->pairs || !b->tmp) return fail(b, "%s", "out of memory");
    }
    for (uint64_t i = 0; i < n; i++) {
        int64_t v = ix->vals[i];
        if (null_col(ix->col, v)) b->pairs[inull++] = (pair){0, i + 1};
        else b->pairs[ival++] = (pair){((uint64_t)v ^ sign) - lo, i + 1};
    }
    /* LSD radix sort of the non-NULL part, one pass per byte of the range */
    pair *a = b->pairs + nnull, *t = b->tmp + nnull;
    for (int shift = 0; shift < 64 && (range >> shift); shift += 8) {
        memset(count, 0, sizeof count);
        for (uint64_t i = 0; i < m; i++) count[(a[i].key >> shift) & 0xff]++;
        size_t pos = 0;
        for (int d = 0; d < 256; d++) {
            size_t c = count[d];
            count[d] = pos;
            pos += c;
        }
        for (uint64_t i = 0; i < m; i++) t[count[(a[i].key >> shift) & 0xff]++] = a[i];
        pair *x = a;
        a = t;
        t = x;
    }
    if (a != b->pairs + nnull) { /* the sorted part is in tmp: bring the NULLs over */
        memcpy(b->tmp, b->pairs, nnull * sizeof *a);
        pair *x = b->pairs;
        b->pairs = b->tmp;
        b->tmp = x;
    }
    return 0;
}

static int build_index(bt_bulk *b, const bt_index *ix) {
    uint64_t min = 0;
    if (sort_pairs(b, ix, &min) != 0) return -1;
    uint64_t n = b->rows;
    level lv = {0};
    page pg = {.p = b->scratch};
    uint8_t rec[32];
    uint64_t i = 0;
    do {
        page_init(&pg, 8, b->usable);
        while (i < n) {
            /* a leaf cell: the record's size (one byte: < 128) and the record */
            int rn = index_record(b, i, min, rec + 1);
            rec[0] = (uint8_t)rn;
            if (!page_fits(&pg, (size_t)rn + 1)) break;
            uint8_t *c = page_cell(&pg, (size_t)rn + 1);
            for (int k = 0; k <= rn; k++) c[k] = rec[k];
            i++;
        }
        memset(b->scratch + b->usable, 0, b->page_size - b->usable);
        if (i == n) { /* the last leaf */
            page_seal(&pg, PG_INDEX_LEAF, 0, b->usable);
            if (!lv.n) {
                int rc = write_at(b, b->scratch, ix->root);
                level_free(&lv);
                return rc;
            }
            uint32_t no = append(b, b->scratch);
            if (!no || level_push(b, &lv, no, 0) != 0) return level_free(&lv), -1;
            break;
        }
        /* pair i is the divider; it must leave at least one for the next leaf */
        uint64_t div = i;
        if (i + 1 == n) {
            page_pop(&pg);
            div = --i;
        }
        page_seal(&pg, PG_INDEX_LEAF, 0, b->usable);
        uint32_t no = append(b, b->scratch);
        if (!no || level_push(b, &lv, no, div) != 0) return level_free(&lv), -1;
        i = div + 1;
    } while (i < n);
    return build_upper(b, &lv, ix, min, ix->root);
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
        page_seal(&b->leaf, PG_TABLE_LEAF, 0, b->usable);
        if (write_at(b, b->leaf.p, b->table_root) != 0) return -1;
    } else {
        if (leaf_out(b, &b->leaf, PG_TABLE_LEAF, 0) != 0) return -1;
        if (build_upper(b, &b->leaves, NULL, 0, b->table_root) != 0) return -1;
    }
    double t0 = now_s();
    for (int i = 0; i < b->nidx; i++) {
        if (!b->rows) { /* the root is SQLite's empty leaf already */
            continue;
        }
        if (build_index(b, &b->idx[i]) != 0) return -1;
        free(b->idx[i].vals);
        b->idx[i].vals = NULL;
    }
    if (flush_wbuf(b) != 0) return -1;
    /* the header: page count, change counter = version-valid-for */
    uint8_t h[100];
    if (pread(b->fd, h, sizeof h, 0) != (ssize_t)sizeof h)
        return fail(b, "reading the trace's header failed: %s", strerror(errno));
    uint32_t counter = ((uint32_t)h[24] << 24 | (uint32_t)h[25] << 16 | (uint32_t)h[26] << 8 | h[27]) + 1;
    put_be32(h + 24, counter);
    put_be32(h + 28, b->next_page - 1);
    put_be32(h + 92, counter);
    if (pwrite(b->fd, h, sizeof h, 0) != (ssize_t)sizeof h)
        return fail(b, "writing the trace failed: %s", strerror(errno));
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
    return -1;
}

/* The table's columns (in their order) and its indexes, as the file has them. */
static int read_schema(bt_bulk *b, sqlite3 *db) {
    bool ok = true;
    b->page_size = (uint32_t)query_int(db, "PRAGMA main.page_size", &ok);
    b->next_page = (uint32_t)query_int(db, "PRAGMA main.page_count", &ok) + 1;
    b->table_root = (uint32_t)query_int(
        db, "SELECT rootpage FROM main.sqlite_schema WHERE type='table' AND name='events'", &ok);
    if (query_int(db, "PRAGMA main.auto_vacuum", &ok) != 0 || !ok || b->table_root < 2)
        return fail(b, "%s", "the new trace has no events table we can write");
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT name, type, pk FROM pragma_table_info('events')", -1, &st,
                           NULL) != SQLITE_OK)
        return fail(b, "%s", "reading the events table's columns failed");
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        const char *type = (const char *)sqlite3_column_text(st, 1);
        int id = name ? col_id(name) : -1;
        bool pk = sqlite3_column_int(st, 2) != 0;
        if (id < 0 || b->ncols == MAX_TABLE_COLS || pk != (id == COL_SEQ) ||
            (pk && (!type || strcmp(type, "INTEGER")))) {
            fail(b, "events column '%s' is not one convert/btree_bulk.c writes", name ? name : "?");
            sqlite3_finalize(st);
            return -1;
        }
        b->cols[b->ncols++] = id;
    }
    sqlite3_finalize(st);
    if (b->ncols != NCOLS) return fail(b, "%s", "the events table's columns changed (convert/btree_bulk.c)");
    b->canonical = true;
    for (int i = 0; i < NCOLS; i++) b->canonical &= b->cols[i] == i;
    if (sqlite3_prepare_v2(db,
                           "SELECT s.name, s.rootpage, l.\"unique\", l.partial,"
                           " (SELECT count(*) FROM pragma_index_xinfo(s.name) x WHERE x.key),"
                           " (SELECT name FROM pragma_index_xinfo(s.name) x WHERE x.key AND NOT x.desc)"
                           " FROM main.sqlite_schema s JOIN pragma_index_list('events') l"
                           " ON l.name = s.name WHERE s.type='index' AND s.tbl_name='events'",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(b, "%s", "reading the events indexes failed");
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        const char *col = (const char *)sqlite3_column_text(st, 5);
        int id = col ? col_id(col) : -1;
        if (b->nidx == MAX_INDEXES || sqlite3_column_int(st, 2) || sqlite3_column_int(st, 3) ||
            sqlite3_column_int(st, 4) != 1 || id < 0 || id == COL_S || id == COL_SEQ ||
            sqlite3_column_int64(st, 1) < 2) {
            fail(b, "index %s on events is not one convert/btree_bulk.c writes (one "
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
        fail(b, "cannot reopen the new trace: %s", strerror(errno));
        goto bad;
    }
    uint32_t ps = (uint32_t)h[16] << 8 | h[17];
    if (ps == 1) ps = 65536;
    if (ps != b->page_size || h[20] > ps / 2 || b->page_size < 512) {
        fail(b, "%s", "the new trace's header is not as SQLite reported");
        goto bad;
    }
    b->usable = b->page_size - h[20];
    b->fmt4 = ((uint32_t)h[44] << 24 | (uint32_t)h[45] << 16 | (uint32_t)h[46] << 8 | h[47]) >= 4;
    b->wbuf = malloc((size_t)WBUF_PAGES * b->page_size);
    b->scratch = calloc(1, b->page_size);
    b->leaf.p = calloc(1, b->page_size);
    if (!b->wbuf || !b->scratch || !b->leaf.p) {
        fail(b, "%s", "out of memory");
        goto bad;
    }
    page_init(&b->leaf, 8, b->usable);
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
    for (int i = 0; i < b->nidx; i++) free(b->idx[i].vals);
    level_free(&b->leaves);
    free(b->wbuf);
    free(b->scratch);
    free(b->leaf.p);
    free(b->rec);
    free(b->pairs);
    free(b->tmp);
    free(b->pk);
    free(b);
}
