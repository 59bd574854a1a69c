/*
 * btree_index.c — one index of events, written by the bulk b-tree writer
 * (btree_write.h): its column's values (kept per row by btree_bulk.c)
 * become (key, rowid) pairs sorted by key, NULL first as SQLite orders them,
 * rowids ascending within a key (a counting sort when the keys span few
 * values, else an LSD radix sort: both stable, and the rows are taken in
 * rowid order), then its leaves in that order; an index b-tree's
 * interior cells are entries themselves, so the entry after each full leaf
 * is the divider handed up (and never the last one: a leaf must follow it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btree_write.h"

/* ---- the indexes -------------------------------------------------------- */

/* The pairs of index ix sorted: the NULLs first (b->nnull of them), then
 * by value; rowids ascending within a key.  A non-NULL key is stored as
 * (value with its sign bit flipped) - base, so it sorts as unsigned. */
static int sort_pairs(bt_bulk *b, const bt_index *ix, uint64_t *base) {
    uint64_t n = b->rows, nnull = 0, lo = UINT64_MAX, hi = 0;
    const uint64_t sign = UINT64_C(1) << 63;
    for (uint64_t i = 0; i < n; i++) {
        int64_t v = bt_idx_val(ix, i);
        if (bt_zero_is_null(ix->col, v)) {
            nnull++;
            continue;
        }
        uint64_t u = (uint64_t)v ^ sign;
        if (u < lo) lo = u;
        if (u > hi) hi = u;
    }
    b->nnull = nnull;
    b->sorting = ix;
    *base = lo;
    uint64_t range = nnull < n ? hi - lo : 0, inull = 0, ival = nnull, m = n - nnull;
    /* the usual case: the keys span at most max(n, 64 Ki) values (ids,
     * kinds): a counting sort, the entries as rowids (4 bytes each), the
     * counts no more */
    if (n <= UINT32_MAX && range < (n > 65536 ? n : 65536)) {
        b->sorted_as = SORT_COUNTED;
        if (!b->perm && !(b->perm = malloc(n * sizeof *b->perm)))
            return bt_fail(b, "%s", "out of memory");
        if (range + 1 > b->ncounts) {
            free(b->counts);
            b->ncounts = range + 1;
            if (!(b->counts = malloc(b->ncounts * sizeof *b->counts)))
                return bt_fail(b, "%s", "out of memory");
        }
        uint32_t *cnt = b->counts;
        memset(cnt, 0, (range + 1) * sizeof *cnt);
        for (uint64_t i = 0; i < n; i++) {
            int64_t v = bt_idx_val(ix, i);
            if (!bt_zero_is_null(ix->col, v)) cnt[((uint64_t)v ^ sign) - lo]++;
        }
        uint32_t pos = (uint32_t)nnull;
        for (uint64_t k = 0; k <= range; k++) {
            uint32_t c = cnt[k];
            cnt[k] = pos;
            pos += c;
        }
        for (uint64_t i = 0; i < n; i++) { /* rowid order: stable */
            int64_t v = bt_idx_val(ix, i);
            if (bt_zero_is_null(ix->col, v)) b->perm[inull++] = (uint32_t)i;
            else b->perm[cnt[((uint64_t)v ^ sign) - lo]++] = (uint32_t)i;
        }
        return 0;
    }
    size_t count[256];
    /* else when key and rowid - 1 both fit 32 bits, a pair is one word */
    b->sorted_as = n <= UINT32_MAX && range <= UINT32_MAX ? SORT_PACKED : SORT_PAIRS;
    if (b->sorted_as == SORT_PACKED) {
        if (!b->pk && !(b->pk = malloc(2 * n * sizeof *b->pk))) return bt_fail(b, "%s", "out of memory");
        uint64_t *a = b->pk, *t = b->pk + n;
        for (uint64_t i = 0; i < n; i++) {
            int64_t v = bt_idx_val(ix, i);
            if (bt_zero_is_null(ix->col, v)) a[inull++] = i;
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
        if (!b->pairs || !b->tmp) return bt_fail(b, "%s", "out of memory");
    }
    for (uint64_t i = 0; i < n; i++) {
        int64_t v = bt_idx_val(ix, i);
        if (bt_zero_is_null(ix->col, v)) b->pairs[inull++] = (pair){0, i + 1};
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

int bt_build_index(bt_bulk *b, const bt_index *ix) {
    uint64_t min = 0;
    if (sort_pairs(b, ix, &min) != 0) return -1;
    uint64_t n = b->rows;
    level lv = {0};
    page pg = {.p = b->scratch};
    uint8_t rec[32];
    uint64_t i = 0;
    do {
        bt_page_init(&pg, 8, b->usable);
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
            bt_page_seal(&pg, PG_INDEX_LEAF, 0);
            if (!lv.n) {
                int rc = bt_write_at(b, b->scratch, ix->root);
                bt_level_free(&lv);
                return rc;
            }
            uint32_t no = bt_append(b, b->scratch);
            if (!no || bt_level_push(b, &lv, no, 0) != 0) return bt_level_free(&lv), -1;
            break;
        }
        /* pair i is the divider; it must leave at least one for the next leaf */
        uint64_t div = i;
        if (i + 1 == n) {
            bt_page_pop(&pg);
            div = --i;
        }
        bt_page_seal(&pg, PG_INDEX_LEAF, 0);
        uint32_t no = bt_append(b, b->scratch);
        if (!no || bt_level_push(b, &lv, no, div) != 0) return bt_level_free(&lv), -1;
        i = div + 1;
    } while (i < n);
    return bt_build_upper(b, &lv, ix, min, ix->root);
}

