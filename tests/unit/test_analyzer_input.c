/*
 * test_analyzer_input.c — bad input is refused with one clear line and the
 * file is never modified; the derived tables are written in one go,
 * replaced on every check, and leave the recorded tables alone.
 */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer.h"
#include "synth.h"
#include "trace_hooks.h"
#include "trace_sql.h"

static char dir[64];

static void setup(void) {
    snprintf(dir, sizeof dir, "/tmp/cs-an-input-XXXXXX");
    cr_assert(mkdtemp(dir));
}
static void teardown(void) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}
TestSuite(analyzer_input, .init = setup, .fini = teardown, .timeout = 20);

static const char *path(const char *name) {
    static char buf[4][160];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

/* File contents as a malloc'd buffer (for "untouched" checks). */
static char *slurp(const char *p, long *len) {
    FILE *f = fopen(p, "rb");
    cr_assert(f, "open %s", p);
    fseek(f, 0, SEEK_END);
    *len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)*len + 1);
    cr_assert_eq(fread(b, 1, (size_t)*len, f), (size_t)*len);
    fclose(f);
    return b;
}

static void sql(const char *p, const char *stmt) {
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(p, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, stmt, NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    sqlite3_close(db);
}

static void expect_refused(const char *p, const char *words) {
    char err[512] = "";
    long len0 = -1, len1 = -1;
    struct stat sb;
    char *before = stat(p, &sb) == 0 && S_ISREG(sb.st_mode) ? slurp(p, &len0) : NULL;
    an_trace *t = an_open(p, err, sizeof err);
    cr_assert_null(t, "%s should be refused", p);
    cr_assert(strstr(err, words), "message '%s' should say '%s'", err, words);
    cr_assert_null(strchr(err, '\n'), "one line");
    if (before) {
        char *after = slurp(p, &len1);
        cr_assert(len0 == len1 && !memcmp(before, after, (size_t)len0), "file modified");
        free(after);
        free(before);
    }
}

static void small_trace(const char *p, int truncated) {
    an_synth *s = an_synth_open(p);
    cr_assert(s);
    int32_t site = an_synth_site(s, "prog.c", 10);
    an_synth_object(s, 5, OBJ_CHAN, "ch", site, 0, 8);
    an_synth_goroutine(s, 2, "worker", 1, site, 2);
    an_synth_ev(s, 1, EV_GO_START, 0, 0, 0, 0, 0, site, NULL);
    an_synth_ev(s, 1, EV_GO_CREATE, 2, 0, 0, 0, 0, site, "worker");
    an_synth_ev(s, 2, EV_GO_START, 0, 0, 0, 0, 0, site, NULL);
    an_synth_ev(s, 2, EV_CHAN_SEND_BEGIN, 5, 0, 0, 0, 0, site, NULL);
    an_synth_ev(s, 2, EV_GO_BLOCK, 5, BLOCK_SEND, 0, 0, 0, site, NULL);
    if (!truncated) an_synth_end(s, 1, "exit", 0);
    an_synth_close(s);
}

Test(analyzer_input, missing_file) { expect_refused(path("nope.db"), "no such file"); }

Test(analyzer_input, directory) { expect_refused(dir, "directory"); }

Test(analyzer_input, empty_file) {
    FILE *f = fopen(path("empty.db"), "w");
    fclose(f);
    expect_refused(path("empty.db"), "not a chanscope trace");
}

Test(analyzer_input, text_file_is_not_sqlite) {
    FILE *f = fopen(path("notes.txt"), "w");
    fputs("this is not a database, just some words that are long enough\n", f);
    fclose(f);
    expect_refused(path("notes.txt"), "not an SQLite database");
}

Test(analyzer_input, sqlite_without_meta) {
    sql(path("other.db"), "CREATE TABLE people(name TEXT); INSERT INTO people VALUES ('x');");
    expect_refused(path("other.db"), "not a chanscope trace");
}

Test(analyzer_input, meta_without_schema_version) {
    sql(path("meta.db"), CS_TRACE_TABLES_SQL "INSERT INTO meta VALUES ('program', 'x');");
    expect_refused(path("meta.db"), "no schema_version");
}

Test(analyzer_input, unknown_schema_version) {
    small_trace(path("v99.db"), 0);
    sql(path("v99.db"), "UPDATE meta SET value='99' WHERE key='schema_version'");
    expect_refused(path("v99.db"), "unsupported trace schema version '99'");
}

/* A trace recorded by an older chanscope (schema 1: the SQLite writer
 * before the binary log) is refused with what to do about it. */
Test(analyzer_input, older_schema_version) {
    char want[256];
    snprintf(want, sizeof want, "v1.db: recorded by an older chanscope (trace schema version 1; "
             "this one reads version %d): re-run the program to record it again",
             CS_TRACE_SCHEMA_VERSION);
    small_trace(path("v1.db"), 0);
    sql(path("v1.db"), "UPDATE meta SET value='1' WHERE key='schema_version'");
    expect_refused(path("v1.db"), want);
    small_trace(path("v0.db"), 0); /* 0 was never a version: unknown, not older */
    sql(path("v0.db"), "UPDATE meta SET value='0' WHERE key='schema_version'");
    expect_refused(path("v0.db"), "unsupported trace schema version '0'");
}

Test(analyzer_input, missing_events_table) {
    small_trace(path("noev.db"), 0);
    sql(path("noev.db"), "DROP TABLE events");
    expect_refused(path("noev.db"), "table 'events' is missing");
}

Test(analyzer_input, truncated_trace_loads_and_says_so) {
    small_trace(path("trunc.db"), 1);
    char err[256];
    an_trace *t = an_open(path("trunc.db"), err, sizeof err);
    cr_assert(t, "%s", err);
    cr_assert(t->truncated);
    cr_assert_eq(t->nev, 5);
    an_result *r = an_analyze(t);
    char *js = an_report_json(t, r);
    cr_assert(strstr(js, "\"truncated\":\ttrue"), "%s", js);
    free(js);
    an_result_free(r);
    an_trace_free(t);
}

static long count(sqlite3 *db, const char *q) {
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK, "%s: %s", q,
                 sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    long n = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

Test(analyzer_input, derived_tables_are_replaced_and_recorded_ones_untouched) {
    const char *p = path("store.db");
    small_trace(p, 0);
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(p, &db), SQLITE_OK);
    const char *digest = "SELECT sum(seq*7 + kind*13 + coalesce(obj,0)*17 + a + b) FROM events";
    long before = count(db, digest);
    long nev = count(db, "SELECT count(*) FROM events");
    for (int round = 0; round < 2; round++) {
        char err[256];
        an_trace *t = an_open(p, err, sizeof err);
        cr_assert(t, "%s", err);
        an_result *r = an_analyze(t);
        cr_assert_eq(an_store(p, t, r, err, sizeof err), 0, "%s", err);
        an_result_free(r);
        an_trace_free(t);
        cr_assert_eq(count(db, "SELECT count(*) FROM findings"), 1);
        cr_assert_eq(count(db, "SELECT count(*) FROM findings WHERE kind='leak'"), 1);
        cr_assert_eq(count(db, "SELECT count(*) FROM finding_refs WHERE g=2 AND role='leaked'"), 1);
        cr_assert_eq(count(db, "SELECT count(*) FROM spans WHERE g=2 AND state='blocked' "
                               "AND reason='send' AND obj=5 AND open=1"),
                     1);
        cr_assert_eq(count(db, "SELECT count(*) FROM spans WHERE g=2 AND state='running'"), 1);
        cr_assert_eq(count(db, "SELECT count(*) FROM hb_edges WHERE kind='spawn'"), 1);
        cr_assert_eq(count(db, "SELECT value FROM meta WHERE key='analysis_version'"), 2);
    }
    cr_assert_eq(count(db, digest), before);
    cr_assert_eq(count(db, "SELECT count(*) FROM events"), nev);
    sqlite3_close(db);
}

Test(analyzer_input, read_only_file_still_analyzes_but_store_fails_cleanly) {
    const char *p = path("ro.db");
    small_trace(p, 0);
    cr_assert_eq(chmod(p, 0444), 0);
    if (access(p, W_OK) == 0) return; /* running as root: permissions do not apply */
    char err[256];
    an_trace *t = an_open(p, err, sizeof err);
    cr_assert(t, "%s", err);
    an_result *r = an_analyze(t);
    cr_assert_eq(r->findings.n, 1);
    cr_assert_eq(an_store(p, t, r, err, sizeof err), -1);
    an_result_free(r);
    an_trace_free(t);
}

/* The issue-15 contract: the wait-for graph, the culprit and every lock hold
 * are stored as rows the viewer can read (docs/trace-format.md). */
Test(analyzer_input, wait_for_graph_culprit_and_lock_spans_are_stored) {
    const char *p = path("graph.db");
    an_synth *s = an_synth_open(p);
    cr_assert(s);
    int32_t l1 = an_synth_site(s, "bank.c", 1), la = an_synth_site(s, "bank.c", 30),
            lb = an_synth_site(s, "bank.c", 40), wa = an_synth_site(s, "bank.c", 31),
            wb = an_synth_site(s, "bank.c", 41), un = an_synth_site(s, "bank.c", 50);
    an_synth_object(s, 20, OBJ_MUTEX, "A", l1, 0, 0);
    an_synth_object(s, 21, OBJ_RWMUTEX, "B", l1, 0, 0);
    an_synth_goroutine(s, 2, "left", 1, l1, 0);
    an_synth_goroutine(s, 3, "right", 1, l1, 0);
    an_synth_ev(s, 1, EV_GO_CREATE, 2, 0, 0, 0, 0, l1, "left");
    an_synth_ev(s, 1, EV_GO_CREATE, 3, 0, 0, 0, 0, l1, "right");
    an_synth_ev(s, 2, EV_GO_START, 0, 0, 0, 0, 0, l1, NULL);
    an_synth_ev(s, 3, EV_GO_START, 0, 0, 0, 0, 0, l1, NULL);
    /* a hold that ends, then the AB-BA: left holds A, right read-holds B */
    an_synth_ev(s, 2, EV_MUTEX_ACQUIRE, 20, 0, 0, 0, 0, la, NULL);
    an_synth_ev(s, 2, EV_MUTEX_RELEASE, 20, 0, 0, 0, 0, un, NULL);
    an_synth_ev(s, 2, EV_MUTEX_ACQUIRE, 20, 0, 0, 0, 0, la, NULL);
    an_synth_ev(s, 3, EV_RW_RACQUIRE, 21, 0, 0, 0, 0, lb, NULL);
    an_synth_ev(s, 2, EV_MUTEX_WAIT, 21, 0, 0, 0, 0, wa, NULL);
    an_synth_ev(s, 2, EV_GO_BLOCK, 21, BLOCK_LOCK, 0, 0, 0, wa, NULL);
    an_synth_ev(s, 3, EV_MUTEX_WAIT, 20, 0, 0, 0, 0, wb, NULL);
    an_synth_ev(s, 3, EV_GO_BLOCK, 20, BLOCK_LOCK, 0, 0, 0, wb, NULL);
    an_synth_end(s, 1, "exit", 0);
    an_synth_close(s);
    char err[256];
    an_trace *t = an_open(p, err, sizeof err);
    cr_assert(t, "%s", err);
    an_result *r = an_analyze(t);
    cr_assert_eq(an_store(p, t, r, err, sizeof err), 0, "%s", err);
    an_result_free(r);
    an_trace_free(t);
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(p, &db), SQLITE_OK);
    long f = count(db, "SELECT id FROM findings WHERE kind='partial_deadlock'");
    cr_assert_gt(f, 0);
    cr_assert_eq(count(db, "SELECT count(*) FROM finding_waits WHERE state='blocked' AND "
                           "reason='lock' AND ((g=2 AND obj=21 AND site=4) OR "
                           "(g=3 AND obj=20 AND site=5))"),
                 2);
    cr_assert_eq(count(db, "SELECT count(*) FROM finding_holds WHERE (g=2 AND obj=20 AND "
                           "mode='write') OR (g=3 AND obj=21 AND mode='read')"),
                 2);
    cr_assert_eq(count(db, "SELECT count(*) FROM finding_wakers WHERE (g=2 AND waker=3) OR "
                           "(g=3 AND waker=2)"),
                 2);
    cr_assert_eq(count(db, "SELECT count(*) FROM findings WHERE culprit_site IN (4, 5) AND "
                           "culprit_g IN (2, 3) AND length(fix_line) BETWEEN 10 AND 100"),
                 1);
    /* three holds: the finished one has an end, the two still held none */
    cr_assert_eq(count(db, "SELECT count(*) FROM lock_spans"), 3);
    cr_assert_eq(count(db, "SELECT count(*) FROM lock_spans WHERE g=2 AND obj=20 AND "
                           "mode='write' AND end_seq IS NOT NULL AND site=2"),
                 1);
    cr_assert_eq(count(db, "SELECT count(*) FROM lock_spans WHERE end_seq IS NULL"), 2);
    cr_assert_eq(count(db, "SELECT count(*) FROM lock_spans WHERE g=3 AND mode='read'"), 1);
    cr_assert_eq(count(db, "SELECT count(*) FROM finding_kinds WHERE name='work_after_cancel'"),
                 1);
    sqlite3_close(db);
}
