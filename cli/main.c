/* cli/main.c — the `chanscope` command: dispatch to a subcommand. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chanscope.h"
#include "commands.h"

/* Every subcommand: its name, one line for `chanscope --help`, and its
 * function.  cmd_report comes from another file that a build may not have
 * yet (weak: the command is then simply not listed). */
#pragma weak cmd_report

struct command {
    const char *name;
    const char *summary;
    int (*fn)(int, char **);
};

static const struct command commands[] = {
    {"list", "the pattern catalog", cmd_list},
    {"run", "run a pattern, a program or a FILE.c (built first), traced", cmd_run},
    {"build", "compile FILE.c... against the chanscope runtime", cmd_build},
    {"import", "convert a binary event log (TRACE.db.cslog) into a trace", cmd_import},
    {"check", "find deadlocks, leaks, races and misuse in a trace", cmd_check},
    {"export", "a trace as Chrome/Perfetto trace-event JSON", cmd_export},
    {"view", "replay a trace in the Tk viewer, or render it", cmd_view},
    {"report", "a trace's findings and timeline as one HTML page", cmd_report},
    {"exercise", "self-study exercises with automatic feedback", cmd_exercise},
    {"demo", "run, trace and check the whole catalog", cmd_demo},
    {"explore", "run under many seeded schedules, group what they find", cmd_explore},
};
enum { NCOMMANDS = sizeof commands / sizeof commands[0] };

static const struct command *find_command(const char *name) {
    for (int i = 0; i < NCOMMANDS; i++)
        if (commands[i].fn && !strcmp(commands[i].name, name)) return &commands[i];
    return NULL;
}

static void usage(FILE *f) {
    fputs("usage: chanscope <command> [arguments]\n"
          "\n"
          "Go concurrency patterns in C, traced into SQLite, checked and replayed.\n"
          "\n"
          "commands:\n",
          f);
    for (int i = 0; i < NCOMMANDS; i++)
        if (commands[i].fn) fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fputs("\n"
          "  chanscope help COMMAND     (or chanscope COMMAND --help): its options\n"
          "  chanscope --version\n"
          "\n"
          "See docs/cli.md (man chanscope) for every option.\n",
          f);
}

int cs_bad_input(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("chanscope: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

int cs_usage_error(const char *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "chanscope: %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (try 'chanscope %s --help')\n", cmd);
    va_end(ap);
    return 2;
}

int cs_option_error(const char *cmd, int c, char **argv) {
    /* getopt has advanced optind past the element that held the option. */
    const char *elem = optind > 0 ? argv[optind - 1] : "";
    char name[64];
    if (!strncmp(elem, "--", 2)) /* a long option, without any "=VALUE" */
        snprintf(name, sizeof name, "%.*s", (int)strcspn(elem, "="), elem);
    else if (optopt)
        snprintf(name, sizeof name, "-%c", optopt);
    else
        snprintf(name, sizeof name, "%s", elem);
    if (c == ':') return cs_usage_error(cmd, "option '%s' needs an argument", name);
    return cs_usage_error(cmd, "unknown option '%s'", name);
}

const char *cs_home(void) {
    static char home[PATH_MAX];
    if (home[0]) return home;
    const char *env = getenv("CHANSCOPE_HOME");
    if (env && *env) {
        snprintf(home, sizeof home, "%s", env);
        return home;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        /* <tree>/build/bin/chanscope -> <tree> when <tree>/patterns exists */
        char tmp[PATH_MAX];
        snprintf(tmp, sizeof tmp, "%s", exe);
        char *bin = dirname(tmp);
        char cand[PATH_MAX + 32];
        snprintf(cand, sizeof cand, "%s/../../patterns", bin);
        if (access(cand, F_OK) == 0) {
            snprintf(cand, sizeof cand, "%s/../..", bin);
            if (realpath(cand, home)) return home;
        }
        /* <prefix>/bin/chanscope -> <prefix>/share/chanscope */
        snprintf(cand, sizeof cand, "%s/../share/chanscope", bin);
        if (realpath(cand, home)) return home;
    }
    snprintf(home, sizeof home, ".");
    return home;
}

/* Runs one command; a report that did not reach its reader (a full disk,
 * /dev/full, a closed stdout) is an error, not a success: one line, 2. */
static int run_command(const struct command *c, int argc, char **argv) {
    int rc = c->fn(argc, argv);
    errno = 0;
    if ((fflush(stdout) != 0 || ferror(stdout)) && rc != 2) { /* 2: already said */
        fprintf(stderr, "chanscope: %s: cannot write the output: %s\n", c->name,
                strerror(errno ? errno : EIO));
        return 2;
    }
    return rc;
}

int main(int argc, char **argv) {
    /* Traced programs this command starts convert their event log at exit
     * with `chanscope import`: this very binary (tracer/trace_start.c). */
    char self[PATH_MAX];
    ssize_t sn = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sn > 0 && !getenv("CHANSCOPE_BIN")) {
        self[sn] = 0;
        setenv("CHANSCOPE_BIN", self, 1);
    }
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *a = argv[1];
    if (!strcmp(a, "--help") || !strcmp(a, "-h") || (!strcmp(a, "help") && argc == 2)) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(a, "--version")) {
        printf("chanscope %s\n", CHANSCOPE_VERSION);
        return 0;
    }
    if (!strcmp(a, "help")) { /* help COMMAND: COMMAND --help */
        if (argc > 3) return cs_usage_error("help", "one command at a time");
        const struct command *c = find_command(argv[2]);
        if (!c) return cs_bad_input("help: unknown command '%s' (try 'chanscope --help')", argv[2]);
        char *hargv[] = {(char *)c->name, "--help", NULL};
        return run_command(c, 2, hargv);
    }
    const struct command *c = find_command(a);
    if (c) return run_command(c, argc - 1, argv + 1);
    fprintf(stderr, "chanscope: unknown command '%s' (try 'chanscope --help')\n", a);
    return 2;
}
