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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "convert.h"

static const char import_usage[] =
    "usage: chanscope import LOG [-o TRACE] [--remove-log]\n"
    "\n"
    "Convert a binary event log (TRACE.db.cslog, what a traced program writes)\n"
    "into the SQLite trace TRACE (default: LOG without its .cslog).  An older\n"
    "trace there is replaced atomically; a log of a killed program gives a trace\n"
    "marked as such, with every event it completed.\n"
    "\n"
    "  -o, --output TRACE  where the trace goes\n"
    "  --remove-log        delete LOG once the trace is written\n"
    "  -q, --quiet         no 'trace: ...' line\n"
    "  -h, --help          this help\n"
    "\n"
    "Exit status: 0 done; 2 bad input (nothing changed).\n";

int cmd_import(int argc, char **argv) {
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"remove-log", no_argument, NULL, 'r'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *output = NULL;
    bool remove_log = false, quiet = false;
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":o:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': output = optarg; break;
        case 'r': remove_log = true; break;
        case 'q': quiet = true; break;
        case 'h': fputs(import_usage, stdout); return 0;
        default: return cs_option_error("import", c, argv);
        }
    }
    if (optind >= argc) return cs_usage_error("import", "which log?");
    if (optind + 1 < argc) return cs_usage_error("import", "unexpected argument '%s'", argv[optind + 1]);
    const char *log = argv[optind];
    char def[4096];
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
    if (cs_convert(log, output, remove_log, &info, err, sizeof err) != 0)
        return cs_bad_input("import: %s", err);
    if (!quiet)
        fprintf(stderr, "trace: %s (%llu events%s%s; %.2f s)\n", output,
                (unsigned long long)info.events,
                info.finished ? "" : ", truncated: the program was killed",
                info.replaced ? "; replaced the previous trace" : "", info.seconds);
    if (info.bad_chunks)
        fprintf(stderr, "chanscope: import: %zu damaged chunk%s of %s: their later events are "
                        "missing\n", info.bad_chunks, info.bad_chunks == 1 ? "" : "s", log);
    return 0;
}
