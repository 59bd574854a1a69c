/*
 * chan.h — channel internals shared by chan.c and select.c.
 *
 * Modelled on Go's runtime/chan.go.  Invariants (all under c->lock):
 *   - at least one of c->sendq and c->recvq is empty, except for an
 *     unbuffered channel with a single goroutine blocked on it in a select
 *     that both sends and receives (its own cases can't match each other);
 *   - for a buffered channel: qcount > 0 implies recvq is empty, and
 *     qcount < cap implies sendq is empty;
 *   - a sudog is on at most one queue, and `queued` says whether it is.
 * A sudog of a select may be on many channels' queues at once; the first
 * waker to win the goroutine's one-shot claim (g->select_done 0 -> 1) owns
 * it; a waker that loses the claim drops that sudog and looks further.
 */
#ifndef CS_CHAN_H
#define CS_CHAN_H

#include "spinlock.h"

#include "chanscope.h"
#include "scheduler.h"

typedef struct cs_sudog {
    cs_g *g;
    struct cs_sudog *next, *prev;
    void *elem;        /* send: the value; recv: where to store (may be NULL) */
    chan_t *c;
    bool is_select;
    bool queued;
    bool success;      /* true: a value was communicated; false: woken by close */
    int case_index;
    cs_site site;      /* the operation's call site (for events on its behalf) */
} cs_sudog;

typedef struct cs_sudog_q {
    cs_sudog *first, *last;
} cs_sudog_q;

struct cs_chan {
    cs_lock lock;
    size_t elemsize;
    int64_t cap;
    int64_t qcount;    /* elements in buf */
    int64_t sendx, recvx;
    char *buf;         /* cap * elemsize bytes */
    int64_t nmsg;      /* tracing: messages sent so far (the channel's own
                          numbering; the converter makes the ids global;
                          the buffer holds the last qcount: chan.c) */
    bool closed;
    cs_sudog_q recvq, sendq;
    int64_t id;
};

void cs_sudog_enqueue(cs_sudog_q *q, cs_sudog *s);
/* Dequeue the first sudog this caller may own (wins select claims). */
cs_sudog *cs_sudog_dequeue(cs_sudog_q *q);
/* Remove s wherever it is in q (no-op if not queued). */
void cs_sudog_remove(cs_sudog_q *q, cs_sudog *s);

/* The channel operations proper, with c->lock held on entry; each one
 * releases it.  `self` is the goroutine doing the operation (NULL for the
 * runtime's own threads), `flags` CS_EVF_SELECT when inside a select. */
void cs_chan_send_to_waiter(chan_t *c, cs_sudog *sg, const void *ep, cs_g *self, int flags,
                            cs_site site);
void cs_chan_recv_from_waiter(chan_t *c, cs_sudog *sg, void *ep, cs_g *self, int flags,
                              cs_site site);
/* Buffer operations (lock held, not released). */
void cs_chan_buf_put(chan_t *c, const void *ep, int64_t gid, int flags, cs_site site);
void cs_chan_buf_take(chan_t *c, void *ep, int64_t gid, int flags, cs_site site);
/* Receive of a closed, drained channel (lock held, not released). */
void cs_chan_recv_closed(chan_t *c, void *ep, int64_t gid, int flags, cs_site site);

CS_NORETURN void cs_chan_panic_send_closed(chan_t *c, cs_site site);
/* The value's size (CS_VALSIZE at the call) against the element size: a
 * mismatch panics (misuse MISUSE_ELEM_SIZE).  Lock not held. */
CS_NORETURN void cs_chan_panic_size(chan_t *c, size_t valsize, bool send, cs_site site);
static inline void cs_chan_check_size(chan_t *c, size_t valsize, bool send, cs_site site) {
    if (__builtin_expect(valsize != c->elemsize && valsize != CS_SIZE_UNKNOWN, 0))
        cs_chan_panic_size(c, valsize, send, site);
}
/* Block forever (nil channel, empty select). */
CS_NORETURN void cs_block_forever(int reason, cs_site site);

#endif
