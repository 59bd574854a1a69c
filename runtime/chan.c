/*
 * chan.c — channels: make, send, receive, close (Go's runtime/chan.go).
 *
 * Trace events for one communication are all emitted inside c->lock by the
 * goroutine that completes it, on behalf of both sides: the sender's
 * chan_send (with the message id) always gets a smaller seq than the
 * matching chan_recv.  A parked partner later logs only its go_unblock.
 *
 * Wake after unlock: the completing goroutine records the outcome in the
 * partner's sudog, releases c->lock, and only then calls cs_ready.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "chan_internal.h"
#include "det.h"
#include "trace_hooks.h"

/* The id of a message sent on c (tracing; lock held): numbered per channel,
 * so that no counter is shared by all threads; the converter turns
 * (channel, number) into a trace-wide id (convert/msg_ids.c). */
static int64_t new_msg(chan_t *c) { return CS_TRACING() ? ++c->nmsg : 0; }

/* The number of the message at the head of c's buffer (tracing; lock held,
 * qcount > 0).  The buffer always holds the last qcount messages sent, in
 * order: a send fills it at the tail with the newest number; a send hands
 * over directly only when it is empty (a receiver waits only then); and a
 * receive from a parked sender when it is full takes the head and puts
 * the sender's message, numbered then, at the tail.  So receives take the
 * numbers 1, 2, 3... in order, and no per-slot record of them is needed.
 * (Messages sent before tracing started have no number: 0, as the oldest
 * of the buffer's last qcount messages can then be one of them.) */
static int64_t buf_head_msg(chan_t *c) {
    int64_t m = c->nmsg - c->qcount + 1;
    return m > 0 ? m : 0;
}

/* Element copies.  A zero-size element (chan struct{}) copies nothing, and
 * its pointers may be NULL or point at a zero-size variable. */
static inline void elem_copy(chan_t *c, void *dst, const void *src) {
    switch (c->elemsize) { /* the common sizes inline, without a libc call */
    case 0: return;
    case 4: memcpy(dst, src, 4); return;
    case 8: memcpy(dst, src, 8); return;
    case 16: memcpy(dst, src, 16); return;
    default: memcpy(dst, src, c->elemsize);
    }
}
static inline void elem_zero(chan_t *c, void *p) {
    switch (c->elemsize) {
    case 0: return;
    case 4: memset(p, 0, 4); return;
    case 8: memset(p, 0, 8); return;
    case 16: memset(p, 0, 16); return;
    default: memset(p, 0, c->elemsize);
    }
}

/* Value column of a chan_send/chan_recv event: the element itself when it
 * fits in 8 bytes. */
static inline int64_t ev_value(chan_t *c, const void *ep, int *flags) {
    int64_t v = 0;
    if (ep && c->elemsize <= 8) {
        if (c->elemsize == 8) memcpy(&v, ep, 8); /* (the common case: no length switch) */
        else memcpy(&v, ep, c->elemsize);
        *flags |= CS_EVF_VALUE;
    }
    return v;
}

/* (inlined: a traced pool job makes four of these calls) */
static inline __attribute__((always_inline)) void
ev_send(chan_t *c, int64_t gid, int64_t msg, int64_t slot, const void *ep, int flags, cs_site site) {
    if (!CS_TRACING()) return;
    int64_t v = ev_value(c, ep, &flags);
    cs_trace_chan_done(gid, EV_CHAN_SEND, c->id, msg, slot, v, flags, site);
}

static inline __attribute__((always_inline)) void
ev_recv(chan_t *c, int64_t gid, int64_t msg, int64_t slot, const void *ep, int flags, cs_site site) {
    if (!CS_TRACING()) return;
    int64_t v = msg ? ev_value(c, ep, &flags) : 0;
    if (msg) flags |= CS_EVF_OK;
    cs_trace_chan_done(gid, EV_CHAN_RECV, c->id, msg, slot, v, flags, site);
}

static int64_t gid_of(cs_g *g) { return g ? g->id : 0; }

/* Let go of c's lock, then write the record of a send or receive that
 * completed under it: its clock was taken under the lock (which carries it
 * to the next holder), its record is written here, so the lock is not held
 * for it (tracer/trace_buf.c, begin_done). */
static inline void chan_unlock(chan_t *c) {
    cs_lock_release(&c->lock);
    if (CS_TRACING()) cs_trace_commit();
}


/* ---- sudog queues ------------------------------------------------------- */

void cs_sudog_enqueue(cs_sudog_q *q, cs_sudog *s) {
    s->next = NULL;
    s->prev = q->last;
    if (q->last) q->last->next = s;
    else q->first = s;
    q->last = s;
    s->queued = true;
}

void cs_sudog_remove(cs_sudog_q *q, cs_sudog *s) {
    if (!s->queued) return;
    if (s->prev) s->prev->next = s->next;
    else q->first = s->next;
    if (s->next) s->next->prev = s->prev;
    else q->last = s->prev;
    s->next = s->prev = NULL;
    s->queued = false;
}

cs_sudog *cs_sudog_dequeue(cs_sudog_q *q) {
    for (;;) {
        cs_sudog *s = q->first;
        if (!s) return NULL;
        cs_sudog_remove(q, s);
        /* A select's sudogs sit on several queues; only the waker that wins
         * the goroutine's claim may complete it.  A lost claim means another
         * case already fired: drop this sudog (its select will not look at
         * it again except to remove it, which is a no-op now). */
        if (s->is_select) {
            int zero = 0;
            if (!atomic_compare_exchange_strong(&s->g->select_done, &zero, 1)) continue;
        }
        return s;
    }
}

/* ---- the operations proper (lock held) ---------------------------------- */

void cs_chan_buf_put(chan_t *c, const void *ep, int64_t gid, int flags, cs_site site) {
    int64_t slot = c->sendx;
    elem_copy(c, c->buf + slot * c->elemsize, ep);
    if (CS_TRACING()) ev_send(c, gid, new_msg(c), slot, ep, flags, site);
    if (++c->sendx == c->cap) c->sendx = 0;
    c->qcount++;
}

void cs_chan_buf_take(chan_t *c, void *ep, int64_t gid, int flags, cs_site site) {
    int64_t slot = c->recvx;
    char *p = c->buf + slot * c->elemsize;
    if (ep) elem_copy(c, ep, p);
    if (CS_TRACING()) ev_recv(c, gid, buf_head_msg(c), slot, p, flags, site);
    elem_zero(c, p);
    if (++c->recvx == c->cap) c->recvx = 0;
    c->qcount--;
}

void cs_chan_recv_closed(chan_t *c, void *ep, int64_t gid, int flags, cs_site site) {
    if (ep) elem_zero(c, ep);
    ev_recv(c, gid, 0, -1, NULL, flags, site);
}

void cs_chan_send_to_waiter(chan_t *c, cs_sudog *sg, const void *ep, cs_g *self, int flags,
                            cs_site site) {
    /* Only possible when the buffer is empty: hand the value straight to
     * the parked receiver. */
    int64_t msg = new_msg(c);
    ev_send(c, gid_of(self), msg, -1, ep, flags, site);
    if (sg->elem) elem_copy(c, sg->elem, ep);
    ev_recv(c, sg->g->id, msg, -1, ep, sg->is_select ? CS_EVF_SELECT : 0, sg->site);
    sg->success = true;
    sg->g->param = sg;
    chan_unlock(c);
    cs_ready(sg->g, self);
}

void cs_chan_recv_from_waiter(chan_t *c, cs_sudog *sg, void *ep, cs_g *self, int flags,
                              cs_site site) {
    int sflags = sg->is_select ? CS_EVF_SELECT : 0;
    if (c->cap == 0) {
        int64_t msg = new_msg(c);
        ev_send(c, sg->g->id, msg, -1, sg->elem, sflags, sg->site);
        if (ep) elem_copy(c, ep, sg->elem);
        ev_recv(c, gid_of(self), msg, -1, sg->elem, flags, site);
    } else {
        /* Buffer is full: take the head, and the sender's value takes the
         * freed slot at the tail (which is the same slot). */
        cs_chan_buf_take(c, ep, gid_of(self), flags, site);
        cs_chan_buf_put(c, sg->elem, sg->g->id, sflags, sg->site);
    }
    sg->success = true;
    sg->g->param = sg;
    chan_unlock(c);
    cs_ready(sg->g, self);
}

CS_NORETURN void cs_chan_panic_send_closed(chan_t *c, cs_site site) {
    cs_panic_misuse(site, MISUSE_SEND_ON_CLOSED, c ? c->id : 0, "send on closed channel");
}

/* Go rejects `ch <- v` of the wrong type at compile time; C cannot, so the
 * macros pass the value's size and a mismatch is a misuse panic instead of
 * a copy of too few or too many bytes. */
CS_NORETURN void cs_chan_panic_size(chan_t *c, size_t valsize, bool send, cs_site site) {
    char msg[160];
    snprintf(msg, sizeof msg,
             send ? "send of a %zu-byte value on a channel of %zu-byte elements"
                  : "receive into a %zu-byte variable from a channel of %zu-byte elements",
             valsize, c->elemsize);
    cs_panic_misuse(site, MISUSE_ELEM_SIZE, c->id, msg);
}

CS_NORETURN void cs_block_forever(int reason, cs_site site) {
    cs_g *g = cs_getg();
    cs_park_prepare(g, reason, 0, site);
    for (;;) cs_park_wait(g); /* nobody can ready us: only a deadlock report ends this */
}

/* ---- public API ---------------------------------------------------------- */

chan_t *cs_chan_make(size_t elemsize, int64_t cap, const char *name, cs_site site) {
    if (cap < 0) cs_panic(site, "makechan: size out of range");
    chan_t *c = calloc(1, sizeof *c);
    if (!c) cs_panic(site, "makechan: out of memory");
    c->elemsize = elemsize;
    c->cap = cap;
    if (cap > 0) {
        /* A zero-size element needs no storage (Go's chan struct{}): one
         * byte keeps buf a valid pointer for the slot arithmetic. */
        c->buf = elemsize ? calloc((size_t)cap, elemsize) : calloc(1, 1);
        if (!c->buf) cs_panic(site, "makechan: out of memory");
    }
    c->id = cs_new_object_id();
    if (CS_TRACING()) {
        cs_getg(); /* main becomes goroutine 1 before its first event */
        cs_trace_object(c->id, OBJ_CHAN, name, site, cap, (int64_t)elemsize);
        cs_trace_event(EV_CHAN_MAKE, c->id, cap, (int64_t)elemsize, 0, 0, NULL, site);
    }
    return c;
}

void chan_free(chan_t *c) {
    if (!c) return;
    free(c->buf);
    free(c);
}

void cs_chan_send(chan_t *c, const void *ep, size_t valsize, cs_site site) {
    cs_g *self = cs_enter();
    if (!c) {
        CS_EV(EV_CHAN_SEND_BEGIN, 0, 0, 0, 0, 0, site);
        cs_block_forever(BLOCK_NIL_CHAN, site);
    }
    cs_chan_check_size(c, valsize, true, site);
    /* Before the lock: the tracer keeps it (and its time stamp) until the
     * send completes or blocks, and writes one record then (trace_buf.c). */
    if (CS_TRACING()) cs_trace_chan_begin(self->id, EV_CHAN_SEND_BEGIN, c->id, site);
    cs_lock_acquire(&c->lock);
    if (c->closed) {
        chan_unlock(c);
        cs_chan_panic_send_closed(c, site);
    }
    cs_sudog *sg = cs_sudog_dequeue(&c->recvq);
    if (sg) {
        cs_chan_send_to_waiter(c, sg, ep, self, 0, site);
        return;
    }
    if (c->qcount < c->cap) {
        cs_chan_buf_put(c, ep, self->id, 0, site);
        chan_unlock(c);
        return;
    }
    cs_sudog me = {.g = self, .elem = (void *)ep, .c = c, .site = site};
    cs_sudog_enqueue(&c->sendq, &me);
    cs_park_prepare(self, BLOCK_SEND, c->id, site);
    chan_unlock(c);
    cs_park_wait(self);
    self->param = NULL;
    if (!me.success) cs_chan_panic_send_closed(c, site); /* closed while we waited */
}

bool cs_chan_send_nb_by(chan_t *c, const void *ep, cs_g *by, cs_site site) {
    if (!c) return false;
    cs_lock_acquire(&c->lock);
    if (c->closed) {
        chan_unlock(c);
        cs_chan_panic_send_closed(c, site);
    }
    cs_sudog *sg = cs_sudog_dequeue(&c->recvq);
    if (sg) {
        cs_chan_send_to_waiter(c, sg, ep, by, 0, site);
        return true;
    }
    if (c->qcount < c->cap) {
        cs_chan_buf_put(c, ep, gid_of(by), 0, site);
        chan_unlock(c);
        return true;
    }
    chan_unlock(c);
    return false;
}

bool cs_chan_recv(chan_t *c, void *ep, size_t valsize, cs_site site) {
    cs_g *self = cs_enter();
    if (!c) {
        CS_EV(EV_CHAN_RECV_BEGIN, 0, 0, 0, 0, 0, site);
        cs_block_forever(BLOCK_NIL_CHAN, site);
    }
    if (ep) cs_chan_check_size(c, valsize, false, site);
    if (CS_TRACING()) /* before the lock: see send */
        cs_trace_chan_begin(self->id, EV_CHAN_RECV_BEGIN, c->id, site);
    cs_lock_acquire(&c->lock);
    if (c->closed && c->qcount == 0) {
        cs_chan_recv_closed(c, ep, self->id, 0, site);
        chan_unlock(c);
        return false;
    }
    cs_sudog *sg = cs_sudog_dequeue(&c->sendq);
    if (sg) {
        cs_chan_recv_from_waiter(c, sg, ep, self, 0, site);
        return true;
    }
    if (c->qcount > 0) {
        cs_chan_buf_take(c, ep, self->id, 0, site);
        chan_unlock(c);
        return true;
    }
    cs_sudog me = {.g = self, .elem = ep, .c = c, .site = site};
    cs_sudog_enqueue(&c->recvq, &me);
    cs_park_prepare(self, BLOCK_RECV, c->id, site);
    chan_unlock(c);
    cs_park_wait(self);
    self->param = NULL;
    return me.success;
}

void cs_chan_close_by(chan_t *c, cs_g *by, cs_site site) {
    if (!c) cs_panic_misuse(site, MISUSE_CLOSE_NIL, 0, "close of nil channel");
    cs_lock_acquire(&c->lock);
    if (c->closed) {
        chan_unlock(c);
        cs_panic_misuse(site, MISUSE_CLOSE_CLOSED, c->id, "close of closed channel");
    }
    c->closed = true;
    if (CS_TRACING()) cs_trace_event_g(gid_of(by), EV_CHAN_CLOSE, c->id, 0, 0, 0, 0, NULL, site);

    /* Release every waiter: receivers get the zero value and ok=false,
     * senders will panic.  Collect them first, wake after unlocking. */
    cs_sudog *wake = NULL, *sg;
    while ((sg = cs_sudog_dequeue(&c->recvq))) {
        if (sg->elem) elem_zero(c, sg->elem);
        cs_chan_recv_closed(c, NULL, sg->g->id, sg->is_select ? CS_EVF_SELECT : 0, sg->site);
        sg->success = false;
        sg->g->param = sg;
        sg->next = wake;
        wake = sg;
    }
    while ((sg = cs_sudog_dequeue(&c->sendq))) {
        sg->success = false;
        sg->g->param = sg;
        sg->next = wake;
        wake = sg;
    }
    chan_unlock(c);
    while (wake) {
        sg = wake;
        wake = sg->next; /* read before the ready: sg lives on its owner's stack */
        cs_ready(sg->g, by);
    }
}

void cs_chan_close(chan_t *c, cs_site site) {
    CS_DET_POINT();
    cs_chan_close_by(c, cs_getg(), site);
}

int64_t chan_len(chan_t *c) {
    if (!c) return 0;
    cs_lock_acquire(&c->lock);
    int64_t n = c->qcount;
    chan_unlock(c);
    return n;
}

int64_t chan_cap(chan_t *c) { return c ? c->cap : 0; }
int64_t chan_id(chan_t *c) { return c ? c->id : 0; }
