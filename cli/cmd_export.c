/* cli/cmd_export.c — `chanscope export TRACE --format chrome -o OUT.json`:
 * Chrome trace-event JSON that opens in Perfetto.  The trace is only read
 * (the analysis runs in memory).  "-o -" writes to stdout. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "commands.h"
#include "paths.h"

static const char usage[] = "usage: chanscope export TRACE --format chrome -o OUT.json";

int cmd_export(int argc, char **argv) {
    const char *path = NULL, *format = NULL, *outp = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--format") || !strcmp(argv[i], "-f")) {
            if (++i >= argc) return cs_bad_input("export: --format needs a value (%s)", usage);
            format = argv[i];
        } else if (!strncmp(argv[i], "--format=", 9)) {
            format = argv[i] + 9;
        } else if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) {
            if (++i >= argc) return cs_bad_input("export: -o needs a file name (%s)", usage);
            outp = argv[i];
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            puts(usage);
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cs_bad_input("export: unknown option '%s' (%s)", argv[i], usage);
        } else if (path) {
            return cs_bad_input("export: one trace at a time (%s)", usage);
        } else {
            path = argv[i];
        }
    }
    if (!path) return cs_bad_input("export: missing TRACE (%s)", usage);
    if (!format) format = "chrome";
    if (strcmp(format, "chrome") && strcmp(format, "perfetto"))
        return cs_bad_input("export: unknown format '%s' (supported: chrome)", format);
    if (!outp) return cs_bad_input("export: missing -o OUT.json (%s)", usage);
    int bad = cs_input_trace("export", path);
    if (!bad && strcmp(outp, "-")) bad = cs_refuse_same("export", path, outp);
    if (bad) return bad;
    char err[512];
    an_trace *t = an_open(path, err, sizeof err);
    if (!t) return cs_bad_input("%s", err);
    FILE *out = strcmp(outp, "-") ? fopen(outp, "w") : stdout;
    if (!out) {
        an_trace_free(t);
        return cs_bad_input("export: cannot write %s: %s", outp, strerror(errno));
    }
    for (size_t i = 0; i < t->nwarnings; i++)
        fprintf(stderr, "chanscope: warning: %s\n", t->warnings[i]);
    an_result *r = an_analyze(t);
    int rc = an_export_chrome(out, t, r);
    if (out == stdout ? fflush(out) != 0 || ferror(out) : fclose(out) != 0) rc = -1;
    an_result_free(r);
    an_trace_free(t);
    if (rc) return cs_bad_input("export: error while writing %s: %s", outp, strerror(errno));
    return 0;
}
