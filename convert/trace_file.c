/*
 * trace_file.c — may this path become (or be replaced by) a trace?
 *
 * Stateless: it never references the tracing state, so `chanscope run`
 * links it without pulling the CHANSCOPE_TRACE constructor into the tool.
 * Rule (docs/trace-format.md, "Files"): a trace is only ever written over
 * nothing, an empty file, a half-created trace (an SQLite file without a
 * single table: a program killed while it created its trace) or an older
 * chanscope trace that no running program is recording; anything else is
 * refused and left untouched.
 *
 * Liveness protocol (docs/trace-format.md, "Files"): the program recording a
 * trace holds flock(LOCK_EX) on its event log TRACE.cslog from its creation
 * until the log is finished; the converter holds it while it writes the
 * trace (older chanscope versions held it on the trace file itself: still
 * honoured).  Commands that write into a trace (check's
 * derived tables) take flock(LOCK_SH | LOCK_NB) for the time of the write and
 * write nothing if they cannot get it.  flock locks are independent of the
 * fcntl locks SQLite uses (Linux), so they never interfere with SQLite; but
 * a process must not close() a descriptor of a database file while it has an
 * SQLite connection on it (that drops SQLite's fcntl locks), so every probe
 * here runs before the caller opens SQLite on the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "trace_log.h"
#include "tracer.h"

int cs_trace_is_trace(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char magic[16];
    ssize_t n = read(fd, magic, sizeof magic);
    close(fd);
    if (n != (ssize_t)sizeof magic || memcmp(magic, "SQLite format 3", 16) != 0) return 0;
    sqlite3 *db = NULL;
    int is = 0;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key='schema_version'", -1, &st,
                               NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
            is = 1;
        sqlite3_finalize(st);
        st = NULL;
        /* No table at all: the schema transaction of a starting program never
         * committed (it was killed in its first milliseconds). */
        if (!is &&
            sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL) ==
                SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) == 0)
            is = 2;
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return is;
}

/* TRACE.cslog, the log of trace TRACE (malloc'd; NULL: out of memory). */
static char *log_path_of(const char *path) {
    size_t n = strlen(path) + sizeof ".cslog";
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s.cslog", path);
    return p;
}

int cs_trace_live(const char *path) {
    char *lp = log_path_of(path);
    int l = lp ? cs_file_flocked(lp) : 0;
    free(lp);
    if (l == 1) return 1;
    int t = cs_file_flocked(path);
    return t == 1 ? 1 : l < 0 ? l : t;
}

long long cs_trace_pid(const char *path) {
    char *lp = log_path_of(path);
    long long lpid = lp ? cs_log_pid(lp) : 0; /* being recorded: the log says by whom */
    free(lp);
    if (lpid) return lpid;
    sqlite3 *db = NULL;
    long long pid = 0;
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return 0;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key='pid'", -1, &st, NULL) ==
                SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            pid = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return pid;
}

/* "%s is being recorded by a running program (pid N)" into err. */
static void live_message(const char *path, char *err, size_t errlen) {
    long long pid = cs_trace_pid(path);
    char who[48] = "";
    if (pid > 0) snprintf(who, sizeof who, " (pid %lld)", pid);
    snprintf(err, errlen,
             "%s is being recorded by a running program%s: not replacing it (wait for that "
             "program to end, or choose another file)",
             path, who);
}

int cs_trace_recover(const char *path, char *err, size_t errlen) {
    size_t n = strlen(path) + 16;
    char *jpath = malloc(n);
    if (!jpath) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(jpath, n, "%s-journal", path);
    struct stat st;
    bool hot = stat(jpath, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
    if (hot) { /* a stray NAME-journal beside a file that is no database: not ours */
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        char magic[16];
        hot = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
              read(fd, magic, sizeof magic) == (ssize_t)sizeof magic &&
              memcmp(magic, "SQLite format 3", 16) == 0;
        if (fd >= 0) close(fd);
    }
    int rc = 0;
    if (hot) {
        /* A read on a read-write connection makes SQLite check the journal and,
         * if it is hot, roll it back (it needs write access for that).  A
         * journal that is not hot (a write in progress elsewhere) is left to
         * its writer; the read then just waits for the lock. */
        sqlite3 *db = NULL;
        int orc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
        if (orc == SQLITE_OK) {
            sqlite3_busy_timeout(db, 10000);
            orc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
        }
        if (orc != SQLITE_OK) {
            snprintf(err, errlen,
                     "%s: an interrupted write left %s, which only a writer can roll back "
                     "(%s): give chanscope write access to the file and its folder",
                     path, jpath, db ? sqlite3_errmsg(db) : sqlite3_errstr(orc));
            rc = -1;
        }
        sqlite3_close(db);
    }
    free(jpath);
    return rc;
}

int cs_trace_check_output(const char *path, char *err, size_t errlen) {
    if (!path || !*path) {
        snprintf(err, errlen, "empty trace path");
        return -1;
    }
    /* first: a program recording it has only its log there yet; a finished
     * log still locked is being converted: wait for that (60 s at most) */
    char *lp = log_path_of(path);
    for (int i = 0; lp && i < 6000 && cs_trace_live(path) == 1 && cs_log_finished(lp); i++)
        usleep(10000);
    free(lp);
    if (cs_trace_live(path) == 1) {
        live_message(path, err, errlen);
        return -1;
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno != ENOENT) {
            snprintf(err, errlen, "cannot write trace %s: %s", path, strerror(errno));
            return -1;
        }
        return cs_trace_check_folder(path, err, errlen);
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "cannot write trace %s: it is a directory", path);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "cannot write trace %s: not a regular file", path);
        return -1;
    }
    if (cs_trace_check_folder(path, err, errlen) != 0) return -1;
    int live = cs_trace_live(path);
    if (live == 1) {
        live_message(path, err, errlen);
        return -1;
    }
    /* A program killed while SQLite wrote in rollback mode (creating the
     * file, before WAL mode; building the indexes, after it) leaves a hot
     * journal; until it is rolled back a read-only look sees no trace at
     * all.  Rolled back, a killed creation is an empty file again. */
    if (st.st_size > 0 && cs_trace_recover(path, err, errlen) != 0) return -1;
    if (stat(path, &st) != 0 || st.st_size == 0) return 0;
    int is = cs_trace_is_trace(path);
    if (is < 0) {
        snprintf(err, errlen, "cannot read %s: %s (not overwriting it)", path, strerror(errno));
        return -1;
    }
    if (is == 0) {
        snprintf(err, errlen, "%s exists and is not a chanscope trace (not overwriting it)",
                 path);
        return -1;
    }
    return 0;
}

void cs_trace_unlink(const char *path) {
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    size_t n = strlen(path) + 16;
    char *p = malloc(n);
    if (!p) return;
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
        snprintf(p, n, "%s%s", path, suffixes[i]);
        unlink(p);
    }
    free(p);
}
