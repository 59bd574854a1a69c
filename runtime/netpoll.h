/*
 * netpoll.h — the network poller (internal; net.c is its only user).
 *
 * A poll descriptor (cs_pollfd) wraps one non-blocking socket registered
 * edge-triggered with the process's epoll instance.  An operation runs like
 * Go's (internal/poll.FD):
 *
 *     if (!cs_poll_acquire(pd, gen)) -> closed
 *     for (;;) {
 *         st = cs_poll_prepare(pd, mode)       closed or deadline passed?
 *         n = read/write/accept/connect(...)   non-blocking
 *         if it did not get EAGAIN: done
 *         st = cs_poll_wait(pd, mode, site)    park until ready/close/deadline
 *     }
 *     cs_poll_release(pd)
 *
 * Waiting parks the goroutine through the runtime's one park/ready path
 * (scheduler.h) with reason BLOCK_IO; the poller thread (or a closer, or a
 * deadline) readies it.  A parked goroutine is one external wake source
 * while it waits: a peer can always wake it, so it is never a deadlock.
 *
 * Descriptors are recycled, never freed (like Go's pollcache): a stale
 * epoll event or deadline for a closed one is harmless, and `gen` tells a
 * handle of a closed socket from the descriptor's next user.
 */
#ifndef CS_NETPOLL_H
#define CS_NETPOLL_H

#include <stdbool.h>
#include <stdint.h>

#include "chanscope.h"

typedef struct cs_pollfd cs_pollfd;

enum { CS_POLL_READ = 0, CS_POLL_WRITE = 1 };
/* Outcome of prepare/wait: go on, or stop with this error. */
enum { CS_POLL_OK = 0, CS_POLL_CLOSED = 1, CS_POLL_TIMEOUT = 2 };

/* Register fd (already O_NONBLOCK) with the poller, starting it on first
 * use.  trace_id is the socket's object id (go_block's obj).  *gen receives
 * the generation a handle must present to cs_poll_acquire.  NULL (errno
 * set) if epoll refuses the fd. */
cs_pollfd *cs_poll_open(int fd, int64_t trace_id, uint64_t *gen);
int cs_poll_fd(const cs_pollfd *pd);

/* Begin/end an operation.  acquire fails once the descriptor is closing or
 * was recycled (gen differs).  The last release after a close closes fd. */
bool cs_poll_acquire(cs_pollfd *pd, uint64_t gen);
void cs_poll_release(cs_pollfd *pd);

/* Before each attempt: CS_POLL_CLOSED, CS_POLL_TIMEOUT (the mode's deadline
 * has passed, even if data is ready — Go's rule) or CS_POLL_OK. */
int cs_poll_prepare(cs_pollfd *pd, int mode);
/* After EAGAIN: park until the mode may be ready, the descriptor closes or
 * the deadline passes.  Returns the prepare outcome seen before parking
 * (CS_POLL_OK: retry the operation; it re-checks with cs_poll_prepare). */
int cs_poll_wait(cs_pollfd *pd, int mode, cs_site site);

/* Close: mark closing and wake every waiter (they see CS_POLL_CLOSED).  The
 * socket is shut down at once (a listener stops accepting, a peer sees EOF)
 * and closed when no operation uses it any more.  false if already closing
 * or recycled. */
bool cs_poll_close(cs_pollfd *pd, uint64_t gen);

/* Deadline (monotonic ns; 0: none) for CS_POLL_READ, CS_POLL_WRITE or both
 * (mode -1).  A deadline in the past fails pending and future operations at
 * once; a later one re-arms.  false if closed. */
bool cs_poll_set_deadline(cs_pollfd *pd, uint64_t gen, int mode, int64_t when);

/* Watch fd (O_NONBLOCK, never closed) for the runtime itself: the poller
 * thread calls fn() whenever it may have become readable (edge-triggered:
 * fn reads until EAGAIN).  fn runs on the poller thread, as the runtime (no
 * cs_getg), and must not block.  signal.c reads its self-pipe this way.
 * false (errno set) if epoll refuses fd. */
bool cs_poll_watch(int fd, void (*fn)(void));

#endif
