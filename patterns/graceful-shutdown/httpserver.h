/*
 * httpserver.h — the part of Go's net/http that the graceful-shutdown
 * variants need: a small HTTP/1.1 server and client on the runtime's net_*
 * calls (Go's net package), bound to 127.0.0.1.  Header-only, because
 * every variant is one program.
 *
 *   Go                                     here
 *   ln, err := net.Listen("tcp", addr)     http_listen(&srv, port)       (port 0: any free port)
 *   err := srv.Serve(ln)                   http_serve(&srv)              -> ERR_SERVER_CLOSED
 *   err := srv.Shutdown(ctx)               http_shutdown(&srv, ctx)
 *   srv.RegisterOnShutdown(f)              srv.on_shutdown = f
 *   resp, err := http.Get(url)             http_get(port, path, &resp)
 *
 * Shutdown works like Go's: it closes the listener first (new connections
 * are refused from that moment, and the Accept the loop is blocked in
 * returns net.ErrClosed), waits until the accept loop has returned,
 * then waits for the connections still being served, or for ctx, whichever
 * comes first.  Every response says "Connection: close", so there are no
 * idle keep-alive connections to close.
 *
 * Accept, Read, Write and Dial park only their goroutine while the socket
 * is not ready ("IO wait" in a trace or a goroutine dump), like any Go
 * network code; a goroutine waiting for the network is never a deadlock.
 */
#ifndef GRACEFUL_HTTPSERVER_H
#define GRACEFUL_HTTPSERVER_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    net_listener_t *ln;
    mutex_t mu;             /* guards shutting_down */
    bool shutting_down;
    chan_t *serve_done;     /* closed when the accept loop has returned */
    waitgroup_t conns;      /* connections accepted and not yet finished */
    atomic_i64 active;      /* requests inside the handler right now */
} http_server;

typedef struct {
    http_server *srv;
    net_conn_t *conn;
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

/* ln, err := net.Listen("tcp", "127.0.0.1:port") */
static err_t http_listen(http_server *s, int port) {
    char addr[32];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    err_t err;
    s->ln = net_listen("tcp", addr, &err);
    if (err) return err;
    s->port = net_listener_port(s->ln);
    s->serve_done = chan_make_named("serve_done", char, 0);
    return NULL;
}

/* Read the request head (up to the blank line) and split the request line. */
static bool http_read_request(net_conn_t *c, char *method, size_t mn, char *path, size_t pn) {
    char buf[2048];
    size_t used = 0;
    while (used < sizeof buf - 1) {
        err_t err;
        int64_t n = net_read(c, buf + used, sizeof buf - 1 - used, &err);
        if (err) return false; /* EOF, closed or read timeout */
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

/* One goroutine per connection, like Go's (*conn).serve. */
static void http_serve_conn(void *arg) {
    http_conn *c = arg;
    http_server *s = c->srv;
    net_set_read_deadline(c->conn, time_now() + 5 * SECOND); /* ReadTimeout */

    char method[16] = "", path[256] = "";
    http_response w = {400, "bad request\n"};
    if (http_read_request(c->conn, method, sizeof method, path, sizeof path)) {
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
    net_write(c->conn, head, (size_t)hn, NULL); /* an error: the client went away */
    net_write(c->conn, w.body, strlen(w.body), NULL);
    net_close(c->conn);
    free(c);
    wg_done(&s->conns);
}

/* srv.Serve(ln): accept until Shutdown; always returns a non-nil error. */
static err_t http_serve(http_server *s) {
    err_t err = NULL;
    for (;;) {
        net_conn_t *conn = net_accept(s->ln, &err); /* conn, err := ln.Accept() */
        mutex_lock(&s->mu);
        bool closing = s->shutting_down;
        mutex_unlock(&s->mu);
        if (closing) {
            if (conn) net_close(conn); /* arrived as we closed: refuse it */
            err = ERR_SERVER_CLOSED;
            break;
        }
        if (err) break;
        http_conn *c = malloc(sizeof *c);
        *c = (http_conn){s, conn};
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

    net_listener_close(s->ln); /* wakes Accept; new connections are refused */
    trace_log("%s: listener closed, draining %lld request(s)", s->name,
              (long long)atomic_i64_load(&s->active));
    if (s->access_log)
        printf("%s: listener closed, draining %lld request(s)\n", s->name,
               (long long)atomic_i64_load(&s->active));
    if (s->on_shutdown) go_named("on_shutdown", s->on_shutdown, s->on_shutdown_arg);
    chan_recv(s->serve_done, NULL); /* the accept loop has returned */

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
    char addr[32];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    err_t err;
    net_conn_t *c = net_dial("tcp", addr, &err);
    if (err) return err;
    net_set_deadline(c, time_now() + 5 * SECOND); /* the client's Timeout */
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, addr);
    net_write(c, req, (size_t)n, NULL);
    char buf[2048];
    size_t used = 0;
    while (used < sizeof buf - 1) { /* until EOF: the server closes after answering */
        int64_t r = net_read(c, buf + used, sizeof buf - 1 - used, &err);
        if (err) break;
        used += (size_t)r;
    }
    buf[used] = '\0';
    net_close(c);
    if (sscanf(buf, "HTTP/1.%*d %d", &resp->status) != 1)
        return errorf("GET %s: no response (connection reset)", path);
    const char *body = strstr(buf, "\r\n\r\n");
    snprintf(resp->body, sizeof resp->body, "%s", body ? body + 4 : "");
    return NULL;
}

#endif
