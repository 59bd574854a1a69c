/*
 * findings.c — building findings and saying them: the wording of panics,
 * misuse and races, the human report and the JSON document (cJSON).
 * The JSON schema is documented in docs/analyzer.md.
 */
#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_internal.h"
#include "an_utf8.h"
#include "finding_kinds.h"

an_finding *an_finding_add(an_result *r, const char *kind, const char *severity) {
    VEC_GROW(r->findings);
    an_finding *f = &r->findings.v[r->findings.n++];
    memset(f, 0, sizeof *f);
    f->kind = kind;
    f->severity = severity;
    f->culprit_g = -1;
    return f;
}

void an_finding_culprit(an_finding *f, int32_t site, int64_t g, const char *fix_line) {
    f->culprit_set = 1;
    f->culprit_site = site;
    f->culprit_g = site ? g : -1;
    if (fix_line) {
        free(f->fix_line);
        f->fix_line = an_xstrdup(fix_line);
    }
}

an_wait *an_finding_wait(an_finding *f, int64_t g, int state, int reason, int64_t obj,
                         int32_t site, int64_t seq) {
    for (size_t i = 0; i < f->waits.n; i++)
        if (f->waits.v[i].g == g) return &f->waits.v[i];
    an_wait w = {g, (int8_t)state, (int8_t)reason, obj, site, seq};
    VEC_PUSH(f->waits, w);
    return &f->waits.v[f->waits.n - 1];
}

void an_finding_hold(an_finding *f, int64_t g, int64_t obj, int read, int64_t seq, int32_t site) {
    for (size_t i = 0; i < f->holds.n; i++)
        if (f->holds.v[i].g == g && f->holds.v[i].seq == seq && f->holds.v[i].obj == obj) return;
    an_hold h = {g, obj, seq, site, (int8_t)read};
    VEC_PUSH(f->holds, h);
}

void an_finding_waker(an_finding *f, int64_t g, int64_t waker) {
    for (size_t i = 0; i < f->wakers.n; i++)
        if (f->wakers.v[i].g == g && f->wakers.v[i].waker == waker) return;
    an_waker w = {g, waker};
    VEC_PUSH(f->wakers, w);
}

void an_finding_free(an_finding *f) {
    free(f->title);
    free(f->explanation);
    free(f->fix);
    free(f->fix_line);
    VEC_FREE(f->refs);
    VEC_FREE(f->waits);
    VEC_FREE(f->holds);
    VEC_FREE(f->wakers);
}

void an_finding_ref(an_finding *f, int64_t seq, int64_t g, int64_t obj, int32_t site,
                    const char *role) {
    an_ref r = {seq, g, obj, site, role};
    VEC_PUSH(f->refs, r);
}

/* The first sentence of a fix, cut to AN_FIX_LINE_MAX bytes at a word. */
static char *first_sentence(const char *fix) {
    size_t n = 0;
    int depth = 0; /* a ". " or ": " inside parentheses does not end it */
    while (fix[n] && !(depth == 0 && (fix[n] == '.' || fix[n] == ':' || fix[n] == ';') &&
                       (fix[n + 1] == ' ' || !fix[n + 1]))) {
        depth += fix[n] == '(' ? 1 : fix[n] == ')' && depth ? -1 : 0;
        n++;
    }
    if (n > AN_FIX_LINE_MAX - 1) {
        n = AN_FIX_LINE_MAX - 4;
        while (n > 0 && fix[n] != ' ') n--;
        an_sb b = {0};
        an_sb_printf(&b, "%.*s...", (int)n, fix);
        return an_sb_take(&b);
    }
    an_sb b = {0};
    an_sb_printf(&b, "%.*s.", (int)n, fix);
    return an_sb_take(&b);
}

void an_finding_text(an_finding *f, char *title, char *explanation, char *fix) {
    free(f->title);
    free(f->explanation);
    free(f->fix);
    f->title = title;
    f->explanation = explanation;
    f->fix = fix;
    if (!f->fix_line && fix && *fix) f->fix_line = first_sentence(fix);
    if (!f->culprit_set)
        for (size_t i = 0; i < f->refs.n; i++)
            if (f->refs.v[i].site) {
                an_finding_culprit(f, f->refs.v[i].site, f->refs.v[i].g, NULL);
                break;
            }
}

const char *an_gname(const an_trace *t, int64_t gid) {
    const an_gor *g = an_gor_by_id(t, gid);
    return g ? g->name : "?";
}

const char *an_oname(const an_trace *t, int64_t obj) {
    const an_obj *o = an_obj_by_id(t, obj);
    if (o) return o->name;
    static char buf[4][32];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "#%lld", (long long)obj);
    return buf[k];
}

const char *an_oprose(const an_trace *t, int64_t obj) {
    static char buf[8][256];
    static int k;
    k = (k + 1) % 8;
    an_sb b = {0};
    an_sb_obj(&b, t, obj);
    snprintf(buf[k], sizeof buf[k], "%s", b.s ? b.s : "?");
    free(b.s);
    return buf[k];
}

const char *an_otype(const an_trace *t, int64_t obj) {
    const an_obj *o = an_obj_by_id(t, obj);
    return o ? o->type_name : "object";
}

const char *an_site_str(const an_trace *t, int32_t site) {
    static char buf[8][300];
    static int k;
    const an_site *s = an_site_by_id(t, site);
    if (!s) return "an unknown site";
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s:%d", s->file, s->line);
    return buf[k];
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

void an_sb_ids(an_sb *b, const int64_t *ids, size_t n) {
    if (!n) return;
    int64_t *v = an_xmalloc(n * sizeof *v);
    memcpy(v, ids, n * sizeof *v);
    qsort(v, n, sizeof *v, cmp_i64);
    size_t runs = 0;
    an_sb_printf(b, "%s", n == 1 ? "id " : "ids ");
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && v[j + 1] <= v[j] + 1) j++;
        if (runs == 6) {
            an_sb_printf(b, ", ...");
            break;
        }
        an_sb_printf(b, "%s%lld", runs ? ", " : "", (long long)v[i]);
        if (j > i + 1) an_sb_printf(b, "\u2013%lld", (long long)v[j]);
        else if (j == i + 1) an_sb_printf(b, ", %lld", (long long)v[j]);
        runs++;
        i = j + 1;
    }
    free(v);
}

int an_same_line(const an_trace *t, int32_t a, int32_t b) {
    if (a == b) return 1;
    const an_site *x = an_site_by_id(t, a), *y = an_site_by_id(t, b);
    return x && y && x->line == y->line && !strcmp(x->file, y->file);
}

const char *an_type_word(int type) {
    const char *w = cs_obj_type_word(type); /* format/trace.def */
    return w ? w : "object";
}

/* The runtime names an object the program did not name "<type>@<file>:<line>"
 * (where it was made); the loader names one without any name "<type>#<id>". */
static int auto_named(const char *name, const char **where) {
    const char *at = strchr(name, '@');
    if (!at || at == name) return 0;
    for (const char *p = name; p < at; p++)
        if (!((*p >= 'a' && *p <= 'z') || *p == '_')) return 0;
    const char *colon = strrchr(at, ':');
    if (!colon || !colon[1]) return 0;
    for (const char *p = colon + 1; *p; p++)
        if (*p < '0' || *p > '9') return 0;
    *where = at + 1;
    return 1;
}

void an_sb_obj(an_sb *b, const an_trace *t, int64_t obj) {
    const an_obj *o = an_obj_by_id(t, obj);
    if (!obj) {
        an_sb_printf(b, "a nil channel");
        return;
    }
    if (!o) {
        an_sb_printf(b, "object #%lld", (long long)obj);
        return;
    }
    const char *word = an_type_word(o->type), *where;
    if (o->type == OBJ_TIMER && an_is_ticker(t, obj)) word = "ticker";
    if (auto_named(o->name, &where)) an_sb_printf(b, "the %s from %s", word, where);
    else an_sb_printf(b, "%s %s", word, o->name);
}

int an_is_ticker(const an_trace *t, int64_t timer) {
    const an_obj *o = an_obj_by_id(t, timer); /* objects.a: 1 for a ticker (period > 0) */
    return o && o->type == OBJ_TIMER && o->a != 0;
}

void an_describe_block(an_sb *b, const an_trace *t, int reason, int64_t obj, const int64_t *sel,
                       size_t nsel) {
    switch (reason) {
    case BLOCK_SEND: an_sb_printf(b, "sending on "); an_sb_obj(b, t, obj); break;
    case BLOCK_RECV: an_sb_printf(b, "receiving from "); an_sb_obj(b, t, obj); break;
    case BLOCK_SELECT: {
        an_sb_printf(b, "in a select");
        size_t live = 0, nil = 0, k = 0;
        for (size_t i = 0; i < nsel; i++) live += sel[i] != 0;
        nil = nsel - live;
        for (size_t i = 0; i < nsel; i++) {
            if (!sel[i]) continue;
            an_sb_printf(b, "%s", k == 0 ? " on " : k + 1 == live ? " and " : ", ");
            an_sb_obj(b, t, sel[i]);
            k++;
        }
        if (nil) an_sb_printf(b, "%s", live ? " (its nil-channel case is never ready)"
                                            : " whose cases are all nil channels");
        break;
    }
    case BLOCK_LOCK: an_sb_printf(b, "locking "); an_sb_obj(b, t, obj); break;
    case BLOCK_RLOCK: an_sb_printf(b, "read-locking "); an_sb_obj(b, t, obj); break;
    case BLOCK_WG_WAIT: an_sb_printf(b, "waiting on "); an_sb_obj(b, t, obj); break;
    case BLOCK_COND: an_sb_printf(b, "waiting on "); an_sb_obj(b, t, obj); break;
    case BLOCK_SLEEP: an_sb_printf(b, "sleeping"); break;
    case BLOCK_NIL_CHAN: an_sb_printf(b, "on a nil channel (or an empty select)"); break;
    case BLOCK_SEMAPHORE: an_sb_printf(b, "acquiring "); an_sb_obj(b, t, obj); break;
    case BLOCK_ONCE: an_sb_printf(b, "waiting for the function of "); an_sb_obj(b, t, obj); break;
    case BLOCK_IO:
        an_sb_printf(b, "waiting for the network");
        if (obj) an_sb_printf(b, " on "), an_sb_obj(b, t, obj);
        else an_sb_printf(b, ", each on its own socket");
        break;
    default: an_sb_printf(b, "waiting"); break;
    }
}

const char *an_misuse_name(int code) {
    const char *c = cs_misuse_class(code); /* format/trace.def */
    return c ? c : "misuse";
}

static const char *misuse_fix(int code) {
    switch (code) {
    case MISUSE_SEND_ON_CLOSED:
        return "Only the sending side closes a channel, and only after its last send. With "
               "several senders, wait for all of them (a WaitGroup) and close once, after.";
    case MISUSE_CLOSE_CLOSED:
        return "Close a channel exactly once, from the one goroutine that owns it (the sender); "
               "if several places may close it, guard the close with a once.";
    case MISUSE_CLOSE_NIL:
        return "Make the channel with chan_make before closing it.";
    case MISUSE_NEGATIVE_WG:
        return "Call wg_add(1) once per goroutine before starting it, and wg_done exactly once "
               "in that goroutine, at its end.";
    case MISUSE_UNLOCK_UNLOCKED:
    case MISUSE_RUNLOCK_UNLOCKED:
        return "Pair every lock with exactly one unlock of the same kind on every path; never "
               "unlock a lock you did not lock.";
    case MISUSE_LOCK_COPIED:
        return "Pass mutexes, WaitGroups and structs containing them by pointer; a copy is a "
               "different lock that excludes nobody.";
    case MISUSE_WG_REUSE:
        return "Do not start a new round of wg_add before every wg_wait of the previous round "
               "has returned; use a fresh WaitGroup per round.";
    case MISUSE_SEM_RELEASE:
        return "Release exactly what you acquired.";
    case MISUSE_GO_NIL_FUNC:
        return "Pass go() a function: a NULL function pointer (one never assigned, or a "
               "lookup that failed) cannot run as a goroutine.";
    case MISUSE_ELEM_SIZE:
        return "Send and receive values of the channel's element type: chan_make(T, n) "
               "carries T, so pass a T* (or chan_send_v(ch, T, v)); Go would not compile "
               "this.";
    default:
        return "Follow the contract of the primitive (see docs/analyzer.md).";
    }
}

/* The one-line fix of each misuse (<= AN_FIX_LINE_MAX). */
static const char *misuse_line(int code) {
    switch (code) {
    case MISUSE_SEND_ON_CLOSED: return "Close the channel only in its sender, after the last send";
    case MISUSE_CLOSE_CLOSED: return "Close the channel once, in the goroutine that owns it";
    case MISUSE_CLOSE_NIL: return "Make the channel with chan_make before closing it";
    case MISUSE_NEGATIVE_WG: return "Call wg_done exactly once per wg_add(1), at the goroutine's end";
    case MISUSE_UNLOCK_UNLOCKED:
    case MISUSE_RUNLOCK_UNLOCKED: return "Pair each lock with exactly one unlock of the same kind";
    case MISUSE_LOCK_COPIED: return "Pass the lock (or the struct holding it) by pointer, never by value";
    case MISUSE_WG_REUSE: return "Use a fresh WaitGroup per round, or wait before the next wg_add";
    case MISUSE_SEM_RELEASE: return "Release exactly what you acquired";
    case MISUSE_GO_NIL_FUNC: return "Pass go() a function that exists (check the lookup)";
    case MISUSE_ELEM_SIZE: return "Send and receive values of the channel's element type";
    default: return NULL;
    }
}

static const char *misuse_what(int code) {
    switch (code) {
    case MISUSE_SEND_ON_CLOSED: return "send on a closed channel";
    case MISUSE_CLOSE_CLOSED: return "close of a closed channel";
    case MISUSE_CLOSE_NIL: return "close of a nil channel";
    case MISUSE_NEGATIVE_WG: return "negative WaitGroup counter";
    case MISUSE_UNLOCK_UNLOCKED: return "unlock of an unlocked mutex";
    case MISUSE_RUNLOCK_UNLOCKED: return "RUnlock of an unlocked RWMutex";
    case MISUSE_LOCK_COPIED: return "lock copied after first use";
    case MISUSE_WG_REUSE: return "WaitGroup reused before Wait returned";
    case MISUSE_SEM_RELEASE: return "semaphore released more than held";
    case MISUSE_GO_NIL_FUNC: return "go of a nil function";
    case MISUSE_ELEM_SIZE: return "value of the wrong size for the channel's elements";
    default: return "misuse";
    }
}

void an_misuse_finding(an_replay *rp, const an_ev *e, int code) {
    const an_trace *t = rp->t;
    int ins; /* the same misuse at the same site is one finding */
    an_imap_put(&rp->race_seen, an_pair_key(3, an_pair_key(code, e->site)), 1, &ins);
    if (!ins) return;
    int64_t gid = t->gs[e->g].id;
    an_finding *f = an_finding_add(rp->r, "misuse", "error");
    f->klass = an_misuse_name(code);
    an_sb title = {0}, ex = {0};
    an_sb_printf(&title, "%s", misuse_what(code));
    if (e->obj) {
        an_sb_printf(&title, " (");
        an_sb_obj(&title, t, e->obj);
        an_sb_printf(&title, ")");
    }
    an_sb_printf(&title, " at %s", an_site_str(t, e->site));
    an_sb_printf(&ex, "%s (id %lld), at %s (seq %lld): %s", t->gs[e->g].name, (long long)gid,
                 an_site_str(t, e->site), (long long)e->seq, misuse_what(code));
    if (e->obj) {
        an_sb_printf(&ex, " (");
        an_sb_obj(&ex, t, e->obj);
        an_sb_printf(&ex, ")");
    }
    an_finding_ref(f, e->seq, gid, e->obj, e->site, "misuse");
    an_ost *o = e->obj ? an_ost_find(rp, e->obj) : NULL;
    if ((code == MISUSE_SEND_ON_CLOSED || code == MISUSE_CLOSE_CLOSED) && o && o->closed) {
        an_sb_printf(&ex, "; %s had already been closed by %s (id %lld) at %s (seq %lld)",
                     an_oprose(t, e->obj), an_gname(t, o->close_g), (long long)o->close_g,
                     an_site_str(t, o->close_site), (long long)o->close_seq);
        an_finding_ref(f, o->close_seq, o->close_g, e->obj, o->close_site, "closed");
        if (code == MISUSE_SEND_ON_CLOSED)
            an_finding_culprit(f, o->close_site, o->close_g,
                               "Close the channel only in its sender, after the last send");
    }
    const char *msg = an_ev_str(t, e);
    if (msg && *msg) an_sb_printf(&ex, ". The runtime said: \"%s\"", msg);
    an_sb_printf(&ex, ". ");
    switch (code) {
    case MISUSE_SEND_ON_CLOSED:
        an_sb_printf(&ex, "Closing a channel means \"no more values will come\"; a send after that "
                          "panics and ends the program.");
        break;
    case MISUSE_CLOSE_CLOSED:
        an_sb_printf(&ex, "A channel can be closed only once; the second close panics.");
        break;
    case MISUSE_NEGATIVE_WG:
        an_sb_printf(&ex, "wg_done was called more often than wg_add counted, so the counter went "
                          "below zero: the program panics.");
        break;
    case MISUSE_UNLOCK_UNLOCKED:
    case MISUSE_RUNLOCK_UNLOCKED:
        an_sb_printf(&ex, "Unlocking a lock that is not held is a fatal error in Go.");
        break;
    case MISUSE_LOCK_COPIED:
        an_sb_printf(&ex, "The copy has its own state: goroutines locking the copy and the "
                          "original do not exclude each other.");
        break;
    default: break;
    }
    if (ex.n && ex.s[ex.n - 1] == ' ') ex.s[--ex.n] = 0;
    if (!f->culprit_set) an_finding_culprit(f, e->site, gid, misuse_line(code));
    an_finding_text(f, an_sb_take(&title), an_sb_take(&ex), an_xstrdup(misuse_fix(code)));
}

void an_panic_finding(an_replay *rp, const an_ev *e) {
    rp->panicked = 1;
    if (e->a != MISUSE_NONE) {
        an_misuse_finding(rp, e, (int)e->a);
        return;
    }
    const an_trace *t = rp->t;
    int64_t gid = t->gs[e->g].id;
    const char *msg = an_ev_str(t, e);
    an_finding *f = an_finding_add(rp->r, "panic", "error");
    an_sb title = {0}, ex = {0};
    an_sb_printf(&title, "\"%s\" in %s (id %lld) at %s", msg ? msg : "", t->gs[e->g].name,
                 (long long)gid, an_site_str(t, e->site));
    an_sb_printf(&ex, "%s (id %lld) called panic at %s (seq %lld) with \"%s\". A panic that "
                      "nobody recovers ends the whole program (exit status 2): every other "
                      "goroutine is stopped wherever it was.",
                 t->gs[e->g].name, (long long)gid, an_site_str(t, e->site), (long long)e->seq,
                 msg ? msg : "");
    an_finding_ref(f, e->seq, gid, e->obj, e->site, "panic");
    an_finding_text(f, an_sb_take(&title), an_sb_take(&ex),
                    an_xstrdup("Panic only for impossible situations (bugs). For failures that "
                               "can happen, return an error (err_t) and let the caller decide."));
}

void an_race_finding(an_replay *rp, int64_t var, const an_acc *first, int first_write,
                     const an_acc *second, int second_write, int race_build) {
    int32_t lo = first->site < second->site ? first->site : second->site;
    int32_t hi = first->site < second->site ? second->site : first->site;
    /* one finding per variable, and one per pair of sites (an array of
     * variables raced on by the same two lines is one bug) */
    int ins_var, ins_sites;
    an_imap_put(&rp->race_seen, an_pair_key(1, var), 1, &ins_var);
    an_imap_put(&rp->race_seen, an_pair_key(2, an_pair_key(lo, hi)), 1, &ins_sites);
    if (!ins_var || !ins_sites || rp->nraces >= 100) return;
    rp->nraces++;
    const an_trace *t = rp->t;
    const char *vn = an_oprose(t, var); /* "variable balance", "the variable from x.c:3" */
    int64_t g1 = t->gs[first->g].id, g2 = t->gs[second->g].id;
    an_finding *f = an_finding_add(rp->r, "race", "error");
    an_sb title = {0}, ex = {0};
    an_sb_printf(&title, "data race on %s: %s at %s and %s at %s", vn,
                 first_write ? "write" : "read", an_site_str(t, first->site),
                 second_write ? "write" : "read", an_site_str(t, second->site));
    if (race_build) /* the detector saw the earlier access; the trace has no event of it */
        an_sb_printf(&ex, "%s (id %lld) %s %s at %s, and later %s (id %lld) %s it at %s "
                          "(seq %lld, where the race build's detector caught it). ",
                     t->gs[first->g].name, (long long)g1, first_write ? "wrote" : "read", vn,
                     an_site_str(t, first->site), t->gs[second->g].name, (long long)g2,
                     second_write ? "wrote" : "read", an_site_str(t, second->site),
                     (long long)second->seq);
    else
        an_sb_printf(&ex, "%s (id %lld) %s %s at %s (seq %lld), and %s (id %lld) %s it at %s "
                          "(seq %lld). ",
                     t->gs[first->g].name, (long long)g1, first_write ? "wrote" : "read", vn,
                     an_site_str(t, first->site), (long long)first->seq, t->gs[second->g].name,
                     (long long)g2, second_write ? "wrote" : "read", an_site_str(t, second->site),
                     (long long)second->seq);
    an_sb_printf(&ex, "Nothing orders these two accesses: no channel operation, "
                      "lock, WaitGroup or other synchronization makes the first happen before "
                      "the second, so they may run at the same time and the result depends on "
                      "timing (a lost update, a torn or stale read).");
    an_finding_ref(f, first->seq, g1, var, first->site, "access1");
    an_finding_ref(f, second->seq, g2, var, second->site, "access2");
    an_sb line = {0};
    an_sb_printf(&line, "Guard %s with one mutex around every access (reads too), or make it atomic", vn);
    if (line.n <= AN_FIX_LINE_MAX) an_finding_culprit(f, second->site, g2, line.s);
    free(line.s);
    an_sb fix = {0};
    an_sb_printf(&fix, "Protect %s with one mutex held around every access (reads too), or let a "
                       "single goroutine own it and send it values over a channel, or make it an "
                       "atomic.",
                 vn);
    an_finding_text(f, an_sb_take(&title), an_sb_take(&ex), an_sb_take(&fix));
}

void an_wg_misuse_finding(an_replay *rp, int64_t wg, const an_acc *add, const an_acc *wait) {
    const an_trace *t = rp->t;
    const char *wn = an_oprose(t, wg);
    int64_t ga = t->gs[add->g].id, gw = t->gs[wait->g].id;
    an_finding *f = an_finding_add(rp->r, "misuse", "error");
    f->klass = "wg_add_during_wait";
    an_sb title = {0}, ex = {0};
    an_sb_printf(&title, "%s: wg_add at %s is concurrent with wg_wait at %s", wn,
                 an_site_str(t, add->site), an_site_str(t, wait->site));
    an_sb_printf(&ex, "%s (id %lld) called wg_add at %s (seq %lld) while the counter was zero, "
                      "and %s (id %lld) called wg_wait at %s (seq %lld); nothing makes the Add "
                      "happen before the Wait. Wait may then see a zero counter and return "
                      "before the work was even counted.",
                 t->gs[add->g].name, (long long)ga, an_site_str(t, add->site),
                 (long long)add->seq, t->gs[wait->g].name, (long long)gw,
                 an_site_str(t, wait->site), (long long)wait->seq);
    an_finding_ref(f, add->seq, ga, wg, add->site, "add");
    an_finding_ref(f, wait->seq, gw, wg, wait->site, "wait");
    an_finding_culprit(f, add->site, ga, "Call wg_add(1) before go(...), in the goroutine that starts the worker");
    an_finding_text(f, an_sb_take(&title), an_sb_take(&ex),
                    an_xstrdup("Call wg_add(1) in the goroutine that starts the worker, before "
                               "go(...), never inside the new goroutine."));
}

/* ---- names ----------------------------------------------------------- */

const char *an_reason_name(int reason) {
    return cs_reason_word(reason); /* format/trace.def */
}

const char *an_state_name(int state) {
    switch (state) {
    case ST_RUNNING: return "running";
    case ST_BLOCKED: return "blocked";
    case ST_SLEEPING: return "sleeping";
    default: return "none";
    }
}

const char *an_wstate_name(int wstate) {
    static const char *names[] = {NULL, "blocked", "sleeping", "running", "ended", "io"};
    return wstate > 0 && wstate < 6 ? names[wstate] : "running";
}

const char *an_edge_kind_name(int kind) {
    static const char *names[] = {"spawn", "msg", "close", "unlock", "wg", "once", "cancel", "cond"};
    return kind >= 0 && kind < 8 ? names[kind] : "?";
}

/* ---- JSON -------------------------------------------------------------- */

static cJSON *finding_obj(const an_trace *t, const an_finding *f, size_t index) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)(index + 1));
    cJSON_AddStringToObject(o, "kind", f->kind);
    cJSON_AddStringToObject(o, "severity", f->severity);
    if (f->klass) cJSON_AddStringToObject(o, "class", f->klass);
    cJSON_AddStringToObject(o, "title", f->title ? f->title : "");
    cJSON_AddStringToObject(o, "explanation", f->explanation ? f->explanation : "");
    cJSON_AddStringToObject(o, "fix", f->fix ? f->fix : "");
    cJSON *gs = cJSON_AddArrayToObject(o, "goroutines");
    cJSON *os = cJSON_AddArrayToObject(o, "objects");
    cJSON *ss = cJSON_AddArrayToObject(o, "sites");
    cJSON *es = cJSON_AddArrayToObject(o, "events");
    cJSON *rs = cJSON_AddArrayToObject(o, "refs");
    for (size_t i = 0; i < f->refs.n; i++) {
        const an_ref *r = &f->refs.v[i];
        int dup_g = 0, dup_o = 0, dup_s = 0, dup_e = 0;
        for (size_t k = 0; k < i; k++) {
            const an_ref *p = &f->refs.v[k];
            if (p->g == r->g) dup_g = 1;
            if (p->obj == r->obj) dup_o = 1;
            if (p->seq == r->seq) dup_e = 1;
            if (p->site == r->site) dup_s = 1;
            else {
                const an_site *a = an_site_by_id(t, p->site), *b = an_site_by_id(t, r->site);
                if (a && b && a->line == b->line && !strcmp(a->file, b->file)) dup_s = 1;
            }
        }
        if (r->g >= 0 && !dup_g) {
            cJSON *g = cJSON_CreateObject();
            cJSON_AddNumberToObject(g, "id", (double)r->g);
            cJSON_AddStringToObject(g, "name", an_gname(t, r->g));
            cJSON_AddItemToArray(gs, g);
        }
        if (r->obj && !dup_o) {
            cJSON *x = cJSON_CreateObject();
            cJSON_AddNumberToObject(x, "id", (double)r->obj);
            cJSON_AddStringToObject(x, "name", an_oname(t, r->obj));
            cJSON_AddStringToObject(x, "type", an_otype(t, r->obj));
            cJSON_AddItemToArray(os, x);
        }
        const an_site *s = an_site_by_id(t, r->site);
        if (s && !dup_s) {
            cJSON *x = cJSON_CreateObject();
            cJSON_AddStringToObject(x, "file", s->file);
            cJSON_AddNumberToObject(x, "line", s->line);
            cJSON_AddStringToObject(x, "role", r->role);
            cJSON_AddItemToArray(ss, x);
        }
        if (r->seq && !dup_e) cJSON_AddItemToArray(es, cJSON_CreateNumber((double)r->seq));
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "role", r->role);
        if (r->seq) cJSON_AddNumberToObject(x, "seq", (double)r->seq);
        if (r->g >= 0) cJSON_AddNumberToObject(x, "g", (double)r->g);
        if (r->obj) cJSON_AddNumberToObject(x, "obj", (double)r->obj);
        if (s) {
            cJSON_AddStringToObject(x, "file", s->file);
            cJSON_AddNumberToObject(x, "line", s->line);
        }
        cJSON_AddItemToArray(rs, x);
    }
    const an_site *cs = an_site_by_id(t, f->culprit_site);
    if (cs) {
        cJSON *c = cJSON_AddObjectToObject(o, "culprit");
        cJSON_AddStringToObject(c, "site", an_site_str(t, f->culprit_site));
        if (f->culprit_g >= 0) cJSON_AddNumberToObject(c, "g", (double)f->culprit_g);
        else cJSON_AddNullToObject(c, "g");
    } else {
        cJSON_AddNullToObject(o, "culprit");
    }
    cJSON_AddStringToObject(o, "fix_line", f->fix_line ? f->fix_line : "");
    cJSON *wf = cJSON_AddArrayToObject(o, "wait_for");
    for (size_t i = 0; i < f->waits.n; i++) {
        const an_wait *w = &f->waits.v[i];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddNumberToObject(x, "g", (double)w->g);
        cJSON_AddStringToObject(x, "state", an_wstate_name(w->state));
        if (w->obj) cJSON_AddNumberToObject(x, "obj", (double)w->obj);
        else cJSON_AddNullToObject(x, "obj");
        const char *rn = an_reason_name(w->reason);
        if (rn) cJSON_AddStringToObject(x, "reason", rn);
        else cJSON_AddNullToObject(x, "reason");
        if (an_site_by_id(t, w->site)) cJSON_AddStringToObject(x, "site", an_site_str(t, w->site));
        else cJSON_AddNullToObject(x, "site");
        if (w->seq) cJSON_AddNumberToObject(x, "seq", (double)w->seq);
        else cJSON_AddNullToObject(x, "seq");
        cJSON *hs = cJSON_AddArrayToObject(x, "holds");
        for (size_t k = 0; k < f->holds.n; k++) {
            const an_hold *h = &f->holds.v[k];
            if (h->g != w->g) continue;
            cJSON *y = cJSON_CreateObject();
            cJSON_AddNumberToObject(y, "obj", (double)h->obj);
            cJSON_AddStringToObject(y, "mode", h->read ? "read" : "write");
            if (an_site_by_id(t, h->site)) cJSON_AddStringToObject(y, "site", an_site_str(t, h->site));
            cJSON_AddItemToArray(hs, y);
        }
        cJSON *ws = cJSON_AddArrayToObject(x, "wakers");
        for (size_t k = 0; k < f->wakers.n; k++)
            if (f->wakers.v[k].g == w->g)
                cJSON_AddItemToArray(ws, cJSON_CreateNumber((double)f->wakers.v[k].waker));
        cJSON_AddItemToArray(wf, x);
    }
    return o;
}

char *an_finding_json(const an_trace *t, const an_finding *f, size_t index) {
    cJSON *o = finding_obj(t, f, index);
    char *s = an_utf8_valid(cJSON_PrintUnformatted(o)); /* trace text may be any bytes */
    cJSON_Delete(o);
    return s;
}

/* The goroutines a learner would count: the program's, not the runtime's
 * own threads (goroutine id 0). */
static size_t user_goroutines(const an_trace *t) {
    size_t n = 0;
    for (size_t i = 0; i < t->ng; i++) n += t->gs[i].id > 0;
    return n;
}


char *an_report_json(const an_trace *t, const an_result *r) {
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "trace", t->path);
    if (t->program) cJSON_AddStringToObject(root, "program", t->program);
    else cJSON_AddNullToObject(root, "program");
    if (t->end_reason) cJSON_AddStringToObject(root, "end_reason", t->end_reason);
    else cJSON_AddNullToObject(root, "end_reason");
    if (t->has_exit_status) cJSON_AddNumberToObject(root, "exit_status", (double)t->exit_status);
    else cJSON_AddNullToObject(root, "exit_status");
    cJSON_AddBoolToObject(root, "truncated", t->truncated);
    cJSON_AddNumberToObject(root, "events_lost", (double)t->events_lost);
    cJSON_AddBoolToObject(root, "damaged", t->damaged);
    cJSON *warn = cJSON_AddArrayToObject(root, "warnings");
    for (size_t i = 0; i < t->nwarnings; i++)
        cJSON_AddItemToArray(warn, cJSON_CreateString(t->warnings[i]));
    cJSON_AddNumberToObject(root, "events", (double)t->nev);
    cJSON_AddNumberToObject(root, "goroutines", (double)user_goroutines(t));
    cJSON_AddNumberToObject(root, "analysis_version", AN_ANALYSIS_VERSION);
    cJSON *sum = cJSON_AddObjectToObject(root, "summary");
    for (size_t k = 0; k < an_nfinding_kinds; k++) {
        const char *kind = an_finding_kinds[k].name;
        int n = 0;
        for (size_t i = 0; i < r->findings.n; i++) n += !strcmp(r->findings.v[i].kind, kind);
        cJSON_AddNumberToObject(sum, kind, n);
    }
    cJSON *arr = cJSON_AddArrayToObject(root, "findings");
    for (size_t i = 0; i < r->findings.n; i++)
        cJSON_AddItemToArray(arr, finding_obj(t, &r->findings.v[i], i));
    char *s = an_utf8_valid(cJSON_Print(root)); /* trace text may be any bytes */
    cJSON_Delete(root);
    return s;
}

/* ---- the human report ------------------------------------------------ */

/* Print text wrapped at 78 columns, every line indented by `indent`. */
static void wrap(FILE *out, const char *text, int indent, const char *first_prefix) {
    int col = indent;
    fprintf(out, "%*s", indent, "");
    if (first_prefix) {
        fputs(first_prefix, out);
        col += (int)strlen(first_prefix);
    }
    const char *p = text;
    while (*p) {
        while (*p == ' ') p++;
        const char *w = p;
        while (*p && *p != ' ') p++;
        int len = (int)(p - w);
        if (!len) break;
        if (col > indent + (first_prefix ? (int)strlen(first_prefix) : 0) && col + 1 + len > 78) {
            fprintf(out, "\n%*s", indent, "");
            col = indent;
        } else if (col > indent + (first_prefix ? (int)strlen(first_prefix) : 0)) {
            fputc(' ', out);
            col++;
        }
        fwrite(w, 1, (size_t)len, out);
        col += len;
        first_prefix = NULL;
    }
    fputc('\n', out);
}

static const char *kind_label(const char *kind) {
    const an_kind_info *k = an_kind_find(kind);
    return k ? k->label : kind;
}

const char *an_trace_note(const an_trace *t, char *buf, size_t n) {
    if (t->events_lost)
        snprintf(buf, n, "the trace stops early: %lld events were not recorded (its log could not "
                         "grow, e.g. a full disk, or a thread was stopped while writing one); "
                         "analyzing the events before them",
                 (long long)t->events_lost);
    else if (t->truncated)
        snprintf(buf, n, "trace is truncated (program killed?): analyzing the events it has");
    else
        return NULL;
    return buf;
}

void an_report_text(FILE *out, const an_trace *t, const an_result *r) {
    fprintf(out, "chanscope check: %s", t->path);
    if (t->program) fprintf(out, " (program %s", t->program);
    else fprintf(out, " (");
    if (t->end_reason) {
        /* who ended it: program_end.g (0: the runtime, or an older trace) */
        const an_ev *pe = t->nev ? &t->ev[t->nev - 1] : NULL;
        int64_t who = pe && pe->kind == EV_PROGRAM_END ? t->gs[pe->g].id : 0;
        if (!strcmp(t->end_reason, "signal") && t->exit_status > 128)
        {
            int sig = (int)(t->exit_status - 128);
            const char *ab = sig > 0 && sig < 128 ? sigabbrev_np(sig) : NULL; /* "INT" */
            if (ab) fprintf(out, "%skilled by SIG%s", t->program ? ", " : "", ab);
            else fprintf(out, "%skilled by signal %d", t->program ? ", " : "", sig);
        }
        else
            fprintf(out, "%sended by %s", t->program ? ", " : "", t->end_reason);
        if (who > 1 || (who == 1 && strcmp(t->end_reason, "exit")))
            fprintf(out, " in %s (id %lld)", an_gname(t, who), (long long)who);
        fprintf(out, ", status %lld", (long long)t->exit_status);
    }
    size_t ng = user_goroutines(t);
    fprintf(out, "%s%zu events, %zu goroutine%s)\n", t->program || t->end_reason ? ", " : "",
            t->nev, ng, ng == 1 ? "" : "s");
    char note[256];
    if (an_trace_note(t, note, sizeof note)) fprintf(out, "note: %s\n", note);
    for (size_t i = 0; i < t->nwarnings; i++) fprintf(out, "warning: %s\n", t->warnings[i]);
    fputc('\n', out);
    for (size_t i = 0; i < r->findings.n; i++) {
        const an_finding *f = &r->findings.v[i];
        char head[64];
        snprintf(head, sizeof head, "%zu. %-6s ", i + 1, kind_label(f->kind));
        fputs(head, out);
        fprintf(out, "%s\n", f->title);
        /* goroutines and sites at a glance */
        an_sb gl = {0}, sl = {0};
        for (size_t k = 0; k < f->refs.n; k++) {
            const an_ref *x = &f->refs.v[k];
            int dup = 0;
            for (size_t j = 0; j < k; j++) dup |= f->refs.v[j].g == x->g;
            if (x->g >= 0 && !dup)
                an_sb_printf(&gl, "%s%s (id %lld)", gl.n ? ", " : "", an_gname(t, x->g),
                             (long long)x->g);
            dup = 0;
            for (size_t j = 0; j < k; j++) dup |= f->refs.v[j].site == x->site;
            if (x->site && !dup)
                an_sb_printf(&sl, "%s%s (%s)", sl.n ? ", " : "", an_site_str(t, x->site), x->role);
        }
        if (gl.n) wrap(out, gl.s, 5, "goroutines: ");
        if (sl.n) wrap(out, sl.s, 5, "sites: ");
        free(gl.s);
        free(sl.s);
        wrap(out, f->explanation, 5, NULL);
        wrap(out, f->fix, 5, "Fix: ");
        fputc('\n', out);
    }
    if (!r->findings.n) {
        if (t->damaged)
            fprintf(out, "no findings in the events that are left; the trace is damaged (see the "
                         "warning above), so this is no verdict on the run.\n");
        else
            fprintf(out, "no findings: no deadlock, leak, race or misuse in this run.\n");
        return;
    }
    fprintf(out, "%zu finding%s:", r->findings.n, r->findings.n == 1 ? "" : "s");
    int first = 1;
    for (size_t k = 0; k < an_nfinding_kinds; k++) {
        const char *kind = an_finding_kinds[k].name;
        int n = 0;
        for (size_t i = 0; i < r->findings.n; i++) n += !strcmp(r->findings.v[i].kind, kind);
        if (n) fprintf(out, "%s %d %s", first ? "" : ",", n, kind), first = 0;
    }
    fputc('\n', out);
}
