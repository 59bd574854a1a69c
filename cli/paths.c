/* cli/paths.c — checks on the files a command is given (cli/paths.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "paths.h"
#include "tracer.h"

int same_file(const char *a, const char *b) {
    struct stat sa, sb;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0) return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int cs_refuse_same(const char *cmd, const char *input, const char *output) {
    if (!same_file(input, output)) return 0;
    return cs_bad_input("%s: %s is the trace %s itself (refusing to overwrite it; choose "
                        "another output file)",
                        cmd, output, input);
}

static uint32_t be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The size the SQLite header of `path` promises, or 0 if it promises none
 * (not SQLite, too short to say, or a header whose size field is stale). */
static long long promised_size(const char *path, int *short_header) {
    *short_header = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return 0;
    unsigned char h[100];
    ssize_t n = read(fd, h, sizeof h);
    close(fd);
    if (n < 16 || memcmp(h, "SQLite format 3", 16) != 0) return 0;
    if (n < (ssize_t)sizeof h) {
        *short_header = 1;
        return 100;
    }
    long long page = (h[16] << 8 | h[17]) == 1 ? 65536 : (h[16] << 8 | h[17]);
    uint32_t pages = be32(h + 28);
    /* the page count is valid only when "version-valid-for" matches the
     * change counter (SQLite file format, section 1.3.7) */
    if (!pages || be32(h + 24) != be32(h + 92) || page < 512) return 0;
    return page * pages;
}

int cs_input_trace(const char *cmd, const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) return 0; /* an_open says "no such file" & co. */
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        return cs_bad_input("%s: %s is not a regular file (%s): a trace is an SQLite file",
                            cmd, path,
                            S_ISFIFO(st.st_mode)   ? "a FIFO"
                            : S_ISSOCK(st.st_mode) ? "a socket"
                                                   : "a device");
    if (S_ISDIR(st.st_mode)) return 0;
    char err[1024];
    if (cs_trace_recover(path, err, sizeof err) != 0) return cs_bad_input("%s", err);
    /* A trace in WAL mode (live, or killed) is its file and its -wal: the
     * file alone may lag its header while a checkpoint runs. */
    char wal[4200];
    snprintf(wal, sizeof wal, "%s-wal", path);
    if (stat(path, &st) != 0 || access(wal, F_OK) == 0) return 0;
    int short_header;
    long long want = promised_size(path, &short_header);
    if (short_header)
        return cs_bad_input("%s: truncated or damaged trace: only %lld bytes, less than an "
                            "SQLite header", path, (long long)st.st_size);
    if (want && (long long)st.st_size < want)
        return cs_bad_input("%s: truncated or damaged trace: %lld bytes where its SQLite "
                            "header promises %lld (cut short while copied or written?)",
                            path, (long long)st.st_size, want);
    return 0;
}
