/* cli/cmd_view.c — `chanscope view TRACE [...]`: validate the trace, run
 * `chanscope check` on it if it has not been checked yet, then run the Tk
 * viewer (wish on <home>/viewer/main.tcl).  With --screenshot and no X
 * display, a private Xvfb is started for the capture and stopped after.
 *
 * Bad input (missing file, not SQLite, not a chanscope trace, unknown schema
 * version, a trace that cannot be checked) is one line on stderr and exit 2,
 * before any window opens.  The trace is only ever opened read-only here;
 * the automatic check writes the derived tables, as `chanscope check` does. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"

#define VIEW_SCHEMA "1"
#define VIEW_ANALYSIS "1"

static const char view_usage[] =
    "usage: chanscope view TRACE [--screenshot FILE.png [--finding N] [--at SEQ]]\n"
    "                       [--axis seq|ns] [--arrows sel|all|none] [--size WxH] [--no-check]";

enum trace_state { TRACE_OK, TRACE_UNCHECKED, TRACE_BAD };

/* Read one meta value into buf (empty string when absent).  0 on success,
 * -1 when the meta table itself is missing or unreadable. */
static int meta_value(sqlite3 *db, const char *key, char *buf, size_t n) {
    sqlite3_stmt *st;
    buf[0] = 0;
    if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key=?", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const unsigned char *v = sqlite3_column_text(st, 0);
        snprintf(buf, n, "%s", v ? (const char *)v : "");
    }
    sqlite3_finalize(st);
    return (rc == SQLITE_ROW || rc == SQLITE_DONE) ? 0 : -1;
}

/* Classify PATH; on TRACE_BAD the message is already printed. */
static enum trace_state check_trace(const char *path) {
    struct stat sb;
    if (stat(path, &sb) != 0) {
        cs_bad_input("%s: %s", path, strerror(errno));
        return TRACE_BAD;
    }
    if (!S_ISREG(sb.st_mode)) {
        cs_bad_input("%s: not a regular file", path);
        return TRACE_BAD;
    }
    char magic[16] = {0};
    FILE *f = fopen(path, "rb");
    if (!f) {
        cs_bad_input("%s: %s", path, strerror(errno));
        return TRACE_BAD;
    }
    size_t got = fread(magic, 1, sizeof magic, f);
    fclose(f);
    if (got < sizeof magic || memcmp(magic, "SQLite format 3", 16) != 0) {
        cs_bad_input("%s: not a chanscope trace (not an SQLite database)", path);
        return TRACE_BAD;
    }
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        cs_bad_input("%s: cannot open: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return TRACE_BAD;
    }
    sqlite3_busy_timeout(db, 2000);
    char schema[64], analysis[64];
    enum trace_state res = TRACE_OK;
    if (meta_value(db, "schema_version", schema, sizeof schema) != 0) {
        cs_bad_input("%s: not a chanscope trace (no meta table)", path);
        res = TRACE_BAD;
    } else if (!schema[0]) {
        cs_bad_input("%s: not a chanscope trace (meta has no schema_version)", path);
        res = TRACE_BAD;
    } else if (strcmp(schema, VIEW_SCHEMA) != 0) {
        cs_bad_input("%s: unknown trace schema version %s (this chanscope reads version %s)",
                     path, schema, VIEW_SCHEMA);
        res = TRACE_BAD;
    } else if (meta_value(db, "analysis_version", analysis, sizeof analysis) != 0 ||
               strcmp(analysis, VIEW_ANALYSIS) != 0) {
        res = TRACE_UNCHECKED;
    }
    sqlite3_close(db);
    return res;
}

/* Run `<this chanscope> check TRACE` with its report discarded.  Its exit
 * status 0 (clean) and 1 (findings) both mean the derived tables exist. */
static int run_check(const char *path) {
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return -1;
    self[n] = 0;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) dup2(fd, 1);
        execl(self, "chanscope", "check", path, (char *)NULL);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Start a private Xvfb; set DISPLAY; return its pid (or -1). */
static pid_t start_xvfb(void) {
    int p[2];
    if (pipe(p) != 0) return -1;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        close(p[0]);
        char fd[16];
        snprintf(fd, sizeof fd, "%d", p[1]);
        int nul = open("/dev/null", O_RDWR);
        if (nul >= 0) {
            dup2(nul, 0);
            dup2(nul, 1);
            dup2(nul, 2);
        }
        execlp("Xvfb", "Xvfb", "-displayfd", fd, "-screen", "0", "1920x1200x24", "-nolisten",
               "tcp", "-noreset", (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    char buf[32] = {0};
    size_t len = 0;
    struct pollfd pfd = {.fd = p[0], .events = POLLIN};
    while (len < sizeof buf - 1 && poll(&pfd, 1, 10000) > 0) {
        ssize_t r = read(p[0], buf + len, sizeof buf - 1 - len);
        if (r <= 0) break;
        len += (size_t)r;
        if (memchr(buf, '\n', len)) break;
    }
    close(p[0]);
    int num = atoi(buf);
    if (len == 0 || buf[0] < '0' || buf[0] > '9') {
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        return -1;
    }
    char disp[32];
    snprintf(disp, sizeof disp, ":%d", num);
    setenv("DISPLAY", disp, 1);
    return pid;
}

static int is_number(const char *s) {
    if (!*s) return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return 0;
    return 1;
}

int cmd_view(int argc, char **argv) {
    const char *trace = NULL, *shot = NULL;
    int no_check = 0;
    /* wish viewer/main.tcl -- TRACE [options]: at most argc + 4 entries */
    char **wargv = calloc((size_t)argc + 8, sizeof *wargv);
    if (!wargv) return cs_bad_input("out of memory");
    int wn = 3; /* wish, main.tcl, -- filled below; trace next */
    char **opts = calloc((size_t)argc + 1, sizeof *opts);
    if (!opts) {
        free(wargv);
        return cs_bad_input("out of memory");
    }
    int on = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            puts(view_usage);
            free(wargv);
            free(opts);
            return 0;
        } else if (!strcmp(a, "--no-check")) {
            no_check = 1;
        } else if (!strcmp(a, "--screenshot") || !strcmp(a, "--finding") || !strcmp(a, "--at") ||
                   !strcmp(a, "--axis") || !strcmp(a, "--arrows") || !strcmp(a, "--size")) {
            if (i + 1 >= argc) {
                free(wargv);
                free(opts);
                return cs_bad_input("view: %s needs a value", a);
            }
            if ((!strcmp(a, "--finding") || !strcmp(a, "--at")) && !is_number(argv[i + 1])) {
                free(wargv);
                free(opts);
                return cs_bad_input("view: %s needs a number, not '%s'", a, argv[i + 1]);
            }
            if (!strcmp(a, "--screenshot")) shot = argv[i + 1];
            opts[on++] = argv[i];
            opts[on++] = argv[++i];
        } else if (a[0] == '-' && a[1]) {
            free(wargv);
            free(opts);
            return cs_bad_input("view: unknown option '%s' (%s)", a, "see chanscope view --help");
        } else if (trace) {
            free(wargv);
            free(opts);
            return cs_bad_input("view: one trace at a time ('%s' and '%s')", trace, a);
        } else {
            trace = a;
        }
    }
    int status = 2;
    pid_t xvfb = -1;
    if (!trace) {
        cs_bad_input("view: which trace? (usage: chanscope view TRACE [--screenshot FILE.png "
                     "[--finding N] [--at SEQ]]; see --help)");
        goto out;
    }
    enum trace_state ts = check_trace(trace);
    if (ts == TRACE_BAD) goto out;
    if (ts == TRACE_UNCHECKED) {
        if (no_check) {
            status = cs_bad_input("%s: trace not checked yet: run 'chanscope check %s' first",
                                  trace, trace);
            goto out;
        }
        if (access(trace, W_OK) != 0) {
            status = cs_bad_input("%s: trace not checked yet and not writable: run "
                                  "'chanscope check' on a writable copy first", trace);
            goto out;
        }
        fprintf(stderr, "chanscope: %s has not been checked yet: running 'chanscope check %s'\n",
                trace, trace);
        int rc = run_check(trace);
        if (rc != 0 && rc != 1) {
            status = cs_bad_input("%s: 'chanscope check' failed (status %d); run it to see why",
                                  trace, rc);
            goto out;
        }
        ts = check_trace(trace);
        if (ts != TRACE_OK) {
            if (ts == TRACE_UNCHECKED)
                cs_bad_input("%s: still no derived tables after 'chanscope check'", trace);
            goto out;
        }
    }
    static char script[4200];
    snprintf(script, sizeof script, "%s/viewer/main.tcl", cs_home());
    if (access(script, R_OK) != 0) {
        status = cs_bad_input("view: the viewer is not installed (%s missing; set CHANSCOPE_HOME)",
                              script);
        goto out;
    }
    setenv("CHANSCOPE_HOME", cs_home(), 1);
    const char *disp = getenv("DISPLAY");
    if (!disp || !*disp) {
        if (!shot) {
            status = cs_bad_input("view: no X display (DISPLAY is not set): run it under X, or "
                                  "use --screenshot FILE.png, which renders under Xvfb");
            goto out;
        }
        xvfb = start_xvfb();
        if (xvfb < 0) {
            status = cs_bad_input("view: no X display and Xvfb could not be started "
                                  "(apt-get install xvfb)");
            goto out;
        }
    }
    wargv[0] = "wish";
    wargv[1] = script;
    wargv[2] = "--";
    wargv[wn++] = (char *)trace;
    for (int i = 0; i < on; i++) wargv[wn++] = opts[i];
    wargv[wn] = NULL;
    fflush(NULL);
    if (xvfb < 0) {
        execvp("wish", wargv);
        status = cs_bad_input("view: cannot run wish (%s): apt-get install tk8.6", strerror(errno));
        goto out;
    }
    pid_t pid = fork();
    if (pid == 0) {
        execvp("wish", wargv);
        fprintf(stderr, "chanscope: view: cannot run wish (%s)\n", strerror(errno));
        _exit(2);
    }
    if (pid > 0) {
        int st = 0;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
        }
        status = WIFEXITED(st) ? WEXITSTATUS(st) : 1;
    } else {
        status = cs_bad_input("view: fork: %s", strerror(errno));
    }
out:
    if (xvfb > 0) {
        kill(xvfb, SIGTERM);
        waitpid(xvfb, NULL, 0);
    }
    free(wargv);
    free(opts);
    return status;
}
