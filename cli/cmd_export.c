/* cli/cmd_export.c — `chanscope export TRACE [-o OUT.json] [--from X]
 * [--to X] [--max-events N]`: Chrome trace-event JSON that opens in Perfetto
 * (analyzer/chrome.c).  The trace is only read (the analysis runs in
 * memory).  Output goes to stdout unless -o is given ("-o -" too).
 *
 * Pieces of a big trace: --from/--to bound the events by seq (a plain
 * number) or by time since the program started (a number with a unit: ns,
 * us, ms, s); --max-events N keeps at most N recorded events from --from on
 * and names, on stderr, the --from that starts the next piece.  The whole
 * trace is still analysed, so spans and findings are those of the full run. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "commands.h"
#include "paths.h"

static const char usage[] =
    "usage: chanscope export TRACE [--format chrome] [-o OUT.json] [--from X] [--to X]\n"
    "                        [--max-events N]\n"
    "  Chrome trace-event JSON of the trace (opens in https://ui.perfetto.dev and\n"
    "  chrome://tracing): one track per goroutine, states, messages as flows,\n"
    "  panics, logs and findings.  The trace is only read.\n"
    "  -f, --format chrome   the only format (also: perfetto)\n"
    "  -o, --output FILE     write to FILE (default: stdout; '-' is stdout)\n"
    "  --from X, --to X      only events from/up to X: a seq (1000) or a time since\n"
    "                        the start with a unit (2.5ms, 300us, 1s, 500ns)\n"
    "  --max-events N        at most N recorded events (from --from on); stderr names\n"
    "                        the --from of the next piece\n"
    "  -h, --help            this text";

/* A bound: seq (no unit) or a time in ns (with a unit).  0 ok, -1 bad. */
typedef struct bound {
    int set, is_time;
    int64_t v;
} bound;

static int parse_bound(const char *s, bound *b) {
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (end == s || errno || x < 0) return -1;
    b->set = 1;
    if (!*end) {
        if (strchr(s, '.') || strchr(s, 'e') || strchr(s, 'E') || x > 9e18) return -1;
        b->v = (int64_t)x;
        return 0;
    }
    static const struct {
        const char *unit;
        double ns;
    } units[] = {{"ns", 1}, {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"ms", 1e6}, {"s", 1e9}};
    for (size_t i = 0; i < sizeof units / sizeof *units; i++)
        if (!strcmp(end, units[i].unit)) {
            if (x * units[i].ns > 9e18) return -1;
            b->is_time = 1;
            b->v = (int64_t)(x * units[i].ns);
            return 0;
        }
    return -1;
}

/* Rank of the first event with seq >= s, or with t_ns >= ns (time). */
static size_t rank_at(const an_trace *t, const bound *b) {
    size_t lo = 0, hi = t->nev;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int64_t v = b->is_time ? t->ev[mid].t_ns : t->ev[mid].seq;
        if (v < b->v) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

int cmd_export(int argc, char **argv) {
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"from", required_argument, NULL, 'F'},
        {"to", required_argument, NULL, 'T'},
        {"max-events", required_argument, NULL, 'M'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *format = "chrome", *outp = "-";
    bound from = {0}, to = {0};
    long long maxev = 0;
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":f:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': format = optarg; break;
        case 'o': outp = optarg; break;
        case 'F':
            if (parse_bound(optarg, &from))
                return cs_usage_error("export", "--from '%s': give a seq (1000) or a time "
                                      "with a unit (2.5ms, 300us, 1s)", optarg);
            break;
        case 'T':
            if (parse_bound(optarg, &to))
                return cs_usage_error("export", "--to '%s': give a seq (1000) or a time "
                                      "with a unit (2.5ms, 300us, 1s)", optarg);
            break;
        case 'M': {
            char *end;
            errno = 0;
            maxev = strtoll(optarg, &end, 10);
            if (end == optarg || *end || errno || maxev < 1)
                return cs_usage_error("export", "--max-events '%s': give a count of at least 1",
                                      optarg);
            break;
        }
        case 'h': puts(usage); return 0;
        default: return cs_option_error("export", c, argv);
        }
    }
    if (optind >= argc) return cs_usage_error("export", "missing TRACE");
    if (argc - optind > 1) return cs_usage_error("export", "one trace at a time");
    const char *path = argv[optind];
    if (strcmp(format, "chrome") && strcmp(format, "perfetto"))
        return cs_usage_error("export", "unknown format '%s' (supported: chrome)", format);
    int bad = cs_input_trace("export", path);
    if (!bad && strcmp(outp, "-")) bad = cs_refuse_same("export", path, outp);
    if (bad) return bad;
    char err[512];
    cs_progress_begin("chanscope export");
    an_trace *t = an_open(path, err, sizeof err);
    if (!t) {
        cs_progress_end();
        return cs_bad_input("%s", err);
    }
    /* the window, as ranks [lo, hi) of recorded events */
    size_t lo = from.set ? rank_at(t, &from) : 0;
    size_t hi = t->nev;
    if (to.set) {
        bound past = to;
        past.v = to.v == INT64_MAX ? to.v : to.v + 1; /* first event after --to */
        hi = rank_at(t, &past);
    }
    int cut = 0;
    if (maxev && hi > lo && hi - lo > (size_t)maxev) {
        hi = lo + (size_t)maxev;
        cut = 1;
    }
    if ((from.set || to.set) && hi <= lo) {
        cs_progress_end();
        char span[160] = "it has no events";
        if (t->nev)
            snprintf(span, sizeof span, "its events are seq %" PRId64 " to %" PRId64 ", %.3f to %.3f ms",
                     t->ev[0].seq, t->ev[t->nev - 1].seq, (double)t->ev[0].t_ns / 1e6,
                     (double)t->ev[t->nev - 1].t_ns / 1e6);
        int bad_window = cs_bad_input("export: no event of %s lies between --from and --to (%s)",
                                      path, span);
        an_trace_free(t);
        return bad_window;
    }
    FILE *out = strcmp(outp, "-") ? fopen(outp, "w") : stdout;
    if (!out) {
        cs_progress_end();
        an_trace_free(t);
        return cs_bad_input("export: cannot write %s: %s", outp, strerror(errno));
    }
    for (size_t i = 0; i < t->nwarnings; i++)
        fprintf(stderr, "chanscope: warning: %s\n", t->warnings[i]);
    an_result *r = an_analyze(t);
    cs_progress_end();
    int rc;
    if (!from.set && !to.set && !maxev) rc = an_export_chrome(out, t, r);
    else
        rc = an_export_chrome_range(out, t, r, lo < t->nev ? t->ev[lo].seq : INT64_MAX,
                                    hi ? t->ev[hi - 1].seq : INT64_MIN);
    if (out == stdout ? fflush(out) != 0 || ferror(out) : fclose(out) != 0) rc = -1;
    if (!rc && cut)
        fprintf(stderr, "chanscope: export: this piece holds seq %" PRId64 " to %" PRId64
                        " (%zu event%s); the next one starts with --from %" PRId64 "\n",
                t->ev[lo].seq, t->ev[hi - 1].seq, hi - lo, hi - lo == 1 ? "" : "s", t->ev[hi].seq);
    an_result_free(r);
    an_trace_free(t);
    if (rc) return cs_bad_input("export: error while writing %s: %s", outp, strerror(errno));
    return 0;
}
