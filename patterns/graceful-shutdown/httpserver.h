/*
 * httpserver.h — the part of Go's net/http that the graceful-shutdown
 * variants need: a small HTTP/1.1 server and client on plain sockets,
 * bound to 127.0.0.1.  Header-only, because every variant is one program.
 *
 *   Go                                     here
 *   ln, err := net.Listen("tcp", addr)     http_listen(&srv, port)       (port 0: any free port)
 *   err := srv.Serve(ln)                   http_serve(&srv)              -> ERR_SERVER_CLOSED
 *   err := srv.Shutdown(ctx)               http_shutdown(&srv, ctx)
 *   srv.RegisterOnShutdown(f)              srv.on_shutdown = f
 *   resp, err := http.Get(url)             http_get(port, path, &resp)
 *
 * Shutdown works like Go's: it closes the listener first (new connections
 * are refused from that moment), waits until the accept loop has returned,
 * then waits for the connections still being served, or for ctx, whichever
 * comes first.  Every response says "Connection: close", so there are no
 * idle keep-alive connections to close.
 *
 * Sockets are blocking: accept, read, write and connect run inside
 * goroutines like any Go network code, and the runtime sees a goroutine in
 * one of them as running.
 */
#ifndef GRACEFUL_HTTPSERVER_H
#define GRACEFUL_HTTPSERVER_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "chanscope.h"

/* http.ErrServerClosed: what Serve returns once Shutdown has begun. */
static struct cs_error http_err_server_closed_ = {"http: Server closed", NULL};
static const err_t ERR_SERVER_CLOSED = &http_err_server_closed_;

typedef struct {
    int status;
    char body[256];
} http_response;

/* A handler fills in the response; it runs in the connection's goroutine. */
typedef void (*http_handler)(const char *method, const char *path, http_response *w);

typedef struct http_server {
    const char *name;       /* names its goroutines and log lines */
    http_handler handler;
    bool access_log;        /* print a line per request on stdout */
    go_func on_shutdown;    /* RegisterOnShutdown: started as a goroutine */
    void *on_shutdown_arg;

    int port;               /* set by http_listen */
    int listen_fd;
    mutex_t mu;             /* guards shutting_down */
    bool shutting_down;
    chan_t *serve_done;     /* closed when the accept loop has returned */
    waitgroup_t conns;      /* connections accepted and not yet finished */
    atomic_i64 active;      /* requests inside the handler right now */
} http_server;

typedef struct {
    http_server *srv;
    int fd;
} http_conn;

static const char *http_status_text(int status) {
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}

/* net.Listen("tcp", "127.0.0.1:port"). */
static err_t http_listen(http_server *s, int port) {
    s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s->listen_fd < 0) return errorf("listen: socket: %s", strerror(errno));
    int one = 1;
    setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(s->listen_fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        listen(s->listen_fd, 64) != 0 ||
        getsockname(s->listen_fd, (struct sockaddr *)&addr, &len) != 0) {
        err_t err = errorf("listen tcp 127.0.0.1:%d: %s", port, strerror(errno));
        close(s->listen_fd);
        return err;
    }
    s->port = ntohs(addr.sin_port);
    s->serve_done = chan_make_named("serve_done", char, 0);
    return NULL;
}

/* Read the request head (up to the blank line) and split the request line. */
static bool http_read_request(int fd, char *method, size_t mn, char *path, size_t pn) {
    char buf[2048];
    size_t used = 0;
    while (used < sizeof buf - 1) {
        ssize_t n = read(fd, buf + used, sizeof buf - 1 - used);
        if (n <= 0) return false; /* closed, error or read timeout */
        used += (size_t)n;
        buf[used] = '\0';
        if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n")) break;
    }
    char m[16], p[256];
    if (sscanf(buf, "%15s %255s HTTP/1.%*d", m, p) != 2) return false;
    snprintf(method, mn, "%s", m);
    snprintf(path, pn, "%s", p);
    return true;
}

static void http_write_all(int fd, const char *buf, size_t len) {
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n <= 0) return; /* the client went away */
        buf += n;
        len -= (size_t)n;
    }
}

/* One goroutine per connection, like Go's (*conn).serve. */
static void http_serve_conn(void *arg) {
    http_conn *c = arg;
    http_server *s = c->srv;
    struct timeval rt = {5, 0}; /* ReadTimeout */
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &rt, sizeof rt);

    char method[16] = "", path[256] = "";
    http_response w = {400, "bad request\n"};
    if (http_read_request(c->fd, method, sizeof method, path, sizeof path)) {
        int64_t now = atomic_i64_add(&s->active, 1);
        trace_log("%s %s (in flight: %lld)", method, path, (long long)now);
        if (s->access_log) printf("%s: request %s %s\n", s->name, method, path);
        w = (http_response){200, ""};
        s->handler(method, path, &w);
        atomic_i64_add(&s->active, -1);
        if (s->access_log) printf("%s: response %s %s %d\n", s->name, method, path, w.status);
    }
    char head[256];
    int hn = snprintf(head, sizeof head,
                      "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                      "Connection: close\r\n\r\n",
                      w.status, http_status_text(w.status), strlen(w.body));
    http_write_all(c->fd, head, (size_t)hn);
    http_write_all(c->fd, w.body, strlen(w.body));
    close(c->fd);
    free(c);
    wg_done(&s->conns);
}

/* srv.Serve(ln): accept until Shutdown; always returns a non-nil error. */
static err_t http_serve(http_server *s) {
    err_t err = NULL;
    for (;;) {
        int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        mutex_lock(&s->mu);
        bool closing = s->shutting_down;
        mutex_unlock(&s->mu);
        if (closing) {
            if (fd >= 0) close(fd); /* arrived as we closed: refuse it */
            err = ERR_SERVER_CLOSED;
            break;
        }
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            err = errorf("accept: %s", strerror(errno));
            break;
        }
        http_conn *c = malloc(sizeof *c);
        *c = (http_conn){s, fd};
        wg_add(&s->conns, 1); /* before the go statement, and before serve_done */
        go_named("conn", http_serve_conn, c);
    }
    chan_close(s->serve_done); /* no wg_add after this: Shutdown may now Wait */
    return err;
}

typedef struct {
    http_server *srv;
    chan_t *drained;
} http_drain_args;

static void http_wait_conns(void *arg) {
    http_drain_args *d = arg;
    wg_wait(&d->srv->conns);
    chan_close(d->drained);
}

/* srv.Shutdown(ctx): stop accepting, then wait for the in-flight requests or
 * for ctx to end.  Returns NULL when every connection finished, else
 * ctx's error (the connections still running are left to themselves). */
static err_t http_shutdown(http_server *s, ctx_t *ctx) {
    mutex_lock(&s->mu);
    bool first = !s->shutting_down;
    s->shutting_down = true;
    mutex_unlock(&s->mu);
    if (!first) return errorf("http: Shutdown called twice");

    shutdown(s->listen_fd, SHUT_RDWR); /* wakes accept; new connections are refused */
    trace_log("%s: listener closed, draining %lld request(s)", s->name,
              (long long)atomic_i64_load(&s->active));
    if (s->access_log)
        printf("%s: listener closed, draining %lld request(s)\n", s->name,
               (long long)atomic_i64_load(&s->active));
    if (s->on_shutdown) go_named("on_shutdown", s->on_shutdown, s->on_shutdown_arg);
    chan_recv(s->serve_done, NULL); /* the accept loop has returned */
    close(s->listen_fd);

    http_drain_args *d = malloc(sizeof *d); /* may outlive this call on timeout */
    *d = (http_drain_args){s, chan_make_named("drained", char, 0)};
    go(http_wait_conns, d);
    switch (chan_select(select_recv(d->drained, NULL, NULL),
                        select_recv(ctx_done(ctx), NULL, NULL))) {
    case 0:
        return NULL;
    default:
        return ctx_err(ctx);
    }
}

/* http.Get("http://127.0.0.1:port" + path), reading the whole response. */
static err_t http_get(int port, const char *path, http_response *resp) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return errorf("dial: %s", strerror(errno));
    struct timeval rt = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &rt, sizeof rt);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        err_t err = errorf("dial tcp 127.0.0.1: %s", strerror(errno));
        close(fd);
        return err;
    }
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n", path,
                     port);
    http_write_all(fd, req, (size_t)n);
    char buf[2048];
    size_t used = 0;
    ssize_t r;
    while (used < sizeof buf - 1 && (r = read(fd, buf + used, sizeof buf - 1 - used)) > 0)
        used += (size_t)r;
    buf[used] = '\0';
    close(fd);
    if (sscanf(buf, "HTTP/1.%*d %d", &resp->status) != 1)
        return errorf("GET %s: no response (connection reset)", path);
    const char *body = strstr(buf, "\r\n\r\n");
    snprintf(resp->body, sizeof resp->body, "%s", body ? body + 4 : "");
    return NULL;
}

#endif
