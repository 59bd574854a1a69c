/*
 * net.c — package net, the TCP/IPv4 part: Listen, Accept, Dial, Read,
 * Write, Close, deadlines.  Every socket is non-blocking and goes through
 * the poller (netpoll.c): an operation that would block parks its goroutine.
 *
 * A handle (listener or connection) is kept memory, never freed, like a
 * channel: a goroutine may still hold it after another closed it, and then
 * gets ERR_NET_CLOSED.  The socket behind it (fd, poll descriptor) is
 * released as soon as it is closed and no operation uses it.
 *
 * Errors read like Go's *net.OpError: "<op> tcp <addr>: <cause>", wrapping
 * the sentinel (ERR_NET_CLOSED, ERR_NET_TIMEOUT) when there is one; io.EOF
 * is returned bare, as in Go.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netpoll.h"
#include "race_hooks.h"
#include "scheduler.h"
#include "sync_internal.h"
#include "trace_hooks.h"

static const struct cs_error eof = {"EOF", NULL};
static const struct cs_error net_closed = {"use of closed network connection", NULL};
static const struct cs_error net_timeout = {"i/o timeout", NULL};
const err_t ERR_EOF = &eof;
const err_t ERR_NET_CLOSED = &net_closed;
const err_t ERR_NET_TIMEOUT = &net_timeout;

#define ADDR_LEN 24 /* "255.255.255.255:65535" */

struct cs_net_listener {
    cs_pollfd *pd;
    uint64_t gen;
    char addr[ADDR_LEN];
    int port;
};

struct cs_net_conn {
    cs_pollfd *pd;
    uint64_t gen;
    char laddr[ADDR_LEN], raddr[ADDR_LEN];
};

static void set_err(err_t *errp, err_t e) {
    if (errp) *errp = e;
}

/* "<op> tcp <addr>: <cause>", wrapping `cause` (a sentinel) or describing
 * errno ("connect: connection refused", lower case as in Go). */
static err_t op_error(const char *op, const char *addr, err_t cause, const char *syscall_name,
                      int errnum) {
    char what[160];
    if (cause) {
        snprintf(what, sizeof what, "%s", cause->msg);
    } else {
        snprintf(what, sizeof what, "%s: %s", syscall_name, strerror(errnum));
        char *p = what + strlen(syscall_name) + 2;
        *p = (char)tolower((unsigned char)*p);
    }
    struct cs_error *e = (struct cs_error *)errorf("%s tcp %s: %s", op, addr, what);
    e->wrapped = cause;
    return e;
}

static err_t status_error(int st) { return st == CS_POLL_CLOSED ? ERR_NET_CLOSED : ERR_NET_TIMEOUT; }

/* "host:port" -> sockaddr.  dial: an empty host is the local system. */
static err_t parse_addr(const char *op, const char *network, const char *address, bool dial,
                        struct sockaddr_in *sa) {
    if (!network || (strcmp(network, "tcp") != 0 && strcmp(network, "tcp4") != 0))
        return errorf("%s %s: unknown network %s", op, network ? network : "", network ? network : "");
    const char *a = address ? address : "";
    const char *colon = strrchr(a, ':');
    if (!colon) return errorf("%s tcp: address %s: missing port in address", op, a);
    char host[64];
    size_t hl = (size_t)(colon - a);
    if (hl >= sizeof host) return errorf("%s tcp: address %s: invalid host", op, a);
    memcpy(host, a, hl);
    host[hl] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || port < 0 || port > 65535)
        return errorf("%s tcp: address %s: invalid port", op, a);
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (!host[0]) sa->sin_addr.s_addr = htonl(dial ? INADDR_LOOPBACK : INADDR_ANY);
    else if (strcmp(host, "localhost") == 0) sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    else if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return errorf("%s tcp: address %s: not a numeric IPv4 address (no DNS lookups here)", op, a);
    return NULL;
}

static void format_addr(const struct sockaddr_in *sa, char out[ADDR_LEN]) {
    char ip[INET_ADDRSTRLEN] = "?";
    inet_ntop(AF_INET, &sa->sin_addr, ip, sizeof ip);
    snprintf(out, ADDR_LEN, "%s:%u", ip, (unsigned)ntohs(sa->sin_port));
}

static void sock_name(int fd, bool peer, char out[ADDR_LEN]) {
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    memset(&sa, 0, sizeof sa);
    if ((peer ? getpeername(fd, (struct sockaddr *)&sa, &len) : getsockname(fd, (struct sockaddr *)&sa, &len)) != 0)
        snprintf(out, ADDR_LEN, "?");
    else
        format_addr(&sa, out);
}

/* A trace object for a socket: listeners are named by their address,
 * connections "local->remote". */
static int64_t trace_socket(const char *name, bool listener, cs_site site) {
    int64_t id = cs_new_object_id();
    if (CS_TRACING()) cs_trace_object(id, OBJ_SOCKET, name, site, listener, 0);
    return id;
}

/* A connected fd (non-blocking) -> a connection handle; closes fd on error. */
static net_conn_t *new_conn(int fd, const char *remote, cs_site site, err_t *errp, const char *op) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* Go's default */
    net_conn_t *c = cs_alloc_kept(sizeof *c);
    sock_name(fd, false, c->laddr);
    if (remote) snprintf(c->raddr, ADDR_LEN, "%s", remote); /* dial: maybe not connected yet */
    else sock_name(fd, true, c->raddr);
    char name[2 * ADDR_LEN + 2];
    snprintf(name, sizeof name, "%s->%s", c->laddr, c->raddr);
    c->pd = cs_poll_open(fd, trace_socket(name, false, site), &c->gen);
    if (!c->pd) {
        set_err(errp, op_error(op, c->raddr, NULL, "epoll_ctl", errno));
        close(fd);
        return NULL;
    }
    return c;
}

/* ---- listeners --------------------------------------------------------------- */

net_listener_t *cs_net_listen(const char *network, const char *address, err_t *errp,
                              cs_site site) {
    set_err(errp, NULL);
    struct sockaddr_in sa;
    err_t err = parse_addr("listen", network, address, false, &sa);
    if (err) {
        set_err(errp, err);
        return NULL;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        set_err(errp, op_error("listen", address, NULL, "socket", errno));
        return NULL;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one); /* as Go does */
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, SOMAXCONN) != 0) {
        set_err(errp, op_error("listen", address, NULL, "bind", errno));
        close(fd);
        return NULL;
    }
    net_listener_t *ln = cs_alloc_kept(sizeof *ln);
    sock_name(fd, false, ln->addr);
    struct sockaddr_in bound;
    socklen_t len = sizeof bound;
    ln->port = getsockname(fd, (struct sockaddr *)&bound, &len) == 0 ? ntohs(bound.sin_port) : 0;
    ln->pd = cs_poll_open(fd, trace_socket(ln->addr, true, site), &ln->gen);
    if (!ln->pd) {
        set_err(errp, op_error("listen", address, NULL, "epoll_ctl", errno));
        close(fd);
        return NULL;
    }
    return ln;
}

net_conn_t *cs_net_accept(net_listener_t *ln, err_t *errp, cs_site site) {
    set_err(errp, NULL);
    if (!ln) cs_panic(site, "net: Accept on a nil listener");
    if (!cs_poll_acquire(ln->pd, ln->gen)) {
        set_err(errp, op_error("accept", ln->addr, ERR_NET_CLOSED, NULL, 0));
        return NULL;
    }
    err_t err = NULL;
    int fd = -1;
    for (;;) {
        int st = cs_poll_prepare(ln->pd, CS_POLL_READ);
        if (st) {
            err = op_error("accept", ln->addr, status_error(st), NULL, 0);
            break;
        }
        fd = accept4(cs_poll_fd(ln->pd), NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) break;
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            err = op_error("accept", ln->addr, NULL, "accept", errno);
            break;
        }
        st = cs_poll_wait(ln->pd, CS_POLL_READ, site);
        if (st) {
            err = op_error("accept", ln->addr, status_error(st), NULL, 0);
            break;
        }
    }
    cs_poll_release(ln->pd);
    if (err) {
        set_err(errp, err);
        return NULL;
    }
    return new_conn(fd, NULL, site, errp, "accept");
}

err_t cs_net_listener_close(net_listener_t *ln, cs_site site) {
    if (!ln) cs_panic(site, "net: Close of a nil listener");
    if (!cs_poll_close(ln->pd, ln->gen)) return op_error("close", ln->addr, ERR_NET_CLOSED, NULL, 0);
    return NULL;
}

const char *net_listener_addr(net_listener_t *ln) { return ln ? ln->addr : ""; }
int net_listener_port(net_listener_t *ln) { return ln ? ln->port : 0; }

err_t net_listener_set_deadline(net_listener_t *ln, int64_t when) {
    if (!ln || !cs_poll_set_deadline(ln->pd, ln->gen, CS_POLL_READ, when))
        return op_error("set", ln ? ln->addr : "", ERR_NET_CLOSED, NULL, 0);
    return NULL;
}

/* ---- connections -------------------------------------------------------------- */

net_conn_t *cs_net_dial(const char *network, const char *address, duration_t timeout,
                        err_t *errp, cs_site site) {
    set_err(errp, NULL);
    struct sockaddr_in sa;
    err_t err = parse_addr("dial", network, address, true, &sa);
    if (err) {
        set_err(errp, err);
        return NULL;
    }
    char to[ADDR_LEN];
    format_addr(&sa, to);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        set_err(errp, op_error("dial", to, NULL, "socket", errno));
        return NULL;
    }
    int r;
    while ((r = connect(fd, (struct sockaddr *)&sa, sizeof sa)) != 0 && errno == EINTR) {
    }
    if (r != 0 && errno != EINPROGRESS) {
        set_err(errp, op_error("dial", to, NULL, "connect", errno));
        close(fd);
        return NULL;
    }
    net_conn_t *c = new_conn(fd, to, site, errp, "dial");
    if (!c || r == 0) return c;

    /* In progress: wait until writable, then ask the socket how it went. */
    int64_t deadline = timeout > 0 ? cs_nanotime() + timeout : 0;
    if (timeout > 0 && deadline < 0) deadline = 0; /* overflow: never */
    cs_poll_acquire(c->pd, c->gen);
    if (deadline) cs_poll_set_deadline(c->pd, c->gen, CS_POLL_WRITE, deadline);
    for (;;) {
        int st = cs_poll_wait(c->pd, CS_POLL_WRITE, site);
        if (!st) st = cs_poll_prepare(c->pd, CS_POLL_WRITE);
        if (st) {
            err = op_error("dial", to, status_error(st), NULL, 0);
            break;
        }
        int soerr = 0;
        socklen_t len = sizeof soerr;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
        if (soerr == EINPROGRESS || soerr == EALREADY || soerr == EINTR) continue;
        if (soerr) {
            err = op_error("dial", to, NULL, "connect", soerr);
            break;
        }
        struct sockaddr_in peer;
        len = sizeof peer;
        if (getpeername(fd, (struct sockaddr *)&peer, &len) == 0) break; /* connected */
        if (errno != ENOTCONN) {
            err = op_error("dial", to, NULL, "getpeername", errno);
            break;
        }
    }
    if (deadline) cs_poll_set_deadline(c->pd, c->gen, CS_POLL_WRITE, 0);
    cs_poll_release(c->pd);
    if (err) {
        cs_poll_close(c->pd, c->gen);
        set_err(errp, err);
        return NULL;
    }
    return c;
}

/* "local->remote" for errors about c. */
static const char *conn_addr(net_conn_t *c, char buf[2 * ADDR_LEN + 2]) {
    snprintf(buf, 2 * ADDR_LEN + 2, "%s->%s", c->laddr, c->raddr);
    return buf;
}

int64_t cs_net_read(net_conn_t *c, void *buf, size_t len, err_t *errp, cs_site site) {
    set_err(errp, NULL);
    if (!c) cs_panic(site, "net: Read on a nil connection");
    char ab[2 * ADDR_LEN + 2];
    if (!cs_poll_acquire(c->pd, c->gen)) {
        set_err(errp, op_error("read", conn_addr(c, ab), ERR_NET_CLOSED, NULL, 0));
        return 0;
    }
    int64_t got = 0;
    err_t err = NULL;
    while (len > 0) {
        int st = cs_poll_prepare(c->pd, CS_POLL_READ);
        if (st) {
            err = op_error("read", conn_addr(c, ab), status_error(st), NULL, 0);
            break;
        }
        ssize_t n = read(cs_poll_fd(c->pd), buf, len);
        if (n > 0) {
            CS_RACE_ACQUIRE(CS_RACE_IOSYNC); /* a socket write → this read (Go's ioSync) */
            got = n;
            break;
        }
        if (n == 0) {
            err = ERR_EOF;
            break;
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            err = op_error("read", conn_addr(c, ab), NULL, "read", errno);
            break;
        }
        st = cs_poll_wait(c->pd, CS_POLL_READ, site);
        if (st) {
            err = op_error("read", conn_addr(c, ab), status_error(st), NULL, 0);
            break;
        }
    }
    cs_poll_release(c->pd);
    set_err(errp, err);
    return got;
}

int64_t cs_net_write(net_conn_t *c, const void *buf, size_t len, err_t *errp, cs_site site) {
    set_err(errp, NULL);
    if (!c) cs_panic(site, "net: Write on a nil connection");
    char ab[2 * ADDR_LEN + 2];
    if (!cs_poll_acquire(c->pd, c->gen)) {
        set_err(errp, op_error("write", conn_addr(c, ab), ERR_NET_CLOSED, NULL, 0));
        return 0;
    }
    size_t done = 0;
    err_t err = NULL;
    while (done < len) {
        int st = cs_poll_prepare(c->pd, CS_POLL_WRITE);
        if (st) {
            err = op_error("write", conn_addr(c, ab), status_error(st), NULL, 0);
            break;
        }
        CS_RACE_RELEASE(CS_RACE_IOSYNC); /* before the bytes can be read */
        ssize_t n = send(cs_poll_fd(c->pd), (const char *)buf + done, len - done, MSG_NOSIGNAL);
        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            err = op_error("write", conn_addr(c, ab), NULL, "write", errno);
            break;
        }
        st = cs_poll_wait(c->pd, CS_POLL_WRITE, site);
        if (st) {
            err = op_error("write", conn_addr(c, ab), status_error(st), NULL, 0);
            break;
        }
    }
    cs_poll_release(c->pd);
    set_err(errp, err);
    return (int64_t)done;
}

err_t cs_net_close(net_conn_t *c, cs_site site) {
    if (!c) cs_panic(site, "net: Close of a nil connection");
    char ab[2 * ADDR_LEN + 2];
    if (!cs_poll_close(c->pd, c->gen)) return op_error("close", conn_addr(c, ab), ERR_NET_CLOSED, NULL, 0);
    return NULL;
}

const char *net_conn_local_addr(net_conn_t *c) { return c ? c->laddr : ""; }
const char *net_conn_remote_addr(net_conn_t *c) { return c ? c->raddr : ""; }

static err_t set_deadline(net_conn_t *c, int mode, int64_t when) {
    char ab[2 * ADDR_LEN + 2];
    if (!c) return ERR_NET_CLOSED;
    if (!cs_poll_set_deadline(c->pd, c->gen, mode, when))
        return op_error("set", conn_addr(c, ab), ERR_NET_CLOSED, NULL, 0);
    return NULL;
}

err_t net_set_deadline(net_conn_t *c, int64_t when) { return set_deadline(c, -1, when); }
err_t net_set_read_deadline(net_conn_t *c, int64_t when) { return set_deadline(c, CS_POLL_READ, when); }
err_t net_set_write_deadline(net_conn_t *c, int64_t when) { return set_deadline(c, CS_POLL_WRITE, when); }
