/* cli/cmd_report.c — `chanscope report TRACE [-o FILE.html]`: the trace's
 * findings, timeline and source lines as one self-contained HTML page
 * (analyzer/html.c, analyzer/svg.c); also `view --svg` (cs_write_svg).
 *
 * The trace is only read: the analysis runs in memory (the same rows
 * `chanscope check` stores as derived tables), so an unchecked trace, a
 * read-only one and one whose program is still running are all reported
 * and none is written.  The page goes to stdout unless -o is given.
 * Source files are looked up as the sites table records them, then under
 * each --src DIR, the trace's folder and chanscope's home (the catalog). */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer.h"
#include "commands.h"
#include "convert.h"
#include "paths.h"
#include "report.h"
#include "cmd_report.h"
#include "tracer.h"

static const char usage[] =
    "usage: chanscope report TRACE [-o FILE.html] [--title TEXT] [--src DIR]...\n"
    "  One self-contained HTML page (no external resources): the timeline as SVG,\n"
    "  the findings with explanation and fix, and the source lines around each site.\n"
    "  The trace is only read (analysed in memory, never written).\n"
    "  -o, --output FILE   write the page to FILE (default: stdout; '-' is stdout)\n"
    "  --title TEXT        the page's heading (default: the program's name)\n"
    "  --src DIR           also look for the sites' source files under DIR\n"
    "                      (repeatable; then the trace's folder and the catalog)\n"
    "  -h, --help          this text\n"
    "Exit status: 0 page written, 2 bad input.  See also: chanscope view --svg.";

/* Open and analyse TRACE read-only; a note when its program still runs. */
static int load(const char *cmd, const char *path, an_trace **tp, an_result **rp) {
    int bad = cs_input_trace(cmd, path);
    if (bad) return bad;
    int live = cs_trace_live(path) == 1;
    char err[512];
    char what[64];
    snprintf(what, sizeof what, "chanscope %s", cmd);
    /* a live trace: a snapshot of its program's event log so far */
    char snap[PATH_MAX] = "";
    if (live && cs_live_snapshot(path, snap, sizeof snap, err, sizeof err) < 0)
        return cs_bad_input("%s: %s", cmd, err);
    cs_progress_begin(what);
    an_trace *t = an_open(snap[0] ? snap : path, err, sizeof err);
    if (snap[0]) unlink(snap);
    if (!t) {
        cs_progress_end();
        return cs_bad_input("%s", err);
    }
    *tp = t;
    *rp = an_analyze(t);
    cs_progress_end(); /* before the note: it needs a line of its own */
    if (live)
        fprintf(stderr, "chanscope: note: %s is still being recorded by its program: the %s "
                        "covers the events so far\n", path, cmd);
    return 0;
}

static FILE *open_out(const char *cmd, const char *trace, const char *out, int *bad) {
    *bad = 0;
    if (!strcmp(out, "-")) return stdout;
    if ((*bad = cs_refuse_same(cmd, trace, out))) return NULL;
    static const char *const companions[] = {"-wal", "-shm", "-journal"};
    for (size_t i = 0; i < 3; i++) {
        char p[4200];
        snprintf(p, sizeof p, "%s%s", trace, companions[i]);
        if ((*bad = cs_refuse_same(cmd, p, out))) return NULL;
    }
    FILE *f = fopen(out, "w");
    if (!f) *bad = cs_bad_input("%s: cannot write %s: %s", cmd, out, strerror(errno));
    return f;
}

static int close_out(const char *cmd, FILE *f, const char *out, int rc) {
    if (f == stdout ? fflush(f) != 0 || ferror(f) : fclose(f) != 0) rc = -1;
    if (rc) return cs_bad_input("%s: error while writing %s: %s", cmd, out, strerror(errno));
    return 0;
}

int cs_write_svg(const char *cmd, const char *trace, const char *out) {
    an_trace *t;
    an_result *r;
    int bad = load(cmd, trace, &t, &r);
    if (bad) return bad;
    FILE *f = open_out(cmd, trace, out, &bad);
    if (f) bad = close_out(cmd, f, out, an_svg_timeline(f, t, r, 1, NULL));
    an_result_free(r);
    an_trace_free(t);
    return bad;
}

int cmd_report(int argc, char **argv) {
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"title", required_argument, NULL, 'T'},
        {"src", required_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *outp = "-", *title = NULL;
    const char **dirs = calloc((size_t)argc + 3, sizeof *dirs);
    if (!dirs) return cs_bad_input("out of memory");
    size_t nd = 0;
    optind = 0;
    opterr = 0;
    int c, rc = 0;
    while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': outp = optarg; break;
        case 'T': title = optarg; break;
        case 'S': dirs[nd++] = optarg; break;
        case 'h': puts(usage); free(dirs); return 0;
        default: free(dirs); return cs_option_error("report", c, argv);
        }
    }
    if (optind >= argc) rc = cs_usage_error("report", "missing TRACE");
    else if (argc - optind > 1) rc = cs_usage_error("report", "one trace at a time");
    if (rc) {
        free(dirs);
        return rc;
    }
    const char *path = argv[optind];
    char *pathcopy = strdup(path);
    dirs[nd++] = pathcopy ? dirname(pathcopy) : ".";
    dirs[nd++] = cs_home();
    an_trace *t;
    an_result *r;
    int bad = load("report", path, &t, &r);
    if (!bad) {
        FILE *f = open_out("report", path, outp, &bad);
        if (f) {
            an_html_opts o = {.title = title, .src_dirs = dirs, .context = 3};
            bad = close_out("report", f, outp, an_report_html(f, t, r, &o));
        }
        an_result_free(r);
        an_trace_free(t);
    }
    free(pathcopy);
    free(dirs);
    return bad;
}
