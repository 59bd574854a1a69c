/*
 * trace_file.c — may this path become (or be replaced by) a trace?
 *
 * Stateless: it never references the tracing state, so `chanscope run`
 * links it without pulling the CHANSCOPE_TRACE constructor into the tool.
 * Rule (docs/trace-format.md, "Files"): a trace is only ever written over
 * nothing, an empty file, or an older chanscope trace; anything else is
 * refused and left untouched.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

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
    }
    sqlite3_close(db);
    return is;
}

/* The folder that will hold path must exist and be writable (the trace is
 * created there, with its -wal and -shm companions). */
static int check_folder(const char *path, char *err, size_t errlen) {
    char *copy = strdup(path);
    if (!copy) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const char *dir = dirname(copy);
    struct stat st;
    int rc = 0;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "cannot write trace %s: folder %s does not exist", path, dir);
        rc = -1;
    } else if (access(dir, W_OK | X_OK) != 0) {
        snprintf(err, errlen, "cannot write trace %s: folder %s is not writable", path, dir);
        rc = -1;
    }
    free(copy);
    return rc;
}

int cs_trace_check_output(const char *path, char *err, size_t errlen) {
    if (!path || !*path) {
        snprintf(err, errlen, "empty trace path");
        return -1;
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno != ENOENT) {
            snprintf(err, errlen, "cannot write trace %s: %s", path, strerror(errno));
            return -1;
        }
        return check_folder(path, err, errlen);
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "cannot write trace %s: it is a directory", path);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "cannot write trace %s: not a regular file", path);
        return -1;
    }
    if (check_folder(path, err, errlen) != 0) return -1;
    if (st.st_size == 0) return 0;
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
