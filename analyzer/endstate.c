/*
 * endstate.c — the passes over what was left when the program ended, in
 * order (the shared state is endstate.h's endctx):
 *   1. who is alive, who ended the run (main returning, exit(), a signal)
 *   2. the wait-for graph: who could wake each blocked goroutine, and who is
 *      eventually runnable (waitfor.c)
 *   3. deadlock: the runtime's global deadlock, confirmed by the replay
 *   4. partial_deadlock: groups of stuck goroutines that wait for each other
 *      (a lock involved; in a run a signal stopped, any group)
 *   5. leak: after a normal end, every goroutine left behind; after a
 *      signal, every stuck goroutine not already in a group
 *   6. signal: which signal ended the run, where everyone was
 *   7. work_after_cancel (cancel.c)
 *   8. lock_order: lock-order cycles that did not deadlock (lockorder.c)
 * Wording: wording.c; the findings themselves: end_findings.c.  Every
 * finding carries its wait-for graph, culprit and one-line fix as data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endstate.h"

/* Pass 4: a group of stuck goroutines is a partial deadlock when a lock is
 * involved (AB-BA, lock <-> channel, read lock behind a writer, recursive
 * lock); stuck channel partners alone are leaks — except in a run a signal
 * stopped (Ctrl-C, a hung test killed by timeout), which has nobody to blame
 * for leaving them behind: there stuck goroutines that wait for each other
 * are a partial deadlock whatever they wait on. */
static void stuck_group(endctx *c, i32vec *group, int lock) {
    if (c->killed) { /* judge only the ones blocked long before the trace ends */
        size_t k = 0;
        for (size_t i = 0; i < group->n; i++)
            if (es_judged(c, group->v[i])) group->v[k++] = group->v[i];
        group->n = k;
    }
    if (group->n && (lock || (c->signaled && group->n > 1))) es_deadlock_finding(c, group, 0);
}

void an_endstate(an_replay *rp) {
    const an_trace *t = rp->t;
    endctx c = {0};
    c.rp = rp;
    c.t = t;
    c.ng = rp->ng;
    const char *reason = t->end_reason;
    int global = rp->deadlock_seq != 0 || (reason && !strcmp(reason, "deadlock"));
    int panicked = reason && !strcmp(reason, "panic");
    int exited = reason && !strcmp(reason, "exit");
    int signaled = reason && !strcmp(reason, "signal");
    if (rp->panicked) panicked = 1;
    c.alive = an_xcalloc(c.ng, 1);
    c.runnable = an_xcalloc(c.ng, 1);
    c.external = an_xcalloc(c.ng, 1);
    c.in_finding = an_xcalloc(c.ng, 1);
    c.wakers = an_xcalloc(c.ng, sizeof *c.wakers);
    c.any_waker = an_xcalloc(c.ng, 1);
    /* The goroutine that ended the program (main returning, exit()) is not
     * left behind; in a deadlock the detecting goroutine is itself blocked. */
    int32_t ender = -1, hit = -1;
    if (signaled) {
        /* a signal stopped everyone where they were: the goroutine it hit
         * (a fault, abort()) is as alive as the others */
        if (rp->end_g >= 0 && t->gs[rp->end_g].id > 0) hit = rp->end_g;
    } else if (!global) {
        if (rp->end_g >= 0 && t->gs[rp->end_g].id != 0) ender = rp->end_g;
        else if (exited) ender = 0; /* main */
    }
    c.ender = ender;
    c.exit_elsewhere = exited && !global && ender >= 0 && t->gs[ender].id != 1;
    /* A truncated trace (no recorded end: kill -9, a power cut) is judged
     * like a run a signal stopped, for goroutines blocked for at least a
     * second before its last event (the last moments may be lost). */
    c.killed = !reason && t->truncated && !global;
    c.signaled = signaled || c.killed;
    es_end_phrase(&c, ender);
    size_t nblocked = 0, nalive = 0;
    for (uint32_t gi = 0; gi < c.ng; gi++) {
        an_gst *g = &rp->gs[gi];
        if (!g->seen || g->ended || t->gs[gi].id == 0 || (int32_t)gi == ender) continue;
        c.alive[gi] = 1;
        nalive++;
        if (g->state == ST_BLOCKED) nblocked++;
        else c.runnable[gi] = 1;
    }
    an_imap deadlocked_locks = {0};
    if (nblocked && !panicked) {
        es_collect_roles(&c);
        for (uint32_t gi = 0; gi < c.ng; gi++)
            if (c.alive[gi] && rp->gs[gi].state == ST_BLOCKED) es_compute_wakers(&c, (int32_t)gi);
        for (uint32_t gi = 0; gi < c.ng; gi++)
            if (c.external[gi]) c.runnable[gi] = 1;
        es_propagate_runnable(&c);
        if (global) {
            i32vec all = {0};
            for (uint32_t gi = 0; gi < c.ng; gi++)
                if (c.alive[gi] && rp->gs[gi].state == ST_BLOCKED) VEC_PUSH(all, (int32_t)gi);
            es_deadlock_finding(&c, &all, 1);
            if (all.n != nalive) { /* the replay disagrees: say so rather than hide it */
                an_finding *f = &rp->r->findings.v[rp->r->findings.n - 1];
                an_sb ex = {0};
                an_sb_printf(&ex, "%s (Note: in the trace %zu goroutine%s still look%s runnable at "
                                  "that point; the trace may be incomplete.)",
                             f->explanation, nalive - all.n, nalive - all.n == 1 ? "" : "s",
                             nalive - all.n == 1 ? "s" : "");
                free(f->explanation);
                f->explanation = an_sb_take(&ex);
            }
            VEC_FREE(all);
        } else {
            es_stuck_groups(&c, stuck_group);
        }
        for (uint32_t gi = 0; gi < c.ng; gi++)
            if (c.in_finding[gi]) {
                an_gst *g = &rp->gs[gi];
                if (g->reason == BLOCK_LOCK || g->reason == BLOCK_RLOCK)
                    *an_imap_put(&deadlocked_locks, g->obj, 1, NULL) = 1;
                for (size_t k = 0; k < g->held.n; k++)
                    *an_imap_put(&deadlocked_locks, g->held.v[k].obj, 1, NULL) = 1;
            }
    }
    if (exited && !global && !panicked && nalive) {
        if (!nblocked) es_collect_roles(&c);
        es_leak_findings(&c, ender, 0);
    }
    /* Killed by a signal: a goroutine nobody alive could wake is a leak
     * whether or not the program would have ended; the others (running,
     * sleeping, in the poller, waiting for a goroutine that can still run)
     * were only stopped. */
    if (c.signaled && !global && !panicked && nblocked) es_leak_findings(&c, -1, 1);
    if (signaled && !global && !panicked) es_signal_finding(&c, hit);
    if (!panicked) an_work_after_cancel(rp);
    an_lock_order_findings(rp, &deadlocked_locks);
    an_imap_free(&deadlocked_locks);
    free(c.end_phrase.s);
    an_imap_free(&c.roles);
    an_imap_free(&c.all_roles);
    an_imap_free(&c.both);
    an_imap_free(&c.gone_list);
    for (size_t i = 0; i < c.gone.n; i++) VEC_FREE(c.gone.v[i]);
    VEC_FREE(c.gone);
    an_imap_free(&c.ext_chan);
    for (uint32_t gi = 0; gi < c.ng; gi++) VEC_FREE(c.wakers[gi]);
    free(c.wakers);
    free(c.any_waker);
    for (size_t i = 0; i < c.users.n; i++) VEC_FREE(c.users.v[i]);
    VEC_FREE(c.users);
    an_imap_free(&c.chan_list);
    free(c.alive);
    free(c.runnable);
    free(c.external);
    free(c.in_finding);
}
