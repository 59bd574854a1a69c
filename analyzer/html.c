/*
 * html.c — `chanscope report`: one self-contained HTML page (see report.h).
 *
 *   header     program, end of run, counts, verdict
 *   timeline   an_svg_timeline inlined (and what it left out, if anything)
 *   findings   per finding: kind, severity, title, explanation, fix; each
 *              ref (role, goroutine, object, site) with the source lines
 *              around its site; a site whose file cannot be found says so
 * Sizes: at most AN_HTML_MAX_FINDINGS findings and AN_HTML_MAX_EXCERPTS
 * source excerpts per finding are written (the page says how many more);
 * with the timeline's caps the page stays near 2 MB at most.
 */
#include <stdlib.h>
#include <string.h>

#include "an_internal.h"
#include "report.h"

#define AN_HTML_MAX_FINDINGS 50
#define AN_HTML_MAX_EXCERPTS 4

static const char css[] =
    "body{font:15px/1.45 sans-serif;margin:0 auto;max-width:1400px;padding:0 20px 40px;"
    "color:#222;background:#fff;border-top:8px solid #2a6fb0}"
    "h1{font-size:24px;margin:18px 0 4px}h2{font-size:19px;margin:26px 0 8px}"
    "table.meta td{padding:1px 12px 1px 0}table.meta td:first-child{color:#666}"
    ".verdict{font-weight:bold;padding:6px 10px;display:inline-block;border-radius:4px}"
    ".verdict.bad{background:#fde2e2;color:#900}.verdict.good{background:#e1f5e1;color:#135}"
    ".scroll{overflow-x:auto;border:1px solid #ddd;padding:4px;background:#fff}"
    ".note{color:#a00}"
    ".finding{border-left:5px solid #d00;padding:4px 14px;margin:14px 0;background:#fff8f8}"
    ".finding.warning{border-color:#e90;background:#fffaf0}"
    ".kind{font:bold 13px monospace;background:#d00;color:#fff;padding:1px 6px;border-radius:3px}"
    ".warning .kind{background:#e90}"
    ".fix{background:#eef6ee;padding:6px 10px;border-radius:3px}"
    "pre.src{background:#f6f6f6;padding:6px 0;margin:4px 0 10px;overflow-x:auto;font-size:13px}"
    "pre.src span{display:block;padding:0 10px}pre.src .hit{background:#ffe08a}"
    ".missing{color:#a00;font-style:italic}"
    "code{font-size:13px}";

static void text(FILE *out, const char *s) { an_xml_text(out, s); }

/* Open the site's file: as recorded (absolute, or relative to here), then
 * under each source folder.  NULL when none is readable. */
static FILE *open_source(const char *file, const char *const *dirs) {
    if (!file || !*file) return NULL;
    FILE *f = fopen(file, "r");
    if (f || file[0] == '/') return f;
    for (size_t i = 0; dirs && dirs[i]; i++) {
        char p[4200];
        snprintf(p, sizeof p, "%s/%s", dirs[i], file);
        if ((f = fopen(p, "r"))) return f;
    }
    return NULL;
}

static void excerpt(FILE *out, const an_site *s, const an_html_opts *o) {
    FILE *f = open_source(s->file, o->src_dirs);
    fputs("<div><code>", out);
    text(out, s->file);
    fprintf(out, ":%d</code>", s->line);
    if (!f) {
        fputs(" <span class=\"missing\">(source file not found)</span></div>\n", out);
        return;
    }
    fputs("</div>\n<pre class=\"src\">", out);
    int ctx = o->context > 0 ? o->context : 3;
    char line[1024];
    int n = 0, shown = 0;
    while (fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        int whole = len && line[len - 1] == '\n';
        if (whole) line[len - 1] = 0;
        n++;
        if (n >= s->line - ctx && n <= s->line + ctx) {
            fprintf(out, "<span%s>%4d  ", n == s->line ? " class=\"hit\"" : "", n);
            text(out, line);
            fputs("</span>", out);
            shown++;
        }
        while (!whole && fgets(line, sizeof line, f)) { /* rest of a very long line */
            len = strlen(line);
            whole = len && line[len - 1] == '\n';
        }
        if (n > s->line + ctx) break;
    }
    fclose(f);
    if (!shown) fprintf(out, "<span class=\"missing\">(the file has no line %d)</span>", s->line);
    fputs("</pre>\n", out);
}

static void finding(FILE *out, const an_trace *t, const an_finding *f, size_t i,
                    const an_html_opts *o) {
    int warn = f->severity && !strcmp(f->severity, "warning");
    fprintf(out, "<section class=\"finding%s\" id=\"finding-%zu\">\n<h3>%zu. <span class=\"kind\">",
            warn ? " warning" : "", i + 1, i + 1);
    text(out, f->kind);
    fputs("</span> ", out);
    text(out, f->title);
    fputs("</h3>\n<p>", out);
    text(out, f->explanation);
    fputs("</p>\n", out);
    if (f->fix && *f->fix) {
        fputs("<p class=\"fix\"><b>Fix:</b> ", out);
        text(out, f->fix);
        fputs("</p>\n", out);
    }
    fputs("<ul>\n", out);
    an_imap seen = {0};
    size_t excerpts = 0, skipped = 0;
    for (size_t k = 0; k < f->refs.n; k++) {
        const an_ref *x = &f->refs.v[k];
        fputs("<li>", out);
        if (x->role) {
            fputs("<b>", out);
            text(out, x->role);
            fputs("</b>: ", out);
        }
        if (x->g >= 0) {
            fputs("goroutine ", out);
            text(out, an_gname(t, x->g));
            fprintf(out, " (%lld) ", (long long)x->g);
        }
        if (x->obj) {
            text(out, an_otype(t, x->obj));
            fputc(' ', out);
            text(out, an_oname(t, x->obj));
            fputc(' ', out);
        }
        if (x->seq) fprintf(out, "at seq %lld", (long long)x->seq);
        const an_site *s = an_site_by_id(t, x->site);
        int ins = 0;
        if (s) an_imap_put(&seen, x->site, 1, &ins);
        if (s && ins && excerpts < AN_HTML_MAX_EXCERPTS) {
            excerpts++;
            fputc('\n', out);
            excerpt(out, s, o);
        } else if (s) {
            fputs(" — <code>", out);
            text(out, s->file);
            fprintf(out, ":%d</code>", s->line);
            if (ins) skipped++;
        }
        fputs("</li>\n", out);
    }
    fputs("</ul>\n", out);
    if (skipped) fprintf(out, "<p class=\"note\">%zu more source excerpts not shown.</p>\n", skipped);
    an_imap_free(&seen);
    fputs("</section>\n", out);
}

int an_report_html(FILE *out, const an_trace *t, const an_result *r, const an_html_opts *o) {
    const char *prog = t->program ? t->program : "a chanscope trace";
    const char *base = strrchr(prog, '/');
    const char *title = o && o->title ? o->title : base && base[1] ? base + 1 : prog;
    an_html_opts dflt = {0};
    if (!o) o = &dflt;
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width\">\n<title>",
          out);
    text(out, title);
    fprintf(out, " — chanscope report</title>\n<style>%s</style></head>\n<body>\n<h1>", css);
    text(out, title);
    fputs("</h1>\n<table class=\"meta\">\n<tr><td>program</td><td><code>", out);
    text(out, prog);
    fputs("</code></td></tr>\n<tr><td>trace</td><td><code>", out);
    text(out, t->path);
    fputs("</code></td></tr>\n<tr><td>end of run</td><td>", out);
    if (t->events_lost)
        fprintf(out, "<span class=\"note\">none recorded: the trace stops early (%lld events "
                     "were not recorded: its log could not grow, or a thread was stopped "
                     "while writing one)</span>",
                (long long)t->events_lost);
    else if (t->truncated) fputs("<span class=\"note\">none recorded: the trace is truncated "
                            "(program killed or still running)</span>", out);
    else text(out, t->end_reason);
    if (t->has_exit_status) fprintf(out, ", exit status %lld", (long long)t->exit_status);
    fprintf(out, "</td></tr>\n<tr><td>events</td><td>%zu (%.3f ms)</td></tr>\n"
                 "<tr><td>goroutines</td><td>%zu</td></tr>\n</table>\n",
            t->nev, t->nev ? (double)t->ev[t->nev - 1].t_ns / 1e6 : 0.0, t->ng);
    size_t nf = r->findings.n;
    if (nf) fprintf(out, "<p class=\"verdict bad\">%zu finding%s</p>\n", nf, nf == 1 ? "" : "s");
    else fputs("<p class=\"verdict good\">no findings: no deadlock, leak, race or misuse "
               "in this run</p>\n", out);
    fputs("<h2>Timeline</h2>\n<div class=\"scroll\">\n", out);
    an_svg_stats st;
    if (an_svg_timeline(out, t, r, 0, &st) != 0) return -1;
    fputs("</div>\n", out);
    if (st.lanes_hidden || st.rects_dropped || st.arrows_dropped || st.ticks_dropped ||
        st.rects_merged)
        fprintf(out, "<p class=\"note\">This trace is big: the timeline shows %zu of %zu "
                     "goroutines, %zu state spans (%zu too thin to see merged into their neighbours, %zu left "
                     "out), %zu message arrows (%zu left out), %zu channel operations (%zu "
                     "left out).  Open it in <code>chanscope view</code> or export it for "
                     "Perfetto to see everything.</p>\n",
                st.lanes, st.lanes + st.lanes_hidden, st.rects, st.rects_merged,
                st.rects_dropped, st.arrows, st.arrows_dropped, st.ticks, st.ticks_dropped);
    fputs("<p>x is the order of events (seq); hover over a shape for its details.</p>\n", out);
    if (nf) {
        fputs("<h2>Findings</h2>\n", out);
        for (size_t i = 0; i < nf && i < AN_HTML_MAX_FINDINGS; i++)
            finding(out, t, &r->findings.v[i], i, o);
        if (nf > AN_HTML_MAX_FINDINGS)
            fprintf(out, "<p class=\"note\">%zu more findings not shown (see <code>chanscope "
                         "check</code>).</p>\n", nf - AN_HTML_MAX_FINDINGS);
    }
    fputs("<p style=\"color:#888;font-size:12px\">made by chanscope report</p>\n</body></html>\n",
          out);
    return ferror(out) ? -1 : 0;
}
