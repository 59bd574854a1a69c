/* cli/main.c — the `chanscope` command: dispatch to a subcommand. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chanscope.h"
#include "commands.h"

static const char usage[] =
    "usage: chanscope <command> [arguments]\n"
    "\n"
    "Go concurrency patterns in C, traced into SQLite, checked and replayed.\n"
    "\n"
    "commands:\n"
    "  list [--json]                      the pattern catalog\n"
    "  run NAME|PATH [-o FILE] [-- ARGS]  run a pattern (or any program built\n"
    "                                     against the runtime), traced\n"
    "  check TRACE [--json]               find deadlocks, leaks, races, misuse\n"
    "  export TRACE --format chrome -o OUT.json\n"
    "                                     Chrome/Perfetto trace-event JSON\n"
    "  view TRACE [--screenshot FILE.png [--finding N] [--at SEQ]]\n"
    "                                     replay a trace in the Tk viewer\n"
    "  exercise list|show|hint|check ...  self-study exercises\n"
    "  demo                               run, trace and check the whole catalog\n"
    "  explore NAME|PATH [--runs N] [--json] [-- ARGS]\n"
    "                                     run under many seeded schedules, group\n"
    "                                     what they find, keep a trace of each\n"
    "\n"
    "  chanscope help | --help | --version\n"
    "\n"
    "See docs/cli.md (man chanscope) for every option.\n";

static const struct {
    const char *name;
    int (*fn)(int, char **);
} commands[] = {
    {"run", cmd_run},     {"list", cmd_list},         {"check", cmd_check},
    {"export", cmd_export}, {"view", cmd_view},       {"exercise", cmd_exercise},
    {"demo", cmd_demo},   {"explore", cmd_explore},
};

int cs_bad_input(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("chanscope: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
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

int main(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
        !strcmp(argv[1], "-h")) {
        fputs(usage, stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("chanscope %s\n", CHANSCOPE_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name)) continue;
        int rc = commands[i].fn(argc - 1, argv + 1);
        /* A report that did not reach its reader (a full disk, /dev/full, a
         * closed stdout) is an error, not a success: say so, status 2. */
        errno = 0;
        if ((fflush(stdout) != 0 || ferror(stdout)) && rc != 2) { /* 2: already said */
            fprintf(stderr, "chanscope: %s: cannot write the output: %s\n", argv[1],
                    strerror(errno ? errno : EIO));
            return 2;
        }
        return rc;
    }
    fprintf(stderr, "chanscope: unknown command '%s' (try 'chanscope --help')\n", argv[1]);
    return 2;
}
