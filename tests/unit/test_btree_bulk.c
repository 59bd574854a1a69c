/*
 * test_btree_bulk.c — convert/btree_bulk.c writes the events table and its
 * indexes as SQLite pages itself.  Each test writes rows that way into a
 * file made with the trace's schema (format/schema.sql), then checks with
 * SQLite: PRAGMA integrity_check says "ok" (every b-tree well formed, every
 * page used once, each index holding exactly the table's rows in order), and
 * the rows equal, value and type, those of a reference table filled by
 * plain INSERTs.  Small pages (512 bytes) give deep trees and every edge of
 * the page-filling: a divider that would leave an empty last leaf or an
 * interior node without cells, payloads spilling to overflow pages.
 */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "btree_bulk.h"
#include "trace_sql.h"

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static char text_buf[70000];

/* Row i of a test set: `mode` picks the value mix. */
static cs_event_row make_row(uint64_t i, int mode) {
    cs_event_row r = {0};
    uint64_t x = next_rand();
    r.t = (int64_t)(i * 37);
    r.g = mode == 0 ? (int64_t)(x % 7) + 1 : (int64_t)(x % 5000) - 2500;
    r.kind = (int32_t)(x >> 20) % 40 + 1;
    r.obj = (x >> 8) % 3 == 0 ? 0 : (int64_t)((x >> 24) % 100000);
    r.a = (int64_t)i;
    r.b = -1;
    r.c = (x >> 40) % 2;
    r.d = (int64_t)(x >> 1);
    r.site = (x >> 12) % 4 == 0 ? 0 : (int64_t)((x >> 30) % 50) + 1;
    if (mode == 1 && i % 97 == 5) {
        r.g = i % 2 ? INT64_MAX : INT64_MIN;
        r.t = INT64_MIN;
        r.a = INT64_MAX;
    }
    if (mode == 4 && i == 69000) { /* past the first growth of the kept values */
        r.g = INT64_MIN;
        r.obj = (int64_t)1 << 40;
    }
    if ((x >> 50) % 5 == 0) {
        r.slen = (uint32_t)((x >> 16) % 60);
        if (mode == 2) r.slen = (uint32_t)((x >> 16) % 3000); /* around a 512-byte page */
        if (mode == 3) r.slen = (uint32_t)((x >> 16) % 70000);
        r.s = text_buf;
    }
    return r;
}

static int64_t one(sqlite3 *db, const char *sql) {
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql,
                 sqlite3_errmsg(db));
    int64_t v = -1;
    if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void exec(sqlite3 *db, const char *sql) {
    char *e = NULL;
    cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, &e), SQLITE_OK, "%s: %s", sql, e ? e : "?");
}

/* n rows of `mode` through the bulk writer into a fresh file with the given
 * page size; check the file against a reference filled by INSERT. */
static void check_rows(uint64_t n, int mode, int page_size) {
    for (size_t i = 0; i < sizeof text_buf; i++) text_buf[i] = (char)('a' + i % 26);
    char path[] = "/tmp/test_btree_bulk-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    char sql[128];
    snprintf(sql, sizeof sql, "PRAGMA page_size=%d; PRAGMA journal_mode=OFF", page_size);
    exec(db, sql);
    exec(db, "BEGIN");
    exec(db, CS_TRACE_TABLES_SQL);
    exec(db, CS_TRACE_INDEXES_SQL);
    exec(db, "COMMIT");
    char err[256] = "";
    bt_bulk *b = bt_bulk_open(db, path, err, sizeof err);
    cr_assert(b, "%s", err);
    sqlite3_close(db);

    cr_assert_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
    exec(db, CS_TRACE_TABLES_SQL);
    exec(db, "BEGIN");
    sqlite3_stmt *ins;
    cr_assert_eq(sqlite3_prepare_v2(db, "INSERT INTO events VALUES (NULL,?,?,?,?,?,?,?,?,?,?)", -1,
                                    &ins, NULL),
                 SQLITE_OK);
    rng = 88172645463325252ull + (uint64_t)mode;
    /* two batches: the writer's thread reads one until the next is handed over */
    cs_event_row bufs[2][64], *batch = bufs[0];
    size_t nb = 0;
    for (uint64_t i = 0; i < n; i++) {
        cs_event_row r = make_row(i, mode);
        batch[nb++] = r;
        int64_t v[] = {r.t, r.g, r.kind, r.obj, r.a, r.b, r.c, r.d, r.site};
        for (int k = 0; k < 9; k++) {
            if ((k == 3 || k == 8) && v[k] == 0) sqlite3_bind_null(ins, k + 1);
            else sqlite3_bind_int64(ins, k + 1, v[k]);
        }
        if (r.s) sqlite3_bind_text(ins, 10, r.s, (int)r.slen, SQLITE_STATIC);
        else sqlite3_bind_null(ins, 10);
        cr_assert_eq(sqlite3_step(ins), SQLITE_DONE);
        sqlite3_reset(ins);
        if (nb == 64 || i + 1 == n) {
            cr_assert_eq(bt_bulk_add(b, batch, nb, err, sizeof err), 0, "%s", err);
            batch = batch == bufs[0] ? bufs[1] : bufs[0];
            nb = 0;
        }
    }
    sqlite3_finalize(ins);
    exec(db, "COMMIT");
    cr_assert_eq(bt_bulk_rows(b), n);
    double secs;
    cr_assert_eq(bt_bulk_finish(b, &secs, err, sizeof err), 0, "%s", err);
    bt_bulk_free(b);

    char attach[128];
    snprintf(attach, sizeof attach, "ATTACH '%s' AS f", path);
    exec(db, attach);
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db, "PRAGMA f.integrity_check", -1, &st, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_assert_str_eq((const char *)sqlite3_column_text(st, 0), "ok", "n=%llu mode=%d page=%d",
                     (unsigned long long)n, mode, page_size);
    sqlite3_finalize(st);
    cr_assert_eq(one(db, "SELECT count(*) FROM f.events"), (int64_t)n);
    cr_assert_eq(one(db, "SELECT count(*) FROM (SELECT * FROM f.events EXCEPT SELECT * FROM main.events)"), 0);
    cr_assert_eq(one(db, "SELECT count(*) FROM (SELECT * FROM main.events EXCEPT SELECT * FROM f.events)"), 0);
    /* the types too (EXCEPT compares values): NULL where NULL */
    cr_assert_eq(one(db, "SELECT count(*) FROM f.events e JOIN main.events r USING (seq)"
                         " WHERE typeof(e.obj) != typeof(r.obj) OR typeof(e.site) != typeof(r.site)"
                         " OR typeof(e.s) != typeof(r.s) OR typeof(e.g) != typeof(r.g)"),
                 0);
    /* the indexes answer as a scan would */
    cr_assert_eq(one(db, "SELECT count(*) FROM f.events INDEXED BY events_obj_seq WHERE obj IS NULL"),
                 one(db, "SELECT count(*) FROM main.events WHERE obj IS NULL"));
    if (n) /* one goroutine's events, in seq order, through the index */
        cr_assert_eq(one(db, "SELECT group_concat(seq) = (SELECT group_concat(seq) FROM"
                             " (SELECT seq FROM main.events WHERE g = (SELECT g FROM main.events"
                             " WHERE seq = 1) ORDER BY seq)) FROM (SELECT seq FROM f.events"
                             " INDEXED BY events_g_seq WHERE g = (SELECT g FROM main.events"
                             " WHERE seq = 1))"),
                     1);
    sqlite3_close(db);
    unlink(path);
}

Test(btree_bulk, empty_and_one_row) {
    check_rows(0, 0, 16384);
    check_rows(1, 0, 16384);
    check_rows(1, 3, 512);
}

Test(btree_bulk, every_size_up_to_three_levels, .timeout = 120) {
    /* 512-byte pages: a leaf holds ~15 rows or ~40 index entries, so these
     * sizes cross every fill boundary of two- and three-level trees */
    for (uint64_t n = 2; n <= 1300; n += (n < 200 ? 1 : 7)) check_rows(n, 0, 512);
}

Test(btree_bulk, extreme_values, .timeout = 60) {
    check_rows(5000, 1, 512);
    check_rows(20000, 1, 4096);
}

/* An index's values are kept in 32 bits until one does not fit: then they
 * are widened, those of the rows before it too. */
Test(btree_bulk, a_late_wide_value, .timeout = 60) {
    check_rows(70000, 4, 4096);
}

Test(btree_bulk, overflow_pages, .timeout = 60) {
    check_rows(3000, 2, 512);
    check_rows(400, 3, 1024);
    check_rows(300, 3, 16384);
}

Test(btree_bulk, large, .timeout = 120) {
    check_rows(300000, 0, 16384);
}

/* A new file (its name in path, a "/tmp/test_btree_bulk-XXXXXX" buffer)
 * opened with SQLite and given the trace's tables (not their indexes). */
static sqlite3 *new_trace_file(char *path) {
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    exec(db, CS_TRACE_TABLES_SQL);
    return db;
}

/* A column added to events in format/schema.sql before any code fills it
 * is NULL in every row, as an INSERT that does not name it leaves it:
 * adding a column is one edit of the contract.  (Added here with ALTER
 * TABLE, at the end of the row, with an index on a column it does fill.) */
Test(btree_bulk, a_column_nobody_fills_is_null) {
    char path[] = "/tmp/test_btree_bulk-XXXXXX";
    sqlite3 *db = new_trace_file(path);
    exec(db, "ALTER TABLE events ADD COLUMN extra INTEGER");
    exec(db, "ALTER TABLE events ADD COLUMN later TEXT");
    exec(db, CS_TRACE_INDEXES_SQL);
    char err[256] = "";
    bt_bulk *b = bt_bulk_open(db, path, err, sizeof err);
    cr_assert(b, "%s", err);
    sqlite3_close(db);
    rng = 88172645463325252ull;
    cs_event_row rows[500];
    for (int i = 0; i < 500; i++) rows[i] = make_row((uint64_t)i, 0);
    cr_assert_eq(bt_bulk_add(b, rows, 500, err, sizeof err), 0, "%s", err);
    double secs;
    cr_assert_eq(bt_bulk_finish(b, &secs, err, sizeof err), 0, "%s", err);
    bt_bulk_free(b);
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    cr_assert_eq(one(db, "SELECT count(*) FROM events"), 500);
    cr_assert_eq(one(db, "SELECT count(*) FROM events WHERE extra IS NULL AND later IS NULL"), 500);
    cr_assert_eq(one(db, "SELECT sum(a) FROM events"), 499 * 500 / 2);
    int64_t kinds = 0, gs = 0;
    for (int i = 0; i < 500; i++) kinds += rows[i].kind, gs += rows[i].g;
    cr_assert_eq(one(db, "SELECT sum(kind) FROM events"), kinds, "each value in its column");
    cr_assert_eq(one(db, "SELECT sum(g) FROM events INDEXED BY events_g_seq WHERE g IS NOT NULL"),
                 gs);
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_assert_str_eq((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    sqlite3_close(db);
    unlink(path);
}

Test(btree_bulk, refuses_an_index_it_cannot_write) {
    char path[] = "/tmp/test_btree_bulk-XXXXXX";
    sqlite3 *db = new_trace_file(path);
    exec(db, "CREATE INDEX events_two ON events(g, kind)");
    char err[256] = "";
    cr_assert_null(bt_bulk_open(db, path, err, sizeof err));
    cr_assert(strstr(err, "events_two"), "%s", err);
    sqlite3_close(db);
    unlink(path);
}
