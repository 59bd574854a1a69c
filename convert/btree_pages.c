/*
 * btree_pages.c — pages of the bulk b-tree writer to the file (appended in
 * page-number order through a buffer, or a root in place), the cells of a
 * page being filled, and the interior levels of a b-tree built bottom-up
 * from the list of its leaves (btree_write.h).
 *
 * A level is a list of children and of the keys between them; its parent
 * level is made of nodes that each take as many (child, key) cells as fit,
 * the next child as their right-most pointer, and hand the key after it up.
 * A node never ends up without a cell (it would be invalid): when only the
 * last child would be left for a node of its own, the node before gives up
 * its last cell to it.  The level that fits one node is written on the root.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "btree_write.h"

int bt_fail(bt_bulk *b, const char *fmt, const char *what) {
    if (!b->failed) snprintf(b->msg, sizeof b->msg, fmt, what);
    b->failed = true;
    return -1;
}

/* ---- pages -------------------------------------------------------------- */

int bt_flush(bt_bulk *b) {
    if (!b->wn) return 0;
    size_t n = (size_t)b->wn * b->page_size;
    off_t off = (off_t)(b->wfirst - 1) * b->page_size;
    const uint8_t *p = b->wbuf;
    while (n) {
        ssize_t w = pwrite(b->fd, p, n, off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return bt_fail(b, "writing the trace failed: %s", strerror(errno));
        p += w;
        n -= (size_t)w;
        off += w;
    }
    b->wn = 0;
    return 0;
}

/* Write pg at page number no (a root: in place). */
int bt_write_at(bt_bulk *b, const uint8_t *pg, uint32_t no) {
    if (bt_flush(b) != 0) return -1;
    if (pwrite(b->fd, pg, b->page_size, (off_t)(no - 1) * b->page_size) != (ssize_t)b->page_size)
        return bt_fail(b, "writing the trace failed: %s", strerror(errno));
    return 0;
}

/* Append pg as a new page; its number (0 on failure). */
uint32_t bt_append(bt_bulk *b, const uint8_t *pg) {
    if (b->next_page == UINT32_MAX - 1) {
        bt_fail(b, "%s", "the trace would exceed SQLite's page count limit");
        return 0;
    }
    if (b->wn == WBUF_PAGES && bt_flush(b) != 0) return 0;
    if (!b->wn) b->wfirst = b->next_page;
    memcpy(b->wbuf + (size_t)b->wn * b->page_size, pg, b->page_size);
    b->wn++;
    return b->next_page++;
}

void bt_page_init(page *pg, int hdr, uint32_t usable) {
    pg->hdr = hdr;
    pg->ncell = 0;
    pg->content = (int)usable;
    pg->last_size = 0;
}

void bt_page_pop(page *pg) {
    pg->ncell--;
    memset(pg->p + pg->content, 0, (size_t)pg->last_size);
    pg->content += pg->last_size;
}

/* The header; the free space between the pointers and the cells zeroed. */
void bt_page_seal(page *pg, int type, uint32_t right) {
    uint8_t *p = pg->p;
    p[0] = (uint8_t)type;
    put_be16(p + 1, 0);
    put_be16(p + 3, pg->ncell);
    put_be16(p + 5, pg->content == 65536 ? 0 : pg->content);
    p[7] = 0;
    if (pg->hdr == 12) put_be32(p + 8, right);
    int ptr_end = pg->hdr + 2 * pg->ncell;
    memset(p + ptr_end, 0, (size_t)(pg->content - ptr_end));
}

int bt_level_push(bt_bulk *b, level *lv, uint32_t child, uint64_t key) {
    if (lv->n == lv->cap) {
        size_t nc = lv->cap ? lv->cap * 2 : 256;
        uint32_t *c = realloc(lv->child, nc * sizeof *c);
        if (c) lv->child = c;
        uint64_t *k = realloc(lv->key, nc * sizeof *k);
        if (k) lv->key = k;
        if (!c || !k) return bt_fail(b, "%s", "out of memory");
        lv->cap = nc;
    }
    lv->child[lv->n] = child;
    lv->key[lv->n] = key;
    lv->n++;
    return 0;
}

void bt_level_free(level *lv) {
    free(lv->child);
    free(lv->key);
    memset(lv, 0, sizeof *lv);
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
int bt_build_upper(bt_bulk *b, level *lv, const bt_index *ix, uint64_t min, uint32_t root) {
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
            bt_page_init(&pg, 12, b->usable);
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
                bt_page_pop(&pg);
                i--;
                next = i + 1;
            } else {
                next = i + 1;
            }
            if (pg.ncell == 0) {
                bt_level_free(&up);
                return bt_fail(b, "%s", "a b-tree node without cells (page too small)");
            }
            memset(b->scratch + b->usable, 0, b->page_size - b->usable);
            bt_page_seal(&pg, type, lv->child[i]);
            uint32_t no;
            if (top) {
                if (bt_write_at(b, b->scratch, root) != 0) return bt_level_free(&up), -1;
                no = root;
            } else if (!(no = bt_append(b, b->scratch))) {
                return bt_level_free(&up), -1;
            }
            if (bt_level_push(b, &up, no, last ? 0 : lv->key[i]) != 0) return bt_level_free(&up), -1;
            a = next;
        }
        bt_level_free(lv);
        *lv = up;
    }
    bt_level_free(lv);
    return 0;
}

