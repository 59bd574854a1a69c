/*
 * trace_files.c — facts about a trace's files that both the runtime (before
 * it starts recording, without SQLite) and the converter (convert/, before
 * it replaces a trace) need: is a file flocked by a recording program, what
 * the header of an event log says, may a folder hold a trace.  One copy,
 * in the runtime library, which the CLI links too.
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

#include "trace_log.h"
#include "tracer.h"

int cs_file_flocked(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) return errno == ENOENT ? 0 : -1;
    struct stat st;
    int live = 0;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        if (flock(fd, LOCK_SH | LOCK_NB) == 0) flock(fd, LOCK_UN);
        else if (errno == EWOULDBLOCK) live = 1;
    }
    close(fd);
    return live;
}

/* The header of the log at lp, if it is a chanscope log: 1, else 0. */
static int read_header(const char *lp, cslog_header *h) {
    int fd = open(lp, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) return 0;
    ssize_t n = read(fd, h, sizeof *h);
    close(fd);
    return n == (ssize_t)sizeof *h && !memcmp(h->magic, CSLOG_MAGIC, 8);
}

long long cs_log_pid(const char *lp) {
    cslog_header h;
    return read_header(lp, &h) ? (long long)h.pid : 0;
}

int cs_log_finished(const char *lp) {
    cslog_header h;
    return read_header(lp, &h) && h.finished == 1;
}

int cs_trace_check_folder(const char *path, char *err, size_t errlen) {
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
