/*
 * cli/cmd_run.c — `chanscope run NAME|PATH [-o FILE] [--seed N [--strategy S]] [-- ARGS]`
 *
 * Runs a catalog pattern (NAME or NAME/VARIANT, built by `make patterns`) or
 * any program built against the runtime (PATH), with CHANSCOPE_TRACE set so
 * that its tracer records into FILE (default traces/<name>[-<variant>].db,
 * folder created).  The program's stdout/stderr pass through; at the end one
 * line "trace: FILE (N events)" goes to stderr and the exit status is the
 * program's (128 + signal when a signal killed it).
 *
 * Bad input (unknown name, unwritable output, an existing output that is not
 * a chanscope trace, a trace that another running program is recording, a
 * program that writes no trace): one line, status 2, nothing overwritten.
 * A finished (or killed, or half-created) trace at FILE is replaced, and the
 * trace line says so (docs/cli.md, "run").
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "catalog.h"
#include "commands.h"
#include "tracer.h"

/* The chanscope tool links the runtime library: never let a CHANSCOPE_TRACE
 * in the user's environment make the tool trace (and overwrite) itself. */
const int cs_trace_no_autostart = 1;

static const char run_usage[] =
    "usage: chanscope run NAME|PATH [-o FILE] [--seed N [--strategy random|pct[:D]]] [-- ARGS]";

/* --seed N: a decimal uint64; --strategy: random, pct or pct:D (D 1..64).
 * Passed on as CHANSCOPE_SEED / CHANSCOPE_STRATEGY (docs/schedules.md). */
static bool valid_seed(const char *s) {
    if (!*s || strlen(s) > 20) return false;
    for (const char *c = s; *c; c++)
        if (*c < '0' || *c > '9') return false;
    errno = 0;
    (void)strtoull(s, NULL, 10);
    return errno == 0;
}

static bool valid_strategy(const char *s) {
    if (!strcmp(s, "random") || !strcmp(s, "pct")) return true;
    if (strncmp(s, "pct:", 4) || !s[4] || strlen(s) > 6) return false;
    for (const char *c = s + 4; *c; c++)
        if (*c < '0' || *c > '9') return false;
    int d = atoi(s + 4);
    return d >= 1 && d <= 64;
}

static volatile sig_atomic_t child_pid;

static void forward_signal(int sig) {
    if (child_pid > 0) kill((pid_t)child_pid, sig);
}

static bool is_file(const char *p) {
    struct stat st;
    return stat(p, &st) == 0;
}

/* traces/<pattern>[-<variant>].db, or traces/<basename>.db for a path. */
static void default_output(const char *target, bool is_name, char *out, size_t n) {
    char base[NAME_MAX + 1];
    if (is_name) {
        snprintf(base, sizeof base, "%s", target);
        char *slash = strchr(base, '/');
        if (slash) {
            if (!strcmp(slash + 1, "main")) *slash = 0;
            else *slash = '-';
        }
    } else {
        const char *b = strrchr(target, '/');
        snprintf(base, sizeof base, "%s", b ? b + 1 : target);
    }
    snprintf(out, n, "traces/%s.db", base);
}

/* Rows in events; -1 if unreadable.  *truncated: no meta.end_reason;
 * *pid: meta.pid (whose trace it is; 0 if unknown). */
static long long count_events(const char *path, bool *truncated, long long *pid) {
    sqlite3 *db = NULL;
    long long n = -1;
    *truncated = true;
    *pid = 0;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, "SELECT count(*) FROM events", -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        st = NULL;
        if (sqlite3_prepare_v2(db, "SELECT 1 FROM meta WHERE key='end_reason'", -1, &st,
                               NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            *truncated = false;
        sqlite3_finalize(st);
        st = NULL;
        if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key='pid'", -1, &st, NULL) ==
                SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            *pid = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return n;
}

int cmd_run(int argc, char **argv) {
    const char *target = NULL, *output = NULL, *seed = NULL, *strategy = NULL;
    int argi = 1, nextra = 0;
    char **extra = NULL;
    for (; argi < argc; argi++) {
        const char *a = argv[argi];
        if (!strcmp(a, "--")) {
            extra = argv + argi + 1;
            nextra = argc - argi - 1;
            break;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (++argi >= argc) return cs_bad_input("run: -o needs a file name (%s)", run_usage);
            output = argv[argi];
        } else if (!strncmp(a, "-o", 2)) {
            output = a + 2;
        } else if (!strcmp(a, "--seed")) {
            if (++argi >= argc || !valid_seed(argv[argi]))
                return cs_bad_input("run: --seed needs a decimal number from 0 to 2^64-1");
            seed = argv[argi];
        } else if (!strcmp(a, "--strategy")) {
            if (++argi >= argc || !valid_strategy(argv[argi]))
                return cs_bad_input("run: --strategy needs random, pct or pct:D (D from 1 to 64)");
            strategy = argv[argi];
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            puts(run_usage);
            return 0;
        } else if (a[0] == '-' && a[1]) {
            return cs_bad_input("run: unknown option '%s' (%s)", a, run_usage);
        } else if (!target) {
            target = a;
        } else {
            return cs_bad_input("run: unexpected argument '%s' (program arguments go after --)",
                                a);
        }
    }
    if (!target) return cs_bad_input("run: which program? (%s)", run_usage);
    if (strategy && !seed) return cs_bad_input("run: --strategy needs --seed N");

    /* PATH if it names an existing regular file, else a catalog name (a
     * folder of the same name in the current directory does not count). */
    char prog[PATH_MAX];
    bool is_name = false;
    char **catalog_args = NULL;
    catalog cat = {0};
    struct stat tst;
    bool exists = stat(target, &tst) == 0;
    if (exists && S_ISREG(tst.st_mode)) {
        if (access(target, X_OK) != 0)
            return cs_bad_input("run: %s is not an executable program", target);
        snprintf(prog, sizeof prog, "%s", target);
    } else if (exists && !catalog_is_spec(target)) {
        return cs_bad_input("run: %s is not an executable program", target);
    } else if (catalog_is_spec(target)) {
        char err[512];
        if (catalog_resolve(target, prog, sizeof prog, err, sizeof err) != 0)
            return cs_bad_input("run: %s", err);
        char canon[PATH_MAX]; /* <build>/bin/../patterns/x/main -> <build>/patterns/x/main */
        if (realpath(prog, canon)) snprintf(prog, sizeof prog, "%s", canon);
        is_name = true;
        /* The catalog's own arguments for this variant, unless given. */
        if (!extra && catalog_load(cs_home(), &cat, err, sizeof err) == 0) {
            const catalog_variant *v = catalog_find(&cat, target, NULL);
            if (v) catalog_args = v->args;
        }
    } else {
        return cs_bad_input("run: no such program or pattern '%s' (see 'chanscope list')",
                            target);
    }

    char outbuf[PATH_MAX];
    if (!output) {
        default_output(target, is_name, outbuf, sizeof outbuf);
        if (mkdir("traces", 0777) != 0 && errno != EEXIST) {
            catalog_free(&cat);
            return cs_bad_input("run: cannot create folder traces: %s", strerror(errno));
        }
        output = outbuf;
    }
    char err[1024];
    if (cs_trace_check_output(output, err, sizeof err) != 0) {
        catalog_free(&cat);
        return cs_bad_input("run: %s", err);
    }
    /* What the program's tracer will replace (checked again, under a lock,
     * by the tracer itself: tracer/trace_start.c). */
    struct stat ost;
    int replaces = stat(output, &ost) == 0 && ost.st_size > 0 ? cs_trace_is_trace(output) : 0;

    /* argv for the program: prog, then -- ARGS or the catalog's args. */
    int ncat = 0;
    while (catalog_args && catalog_args[ncat]) ncat++;
    int nargs = extra ? nextra : ncat;
    char **pargv = calloc((size_t)nargs + 2, sizeof *pargv);
    if (!pargv) {
        catalog_free(&cat);
        return cs_bad_input("run: out of memory");
    }
    pargv[0] = prog;
    for (int i = 0; i < nargs; i++) pargv[i + 1] = extra ? extra[i] : catalog_args[i];

    fflush(NULL);
    struct sigaction sa = {0}, old_int, old_term, old_hup;
    sa.sa_handler = forward_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGHUP, &sa, &old_hup);
    pid_t pid = fork();
    if (pid < 0) {
        free(pargv);
        catalog_free(&cat);
        return cs_bad_input("run: cannot start %s: %s", prog, strerror(errno));
    }
    if (pid == 0) {
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        sigaction(SIGHUP, &old_hup, NULL);
        setenv("CHANSCOPE_TRACE", output, 1);
        if (seed) setenv("CHANSCOPE_SEED", seed, 1);
        if (strategy) setenv("CHANSCOPE_STRATEGY", strategy, 1);
        execv(prog, pargv);
        fprintf(stderr, "chanscope: run: cannot execute %s: %s\n", prog, strerror(errno));
        _exit(127);
    }
    child_pid = pid;
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    child_pid = 0;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    free(pargv);
    catalog_free(&cat);

    int status = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 2;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 127 && !is_file(output)) return 127;
    bool truncated;
    long long tpid;
    long long n = is_file(output) ? count_events(output, &truncated, &tpid) : -1;
    if (n < 0) {
        fprintf(stderr, "chanscope: run: %s wrote no trace (is it built against the chanscope "
                        "runtime?)\n", prog);
        return status ? status : 2;
    }
    if (tpid && tpid != (long long)pid && cs_trace_live(output) == 1) {
        /* Another program took the file between our check and the start (its
         * tracer refused ours with a line of its own).  A different pid alone
         * is no proof: PROG may be a wrapper whose child is traced. */
        fprintf(stderr, "chanscope: run: %s is the trace of another program (pid %lld), not "
                        "of this run\n", output, tpid);
        return status ? status : 2;
    }
    fprintf(stderr, "trace: %s (%lld events%s%s)\n", output, n,
            truncated ? ", truncated: the program did not finish" : "",
            replaces == 1   ? "; replaced the previous trace"
            : replaces == 2 ? "; replaced a half-created trace"
                            : "");
    return status;
}
