/*
 * report.h — the analysis drawn for a browser: the timeline as SVG
 * (analyzer/svg.c) and a self-contained HTML report (analyzer/html.c).
 * Used by `chanscope report`, `chanscope view --svg` and `make site`.
 *
 * Both read what `chanscope check` derives (spans, messages, findings and
 * their refs: an_result, the same rows as the derived tables of
 * docs/trace-format.md), computed in memory: nothing is written to the
 * trace.  The output never refers to anything outside itself (no external
 * CSS, fonts, images or scripts; the page has no script at all).
 *
 * Big traces: the timeline is capped (lanes, state rectangles, arrows,
 * ticks; see AN_SVG_MAX_*), spans too thin to see are merged into the
 * one already drawn there, and what was left out is counted in
 * an_svg_stats so the page can say so.  A report stays around 2 MB at most.
 */
#ifndef CS_ANALYZER_REPORT_H
#define CS_ANALYZER_REPORT_H

#include <stdio.h>

#include "analyzer.h"

#define AN_SVG_MAX_LANES 60     /* goroutine lanes drawn */
#define AN_SVG_MAX_RECTS 8000   /* state rectangles */
#define AN_SVG_MAX_ARROWS 1000  /* message arrows */
#define AN_SVG_MAX_TICKS 2500   /* channel-operation ticks */

typedef struct an_svg_stats {
    size_t lanes, lanes_hidden;       /* goroutines drawn / left out */
    size_t rects, rects_merged, rects_dropped;
    size_t arrows, arrows_dropped;
    size_t ticks, ticks_dropped;
} an_svg_stats;

/* The timeline: one lane per goroutine (running / blocked / sleeping),
 * channel operations as ticks, messages as arrows, every finding's refs as
 * numbered red marks joined by red arrows.  x is the event order (seq);
 * hover titles give times.  standalone: an XML document with its
 * namespace (a .svg file) rather than an element inlined in HTML.
 * stats may be NULL.  0 ok, -1 on a write error. */
int an_svg_timeline(FILE *out, const an_trace *t, const an_result *r, int standalone,
                    an_svg_stats *stats);

typedef struct an_html_opts {
    const char *title;            /* page title (NULL: the program name) */
    const char *const *src_dirs;  /* where to look for the sites' files, NULL-ended */
    int context;                  /* source lines shown on each side of a site */
} an_html_opts;

/* The whole report: summary, timeline, findings (explanation, fix, refs)
 * and the source lines around each site (a file that cannot be found is
 * shown as missing).  0 ok, -1 on a write error. */
int an_report_html(FILE *out, const an_trace *t, const an_result *r, const an_html_opts *o);

/* Helpers shared by the two renderers (analyzer/svg.c). */
void an_xml_text(FILE *out, const char *s); /* escaped, valid UTF-8 */

#endif
