/*
 * netpoll.c — the network poller: epoll, one thread per process.
 *
 * Every socket of the net_* API is non-blocking and registered once,
 * edge-triggered, for both directions (Go's netpoll_epoll.go does the
 * same).  An operation that gets EAGAIN parks its goroutine on the
 * descriptor's wait list for that direction (reason BLOCK_IO, "IO wait").
 * The poller thread — a runtime thread, not a goroutine, started with the
 * first socket — sleeps in epoll_wait and, for each event, readies every
 * goroutine waiting in the directions the event covers (they retry; one
 * that gets EAGAIN again parks again), waker 0 in the trace, like a timer.
 *
 * Lost wake-ups.  An edge that arrives between an operation's EAGAIN and
 * its parking finds no waiter: the poller then sets the direction's `ready`
 * flag, and cs_poll_wait, which checks the flag under the descriptor's lock
 * before queueing itself, consumes it and retries instead of parking (Go's
 * pdReady).  A stale flag only costs one extra EAGAIN.
 *
 * Deadlines live in a min-heap owned by the poller (one entry per
 * descriptor and direction), and epoll_wait's timeout is the earliest one.
 * A due entry readies the direction's waiters if the descriptor's deadline
 * (re-read under its lock) has really passed; they see CS_POLL_TIMEOUT.
 *
 * Deadlock accounting: a goroutine parked here counts as one external wake
 * source (cs_sources_add) from before it is counted blocked until after it
 * runs again, so "every goroutine blocked" never holds while one waits for
 * the network: like Go's checkdead, which ignores netpoll waiters.
 *
 * Lock order: pd->lock, then dl_lock.  The poller thread never holds both
 * the other way round: it takes an entry from the heap, drops dl_lock, and
 * then locks the descriptor, checking `gen` (a recycled descriptor ignores
 * its previous life's deadlines and events).
 *
 * System calls that can still block a thread: none on the paths here (every
 * socket is O_NONBLOCK; close of a socket does not linger).  Under an M:N
 * scheduler, only epoll_wait in the poller's own thread sleeps.
 *
 * The runtime may also watch an fd of its own (cs_poll_watch): the poller
 * thread then calls a function when it becomes readable — signal.c's
 * self-pipe, so signal_notify deliveries come from this thread too.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "det.h"
#include "netpoll.h"
#include "scheduler.h"
#include "sync_internal.h"
#include "trace_hooks.h"

/* A goroutine parked on a descriptor (on its stack while it waits). */
typedef struct pwaiter {
    cs_g *g;
    struct pwaiter *next;
} pwaiter;

/* A deadline heap entry; when and idx are guarded by dl_lock. */
typedef struct dl_entry {
    cs_pollfd *pd;
    int mode;
    int idx; /* position in the heap, -1 when not in it */
    int64_t when;
} dl_entry;

struct cs_pollfd {
    pthread_mutex_t lock; /* guards everything below but dl and free_next */
    int fd;               /* -1 while free */
    int64_t id;           /* trace object */
    uint64_t gen;         /* +1 at each close; written with lock AND dl_lock */
    int refs;             /* operations in progress */
    bool closing;
    bool ready[2];          /* an edge came while nobody waited */
    pwaiter *waiters[2];    /* parked in each direction */
    int64_t deadline[2];    /* monotonic ns, 0: none */
    bool dl_fired[2];       /* deterministic mode: the poller saw it pass */
    dl_entry dl[2];
    cs_pollfd *free_next;   /* under free_lock */
    void (*watch_fn)(void); /* cs_poll_watch: set before registering, never changed */
};

static pthread_once_t start_once = PTHREAD_ONCE_INIT;
static int epfd = -1, wakefd = -1; /* set once by start() */

static pthread_mutex_t free_lock = PTHREAD_MUTEX_INITIALIZER;
static cs_pollfd *free_head;

static pthread_mutex_t dl_lock = PTHREAD_MUTEX_INITIALIZER;
static dl_entry **heap; /* under dl_lock */
static int heap_len, heap_cap;

/* ---- deadline heap (dl_lock held) ---------------------------------------- */

static void heap_set(int i, dl_entry *e) {
    heap[i] = e;
    e->idx = i;
}

static void sift_up(int i) {
    dl_entry *e = heap[i];
    while (i > 0) {
        int parent = (i - 1) / 2;
        if (heap[parent]->when <= e->when) break;
        heap_set(i, heap[parent]);
        i = parent;
    }
    heap_set(i, e);
}

static void sift_down(int i) {
    dl_entry *e = heap[i];
    for (;;) {
        int c = 2 * i + 1;
        if (c >= heap_len) break;
        if (c + 1 < heap_len && heap[c + 1]->when < heap[c]->when) c++;
        if (e->when <= heap[c]->when) break;
        heap_set(i, heap[c]);
        i = c;
    }
    heap_set(i, e);
}

static void heap_push(dl_entry *e) {
    if (heap_len == heap_cap) {
        int cap = heap_cap ? heap_cap * 2 : 64;
        dl_entry **h = realloc(heap, (size_t)cap * sizeof *h);
        if (!h) {
            fputs("fatal error: out of memory\n", stderr);
            abort();
        }
        heap = h;
        heap_cap = cap;
    }
    heap_set(heap_len++, e);
    sift_up(e->idx);
}

static void heap_remove(dl_entry *e) {
    if (e->idx < 0) return;
    int i = e->idx;
    heap_len--;
    if (i != heap_len) {
        dl_entry *moved = heap[heap_len];
        heap_set(i, moved);
        sift_down(i);
        sift_up(moved->idx);
    }
    e->idx = -1;
}

/* ---- waking ----------------------------------------------------------------- */

/* Ready every waiter of a list already unlinked from its descriptor.  A
 * woken goroutine may return at once and its pwaiter (on its stack) with
 * it: read next and g before cs_ready. */
static void wake_list(pwaiter *w, cs_g *waker) {
    while (w) {
        pwaiter *next = w->next;
        cs_g *g = w->g;
        cs_ready(g, waker);
        w = next;
    }
}

static void kick_poller(void) {
    uint64_t one = 1;
    ssize_t n = write(wakefd, &one, sizeof one);
    (void)n; /* a full counter already means "wake up" */
}

/* ---- the poller thread -------------------------------------------------------- */

/* The poller's clock for the deadline heap.  Deadlines are set on
 * time_now()'s clock; in deterministic mode that clock is virtual and does
 * not move while goroutines wait on the network, so the heap holds each
 * deadline converted to the real clock (cs_poll_set_deadline), the poller
 * fires it in real time and marks it fired (dl_fired): I/O is outside the
 * seed's control anyway (docs/schedules.md). */
static int64_t poll_now(void) {
    if (!cs_det_on) return cs_nanotime();
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int next_timeout_ms(void) {
    pthread_mutex_lock(&dl_lock);
    int64_t when = heap_len ? heap[0]->when : -1;
    pthread_mutex_unlock(&dl_lock);
    if (when < 0) return -1;
    int64_t d = when - poll_now();
    if (d <= 0) return 0;
    int64_t ms = (d + 999999) / 1000000; /* never early */
    return ms > INT_MAX ? INT_MAX : (int)ms;
}

static void fire_deadlines(void) {
    int64_t now = poll_now();
    for (;;) {
        pthread_mutex_lock(&dl_lock);
        if (!heap_len || heap[0]->when > now) {
            pthread_mutex_unlock(&dl_lock);
            return;
        }
        dl_entry *e = heap[0];
        heap_remove(e);
        cs_pollfd *pd = e->pd;
        int mode = e->mode;
        uint64_t gen = pd->gen;
        pthread_mutex_unlock(&dl_lock);

        pwaiter *w = NULL;
        pthread_mutex_lock(&pd->lock);
        bool due;
        if (cs_det_on) { /* still the deadline it was armed for (not re-armed)? */
            pthread_mutex_lock(&dl_lock);
            due = pd->dl[mode].idx < 0;
            pthread_mutex_unlock(&dl_lock);
            due = due && pd->gen == gen && pd->deadline[mode];
            if (due) pd->dl_fired[mode] = true;
        } else {
            due = pd->gen == gen && pd->deadline[mode] && pd->deadline[mode] <= now;
        }
        if (due) {
            w = pd->waiters[mode];
            pd->waiters[mode] = NULL;
        }
        pthread_mutex_unlock(&pd->lock);
        wake_list(w, NULL);
    }
}

static void on_event(cs_pollfd *pd, uint32_t ev) {
    if (pd->watch_fn) { /* a runtime watch: never closed, never recycled */
        pd->watch_fn();
        return;
    }
    bool dir[2] = {(ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0,
                   (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0};
    pwaiter *w[2] = {NULL, NULL};
    pthread_mutex_lock(&pd->lock);
    for (int m = 0; m < 2; m++) {
        if (!dir[m]) continue;
        if (pd->waiters[m]) {
            w[m] = pd->waiters[m];
            pd->waiters[m] = NULL;
        } else {
            pd->ready[m] = true;
        }
    }
    pthread_mutex_unlock(&pd->lock);
    wake_list(w[0], NULL);
    wake_list(w[1], NULL);
}

static void *poller_main(void *unused) {
    (void)unused;
    struct epoll_event evs[128];
    for (;;) {
        int n = epoll_wait(epfd, evs, 128, next_timeout_ms());
        if (n < 0 && errno != EINTR) {
            perror("fatal error: netpoll: epoll_wait");
            abort();
        }
        for (int i = 0; i < n; i++) {
            if (!evs[i].data.ptr) { /* kick_poller: a new earliest deadline */
                uint64_t v;
                ssize_t r = read(wakefd, &v, sizeof v);
                (void)r;
                continue;
            }
            on_event(evs[i].data.ptr, evs[i].events);
        }
        fire_deadlines();
    }
    return NULL;
}

static void start(void) {
    /* The poller reads cs_det_on (poll_now): settle the mode before the
     * thread exists (a socket may be the program's first runtime call). */
    cs_det_setup();
    int ep = epoll_create1(EPOLL_CLOEXEC);
    int wf = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    if (ep < 0 || wf < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, wf, &ev) != 0) {
        perror("chanscope: netpoll");
        if (ep >= 0) close(ep);
        if (wf >= 0) close(wf);
        return;
    }
    epfd = ep;
    wakefd = wf;
    /* The poller takes no signals (they belong to the program's threads). */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    pthread_t th;
    if (pthread_create(&th, &at, poller_main, NULL) != 0) {
        fputs("fatal error: cannot start the netpoll thread\n", stderr);
        abort();
    }
    pthread_attr_destroy(&at);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* ---- descriptors ------------------------------------------------------------- */

cs_pollfd *cs_poll_open(int fd, int64_t trace_id, uint64_t *gen) {
    pthread_once(&start_once, start);
    if (epfd < 0) {
        errno = EMFILE;
        return NULL;
    }
    pthread_mutex_lock(&free_lock);
    cs_pollfd *pd = free_head;
    if (pd) free_head = pd->free_next;
    pthread_mutex_unlock(&free_lock);
    if (!pd) {
        pd = cs_alloc_kept(sizeof *pd); /* recycled, never freed */
        pthread_mutex_init(&pd->lock, NULL);
        for (int m = 0; m < 2; m++) pd->dl[m] = (dl_entry){pd, m, -1, 0};
    }
    pthread_mutex_lock(&pd->lock);
    pd->fd = fd;
    pd->id = trace_id;
    pd->refs = 0;
    pd->closing = false;
    for (int m = 0; m < 2; m++) {
        pd->ready[m] = false;
        pd->waiters[m] = NULL;
        pd->deadline[m] = 0;
        pd->dl_fired[m] = false;
    }
    *gen = pd->gen;
    pthread_mutex_unlock(&pd->lock);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = pd};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        int e = errno;
        pthread_mutex_lock(&free_lock);
        pd->free_next = free_head;
        free_head = pd;
        pthread_mutex_unlock(&free_lock);
        errno = e;
        return NULL;
    }
    return pd;
}

int cs_poll_fd(const cs_pollfd *pd) { return pd->fd; } /* stable while acquired */

bool cs_poll_watch(int fd, void (*fn)(void)) {
    pthread_once(&start_once, start);
    if (epfd < 0) {
        errno = EMFILE;
        return false;
    }
    cs_pollfd *pd = cs_alloc_kept(sizeof *pd); /* not from the free list: never freed */
    pthread_mutex_init(&pd->lock, NULL);
    pd->fd = fd;
    pd->watch_fn = fn;
    for (int m = 0; m < 2; m++) pd->dl[m] = (dl_entry){pd, m, -1, 0};
    struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.ptr = pd};
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == 0;
}

/* Closing, and no operation left: close the fd, recycle the descriptor. */
static void destroy(cs_pollfd *pd) {
    pthread_mutex_lock(&pd->lock);
    pthread_mutex_lock(&dl_lock);
    heap_remove(&pd->dl[0]);
    heap_remove(&pd->dl[1]);
    pd->gen++;
    pthread_mutex_unlock(&dl_lock);
    int fd = pd->fd;
    pd->fd = -1;
    pthread_mutex_unlock(&pd->lock);
    epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
    close(fd);
    pthread_mutex_lock(&free_lock);
    pd->free_next = free_head;
    free_head = pd;
    pthread_mutex_unlock(&free_lock);
}

bool cs_poll_acquire(cs_pollfd *pd, uint64_t gen) {
    pthread_mutex_lock(&pd->lock);
    bool ok = pd->gen == gen && !pd->closing;
    if (ok) pd->refs++;
    pthread_mutex_unlock(&pd->lock);
    return ok;
}

void cs_poll_release(cs_pollfd *pd) {
    pthread_mutex_lock(&pd->lock);
    bool last = --pd->refs == 0 && pd->closing;
    pthread_mutex_unlock(&pd->lock);
    if (last) destroy(pd);
}

/* pd->lock held. */
static int status_locked(cs_pollfd *pd, int mode) {
    if (pd->closing) return CS_POLL_CLOSED;
    int64_t d = pd->deadline[mode];
    if (d && (cs_nanotime() >= d || pd->dl_fired[mode])) return CS_POLL_TIMEOUT;
    return CS_POLL_OK;
}

int cs_poll_prepare(cs_pollfd *pd, int mode) {
    pthread_mutex_lock(&pd->lock);
    int st = status_locked(pd, mode);
    pthread_mutex_unlock(&pd->lock);
    return st;
}

int cs_poll_wait(cs_pollfd *pd, int mode, cs_site site) {
    cs_g *g = cs_getg();
    pthread_mutex_lock(&pd->lock);
    int st = status_locked(pd, mode);
    if (st != CS_POLL_OK || pd->ready[mode]) {
        pd->ready[mode] = false; /* consumed: the caller retries */
        pthread_mutex_unlock(&pd->lock);
        return st;
    }
    pwaiter w = {g, pd->waiters[mode]};
    pd->waiters[mode] = &w;
    cs_sources_add(1); /* before counting blocked: never a deadlock meanwhile */
    cs_park_prepare(g, BLOCK_IO, pd->id, site);
    pthread_mutex_unlock(&pd->lock);
    cs_park_wait(g);
    cs_sources_add(-1); /* we run again: no longer needed */
    return CS_POLL_OK;
}

bool cs_poll_close(cs_pollfd *pd, uint64_t gen) {
    cs_g *me = cs_getg();
    pthread_mutex_lock(&pd->lock);
    if (pd->gen != gen || pd->closing) {
        pthread_mutex_unlock(&pd->lock);
        return false;
    }
    pd->closing = true;
    pwaiter *r = pd->waiters[CS_POLL_READ], *w = pd->waiters[CS_POLL_WRITE];
    pd->waiters[CS_POLL_READ] = pd->waiters[CS_POLL_WRITE] = NULL;
    bool idle = pd->refs == 0;
    /* Someone is inside an operation: the fd stays open (its number must
     * not be reused under them) until the last one leaves, but the socket
     * stops now — a listener refuses new connections, a peer sees EOF. */
    if (!idle) shutdown(pd->fd, SHUT_RDWR);
    pthread_mutex_unlock(&pd->lock);
    wake_list(r, me);
    wake_list(w, me);
    if (idle) destroy(pd);
    return true;
}

bool cs_poll_set_deadline(cs_pollfd *pd, uint64_t gen, int mode, int64_t when) {
    cs_g *me = cs_getg();
    pthread_mutex_lock(&pd->lock);
    if (pd->gen != gen || pd->closing) {
        pthread_mutex_unlock(&pd->lock);
        return false;
    }
    int64_t now = cs_nanotime();
    pwaiter *expired[2] = {NULL, NULL};
    bool kick = false;
    pthread_mutex_lock(&dl_lock);
    for (int m = 0; m < 2; m++) {
        if (mode >= 0 && m != mode) continue;
        pd->deadline[m] = when;
        pd->dl_fired[m] = false;
        dl_entry *e = &pd->dl[m];
        heap_remove(e);
        if (when != 0 && when > now) {
            e->when = when;
            if (cs_det_on) { /* on the poller's real clock (poll_now) */
                int64_t left = when - now, real = poll_now();
                e->when = left > INT64_MAX - real ? INT64_MAX : real + left;
            }
            heap_push(e);
            kick |= e->idx == 0; /* the poller must wake sooner */
        } else if (when != 0) { /* already passed: fail the waiters now */
            expired[m] = pd->waiters[m];
            pd->waiters[m] = NULL;
        }
    }
    pthread_mutex_unlock(&dl_lock);
    pthread_mutex_unlock(&pd->lock);
    if (kick) kick_poller();
    wake_list(expired[0], me);
    wake_list(expired[1], me);
    return true;
}
