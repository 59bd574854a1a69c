/*
 * test_rt_trace_util.h — helpers for the tracer tests (test_rt_trace_*.c):
 * a scratch folder per test, SQLite queries in one line, and running a
 * traced function in a child process.
 */
#ifndef CS_TEST_RT_TRACE_UTIL_H
#define CS_TEST_RT_TRACE_UTIL_H

#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "trace_log.h"
#include "tracer.h"

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define TT_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define TT_SANITIZED 1
#endif
#endif
#ifndef TT_SANITIZED
#define TT_SANITIZED 0
#endif
#if defined(__SANITIZE_THREAD__)
#define TT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TT_TSAN 1
#endif
#endif
#ifndef TT_TSAN
#define TT_TSAN 0
#endif
/* Scale loop counts down under sanitizers (5-20x slower). */
#define TT_SCALE(n) (TT_SANITIZED ? ((n) / 8 > 0 ? (n) / 8 : 1) : (n))

static char tt_dir[64];
static pid_t tt_dir_owner;

static inline int tt_rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

/* Remove the scratch folder when the test process ends (children forked
 * from it leave it alone).  Runs after the tracer's own exit handler. */
static inline void tt_rm_dir(void) {
    if (getenv("CS_TEST_KEEP")) return; /* keep the files to look at */
    if (tt_dir[0] && getpid() == tt_dir_owner) nftw(tt_dir, tt_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh folder (one per test process) and "<folder>/<name>" in it, in
 * static storage: copy it if two are needed at once. */
static inline const char *tt_path(const char *name) {
    static char path[256];
    char *dir = tt_dir;
    if (!dir[0]) {
        snprintf(tt_dir, sizeof tt_dir, "/tmp/cs-trace-test-XXXXXX");
        if (!mkdtemp(tt_dir)) cr_assert_fail("mkdtemp failed");
        tt_dir_owner = getpid();
        atexit(tt_rm_dir);
    }
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static inline sqlite3 *tt_open(const char *path) {
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
    cr_assert_eq(rc, SQLITE_OK, "cannot open %s: %s", path, db ? sqlite3_errmsg(db) : "?");
    return db;
}

/* First column of the first row as an integer; `missing` if no row/NULL. */
static inline long long tt_qi_or(sqlite3 *db, long long missing, const char *fmt, ...) {
    char sql[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    cr_assert_eq(rc, SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
    long long v = missing;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}
#define tt_qi(db, ...) tt_qi_or((db), -999999, __VA_ARGS__)

/* First column as text into a static buffer ("<null>" if none). */
static inline const char *tt_qs(sqlite3 *db, const char *fmt, ...) {
    static char out[4096];
    char sql[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    cr_assert_eq(rc, SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
    snprintf(out, sizeof out, "<null>");
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        snprintf(out, sizeof out, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
}

/* Start tracing into path in this process or fail the test. */
static inline void tt_start(const char *path) {
    char err[512];
    int rc = cs_trace_start(path, err, sizeof err);
    cr_assert_eq(rc, 0, "cs_trace_start(%s): %s", path, err);
}

/* The CLI, for `chanscope import` (make unit sets CHANSCOPE_BIN). */
static inline const char *tt_cli(void) {
    const char *b = getenv("CHANSCOPE_BIN");
    return b && *b ? b : "build/bin/chanscope";
}

/* Convert the event log a killed program left (path.cslog) into path. */
static inline void tt_import(const char *path) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' import --quiet --remove-log '%s.cslog' -o '%s'", tt_cli(),
             path, path);
    int rc = system(cmd);
    cr_assert_eq(rc, 0, "%s: status %d", cmd, rc);
}

/* The header of the event log a program left unconverted (path.cslog),
 * mapped writable, to read it or to damage it on purpose before
 * tt_import; tt_log_header_done writes it back. */
static inline cslog_header *tt_log_header(const char *path) {
    char log[512];
    snprintf(log, sizeof log, "%s.cslog", path);
    int fd = open(log, O_RDWR);
    cr_assert_geq(fd, 0, "no log %s", log);
    cslog_header *h = mmap(NULL, CSLOG_HEADER_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    cr_assert_neq(h, MAP_FAILED);
    close(fd); /* the mapping stays */
    return h;
}
static inline void tt_log_header_done(cslog_header *h) { munmap(h, CSLOG_HEADER_SIZE); }

/* A program ended by a signal converts its log in the background: wait
 * (30 s at most) until the trace is there and the log gone. */
static inline void tt_wait_converted(const char *path) {
    char log[512];
    snprintf(log, sizeof log, "%s.cslog", path);
    for (int i = 0; i < 3000 && access(log, F_OK) == 0; i++) usleep(10 * 1000);
    cr_assert_neq(access(log, F_OK), 0, "%s was not converted within 30 s", log);
}

/* The file is a complete trace: gap-free seqs 1..N, N = meta.events,
 * program_end last, integrity ok.  Returns N. */
static inline long long tt_check_complete(sqlite3 *db) {
    cr_assert_str_eq(tt_qs(db, "PRAGMA integrity_check"), "ok");
    long long n = tt_qi(db, "SELECT count(*) FROM events");
    cr_assert_eq(tt_qi(db, "SELECT min(seq) FROM events"), 1);
    cr_assert_eq(tt_qi(db, "SELECT max(seq) FROM events"), n, "seq space has gaps");
    cr_assert_eq(tt_qi(db, "SELECT value FROM meta WHERE key='events'"), n);
    cr_assert_eq(tt_qi(db, "SELECT kind FROM events WHERE seq=%lld", n), EV_PROGRAM_END);
    return n;
}

#endif
