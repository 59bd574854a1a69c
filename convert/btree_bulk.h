/*
 * btree_bulk.h — the events table and its indexes written straight into
 * the trace file as SQLite b-tree pages (btree_bulk.c says why and how).
 *
 * Use: SQLite creates the file with the whole schema (format/schema.sql:
 * tables and indexes, all empty) and commits; bt_bulk_open reads, through
 * that connection, where the roots of events and its indexes are and checks
 * that the table and indexes are ones it can write; the caller then closes
 * the connection and nothing else writes the file until bt_bulk_finish has
 * returned.  Rows come in rowid order 1, 2, ...  Afterwards SQLite may open
 * the file again and write the other tables (new pages go after ours).
 */
#ifndef CS_BTREE_BULK_H
#define CS_BTREE_BULK_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

/* One row of events (its seq is the next rowid).  obj and site 0 are
 * written as NULL, s NULL as NULL; the other columns are integers. */
typedef struct cs_event_row {
    int64_t t, g, obj, a, b, c, d, site;
    const char *s;
    uint32_t slen;
    int32_t kind;
} cs_event_row;

typedef struct bt_bulk bt_bulk;

/* NULL with one line in err when the file's events table or one of its
 * indexes is not of a shape we write (format/schema.sql changed). */
bt_bulk *bt_bulk_open(sqlite3 *db, const char *path, char *err, size_t errlen);

/* Append rows (rowids: the previous row's + 1, from 1).  They are written
 * by a thread of the writer's while the caller goes on: `rows` (and the
 * text its rows point to) must stay as they are until the next bt_bulk_add
 * or bt_bulk_finish has returned (fill a second buffer meanwhile).  -1 with
 * err when an earlier batch failed. */
int bt_bulk_add(bt_bulk *b, const cs_event_row *rows, size_t n, char *err, size_t errlen);

/* The rows handed over written, then the interior pages, the indexes, the
 * header.  index_seconds gets the
 * time the indexes took.  -1 with err. */
int bt_bulk_finish(bt_bulk *b, double *index_seconds, char *err, size_t errlen);

/* The rows written so far (waits for the batch being written). */
uint64_t bt_bulk_rows(bt_bulk *b);

void bt_bulk_free(bt_bulk *b);

#endif
