/*
 * cli/cmd_run.c — `chanscope run NAME|PATH|[--race] FILE.c... [-o FILE] [--seed N [--strategy S]] [-- ARGS]`
 *
 * Runs a catalog pattern (NAME or NAME/VARIANT, built by `make patterns`) or
 * any program built against the runtime (PATH), with CHANSCOPE_TRACE set so
 * that its tracer records into FILE's binary log FILE.cslog (default
 * traces/<name>[-<variant>].db, folder created), and CHANSCOPE_TRACE_NOCONVERT
 * so that it leaves the conversion to us: when the program has ended,
 * however it ended (return, exit, panic, deadlock, signal, kill -9), the log
 * becomes the SQLite trace FILE (convert/convert.c) and is deleted.  The program's stdout/stderr pass through; at the end one
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
#include <getopt.h>
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
#include "convert.h"
#include "tracer.h"

/* The chanscope tool links the runtime library: never let a CHANSCOPE_TRACE
 * in the user's environment make the tool trace (and overwrite) itself. */
const int cs_trace_no_autostart = 1;

static const char run_usage[] =
    "usage: chanscope run NAME[/VARIANT] | PROGRAM | [--race] FILE.c... [-o TRACE] [--check]\n"
    "                     [--seed N [--strategy random|pct[:D]]]\n"
    "                     [-- ARGS...]\n"
    "\n"
    "Run a catalog pattern, a program built against the runtime, or C sources\n"
    "(built first, as 'chanscope build' does, into a temporary folder), with\n"
    "tracing on.  One line 'trace: TRACE (N events)' goes to stderr at the end.\n"
    "\n"
    "  -o, --output TRACE  where the trace goes (default traces/NAME[-VARIANT].db,\n"
    "                      or traces/FILE.db for FILE.c or PROGRAM)\n"
    "  -c, --check         then check the trace (as 'chanscope check'): exit 1 on\n"
    "                      findings, else the program's own status\n"
    "  --race              FILE.c only: the race build ('chanscope build --race'):\n"
    "                      races on plain memory are reported, exit status 66\n"
    "  --seed N            deterministic mode: one schedule chosen by seed N, virtual\n"
    "                      time (docs/schedules.md); the same seed replays the run\n"
    "  --strategy S        with --seed: random (default), pct or pct:D\n"
    "  -h, --help          this help\n"
    "  -- ARGS...          arguments for the program\n"
    "\n"
    "Exit status: the program's (128+N when signal N killed it); 1 when --check\n"
    "found something or FILE.c does not compile; 2 bad input.\n";

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

/* --seed / --strategy of this run, passed to the program's environment. */
static const char *run_seed, *run_strategy;

static volatile sig_atomic_t child_pid;

static void forward_signal(int sig) {
    if (child_pid > 0) kill((pid_t)child_pid, sig);
}

/* traces/<pattern>[-<variant>].db, or traces/<basename>.db for a path. */
static void default_output(const char *target, bool is_name, char *out, size_t n) {
    char base[NAME_MAX + 1];
    if (is_name) {
        snprintf(base, sizeof base, "%.255s", target);
        char *slash = strchr(base, '/');
        if (slash) {
            if (!strcmp(slash + 1, "main")) *slash = 0;
            else *slash = '-';
        }
    } else {
        const char *b = strrchr(target, '/');
        snprintf(base, sizeof base, "%.255s", b ? b + 1 : target);
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

static bool is_c_source(const char *p) {
    size_t l = strlen(p);
    return l > 2 && !strcmp(p + l - 2, ".c");
}

/* The sources' temporary build folder, removed after the run. */
static void remove_build_dir(const char *dir, const char *prog) {
    if (!dir[0]) return;
    unlink(prog);
    rmdir(dir);
}

static int run_traced(const char *target, const char *output, char **extra, int nextra,
                      bool sources, const char *source_name, char *used, size_t usedn,
                      bool *traced);

int cmd_run(int argc, char **argv) {
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"check", no_argument, NULL, 'c'},
        {"race", no_argument, NULL, 'R'},
        {"seed", required_argument, NULL, 'S'},
        {"strategy", required_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    /* "--" ends chanscope's arguments: what follows is the program's, even
     * when it looks like an option (getopt only sees what comes before). */
    int nown = argc;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--")) {
            nown = i;
            break;
        }
    char **extra = nown < argc ? argv + nown + 1 : NULL;
    int nextra = nown < argc ? argc - nown - 1 : 0;
    const char *output = NULL;
    bool check = false, race = false;
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(nown, argv, ":o:ch", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': output = optarg; break;
        case 'c': check = true; break;
        case 'R': race = true; break;
        case 'S':
            if (!valid_seed(optarg))
                return cs_usage_error("run", "--seed needs a decimal number from 0 to 2^64-1");
            run_seed = optarg;
            break;
        case 'T':
            if (!valid_strategy(optarg))
                return cs_usage_error("run", "--strategy needs random, pct or pct:D (D from 1 to 64)");
            run_strategy = optarg;
            break;
        case 'h': fputs(run_usage, stdout); return 0;
        default: return cs_option_error("run", c, argv);
        }
    }
    if (optind >= nown) return cs_usage_error("run", "which program?");
    if (run_strategy && !run_seed) return cs_usage_error("run", "--strategy needs --seed N");
    int nsrc = 0;
    while (optind + nsrc < nown && is_c_source(argv[optind + nsrc])) nsrc++;
    if (nsrc == 0 && nown - optind > 1)
        return cs_usage_error("run", "unexpected argument '%s' (program arguments go after --)",
                              argv[optind + 1]);
    if (race && nsrc == 0)
        return cs_usage_error("run", "--race builds C sources: give FILE.c (a program is "
                                     "already built, with or without 'chanscope build --race')");
    if (nsrc > 0 && optind + nsrc < nown)
        return cs_usage_error("run", "unexpected argument '%s' (program arguments go after --)",
                              argv[optind + nsrc]);

    /* FILE.c...: build into a temporary folder, then run that. */
    char tmpdir[PATH_MAX / 2] = "", prog[PATH_MAX], name[NAME_MAX + 1] = "";
    const char *target = argv[optind];
    if (nsrc > 0) {
        const char *b = strrchr(target, '/');
        snprintf(name, sizeof name, "%s", b ? b + 1 : target);
        name[strlen(name) - 2] = 0; /* without .c */
        const char *tmp = getenv("TMPDIR");
        snprintf(tmpdir, sizeof tmpdir, "%.1900s/chanscope-run-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(tmpdir))
            return cs_bad_input("run: cannot create a temporary folder: %s", strerror(errno));
        snprintf(prog, sizeof prog, "%s/%s", tmpdir, name[0] ? name : "prog");
        int rc = cs_build_program_race(argv + optind, nsrc, prog, false, race);
        if (rc != 0) {
            remove_build_dir(tmpdir, prog);
            return rc;
        }
        target = prog;
    }
    char used[PATH_MAX];
    bool traced = false;
    int status =
        run_traced(target, output, extra, nextra, nsrc > 0, name, used, sizeof used, &traced);
    remove_build_dir(tmpdir, prog);
    if (!check || !traced) return status;
    /* The `go test -race` habit: the findings decide. */
    fflush(NULL);
    char *cargv[] = {"check", used, NULL};
    int crc = cmd_check(2, cargv);
    if (crc == 0) return status;
    return crc; /* 1 findings, 2 the trace could not be checked */
}

/* Runs TARGET (a path, or a catalog name) traced into OUTPUT (NULL: the
 * default), with EXTRA arguments when given.  SOURCES: TARGET was built from
 * SOURCE_NAME.c (its trace and argv[0] are named after the source).  On
 * return *traced says whether this run wrote a trace, USED names it. */
static int run_traced(const char *target, const char *output, char **extra, int nextra,
                      bool sources, const char *source_name, char *used, size_t usedn,
                      bool *traced) {
    char prog[PATH_MAX];
    bool is_name;
    char **catalog_args;
    catalog cat = {0};
    int bad = catalog_program("run", target, !extra, prog, sizeof prog, &is_name, &catalog_args,
                              &cat);
    if (bad) return bad;

    char outbuf[PATH_MAX];
    if (!output) {
        if (sources) snprintf(outbuf, sizeof outbuf, "traces/%s.db", source_name);
        else default_output(target, is_name, outbuf, sizeof outbuf);
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
    pargv[0] = sources ? (char *)source_name : prog; /* meta.program: the learner's name */
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
        setenv("CHANSCOPE_TRACE_NOCONVERT", "1", 1); /* we convert (below) */
        if (run_seed) setenv("CHANSCOPE_SEED", run_seed, 1);
        if (run_strategy) setenv("CHANSCOPE_STRATEGY", run_strategy, 1);
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
    /* The program's log -> the trace (whatever way it ended). */
    char *logp = cs_trace_log_path(output);
    bool converted = false;
    cs_convert_info info = {0};
    if (logp && cs_is_event_log(logp) == 1 && cs_trace_live(output) == 1) {
        /* Another program took the path between our check and the start
         * (its tracer refused ours with a line of its own). */
        free(logp);
        fprintf(stderr, "chanscope: run: %s is being recorded by another program, not by this "
                        "run\n", output);
        return status ? status : 2;
    }
    if (logp && cs_is_event_log(logp) == 1) {
        if (cs_convert(logp, output, true, &info, err, sizeof err) != 0) {
            /* (a failed conversion leaves the log as it was) */
            fprintf(stderr, "chanscope: run: %s (the event log is kept: `chanscope import %s -o "
                            "%s` converts it)\n", err, logp, output);
            free(logp);
            return status ? status : 2;
        }
        converted = true;
        char damage[4200];
        if (cs_convert_damage(&info, logp, damage, sizeof damage))
            fprintf(stderr, "chanscope: run: %s\n", damage);
    }
    free(logp);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 127 && !converted) return 127;
    bool truncated;
    long long tpid;
    long long n = converted ? count_events(output, &truncated, &tpid) : -1;
    if (n < 0) {
        if (sources) /* the temporary program's path would mean nothing */
            fprintf(stderr, "chanscope: run: %s.c wrote no trace (does it use the chanscope "
                            "runtime?)\n", source_name);
        else
            fprintf(stderr, "chanscope: run: %s wrote no trace (is it built against the "
                            "chanscope runtime?)\n", prog);
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
    snprintf(used, usedn, "%s", output);
    *traced = true;
    char lost[160];
    fprintf(stderr, "trace: %s (%lld events%s%s)\n", output, n,
            info.events_lost ? cs_convert_incomplete(&info, lost, sizeof lost)
            : truncated      ? ", truncated: the program did not finish"
                             : "",
            replaces == 1   ? "; replaced the previous trace"
            : replaces == 2 ? "; replaced a half-created trace"
                            : "");
    return status;
}
