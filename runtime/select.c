/*
 * select.c — chan_select (Go's runtime/select.go, selectgo).
 *
 *   1. Shuffle the cases into a random poll order (uniform choice among
 *      ready cases) and sort the channels by address into a lock order
 *      (every goroutine locks channels in the same order: no lock cycles;
 *      a channel named twice is locked once).
 *   2. Pass 1, all locks held: take the first ready case in poll order.
 *   3. None ready: with a default, take it.  Otherwise enqueue one sudog per
 *      case on its channel, count ourselves blocked, unlock, park.
 *   4. Woken: the waker won our one-shot claim (g->select_done) and left the
 *      sudog that fired in g->param.  Lock everything again, remove the
 *      other sudogs from their queues, reset the claim, unlock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "trace_hooks.h"

static void sellock(chan_t **order, int n) {
    for (int i = 0; i < n; i++)
        if (i == 0 || order[i] != order[i - 1]) cs_lock_acquire(&order[i]->lock);
}

static void selunlock(chan_t **order, int n) {
    for (int i = n - 1; i >= 0; i--)
        if (i == 0 || order[i] != order[i - 1]) cs_lock_release(&order[i]->lock);
}

/* Unlock every channel except `keep` (whose lock the operation releases). */
static void selunlock_except(chan_t **order, int n, chan_t *keep) {
    for (int i = n - 1; i >= 0; i--)
        if ((i == 0 || order[i] != order[i - 1]) && order[i] != keep)
            cs_lock_release(&order[i]->lock);
}

static int cmp_chan(const void *a, const void *b) {
    uintptr_t x = (uintptr_t) * (chan_t *const *)a, y = (uintptr_t) * (chan_t *const *)b;
    return x < y ? -1 : x > y;
}

static void ev_begin(cs_case *cases, int n, bool has_default, cs_site site) {
    char desc[256];
    size_t len = 0;
    desc[0] = 0;
    for (int i = 0; i < n && len < sizeof desc - 24; i++) {
        if (cases[i].dir == CS_CASE_DEFAULT)
            len += (size_t)snprintf(desc + len, sizeof desc - len, "%sd", i ? " " : "");
        else
            len += (size_t)snprintf(desc + len, sizeof desc - len, "%s%c:%lld", i ? " " : "",
                                    cases[i].dir == CS_CASE_RECV ? 'r' : 's',
                                    (long long)chan_id(cases[i].ch));
    }
    cs_trace_event(EV_SELECT_BEGIN, 0, n, has_default, 0, 0, desc, site);
}

#define SMALL 8

int cs_chan_select(cs_case *cases, int n, cs_site site) {
    cs_g *self = cs_enter();
    int dflt = -1, nready = 0;
    for (int i = 0; i < n; i++) {
        if (cases[i].dir == CS_CASE_DEFAULT) {
            if (dflt >= 0) cs_panic(site, "select: multiple defaults");
            dflt = i;
        } else if (cases[i].ch) {
            if (cases[i].elem)
                cs_chan_check_size(cases[i].ch, cases[i].valsize, cases[i].dir == CS_CASE_SEND,
                                   site);
            nready++;
        }
    }
    if (CS_TRACING()) ev_begin(cases, n, dflt >= 0, site);

    if (nready == 0) {
        if (dflt >= 0) {
            CS_EV(EV_SELECT_END, 0, dflt, 1, 0, 0, site);
            return dflt;
        }
        /* select {} or only nil channels: blocks forever, as in Go. */
        cs_block_forever(n == 0 ? BLOCK_NIL_CHAN : BLOCK_SELECT, site);
    }

    int pollbuf[SMALL];
    chan_t *lockbuf[SMALL];
    cs_sudog sgbuf[SMALL];
    int *poll = nready <= SMALL ? pollbuf : malloc(sizeof(int) * (size_t)nready);
    chan_t **order = nready <= SMALL ? lockbuf : malloc(sizeof(chan_t *) * (size_t)nready);
    cs_sudog *sgs = nready <= SMALL ? sgbuf : calloc((size_t)nready, sizeof(cs_sudog));
    if (!poll || !order || !sgs) cs_panic(site, "select: out of memory");

    /* Poll order: a uniform random permutation of the live cases (inside-out
     * Fisher-Yates). */
    int np = 0;
    for (int i = 0; i < n; i++) {
        if (cases[i].dir == CS_CASE_DEFAULT || !cases[i].ch) continue;
        uint32_t j = cs_fastrandn(self, (uint32_t)np + 1);
        poll[np] = poll[j];
        poll[j] = i;
        order[np] = cases[i].ch;
        np++;
    }
    if (np <= SMALL) { /* insertion sort: no qsort call for the usual few cases */
        for (int i = 1; i < np; i++) {
            chan_t *x = order[i];
            int j = i;
            for (; j > 0 && (uintptr_t)order[j - 1] > (uintptr_t)x; j--) order[j] = order[j - 1];
            order[j] = x;
        }
    } else {
        qsort(order, (size_t)np, sizeof *order, cmp_chan);
    }

    int chosen = -1;
    bool recv_ok = false;
    sellock(order, np);

    /* Pass 1: the first ready case in poll order. */
    for (int k = 0; k < np && chosen < 0; k++) {
        int i = poll[k];
        cs_case *cs = &cases[i];
        chan_t *c = cs->ch;
        if (cs->dir == CS_CASE_RECV) {
            cs_sudog *sg = cs_sudog_dequeue(&c->sendq);
            if (sg) {
                selunlock_except(order, np, c);
                cs_chan_recv_from_waiter(c, sg, cs->elem, self, CS_EVF_SELECT, site);
                chosen = i, recv_ok = true;
            } else if (c->qcount > 0) {
                cs_chan_buf_take(c, cs->elem, self->id, CS_EVF_SELECT, site);
                selunlock(order, np);
                chosen = i, recv_ok = true;
            } else if (c->closed) {
                cs_chan_recv_closed(c, cs->elem, self->id, CS_EVF_SELECT, site);
                selunlock(order, np);
                chosen = i, recv_ok = false;
            }
        } else {
            if (c->closed) {
                selunlock(order, np);
                cs_chan_panic_send_closed(c, site);
            }
            cs_sudog *sg = cs_sudog_dequeue(&c->recvq);
            if (sg) {
                selunlock_except(order, np, c);
                cs_chan_send_to_waiter(c, sg, cs->elem, self, CS_EVF_SELECT, site);
                chosen = i;
            } else if (c->qcount < c->cap) {
                cs_chan_buf_put(c, cs->elem, self->id, CS_EVF_SELECT, site);
                selunlock(order, np);
                chosen = i;
            }
        }
    }

    if (chosen < 0 && dflt >= 0) {
        selunlock(order, np);
        chosen = dflt;
    }

    if (chosen < 0) {
        /* Pass 2: wait on every case. */
        atomic_store_explicit(&self->select_done, 0, memory_order_relaxed);
        for (int k = 0; k < np; k++) {
            int i = poll[k];
            cs_sudog *sg = &sgs[k];
            memset(sg, 0, sizeof *sg);
            sg->g = self;
            sg->elem = cases[i].elem;
            sg->c = cases[i].ch;
            sg->is_select = true;
            sg->case_index = i;
            sg->site = site;
            cs_sudog_enqueue(cases[i].dir == CS_CASE_RECV ? &sg->c->recvq : &sg->c->sendq, sg);
        }
        cs_park_prepare(self, BLOCK_SELECT, np == 1 ? order[0]->id : 0, site);
        selunlock(order, np);
        cs_park_wait(self);

        /* Pass 3: dequeue from the channels that did not fire. */
        cs_sudog *won = self->param;
        self->param = NULL;
        sellock(order, np);
        for (int k = 0; k < np; k++) {
            cs_sudog *sg = &sgs[k];
            if (sg == won) continue;
            cs_sudog_remove(cases[sg->case_index].dir == CS_CASE_RECV ? &sg->c->recvq
                                                                      : &sg->c->sendq,
                            sg);
        }
        atomic_store_explicit(&self->select_done, 0, memory_order_relaxed);
        selunlock(order, np);
        chosen = won->case_index;
        recv_ok = won->success;
        if (cases[chosen].dir == CS_CASE_SEND && !won->success)
            cs_chan_panic_send_closed(won->c, site);
    }

    if (cases[chosen].dir == CS_CASE_RECV && cases[chosen].ok) *cases[chosen].ok = recv_ok;
    CS_EV(EV_SELECT_END, 0, chosen, chosen == dflt, 0, 0, site);
    if (poll != pollbuf) free(poll);
    if (order != lockbuf) free(order);
    if (sgs != sgbuf) free(sgs);
    return chosen;
}
