/* cli/cmd_view.c — `chanscope view TRACE [...]`: validate the trace, run
 * `chanscope check` on it if it has not been checked yet, then run the Tk
 * viewer (tclsh on <home>/viewer/main.tcl, which loads Tk itself so that a
 * display it cannot open is one clear line, not a Tcl trace).
 *
 * Displays: interactive use needs a reachable X display (else one line,
 * exit 2).  --screenshot renders under $DISPLAY when Tk can open it, else
 * under a private Xvfb started here and stopped after.
 *
 * Bad input (missing file, not SQLite, not a chanscope trace, unknown schema
 * version, a trace that cannot be checked, a screenshot path that cannot be
 * written or that names the trace or one of its companion files) is one
 * line on stderr and exit 2, before any window opens.
 *
 * Writes: the trace is only ever opened read-only here.  A finished trace
 * that was never checked is checked in place (`chanscope check` writes its
 * derived tables, as it would by hand).  A trace with no end yet (meta has
 * no end_reason: its program is still running, or was killed) is never
 * written: it is copied to a private snapshot (SQLite's backup API, a
 * read transaction the tracer's writes do not wait for), analysed and
 * stored there, viewed, and the snapshot removed. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analyzer.h"
#include "cmd_report.h"
#include "commands.h"
#include "convert.h"
#include "explore.h"
#include "paths.h"
#include "tracer.h"

/* the versions it reads: the trace contract's (format/trace.def) */
#define VIEW_SCHEMA CS_TRACE_SCHEMA_VERSION
#define VIEW_ANALYSIS CS_TRACE_ANALYSIS_VERSION

/* main.tcl exits with this when told (CHANSCOPE_VIEW_NODISPLAY) and Tk
 * cannot open the display: then --screenshot retries under Xvfb. */
#define VIEW_NODISPLAY 3

static const char view_usage[] =
    "usage: chanscope view TRACE [--screenshot FILE.png [--finding N] [--at SEQ]]\n"
    "                       [--axis seq|ns] [--arrows sel|all|none] [--size WxH]\n"
    "                       [--no-check | --quiz]\n"
    "       chanscope view TRACE --svg FILE.svg\n"
    "\n"
    "Open the Tk viewer on a trace (an unchecked one is checked first; a trace\n"
    "still being recorded is viewed from a snapshot and never written).\n"
    "\n"
    "  --screenshot FILE.png  render under Xvfb into FILE.png and exit\n"
    "  --finding N, --at SEQ  select finding N / put the replay cursor at SEQ\n"
    "  --axis seq|ns          event order (default) or wall time\n"
    "  --arrows sel|all|none  which message arrows to draw\n"
    "  --size WxH             window size\n"
    "  --no-check             hide the analysis (the findings panel says so); an\n"
    "                         unchecked trace is refused instead of checked\n"
    "  --quiz                 name the bug kind and its culprit (click a lane or a\n"
    "                         source line) before the findings are shown\n"
    "  --svg FILE             write the timeline as SVG (the one of chanscope report;\n"
    "                         '-': stdout) and open no window\n"
    "  -h, --help             this help";

enum trace_state { TRACE_OK, TRACE_UNCHECKED, TRACE_BAD };

/* Read one meta value into buf (empty string when absent).  0 on success,
 * -1 when the meta table itself is missing or unreadable. */
static int meta_value(sqlite3 *db, const char *key, char *buf, size_t n) {
    assert(cs_meta_key_known(key)); /* a META row of format/trace.def */
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

/* Classify PATH; on TRACE_BAD the message is already printed.  *ended: 1
 * when meta has an end_reason (the program finished writing it). */
static enum trace_state check_trace(const char *path, int *ended) {
    *ended = 0;
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
    char schema[64], analysis[64], end[64], want_schema[16], want_analysis[16];
    snprintf(want_schema, sizeof want_schema, "%d", VIEW_SCHEMA);
    snprintf(want_analysis, sizeof want_analysis, "%d", VIEW_ANALYSIS);
    enum trace_state res = TRACE_OK;
    char *vend = NULL;
    long sv = 0;
    if (meta_value(db, "schema_version", schema, sizeof schema) != 0) {
        cs_bad_input("%s: not a chanscope trace (no meta table)", path);
        res = TRACE_BAD;
    } else if (!schema[0]) {
        cs_bad_input("%s: not a chanscope trace (meta has no schema_version)", path);
        res = TRACE_BAD;
    } else if ((sv = strtol(schema, &vend, 10)) >= 1 && sv < VIEW_SCHEMA && !*vend) {
        cs_bad_input("%s: " CS_OLD_SCHEMA_FMT, path, sv, VIEW_SCHEMA);
        res = TRACE_BAD;
    } else if (strcmp(schema, want_schema) != 0) {
        cs_bad_input("%s: unknown trace schema version %s (this chanscope reads version %s)",
                     path, schema, want_schema);
        res = TRACE_BAD;
    } else if (meta_value(db, "analysis_version", analysis, sizeof analysis) != 0 ||
               strcmp(analysis, want_analysis) != 0) {
        res = TRACE_UNCHECKED;
    }
    if (res != TRACE_BAD && meta_value(db, "end_reason", end, sizeof end) == 0 && end[0])
        *ended = 1;
    sqlite3_close(db);
    return res;
}

/* The viewer's contract tables (trace_format.tcl): an installed viewer has
 * them beside main.tcl, a source tree in build/format/; a chanscope run
 * from a build folder elsewhere (BUILD=...) points the viewer at its own
 * <build>/format/ through CHANSCOPE_TRACE_FORMAT, unless that is set. */
static void set_format_env(void) {
    const char *env = getenv("CHANSCOPE_TRACE_FORMAT");
    if (env && *env) return;
    char exe[4096], path[4200];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash) return;
    *slash = 0; /* <build>/bin */
    snprintf(path, sizeof path, "%s/../format/trace_format.tcl", exe);
    if (access(path, R_OK) == 0) setenv("CHANSCOPE_TRACE_FORMAT", path, 1);
}

/* A screenshot path must be writable where it is and name neither the
 * trace nor one of its SQLite companions (overwriting those loses the
 * trace).  0 ok, else the message is printed and 2 returned. */
static int check_output(const char *out, const char *trace) {
    static const char *const companions[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof companions / sizeof *companions; i++) {
        char p[4200];
        snprintf(p, sizeof p, "%s%s", trace, companions[i]);
        if (same_file(out, p))
            return cs_bad_input("view: --screenshot %s is the trace %s%s itself: choose "
                                "another file", out, trace, companions[i]);
    }
    struct stat sb;
    if (stat(out, &sb) == 0) {
        if (S_ISDIR(sb.st_mode)) return cs_bad_input("view: --screenshot %s: is a folder", out);
        if (access(out, W_OK) != 0)
            return cs_bad_input("view: --screenshot %s: %s", out, strerror(errno));
        return 0;
    }
    if (errno != ENOENT) return cs_bad_input("view: --screenshot %s: %s", out, strerror(errno));
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", out);
    char *slash = strrchr(dir, '/');
    if (!slash) snprintf(dir, sizeof dir, ".");
    else if (slash == dir) dir[1] = 0;
    else *slash = 0;
    if (stat(dir, &sb) != 0)
        return cs_bad_input("view: --screenshot %s: folder %s: %s", out, dir, strerror(errno));
    if (!S_ISDIR(sb.st_mode))
        return cs_bad_input("view: --screenshot %s: %s is not a folder", out, dir);
    if (access(dir, W_OK) != 0)
        return cs_bad_input("view: --screenshot %s: folder %s: %s", out, dir, strerror(errno));
    return 0;
}

/* Copy TRACE (read-only, one read transaction) to a new private file,
 * analyse the copy and store the derived tables into it.  Returns the
 * copy's path (malloc'd), or NULL with the message printed. */
static char *make_snapshot(const char *trace) {
    const char *tmpdir = getenv("TMPDIR");
    if (!tmpdir || !*tmpdir) tmpdir = "/tmp";
    size_t n = strlen(tmpdir) + 64;
    char *path = malloc(n);
    if (!path) {
        cs_bad_input("out of memory");
        return NULL;
    }
    snprintf(path, n, "%s/chanscope-view-XXXXXX", tmpdir);
    int fd = mkstemp(path);
    if (fd < 0) {
        cs_bad_input("view: cannot make a snapshot in %s: %s", tmpdir, strerror(errno));
        free(path);
        return NULL;
    }
    close(fd);
    sqlite3 *src = NULL, *dst = NULL;
    char err[512] = "";
    int ok = 0;
    if (sqlite3_open_v2(trace, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        snprintf(err, sizeof err, "%s", sqlite3_errmsg(dst ? dst : src));
    } else {
        sqlite3_busy_timeout(src, 5000);
        sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
        int rc = b ? sqlite3_backup_step(b, -1) : SQLITE_ERROR;
        if (b) sqlite3_backup_finish(b);
        if (rc != SQLITE_DONE) {
            snprintf(err, sizeof err, "copy: %s", sqlite3_errmsg(dst));
        } else if (sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) !=
                   SQLITE_OK) {
            snprintf(err, sizeof err, "%s", sqlite3_errmsg(dst));
        } else {
            an_trace *t = an_load_db(dst, trace, err, sizeof err);
            if (t) {
                an_result *r = an_analyze(t);
                if (r && an_store_db(dst, t, r, err, sizeof err) == 0) ok = 1;
                else if (!r) snprintf(err, sizeof err, "analysis failed");
                if (r) an_result_free(r);
                an_trace_free(t);
            }
        }
    }
    sqlite3_close(src);
    sqlite3_close(dst);
    if (!ok) {
        cs_bad_input("view: %s has no end yet and its snapshot could not be analysed: %s",
                     trace, err);
        unlink(path);
        free(path);
        return NULL;
    }
    return path;
}

static void remove_snapshot(char *path) {
    if (!path) return;
    static const char *const sfx[] = {"", "-journal", "-wal", "-shm"};
    for (size_t i = 0; i < sizeof sfx / sizeof *sfx; i++) {
        char p[4200];
        snprintf(p, sizeof p, "%s%s", path, sfx[i]);
        unlink(p);
    }
    free(path);
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

/* The viewer's pid while it runs, for the signal forwarder. */
static volatile sig_atomic_t viewer_pid;
static void forward_signal(int sig) {
    if (viewer_pid > 0) kill((pid_t)viewer_pid, sig);
}

/* Run the viewer (argv[0] on PATH) as a child and wait for it; NODISPLAY:
 * ask main.tcl to exit VIEW_NODISPLAY when Tk cannot open the display.
 * Ctrl-C reaches the viewer (same process group); SIGTERM and SIGHUP sent
 * to chanscope are passed on; chanscope itself waits, to clean up after. */
static int run_viewer(char **argv, int nodisplay) {
    struct sigaction fwd = {.sa_handler = forward_signal}, ign = {.sa_handler = SIG_IGN};
    struct sigaction old_int, old_quit, old_term, old_hup;
    sigemptyset(&fwd.sa_mask);
    sigemptyset(&ign.sa_mask);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return cs_bad_input("view: fork: %s", strerror(errno));
    if (pid == 0) {
        if (nodisplay) {
            char v[16];
            snprintf(v, sizeof v, "%d", VIEW_NODISPLAY);
            setenv("CHANSCOPE_VIEW_NODISPLAY", v, 1);
        } else {
            unsetenv("CHANSCOPE_VIEW_NODISPLAY");
        }
        execvp(argv[0], argv);
        fprintf(stderr, "chanscope: view: cannot run %s (%s): apt-get install tcl8.6 tk8.6\n",
                argv[0], strerror(errno));
        _exit(2);
    }
    viewer_pid = pid;
    sigaction(SIGINT, &ign, &old_int);
    sigaction(SIGQUIT, &ign, &old_quit);
    sigaction(SIGTERM, &fwd, &old_term);
    sigaction(SIGHUP, &fwd, &old_hup);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    viewer_pid = 0;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int is_number(const char *s) {
    if (!*s) return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return 0;
    return 1;
}

/* The viewer's spelling of an option that takes a value (main.tcl). */
static const char *viewer_option(int c) {
    switch (c) {
    case 's': return "--screenshot";
    case 'f': return "--finding";
    case 'a': return "--at";
    case 'x': return "--axis";
    case 'r': return "--arrows";
    default: return "--size";
    }
}

int cmd_view(int argc, char **argv) {
    int explored = explore_view_args(&argc, argv); /* view DIR of an explore: explore_view.c */
    if (explored >= 0) return explored;
    const char *trace = NULL, *shot = NULL;
    char logsnap[PATH_MAX] = ""; /* a live trace's log, converted (removed at the end) */
    int no_check = 0;
    const char *svg = NULL; /* --svg FILE: the timeline alone, no window */
    /* tclsh main.tcl -- TRACE [--name TRACE] [options] NULL; an option may
     * come as one argument (--at=5) and be passed on as two: at most
     * 2 * argc + 6 entries */
    char **wargv = calloc(2 * (size_t)argc + 8, sizeof *wargv);
    if (!wargv) return cs_bad_input("out of memory");
    int wn = 3; /* tclsh, main.tcl, -- filled below; trace next */
    char **opts = calloc(2 * (size_t)argc + 1, sizeof *opts);
    if (!opts) {
        free(wargv);
        return cs_bad_input("out of memory");
    }
    int on = 0;
    /* Options the viewer itself takes (viewer/main.tcl) are passed on as
     * given; --svg and --no-check are also the CLI's business. */
    static const struct option longopts[] = {
        {"svg", required_argument, NULL, 'S'},
        {"no-check", no_argument, NULL, 'n'},
        {"quiz", no_argument, NULL, 'q'},
        {"screenshot", required_argument, NULL, 's'},
        {"finding", required_argument, NULL, 'f'},
        {"at", required_argument, NULL, 'a'},
        {"axis", required_argument, NULL, 'x'},
        {"arrows", required_argument, NULL, 'r'},
        {"size", required_argument, NULL, 'z'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 0;
    opterr = 0;
    int c, bad = -1;
    while (bad < 0 && (c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'S': svg = optarg; break; /* cli/cmd_report.c renders it */
        case 'h':
            puts(view_usage);
            bad = 0;
            break;
        case 'n':
            no_check = 1; /* the viewer hides the findings */
            opts[on++] = (char *)"--no-check";
            break;
        case 'q': opts[on++] = (char *)"--quiz"; break;
        case 'f':
        case 'a':
            if (!is_number(optarg))
                bad = cs_usage_error("view", "--%s needs a number, not '%s'",
                                     c == 'f' ? "finding" : "at", optarg);
            /* fall through */
        case 's':
        case 'x':
        case 'r':
        case 'z':
            if (bad >= 0) break;
            opts[on++] = (char *)viewer_option(c);
            if (c == 's') shot = optarg;
            opts[on++] = optarg;
            break;
        default: bad = cs_option_error("view", c, argv);
        }
    }
    if (bad < 0 && argc - optind > 1)
        bad = cs_usage_error("view", "one trace at a time ('%s' and '%s')", argv[optind],
                             argv[optind + 1]);
    if (bad >= 0) {
        free(wargv);
        free(opts);
        return bad;
    }
    if (optind < argc) trace = argv[optind];
    int status = 2;
    pid_t xvfb = -1;
    char *snapshot = NULL;
    if (!trace) {
        cs_bad_input("view: which trace? (usage: chanscope view TRACE [--screenshot FILE.png "
                     "[--finding N] [--at SEQ]]; see --help)");
        goto out;
    }
    if (svg) {
        status = cs_write_svg("view", trace, svg);
        goto out;
    }
    int ended = 0;
    /* A live trace is its program's event log so far: view a snapshot of it
     * (converted into a scratch file), shown under the trace's name. */
    const char *shown = trace;
    if (cs_trace_live(trace) == 1) {
        char lerr[512];
        int lr = cs_live_snapshot(trace, logsnap, sizeof logsnap, lerr, sizeof lerr);
        if (lr < 0) {
            status = cs_bad_input("view: %s", lerr);
            goto out;
        }
        if (lr == 1) trace = logsnap;
    }
    if (cs_input_trace("view", trace) != 0) goto out; /* FIFO, truncated, hot journal */
    enum trace_state ts = check_trace(trace, &ended);
    if (ts == TRACE_BAD) goto out;
    if (shot && check_output(shot, trace) != 0) goto out;
    if (ts == TRACE_UNCHECKED) {
        if (no_check) {
            status = cs_bad_input("%s: trace not checked yet: run 'chanscope check %s' first",
                                  trace, trace);
            goto out;
        }
        if (!ended) {
            /* still being written (or its program was killed): never
             * store into it; view an analysed snapshot instead */
            fprintf(stderr, "chanscope: %s has no end yet (program still running, or killed): "
                            "viewing a snapshot, the trace is not written\n", shown);
            snapshot = make_snapshot(trace);
            if (!snapshot) goto out;
        } else {
            if (access(trace, W_OK) != 0) {
                status = cs_bad_input("%s: trace not checked yet and not writable: run "
                                      "'chanscope check' on a writable copy first", trace);
                goto out;
            }
            fprintf(stderr,
                    "chanscope: %s has not been checked yet: running 'chanscope check %s'\n",
                    trace, trace);
            int rc = run_check(trace);
            ts = check_trace(trace, &ended);
            /* 2 with derived tables stored: a damaged trace (events missing),
             * still worth looking at; 2 without them: bad input. */
            if (rc == 2 && ts == TRACE_OK)
                fprintf(stderr, "chanscope: warning: %s is damaged (events missing): 'chanscope "
                                "check %s' says what is missing\n", trace, trace);
            else if (rc != 0 && rc != 1) {
                status = cs_bad_input("%s: 'chanscope check' failed (status %d); run it to see "
                                      "why", trace, rc);
                goto out;
            }
            if (ts != TRACE_OK) {
                if (ts == TRACE_UNCHECKED)
                    cs_bad_input("%s: still no derived tables after 'chanscope check'", trace);
                goto out;
            }
        }
    }
    static char script[4200];
    snprintf(script, sizeof script, "%s/viewer/main.tcl", cs_home());
    set_format_env();
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
    /* tclsh main.tcl -- TRACE [--name TRACE] [options] */
    wargv[0] = "tclsh";
    wargv[1] = script;
    wargv[2] = "--";
    wargv[wn++] = snapshot ? snapshot : (char *)trace;
    if (snapshot) {
        wargv[wn++] = "--name";
        wargv[wn++] = (char *)shown;
    }
    for (int i = 0; i < on; i++) wargv[wn++] = opts[i];
    wargv[wn] = NULL;
    if (!shot && !snapshot) {
        /* nothing to clean up after: become the viewer (on a display Tk
         * cannot open, main.tcl says so in one line and exits 2) */
        fflush(NULL);
        unsetenv("CHANSCOPE_VIEW_NODISPLAY");
        execvp("tclsh", wargv);
        status = cs_bad_input("view: cannot run tclsh (%s): apt-get install tcl8.6 tk8.6",
                              strerror(errno));
        goto out;
    }
    /* a screenshot under a display Tk cannot open: once more under Xvfb */
    status = run_viewer(wargv, shot && xvfb < 0);
    if (status == VIEW_NODISPLAY && shot && xvfb < 0) {
        xvfb = start_xvfb();
        if (xvfb < 0) {
            status = cs_bad_input("view: cannot open the X display '%s' and Xvfb could not be "
                                  "started (apt-get install xvfb)", disp);
            goto out;
        }
        status = run_viewer(wargv, 1);
    }
    if (status == VIEW_NODISPLAY)
        status = cs_bad_input("view: Tk cannot open the X display, even a private Xvfb's");
out:
    if (xvfb > 0) {
        kill(xvfb, SIGTERM);
        waitpid(xvfb, NULL, 0);
    }
    remove_snapshot(snapshot);
    if (logsnap[0]) unlink(logsnap);
    free(wargv);
    free(opts);
    return status;
}
