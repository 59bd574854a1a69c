/*
 * btree_write.h — the insides of the bulk b-tree writer (btree_bulk.h says
 * what it is for, btree_bulk.c how it works): its state, the SQLite record
 * and page encodings (https://www.sqlite.org/fileformat2.html), and the
 * functions its three files share:
 *   btree_bulk.c   the rows (the events table's leaves), the writer thread,
 *                  open (the file's schema) and finish
 *   btree_pages.c  pages to the file, the interior levels of any b-tree
 *   btree_index.c  an index: its (key, rowid) pairs sorted, then its leaves
 */
#ifndef CS_BTREE_WRITE_H
#define CS_BTREE_WRITE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "btree_bulk.h"

enum { COL_SEQ, COL_T, COL_G, COL_KIND, COL_OBJ, COL_A, COL_B, COL_C, COL_D, COL_SITE, COL_S, NCOLS };
/* A column of events the converter does not fill (added to format/schema.sql
 * before any code gives it values): NULL in every row, as an INSERT that
 * does not name it would leave it.  So a new column is one edit of the
 * contract, as docs/architecture.md promises. */
enum { COL_NONE = NCOLS };

/* The integer columns whose 0 is NULL in the trace: obj and site (no
 * object, no site), as the converter has always written them.  The one
 * definition of that rule: the rows (btree_bulk.c) and the indexes
 * (btree_index.c) both ask here. */
static inline bool bt_zero_is_null(int col, int64_t v) {
    return (col == COL_OBJ || col == COL_SITE) && v == 0;
}
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

/* An index and its column's value per row (rowid - 1), kept while the rows
 * are written: 32 bits a value while every value so far is in
 * [0, 2^32) (ids, kinds: the usual case), 64 from the first that is not
 * (v64 then replaces v32). */
typedef struct bt_index {
    int col;
    uint32_t root;
    uint32_t *v32;
    int64_t *v64;
} bt_index;

static inline int64_t bt_idx_val(const bt_index *ix, uint64_t row) {
    return ix->v64 ? ix->v64[row] : (int64_t)ix->v32[row];
}

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
    /* index build (btree_index.c, sort_pairs), the entries in index order,
     * in one of three forms:
     *   counted: perm[i] = rowid - 1 of entry i, its key read from the
     *            index's values (the keys span at most max(rows, 64 Ki)
     *            values: a counting sort, 4 bytes an entry);
     *   packed:  psorted[i] = key << 32 | rowid - 1 (both fit 32 bits);
     *   else:    pairs[i] = (key, rowid). */
    enum { SORT_PAIRS, SORT_PACKED, SORT_COUNTED } sorted_as;
    const bt_index *sorting; /* the index whose entries these are */
    uint32_t *perm, *counts;
    uint64_t ncounts;
    pair *pairs, *tmp;
    uint64_t *pk, *psorted;
    uint64_t nnull;     /* entries [0, nnull) have a NULL key */
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

/* ---- shared functions (btree_pages.c, btree_index.c) ------------------- */

/* Record the first failure (fmt has one %s: what); -1. */
int bt_fail(bt_bulk *b, const char *fmt, const char *what);
/* The appended pages not written yet, to the file. */
int bt_flush(bt_bulk *b);
/* Write a page at page number no (a root: in place). */
int bt_write_at(bt_bulk *b, const uint8_t *pg, uint32_t no);
/* Append a page; its number (0 on failure). */
uint32_t bt_append(bt_bulk *b, const uint8_t *pg);
void bt_page_init(page *pg, int hdr, uint32_t usable);
/* Take the last cell off again. */
void bt_page_pop(page *pg);
/* The page header; the free space between the pointers and the cells zeroed. */
void bt_page_seal(page *pg, int type, uint32_t right);
int bt_level_push(bt_bulk *b, level *lv, uint32_t child, uint64_t key);
void bt_level_free(level *lv);
/* Build the levels above lv (its children written already) up to the root
 * page.  ix NULL: the table; else min is the index's key base
 * (btree_index.c).  lv is consumed. */
int bt_build_upper(bt_bulk *b, level *lv, const bt_index *ix, uint64_t min, uint32_t root);
/* Sort index ix's pairs and write its b-tree (b->rows > 0). */
int bt_build_index(bt_bulk *b, const bt_index *ix);

/* ---- encoding ----------------------------------------------------------- */

static inline int put_varint(uint8_t *p, uint64_t v) {
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

static inline int varint_len(uint64_t v) {
    int n = 1;
    while (v > 0x7f && n < 9) {
        v >>= 7;
        n++;
    }
    return n;
}

static inline void put_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline void put_be16(uint8_t *p, int v) {
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

/* ---- pages -------------------------------------------------------------- */

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

/* The record (key, rowid) of sorted pair i into out (at most 19 bytes);
 * its size. */
static inline int index_record(const bt_bulk *b, uint64_t i, uint64_t base, uint8_t *out) {
    uint64_t key, rowid;
    if (b->sorted_as == SORT_COUNTED) {
        rowid = (uint64_t)b->perm[i] + 1;
        key = ((uint64_t)bt_idx_val(b->sorting, rowid - 1) ^ (UINT64_C(1) << 63)) - base;
    } else if (b->sorted_as == SORT_PACKED) {
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

#endif
