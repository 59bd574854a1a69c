/*
 * cli/cmd_import.c — `chanscope import LOG -o TRACE.db [--remove-log]`
 *
 * Converts a binary event log (TRACE.db.cslog, written by a traced program:
 * docs/trace-format.md, "The binary log") into the SQLite trace that check,
 * view, export and report read.  `chanscope run` does this by itself when
 * the program ends, however it ends; a program run with CHANSCOPE_TRACE set
 * runs `chanscope import` at its exit.  By hand it is for a log left behind
 * (a program killed by kill -9 outside `chanscope run`).
 *
 * Bad input (no such log, not a log, a log still being recorded, an output
 * that is not a chanscope trace): one line, status 2, nothing changed.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "convert.h"
#include "paths.h"
#include "tracer.h"

static const char import_usage[] =
    "usage: chanscope import LOG [-o TRACE] [--remove-log]\n"
    "       chanscope import --snapshot LOG -o COPY.db\n"
    "\n"
    "Convert a binary event log (TRACE.db.cslog, what a traced program writes)\n"
    "into the SQLite trace TRACE (default: LOG without its .cslog).  An older\n"
    "trace there is replaced atomically; a log of a killed program gives a trace\n"
    "marked as such, with every event it completed.\n"
    "\n"
    "  -o, --output TRACE  where the trace goes\n"
    "  --remove-log        delete LOG once the trace is written\n"
    "  --snapshot          LOG's program is still running: convert what it has\n"
    "                      recorded so far into COPY.db (it goes on recording;\n"
    "                      COPY.db must not be its own trace)\n"
    "  -q, --quiet         no 'trace: ...' line\n"
    "  -h, --help          this help\n"
    "\n"
    "Exit status: 0 done; 2 bad input (nothing changed).\n";

/* PATH with its folder resolved (the file itself need not exist). */
static void canonical(const char *path, char *out, size_t n) {
    char dir[PATH_MAX], real[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    const char *base = slash ? slash + 1 : path;
    if (slash) *slash = 0;
    if (!realpath(slash ? (dir[0] ? dir : "/") : ".", real)) real[0] = 0;
    snprintf(out, n, "%s/%s", real, base);
}

int cmd_import(int argc, char **argv) {
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"remove-log", no_argument, NULL, 'r'},
        {"quiet", no_argument, NULL, 'q'},
        {"snapshot", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *output = NULL;
    bool remove_log = false, quiet = false, snapshot = false;
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":o:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': output = optarg; break;
        case 'r': remove_log = true; break;
        case 'q': quiet = true; break;
        case 's': snapshot = true; break;
        case 'h': fputs(import_usage, stdout); return 0;
        default: return cs_option_error("import", c, argv);
        }
    }
    if (optind >= argc) return cs_usage_error("import", "which log?");
    if (optind + 1 < argc) return cs_usage_error("import", "unexpected argument '%s'", argv[optind + 1]);
    const char *log = argv[optind];
    char def[4096];
    if (snapshot && !output)
        return cs_usage_error("import", "--snapshot needs -o COPY.db (the program's own trace is "
                              "still to come)");
    if (snapshot && remove_log)
        return cs_usage_error("import", "--snapshot keeps the log: its program is still recording");
    if (!output) {
        size_t n = strlen(log);
        if (n <= 6 || strcmp(log + n - 6, ".cslog") != 0)
            return cs_usage_error("import", "%s does not end in .cslog: say where the trace goes with -o", log);
        snprintf(def, sizeof def, "%.*s", (int)(n - 6), log);
        output = def;
    }
    int is = cs_is_event_log(log);
    if (is < 0) return cs_bad_input("import: cannot read %s", log);
    if (is == 0) return cs_bad_input("import: %s is not a chanscope event log", log);
    cs_convert_info info;
    char err[1024];
    if (snapshot) {
        /* never the program's own trace, never a file that is not a trace */
        size_t n = strlen(log);
        if (n > 6 && strcmp(log + n - 6, ".cslog") == 0) {
            char a[2 * PATH_MAX], b[2 * PATH_MAX];
            snprintf(def, sizeof def, "%.*s", (int)(n - 6), log);
            canonical(def, a, sizeof a);
            canonical(output, b, sizeof b);
            if (strcmp(a, b) == 0)
                return cs_bad_input("import: %s is the trace the running program will write "
                                    "(choose another file for the snapshot)", output);
        }
        if (cs_refuse_same("import", log, output) != 0) return 2;
        if (cs_trace_check_output(output, err, sizeof err) != 0)
            return cs_bad_input("import: %s", err);
        if (cs_convert_snapshot(log, output, &info, err, sizeof err) != 0)
            return cs_bad_input("import: %s", err);
        if (!quiet)
            fprintf(stderr, "snapshot: %s (%llu events so far)\n", output,
                    (unsigned long long)info.events);
        return 0;
    }
    if (cs_convert(log, output, remove_log, &info, err, sizeof err) != 0)
        return cs_bad_input("import: %s", err);
    char lost[160], damage[4200];
    if (!quiet)
        fprintf(stderr, "trace: %s (%llu events%s%s; %.2f s)\n", output,
                (unsigned long long)info.events,
                info.events_lost ? cs_convert_incomplete(&info, lost, sizeof lost)
                : info.finished  ? ""
                                 : ", truncated: the program was killed",
                info.replaced ? "; replaced the previous trace" : "", info.seconds);
    if (cs_convert_damage(&info, log, damage, sizeof damage))
        fprintf(stderr, "chanscope: import: %s\n", damage);
    return 0;
}
