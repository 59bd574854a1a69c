/* cli/cmd_check.c — `chanscope check TRACE [--json]`: analyze a trace.
 * Exit 0: no findings, 1: findings, 2: bad input (one line on stderr, the
 * file untouched) or a damaged trace (events missing: the report is given,
 * with a warning, but it is no verdict).  The derived tables are rewritten in
 * the trace; if the file cannot be written (read-only), the report is still
 * given.  A trace that a running program is still recording (cs_trace_live)
 * is analysed as far as it goes and never written: one note on stderr says so. */
#include <getopt.h>
#include <limits.h>
#include <unistd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "commands.h"
#include "paths.h"
#include "convert.h"
#include "tracer.h"

static const char check_usage[] =
    "usage: chanscope check TRACE [--json] [--no-store]\n"
    "\n"
    "Find deadlocks, leaks, races, misuse and lock-order cycles in a trace, and\n"
    "write the derived tables (spans, messages, hb_edges, findings) into it for\n"
    "the viewer.\n"
    "\n"
    "  -j, --json      the report as JSON on stdout\n"
    "  -n, --no-store  do not write the derived tables (the trace stays as recorded)\n"
    "  -h, --help      this help\n"
    "\n"
    "On a terminal, a check that takes more than a second shows its progress on\n"
    "stderr.  Exit status: 0 no findings, 1 findings, 2 bad input or a damaged\n"
    "trace (events missing: the report is given, but it is no verdict).\n";

int cmd_check(int argc, char **argv) {
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"no-store", no_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *path = NULL;
    int json = 0, store = 1;
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":jnh", longopts, NULL)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case 'n': store = 0; break;
        case 'h': fputs(check_usage, stdout); return 0;
        default: return cs_option_error("check", c, argv);
        }
    }
    if (optind >= argc) return cs_usage_error("check", "missing TRACE");
    if (argc - optind > 1)
        return cs_usage_error("check", "one trace at a time (got '%s' and '%s')", argv[optind],
                              argv[optind + 1]);
    path = argv[optind];
    int bad = cs_input_trace("check", path);
    if (bad) return bad;
    /* Probed before an_open: no SQLite connection of ours is open on it yet. */
    bool live = cs_trace_live(path) == 1;
    char err[512];
    /* A live trace is its program's event log so far: analyse a snapshot of
     * it (converted into a scratch file) and store nothing. */
    char snap[PATH_MAX] = "";
    if (live && cs_live_snapshot(path, snap, sizeof snap, err, sizeof err) < 0)
        return cs_bad_input("check: %s", err);
    cs_progress_begin("chanscope check");
    an_trace *t = an_open(snap[0] ? snap : path, err, sizeof err);
    if (snap[0]) unlink(snap); /* open: the analysis reads it from memory */
    if (!t) {
        cs_progress_end();
        return cs_bad_input("%s", err);
    }
    if (live) {
        cs_progress_end(); /* the note goes on a line of its own */
        long long pid = cs_trace_pid(path);
        char who[48] = "";
        if (pid > 0) snprintf(who, sizeof who, " (pid %lld)", pid);
        fprintf(stderr,
                "chanscope: note: the run is in progress: %s is still being recorded by its "
                "program%s; this report covers the events so far and nothing is stored into "
                "the trace (check it again when the program has ended)\n",
                path, who);
        store = 0;
        cs_progress_begin("chanscope check");
    }
    an_result *r = an_analyze(t);
    int stored = store ? an_store(path, t, r, err, sizeof err) : 0;
    cs_progress_end();
    if (stored != 0)
        fprintf(stderr, "chanscope: warning: %s (the report below is still complete)\n", err);
    if (json) {
        /* stdout stays pure JSON ("events_lost": N, "truncated": true); a
         * live trace is truncated by nature (the note above said so) */
        char note[256];
        if (an_trace_note(t, note, sizeof note) && (t->events_lost || !live))
            fprintf(stderr, "chanscope: note: %s\n", note);
        for (size_t i = 0; i < t->nwarnings; i++) /* (the text report has them) */
            fprintf(stderr, "chanscope: warning: %s\n", t->warnings[i]);
        char *s = an_report_json(t, r);
        if (s) puts(s);
        free(s);
    } else {
        an_report_text(stdout, t, r);
    }
    /* a damaged trace (events missing) gets no verdict: its report is what is left */
    int status = t->damaged ? 2 : r->findings.n ? 1 : 0;
    an_result_free(r);
    an_trace_free(t);
    return status;
}
