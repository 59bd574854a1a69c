/*
 * lockorder.c — potential deadlocks: cycles in the lock-order graph.
 *
 * The replay records an edge A -> B each time a goroutine acquires B while
 * holding A (with the first goroutine and sites that did it).  A cycle
 * A -> B -> A means two goroutines can each hold one lock and wait for the
 * other.  For every lock we look for the shortest cycle through it (BFS);
 * a cycle is reported (severity warning) when at least two different
 * goroutines made its edges — one goroutine alone cannot deadlock with
 * itself this way — and when this run did not actually deadlock on those
 * locks (that is a deadlock / partial_deadlock finding instead).
 *
 * Same for a recursive read lock (class recursive_rlock): a goroutine that
 * read-locks an RWMutex it already read-holds deadlocks as soon as a writer
 * starts waiting between the two RLocks (a waiting writer blocks new readers).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_internal.h"

typedef VEC(int32_t) i32vec;


typedef struct lgraph {
    an_imap node;        /* lock id -> node index */
    VEC(int64_t) ids;
    VEC(i32vec) out;     /* node -> indices into rp->ledges */
} lgraph;

static int32_t lnode(lgraph *lg, int64_t id) {
    int ins;
    int64_t *v = an_imap_put(&lg->node, id, (int64_t)lg->ids.n, &ins);
    if (ins) {
        VEC_PUSH(lg->ids, id);
        i32vec empty = {0};
        VEC_PUSH(lg->out, empty);
    }
    return (int32_t)*v;
}

/* Shortest cycle through start (BFS over edges back to start); fills path
 * with edge indices.  Returns its length or 0. */
static size_t find_cycle(an_replay *rp, lgraph *lg, int32_t start, int32_t *path, size_t max) {
    size_t n = lg->ids.n;
    int32_t *prev_edge = an_xmalloc(n * sizeof *prev_edge);
    int32_t *queue = an_xmalloc(n * sizeof *queue);
    for (size_t i = 0; i < n; i++) prev_edge[i] = -1;
    size_t qh = 0, qt = 0, len = 0;
    queue[qt++] = start;
    int32_t closing = -1;
    while (qh < qt && closing < 0) {
        int32_t u = queue[qh++];
        for (size_t k = 0; k < lg->out.v[u].n; k++) {
            int32_t ei = lg->out.v[u].v[k];
            int32_t v = (int32_t)*an_imap_get(&lg->node, rp->ledges.v[ei].to);
            if (v == start) {
                closing = ei;
                break;
            }
            if (prev_edge[v] < 0) {
                prev_edge[v] = ei;
                queue[qt++] = v;
            }
        }
    }
    if (closing >= 0) {
        /* walk back from the closing edge's source to start */
        int32_t tmp[64];
        size_t k = 0;
        tmp[k++] = closing;
        int32_t u = (int32_t)*an_imap_get(&lg->node, rp->ledges.v[closing].from);
        while (u != start && k < 64) {
            int32_t ei = prev_edge[u];
            tmp[k++] = ei;
            u = (int32_t)*an_imap_get(&lg->node, rp->ledges.v[ei].from);
        }
        if (u == start && k <= max) {
            for (size_t i = 0; i < k; i++) path[i] = tmp[k - 1 - i];
            len = k;
        }
    }
    free(prev_edge);
    free(queue);
    return len;
}

static void recursive_rlock_findings(an_replay *rp, const an_imap *deadlocked_locks) {
    const an_trace *t = rp->t;
    for (size_t i = 0; i < rp->rrecs.n && i < 20; i++) {
        const an_rrec *x = &rp->rrecs.v[i];
        if (an_imap_get(deadlocked_locks, x->obj)) continue;
        an_finding *f = an_finding_add(rp->r, "lock_order", "warning");
        f->klass = "recursive_rlock";
        an_sb title = {0}, ex = {0};
        const char *name = an_oprose(t, x->obj);
        an_sb_printf(&title, "possible deadlock: %s (id %lld) read-locks %s twice (%s, "
                             "then %s)",
                     t->gs[x->g].name, (long long)t->gs[x->g].id, name, an_site_str(t, x->site1),
                     an_site_str(t, x->site2));
        an_sb_printf(&ex, "%s (id %lld) read-locked %s at %s and, still holding it, again at %s. "
                          "This run did not deadlock, but if a writer calls Lock between the two, "
                          "the writer waits for the first read lock to go, and the second RLock "
                          "waits behind the writer (a waiting writer blocks new readers, so that "
                          "writers are not starved): both wait forever.",
                     t->gs[x->g].name, (long long)t->gs[x->g].id, name, an_site_str(t, x->site1),
                     an_site_str(t, x->site2));
        an_finding_ref(f, x->seq1, t->gs[x->g].id, x->obj, x->site1, "holding");
        an_finding_ref(f, x->seq2, t->gs[x->g].id, x->obj, x->site2, "acquiring");
        an_finding_wait(f, t->gs[x->g].id, WS_RUNNING, 0, 0, x->site2, x->seq2);
        an_finding_hold(f, t->gs[x->g].id, x->obj, 1, x->seq1, x->site1);
        an_finding_culprit(f, x->site2, t->gs[x->g].id,
                           "Take the read lock once, in the outer function; the inner code must not lock");
        an_sb fix = {0};
        an_sb_printf(&fix, "Do not read-lock %s twice in one goroutine: take the read lock once, "
                           "in the outermost method (%s), and have the code at %s expect it "
                           "held (a helper that does not lock); never call a method that locks "
                           "%s while holding it.",
                     name, an_site_str(t, x->site1), an_site_str(t, x->site2), name);
        an_finding_text(f, an_sb_take(&title), an_sb_take(&ex), an_sb_take(&fix));
    }
}

void an_lock_order_findings(an_replay *rp, const an_imap *deadlocked_locks) {
    const an_trace *t = rp->t;
    recursive_rlock_findings(rp, deadlocked_locks);
    if (rp->ledges.n < 2) return;
    lgraph lg = {0};
    for (size_t i = 0; i < rp->ledges.n; i++) {
        int32_t a = lnode(&lg, rp->ledges.v[i].from);
        lnode(&lg, rp->ledges.v[i].to);
        VEC_PUSH(lg.out.v[a], (int32_t)i);
    }
    int8_t *reported = an_xcalloc(lg.ids.n, 1);
    int nfind = 0;
    for (size_t s = 0; s < lg.ids.n && nfind < 20; s++) {
        if (reported[s]) continue;
        int32_t path[16];
        size_t len = find_cycle(rp, &lg, (int32_t)s, path, 16);
        if (!len) continue;
        int skip = 0;
        int32_t g_first = -1;
        int distinct = 0;
        for (size_t i = 0; i < len; i++) {
            an_lockedge *le = &rp->ledges.v[path[i]];
            int32_t node = (int32_t)*an_imap_get(&lg.node, le->from);
            if (reported[node]) skip = 1;
            if (an_imap_get(deadlocked_locks, le->from)) skip = 1;
            int32_t gs[2] = {le->g1, le->g2};
            for (int k = 0; k < 2; k++) {
                if (gs[k] < 0) continue;
                if (g_first < 0) g_first = gs[k];
                else if (gs[k] != g_first) distinct = 1;
            }
        }
        for (size_t i = 0; i < len; i++)
            reported[*an_imap_get(&lg.node, rp->ledges.v[path[i]].from)] = 1;
        if (skip || !distinct) continue; /* one goroutine alone cannot deadlock with itself */
        nfind++;
        an_finding *f = an_finding_add(rp->r, "lock_order", "warning");
        an_sb title = {0}, ex = {0};
        /* each goroutine and the order it used: "worker (id 2) locks A then B" */
        an_sb_printf(&title, "possible deadlock: ");
        for (size_t i = 0; i < len; i++) {
            an_lockedge *le = &rp->ledges.v[path[i]];
            an_sb_printf(&title, "%s%s (id %lld) locks %s then %s", i ? (i + 1 == len ? " and " : ", ") : "",
                         t->gs[le->g1].name, (long long)t->gs[le->g1].id,
                         an_oprose(t, le->from), an_oprose(t, le->to));
        }
        an_sb_printf(&ex, "This run did not deadlock, but it could: ");
        for (size_t i = 0; i < len; i++) {
            an_lockedge *le = &rp->ledges.v[path[i]];
            int64_t gid = t->gs[le->g1].id;
            an_sb_printf(&ex, "%s (id %lld) locked %s at %s while holding %s (locked at %s); ",
                         t->gs[le->g1].name, (long long)gid, an_oprose(t, le->to),
                         an_site_str(t, le->site_to), an_oprose(t, le->from),
                         an_site_str(t, le->site_from));
            an_finding_ref(f, le->seq_from, gid, le->from, le->site_from, "holding");
            an_finding_ref(f, le->seq_to, gid, le->to, le->site_to, "acquiring");
            /* its node: at the second acquisition, holding the first lock */
            an_finding_wait(f, gid, WS_RUNNING, 0, 0, le->site_to, le->seq_to);
            an_finding_hold(f, gid, le->from, le->read_from, le->seq_from, le->site_from);
        }
        an_sb_printf(&ex, "if these goroutines run at the same time, each can end up holding one "
                          "lock and waiting forever for the next one (the classic AB-BA "
                          "deadlock).");
        /* the line to change: the last goroutine's second lock, taken in the
         * order opposite to the first goroutine's */
        an_lockedge *first = &rp->ledges.v[path[0]], *last = &rp->ledges.v[path[len - 1]];
        an_sb line = {0};
        an_sb_printf(&line, "Lock %s before %s in %s too, as %s does", an_oprose(t, first->from),
                     an_oprose(t, first->to), t->gs[last->g1].name, t->gs[first->g1].name);
        if (line.n > AN_FIX_LINE_MAX) {
            line.n = 0;
            an_sb_printf(&line, "Take these locks in one order in every goroutine");
        }
        an_finding_culprit(f, last->site_to, t->gs[last->g1].id, line.s);
        free(line.s);
        an_sb fix = {0};
        an_sb_printf(&fix, "Pick one order for these locks and take them in that order in every "
                           "goroutine: %s (id %lld) takes %s first, so %s (id %lld) must too "
                           "(change its lock at %s); or merge them into one lock.",
                     t->gs[first->g1].name, (long long)t->gs[first->g1].id,
                     an_oprose(t, first->from), t->gs[last->g1].name,
                     (long long)t->gs[last->g1].id, an_site_str(t, last->site_to));
        an_finding_text(f, an_sb_take(&title), an_sb_take(&ex), an_sb_take(&fix));
    }
    free(reported);
    for (size_t i = 0; i < lg.out.n; i++) VEC_FREE(lg.out.v[i]);
    VEC_FREE(lg.out);
    VEC_FREE(lg.ids);
    an_imap_free(&lg.node);
}

