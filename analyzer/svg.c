/*
 * svg.c — the timeline as SVG (see report.h).
 *
 * Layout: a label column, then one lane per goroutine (sorted by id; the
 * runtime, id 0, is the lane timers, tickers and signals act from).  x is
 * the event's rank in seq order, so every event gets its own column however
 * far apart in time; the ticks at the top give seq and time.
 *   lane bar      running (green), blocked (red), sleeping (blue)
 *   ticks         above the bar: send (blue), receive (purple), close (black)
 *   arrows        grey, from a send to the receive of the same message
 *   findings      red numbered circles at each referenced event, joined in
 *                 order by red arrows; a lane a finding names is labelled red
 * Invariant: every element drawn lies inside the viewBox (x is clamped to
 * the plot, lanes are only those drawn).
 */
#include <stdlib.h>
#include <string.h>

#include "an_internal.h"
#include "an_utf8.h"
#include "report.h"

#define LABEL_W 200
#define TOP 34
#define LANE_H 24
#define BAR_H 12

void an_xml_text(FILE *out, const char *s) {
    if (!s) return;
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        unsigned char c = p[i];
        if (c == '<') fputs("&lt;", out);
        else if (c == '>') fputs("&gt;", out);
        else if (c == '&') fputs("&amp;", out);
        else if (c == '"') fputs("&quot;", out);
        else if (c < 0x20 && c != '\n' && c != '\t') fputs("\xEF\xBF\xBD", out);
        else if (c < 0x80) fputc(c, out);
        else {
            size_t n = an_utf8_seq(p + i, len - i);
            if (n) fwrite(p + i, 1, n, out);
            else fputs("\xEF\xBF\xBD", out);
            i += n ? n : 1;
            continue;
        }
        i++;
    }
}

typedef struct layout {
    const an_trace *t;
    double plot_w;          /* width of the plot area */
    double bucket;          /* a span narrower than this many px is merged */
    an_imap lane;           /* goroutine id -> lane number + 1 */
    size_t nlanes;
} layout;

/* Rank of the first event with seq >= s (events are in seq order). */
static size_t rank_of(const an_trace *t, int64_t seq) {
    size_t lo = 0, hi = t->nev;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->ev[mid].seq < seq) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static double x_of(const layout *L, int64_t seq) {
    size_t n = L->t->nev;
    size_t k = rank_of(L->t, seq);
    if (k >= n) k = n ? n - 1 : 0;
    double x = n > 1 ? (double)k * L->plot_w / (double)(n - 1) : 0;
    return LABEL_W + x;
}

/* Lane number of goroutine g, or -1 when it is not drawn. */
static int lane_of(const layout *L, int64_t g) {
    int64_t *v = an_imap_get(&L->lane, g);
    return v ? (int)*v - 1 : -1;
}

static double y_of(int lane) { return TOP + lane * LANE_H + LANE_H / 2.0; }

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Choose the lanes: every goroutine a finding refers to, then the lowest
 * ids, up to AN_SVG_MAX_LANES; drawn in id order. */
static void choose_lanes(layout *L, const an_result *r, an_svg_stats *st) {
    const an_trace *t = L->t;
    int64_t *ids = an_xmalloc((t->ng + 1) * sizeof *ids);
    size_t n = 0;
    an_imap pick = {0};
    for (size_t i = 0; i < r->findings.n; i++)
        for (size_t k = 0; k < r->findings.v[i].refs.n; k++) {
            int64_t g = r->findings.v[i].refs.v[k].g;
            int ins;
            if (g >= 0 && an_gor_by_id(t, g) && n < AN_SVG_MAX_LANES) {
                an_imap_put(&pick, g, 1, &ins);
                if (ins) ids[n++] = g;
            }
        }
    int64_t *all = an_xmalloc((t->ng + 1) * sizeof *all);
    for (size_t i = 0; i < t->ng; i++) all[i] = t->gs[i].id;
    qsort(all, t->ng, sizeof *all, cmp_i64);
    for (size_t i = 0; i < t->ng && n < AN_SVG_MAX_LANES; i++) {
        int ins;
        an_imap_put(&pick, all[i], 1, &ins);
        if (ins) ids[n++] = all[i];
    }
    qsort(ids, n, sizeof *ids, cmp_i64);
    for (size_t i = 0; i < n; i++) {
        int ins;
        an_imap_put(&L->lane, ids[i], (int64_t)i + 1, &ins);
    }
    L->nlanes = n;
    st->lanes = n;
    st->lanes_hidden = t->ng - n;
    an_imap_free(&pick);
    free(all);
    free(ids);
}

static const char *state_colour(int state) {
    switch (state) {
    case ST_RUNNING: return "#5cb85c";
    case ST_BLOCKED: return "#e05252";
    case ST_SLEEPING: return "#6aa9e9";
    default: return "#cccccc";
    }
}

static double ms(int64_t ns) { return (double)ns / 1e6; }

static void axis(FILE *out, const layout *L, double height) {
    const an_trace *t = L->t;
    if (!t->nev) return;
    int nticks = (int)(L->plot_w / 110) + 1;
    for (int i = 0; i <= nticks; i++) {
        size_t k = (size_t)((double)i / nticks * (double)(t->nev - 1));
        const an_ev *e = &t->ev[k];
        double x = x_of(L, e->seq);
        fprintf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>", x,
                TOP - 6, x, height);
        fprintf(out, "<text x=\"%.1f\" y=\"%d\" class=\"tick\" text-anchor=\"%s\">seq %lld"
                     "<title>seq %lld at %.3f ms</title></text>\n",
                x, TOP - 10, i == 0 ? "start" : i == nticks ? "end" : "middle", (long long)e->seq,
                (long long)e->seq, ms(e->t_ns));
    }
}

static void lanes(FILE *out, const layout *L, const an_result *r) {
    const an_trace *t = L->t;
    /* the goroutines a finding names get a red label */
    an_imap named = {0};
    for (size_t i = 0; i < r->findings.n; i++)
        for (size_t k = 0; k < r->findings.v[i].refs.n; k++) {
            int ins;
            int64_t *v = an_imap_put(&named, r->findings.v[i].refs.v[k].g, (int64_t)i + 1, &ins);
            (void)v;
        }
    for (size_t i = 0; i < t->ng; i++) {
        const an_gor *g = &t->gs[i];
        int lane = lane_of(L, g->id);
        if (lane < 0) continue;
        double y = y_of(lane);
        fprintf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"lane\"/>",
                LABEL_W, y, LABEL_W + L->plot_w, y);
        int64_t *f = an_imap_get(&named, g->id);
        fprintf(out, "<text x=\"%d\" y=\"%.1f\" class=\"label%s\">", LABEL_W - 8, y + 4,
                f ? " flagged" : "");
        an_xml_text(out, g->name);
        fprintf(out, " (%lld)<title>goroutine %lld: ", (long long)g->id, (long long)g->id);
        an_xml_text(out, g->name);
        const an_site *s = an_site_by_id(t, g->site);
        if (s) {
            fputs(", started at ", out);
            an_xml_text(out, s->file);
            fprintf(out, ":%d", s->line);
        }
        if (f) fprintf(out, "; named by finding %lld", (long long)*f);
        fputs("</title></text>\n", out);
    }
    an_imap_free(&named);
}

static void spans(FILE *out, const layout *L, const an_result *r, an_svg_stats *st) {
    const an_trace *t = L->t;
    double *last = an_xcalloc(L->nlanes ? L->nlanes : 1, sizeof *last); /* pixel end drawn */
    for (size_t i = 0; i < r->spans.n; i++) {
        const an_span *s = &r->spans.v[i];
        int lane = lane_of(L, s->g);
        if (lane < 0 || s->state == ST_NONE) continue;
        double x0 = x_of(L, s->start_seq), x1 = x_of(L, s->open ? r->last_seq : s->end_seq);
        if (x1 - x0 < L->bucket) {
            if (x0 < last[lane]) { /* inside a bucket already drawn on this lane */
                st->rects_merged++;
                continue;
            }
            x1 = x0 + L->bucket; /* stands for every span in the bucket */
        }
        if (st->rects >= AN_SVG_MAX_RECTS) {
            st->rects_dropped++;
            continue;
        }
        if (x1 > LABEL_W + L->plot_w) x1 = LABEL_W + L->plot_w;
        last[lane] = x1;
        st->rects++;
        fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"%s\">"
                     "<title>%s",
                x0, y_of(lane) - BAR_H / 2.0, x1 - x0 < 1 ? 1.0 : x1 - x0, BAR_H,
                state_colour(s->state), an_state_name(s->state));
        const char *why = an_reason_name(s->reason);
        if (s->state == ST_BLOCKED && why) fprintf(out, ": %s", why);
        if (s->obj) {
            fputs(" on ", out);
            an_xml_text(out, an_oname(t, s->obj));
        }
        fprintf(out, " (seq %lld–%lld, %.3f–%.3f ms%s)</title></rect>\n",
                (long long)s->start_seq, (long long)s->end_seq, ms(s->start_ns), ms(s->end_ns),
                s->open ? ", still so at the end" : "");
    }
    free(last);
}

/* The tick drawn for event e (class and wording); 0 when it gets none. */
static int tick_kind(const an_ev *e, const char **cls, const char **what) {
    switch (e->kind) {
    case EV_CHAN_SEND: *cls = "send"; *what = "send on"; break;
    case EV_CHAN_RECV: *cls = "recv"; *what = e->a ? "receive from" : "receive (closed) from"; break;
    case EV_CHAN_CLOSE: *cls = "close"; *what = "close"; break;
    case EV_TIMER_FIRE: *cls = "send"; *what = "timer fires"; break;
    case EV_PANIC: *cls = "panic"; *what = "panic"; break;
    default: return 0;
    }
    return 1;
}

/* Ticks and arrows beyond their cap are sampled evenly (every k-th), so a
 * big trace is thinned everywhere rather than cut off after its start. */
static void ticks(FILE *out, const layout *L, an_svg_stats *st) {
    const an_trace *t = L->t;
    const char *cls, *what;
    size_t n = 0, k = 0;
    for (size_t i = 0; i < t->nev; i++)
        if (tick_kind(&t->ev[i], &cls, &what) && lane_of(L, t->gs[t->ev[i].g].id) >= 0) n++;
    size_t stride = n / AN_SVG_MAX_TICKS + 1;
    for (size_t i = 0; i < t->nev; i++) {
        const an_ev *e = &t->ev[i];
        if (!tick_kind(e, &cls, &what)) continue;
        int lane = lane_of(L, t->gs[e->g].id);
        if (lane < 0) continue;
        if (k++ % stride) {
            st->ticks_dropped++;
            continue;
        }
        st->ticks++;
        double x = x_of(L, e->seq), y = y_of(lane) - BAR_H / 2.0;
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"%s\"><title>",
                x, y - 5, x, y, cls);
        fputs(what, out);
        fputc(' ', out);
        if (e->kind == EV_PANIC) an_xml_text(out, an_ev_str(t, e));
        else an_xml_text(out, an_oname(t, e->obj));
        const an_site *s = an_site_by_id(t, e->site);
        if (s) {
            fputs(" at ", out);
            an_xml_text(out, s->file);
            fprintf(out, ":%d", s->line);
        }
        fprintf(out, " (seq %lld, %.3f ms)</title></line>\n", (long long)e->seq, ms(e->t_ns));
    }
}

static void arrows(FILE *out, const layout *L, const an_result *r, an_svg_stats *st) {
    const an_trace *t = L->t;
    size_t n = 0, k = 0;
    for (size_t i = 0; i < r->msgs.n; i++) {
        const an_msg *m = &r->msgs.v[i];
        if (m->recv_seq && lane_of(L, m->send_g) >= 0 && lane_of(L, m->recv_g) >= 0) n++;
    }
    size_t stride = n / AN_SVG_MAX_ARROWS + 1;
    for (size_t i = 0; i < r->msgs.n; i++) {
        const an_msg *m = &r->msgs.v[i];
        if (!m->recv_seq) continue;
        int a = lane_of(L, m->send_g), b = lane_of(L, m->recv_g);
        if (a < 0 || b < 0) continue;
        if (k++ % stride) {
            st->arrows_dropped++;
            continue;
        }
        st->arrows++;
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"msg\" "
                     "marker-end=\"url(#cs-arrow)\"><title>",
                x_of(L, m->send_seq), y_of(a), x_of(L, m->recv_seq), y_of(b));
        an_xml_text(out, an_oname(t, m->chan));
        fprintf(out, ": message %lld, sent at seq %lld, received at seq %lld", (long long)m->msg,
                (long long)m->send_seq, (long long)m->recv_seq);
        if (m->has_value) fprintf(out, ", value %lld", (long long)m->value);
        fputs("</title></line>\n", out);
    }
}

static int cmp_ref_seq(const void *a, const void *b) {
    const an_ref *x = *(const an_ref *const *)a, *y = *(const an_ref *const *)b;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Each finding's refs that name an event on a drawn lane, in seq order:
 * a numbered mark each, joined left to right by red arrows. */
static void finding_marks(FILE *out, const layout *L, const an_result *r) {
    for (size_t i = 0; i < r->findings.n; i++) {
        const an_finding *f = &r->findings.v[i];
        const an_ref **refs = an_xmalloc((f->refs.n + 1) * sizeof *refs);
        size_t n = 0;
        for (size_t k = 0; k < f->refs.n; k++) {
            const an_ref *x = &f->refs.v[k];
            if (x->seq && x->g >= 0 && lane_of(L, x->g) >= 0) refs[n++] = x;
        }
        qsort(refs, n, sizeof *refs, cmp_ref_seq);
        double px = -1, py = -1;
        for (size_t k = 0; k < n; k++) {
            const an_ref *x = refs[k];
            double cx = x_of(L, x->seq), cy = y_of(lane_of(L, x->g));
            if (px >= 0 && (px != cx || py != cy))
                fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                             "class=\"farrow\" marker-end=\"url(#cs-farrow)\"/>\n",
                        px, py, cx, cy);
            fprintf(out, "<g class=\"fmark\"><circle cx=\"%.1f\" cy=\"%.1f\" r=\"7\"/>"
                         "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%zu</text><title>",
                    cx, cy, cx, cy + 3.5, i + 1);
            fprintf(out, "finding %zu (%s), %s: ", i + 1, f->kind, x->role ? x->role : "");
            an_xml_text(out, f->title);
            fprintf(out, " (seq %lld)</title></g>\n", (long long)x->seq);
            px = cx;
            py = cy;
        }
        free(refs);
    }
}

static const char style[] =
    "<style>"
    ".grid{stroke:#e4e4e4;stroke-width:1}"
    ".tick{font:10px sans-serif;fill:#666}"
    ".lane{stroke:#d0d0d0;stroke-width:1}"
    ".label{font:12px monospace;fill:#222;text-anchor:end}"
    ".label.flagged{fill:#c00;font-weight:bold}"
    ".send{stroke:#1f4fbf;stroke-width:1.5}"
    ".recv{stroke:#8a2be2;stroke-width:1.5}"
    ".close{stroke:#000;stroke-width:3}"
    ".panic{stroke:#c00;stroke-width:3}"
    ".msg{stroke:#555;stroke-width:1;opacity:.55}"
    ".farrow{stroke:#d00;stroke-width:2.5}"
    ".fmark circle{fill:#fff;stroke:#d00;stroke-width:2.5}"
    ".fmark text{font:bold 9px sans-serif;fill:#d00}"
    ".legend{font:11px sans-serif;fill:#333}"
    ".note{font:11px sans-serif;fill:#a00}"
    "</style>\n";

static void legend(FILE *out, double y, const an_svg_stats *st, const an_trace *t) {
    static const struct {
        const char *colour, *text;
    } keys[] = {{"#5cb85c", "running"}, {"#e05252", "blocked"}, {"#6aa9e9", "sleeping"}};
    double x = LABEL_W;
    for (size_t i = 0; i < 3; i++) {
        fprintf(out, "<rect x=\"%.0f\" y=\"%.0f\" width=\"14\" height=\"10\" fill=\"%s\"/>"
                     "<text x=\"%.0f\" y=\"%.0f\" class=\"legend\">%s</text>",
                x, y, keys[i].colour, x + 18, y + 9, keys[i].text);
        x += 90;
    }
    fprintf(out, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" class=\"send\"/>"
                 "<text x=\"%.0f\" y=\"%.0f\" class=\"legend\">send</text>",
            x, y, x, y + 10, x + 5, y + 9);
    x += 50;
    fprintf(out, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" class=\"recv\"/>"
                 "<text x=\"%.0f\" y=\"%.0f\" class=\"legend\">receive</text>",
            x, y, x, y + 10, x + 5, y + 9);
    x += 65;
    fprintf(out, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" class=\"msg\" "
                 "marker-end=\"url(#cs-arrow)\"/><text x=\"%.0f\" y=\"%.0f\" class=\"legend\">"
                 "message</text>",
            x, y + 5, x + 24, y + 5, x + 30, y + 9);
    x += 90;
    fprintf(out, "<g class=\"fmark\"><circle cx=\"%.0f\" cy=\"%.0f\" r=\"7\"/></g>"
                 "<text x=\"%.0f\" y=\"%.0f\" class=\"legend\">finding N</text>\n",
            x + 7, y + 5, x + 18, y + 9);
    if (st->lanes_hidden || st->rects_dropped || st->arrows_dropped || st->ticks_dropped ||
        t->truncated) {
        fprintf(out, "<text x=\"%d\" y=\"%.0f\" class=\"note\">", LABEL_W, y + 28);
        if (t->events_lost)
            fputs("trace stops early (its log could not grow, or a thread was stopped while "
                  "writing it). ", out);
        else if (t->truncated) fputs("trace truncated (program killed?). ", out);
        if (st->lanes_hidden) fprintf(out, "%zu goroutines not drawn. ", st->lanes_hidden);
        if (st->rects_dropped) fprintf(out, "%zu state spans not drawn. ", st->rects_dropped);
        if (st->arrows_dropped) fprintf(out, "%zu message arrows not drawn. ", st->arrows_dropped);
        if (st->ticks_dropped) fprintf(out, "%zu channel operations not drawn. ", st->ticks_dropped);
        fputs("</text>\n", out);
    }
}

int an_svg_timeline(FILE *out, const an_trace *t, const an_result *r, int standalone,
                    an_svg_stats *stats) {
    an_svg_stats local;
    an_svg_stats *st = stats ? stats : &local;
    memset(st, 0, sizeof *st);
    layout L = {.t = t};
    L.plot_w = (double)t->nev * 8;
    if (L.plot_w < 600) L.plot_w = 600;
    if (L.plot_w > 1100) L.plot_w = 1100;
    choose_lanes(&L, r, st);
    /* buckets wide enough that the lanes hold about AN_SVG_MAX_RECTS at most */
    L.bucket = (double)L.nlanes * L.plot_w / AN_SVG_MAX_RECTS;
    if (L.bucket < 1.0) L.bucket = 1.0;
    double lanes_end = TOP + (double)L.nlanes * LANE_H;
    double width = LABEL_W + L.plot_w + 24, height = lanes_end + 50;
    if (standalone) fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
    fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" width=\"%.0f\" "
                 "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\">\n<title>timeline of ",
            width, height, width, height);
    an_xml_text(out, t->program ? t->program : "a chanscope trace");
    fputs("</title>\n", out);
    fputs(style, out);
    fputs("<defs><marker id=\"cs-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
          "markerWidth=\"6\" markerHeight=\"6\" orient=\"auto-start-reverse\">"
          "<path d=\"M0,0L10,5L0,10z\" fill=\"#555\"/></marker>"
          "<marker id=\"cs-farrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
          "markerWidth=\"5\" markerHeight=\"5\" orient=\"auto-start-reverse\">"
          "<path d=\"M0,0L10,5L0,10z\" fill=\"#d00\"/></marker></defs>\n",
          out);
    fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#fff\"/>\n", width,
            height);
    axis(out, &L, lanes_end);
    lanes(out, &L, r);
    spans(out, &L, r, st);
    ticks(out, &L, st);
    arrows(out, &L, r, st);
    finding_marks(out, &L, r);
    legend(out, lanes_end + 14, st, t);
    fputs("</svg>\n", out);
    an_imap_free(&L.lane);
    return ferror(out) ? -1 : 0;
}
