/* cli/cmd_check.c — `chanscope check TRACE [--json]`: analyze a trace.
 * Exit 0: no findings, 1: findings, 2: bad input (one line on stderr, the
 * file untouched) or a damaged trace (events missing: the report is given,
 * with a warning, but it is no verdict).  The derived tables are rewritten in
 * the trace; if the file cannot be written (read-only), the report is still
 * given.  A trace that a running program is still recording (cs_trace_live)
 * is analysed as far as it goes and never written: one note on stderr says so. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "commands.h"
#include "paths.h"
#include "tracer.h"

int cmd_check(int argc, char **argv) {
    const char *path = NULL;
    int json = 0, store = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json = 1;
        else if (!strcmp(argv[i], "--no-store")) store = 0;
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            puts("usage: chanscope check TRACE [--json] [--no-store]\n"
                 "  Find deadlocks, leaks, races and misuse in a trace; write the derived\n"
                 "  tables (spans, messages, hb_edges, findings) into it.\n"
                 "  Exit status: 0 no findings, 1 findings, 2 bad input or a damaged trace.");
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cs_bad_input("check: unknown option '%s' (usage: chanscope check TRACE [--json])",
                                argv[i]);
        } else if (path) {
            return cs_bad_input("check: one trace at a time (got '%s' and '%s')", path, argv[i]);
        } else {
            path = argv[i];
        }
    }
    if (!path) return cs_bad_input("check: missing TRACE (usage: chanscope check TRACE [--json])");
    int bad = cs_input_trace("check", path);
    if (bad) return bad;
    /* Probed before an_open: no SQLite connection of ours is open on it yet. */
    bool live = cs_trace_live(path) == 1;
    char err[512];
    an_trace *t = an_open(path, err, sizeof err);
    if (!t) return cs_bad_input("%s", err);
    if (live) {
        long long pid = cs_trace_pid(path);
        char who[48] = "";
        if (pid > 0) snprintf(who, sizeof who, " (pid %lld)", pid);
        fprintf(stderr,
                "chanscope: note: the run is in progress: %s is still being recorded by its "
                "program%s; this report covers the events so far and nothing is stored into "
                "the trace (check it again when the program has ended)\n",
                path, who);
        store = 0;
    }
    an_result *r = an_analyze(t);
    if (store && an_store(path, t, r, err, sizeof err) != 0)
        fprintf(stderr, "chanscope: warning: %s (the report below is still complete)\n", err);
    if (json) {
        if (t->truncated && !live) /* stdout stays pure JSON ("truncated": true) */
            fprintf(stderr, "chanscope: note: trace is truncated (program killed?): analyzing "
                            "the events it has\n");
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
