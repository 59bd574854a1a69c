/*
 * test_rt_net.c — package net over the netpoller, on 127.0.0.1 only.
 *
 * Echo, EOF, many connections at once, a write that must wait for the
 * reader, close waking an Accept or a Read with net.ErrClosed, read and
 * dial deadlines, and the deadlock rule: a goroutine waiting in the poller
 * is not a deadlock (a peer can always wake it), but once it has left,
 * a goroutine blocked on a channel with nothing else is.  The trace shows
 * the wait as go_block(reason IO wait) on a socket object and the poller's
 * wake as go_unblock by the runtime (waker 0).
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>

#include "chanscope.h"
#include "helpers.h"
#include "rt_test_util.h"
#include "test_rt_trace_util.h"
#include "trace_hooks.h"

/* A listener on an ephemeral loopback port, or the test fails. */
static net_listener_t *listen_local(void) {
    err_t err;
    net_listener_t *ln = net_listen("tcp", "127.0.0.1:0", &err);
    cr_assert_not_null(ln, "listen: %s", err_msg(err));
    cr_assert_null(err);
    cr_assert_gt(net_listener_port(ln), 0);
    cr_assert(strncmp(net_listener_addr(ln), "127.0.0.1:", 10) == 0, "%s", net_listener_addr(ln));
    return ln;
}

static net_conn_t *dial_local(net_listener_t *ln) {
    err_t err;
    net_conn_t *c = net_dial("tcp", net_listener_addr(ln), &err);
    cr_assert_not_null(c, "dial: %s", err_msg(err));
    return c;
}

/* Read exactly n bytes (the test fails on an error or EOF first). */
static void read_full(net_conn_t *c, char *buf, size_t n) {
    size_t got = 0;
    while (got < n) {
        err_t err;
        int64_t r = net_read(c, buf + got, n - got, &err);
        cr_assert(r > 0 && !err, "read: %lld, %s", (long long)r, err_msg(err));
        got += (size_t)r;
    }
}

/* ---- echo -------------------------------------------------------------------------- */

/* Echo one connection until EOF; then report on done. */
typedef struct {
    net_conn_t *c;
    chan_t *done; /* chan err_t: the error that ended the loop */
} echo_args;

static void echo_conn(void *arg) {
    echo_args *a = arg;
    char buf[4096];
    err_t err;
    for (;;) {
        int64_t n = net_read(a->c, buf, sizeof buf, &err);
        if (err) break;
        net_write(a->c, buf, (size_t)n, &err);
        if (err) break;
    }
    net_close(a->c);
    if (a->done) chan_send(a->done, &err);
    free(a);
}

/* Accept until the listener is closed, echoing each connection. */
static void echo_server(void *arg) {
    net_listener_t *ln = arg;
    for (;;) {
        err_t err;
        net_conn_t *c = net_accept(ln, &err);
        if (!c) return;
        echo_args *a = malloc(sizeof *a);
        *a = (echo_args){c, NULL};
        go(echo_conn, a);
    }
}

Test(net, echo_and_eof, .timeout = 20) {
    net_listener_t *ln = listen_local();
    chan_t *done = chan_make(err_t, 1);
    err_t err;
    net_conn_t *client = dial_local(ln);
    net_conn_t *server = net_accept(ln, &err);
    cr_assert_not_null(server, "%s", err_msg(err));
    echo_args *a = malloc(sizeof *a);
    *a = (echo_args){server, done};
    go(echo_conn, a);

    cr_assert_str_eq(net_conn_remote_addr(client), net_listener_addr(ln));
    cr_assert_str_eq(net_conn_local_addr(server), net_listener_addr(ln));
    cr_assert_str_eq(net_conn_remote_addr(server), net_conn_local_addr(client));

    for (int i = 0; i < 50; i++) {
        char msg[32], back[32];
        int n = snprintf(msg, sizeof msg, "hello %d", i);
        cr_assert_eq(net_write(client, msg, (size_t)n, &err), n);
        cr_assert_null(err);
        read_full(client, back, (size_t)n);
        cr_assert(memcmp(msg, back, (size_t)n) == 0);
    }
    cr_assert_null(net_close(client));
    err_t ended;
    chan_recv(done, &ended);
    cr_assert_eq(ended, ERR_EOF, "the server saw %s", err_msg(ended)); /* io.EOF, bare */
    cr_assert_str_eq(err_msg(ended), "EOF");

    /* A closed connection: every operation says so; a second close too. */
    char b[4];
    cr_assert_eq(net_read(client, b, sizeof b, &err), 0);
    cr_assert(err_is(err, ERR_NET_CLOSED), "%s", err_msg(err));
    cr_assert(strstr(err_msg(err), "read tcp 127.0.0.1:"), "%s", err_msg(err));
    cr_assert(strstr(err_msg(err), "use of closed network connection"), "%s", err_msg(err));
    net_write(client, "x", 1, &err);
    cr_assert(err_is(err, ERR_NET_CLOSED), "%s", err_msg(err));
    cr_assert(err_is(net_close(client), ERR_NET_CLOSED));
    cr_assert_null(net_listener_close(ln));
    chan_free(done);
}

/* The peer reads nothing until the writer has filled the socket buffers:
 * the write must park (EPOLLOUT) and finish once the peer drains. */
typedef struct {
    net_conn_t *c;
    size_t len;
    chan_t *done;
} bulk_args;

static void bulk_writer(void *arg) {
    bulk_args *a = arg;
    char *buf = malloc(a->len);
    for (size_t i = 0; i < a->len; i++) buf[i] = (char)(i * 7);
    err_t err;
    int64_t n = net_write(a->c, buf, a->len, &err);
    free(buf);
    chan_send_v(a->done, int64_t, err ? -1 : n);
}

Test(net, a_write_larger_than_the_buffers_waits_for_the_reader, .timeout = 30) {
    net_listener_t *ln = listen_local();
    net_conn_t *w = dial_local(ln);
    err_t err;
    net_conn_t *r = net_accept(ln, &err);
    cr_assert_not_null(r);
    bulk_args a = {w, (size_t)32 << 20, chan_make(int64_t, 1)};
    go(bulk_writer, &a);
    wait_parked(1); /* the writer is in the poller: the buffers are full */
    cr_assert_eq(chan_len(a.done), 0);
    char *buf = malloc(1 << 16);
    size_t got = 0;
    while (got < a.len) {
        int64_t n = net_read(r, buf, 1 << 16, &err);
        cr_assert(n > 0, "read: %s after %zu bytes", err_msg(err), got);
        for (int64_t i = 0; i < n; i++) cr_assert_eq(buf[i], (char)((got + (size_t)i) * 7));
        got += (size_t)n;
    }
    free(buf);
    int64_t wrote;
    chan_recv(a.done, &wrote);
    cr_assert_eq(wrote, (int64_t)a.len);
    net_close(w);
    cr_assert_eq(net_read(r, &(char){0}, 1, &err), 0);
    cr_assert_eq(err, ERR_EOF);
    net_close(r);
    net_listener_close(ln);
    chan_free(a.done);
}

/* ---- many connections ---------------------------------------------------------------- */

#define CLIENTS (SANITIZED ? 64 : 200)

typedef struct {
    net_listener_t *ln;
    int i;
    waitgroup_t *wg;
    atomic_i64 *ok;
} client_args;

static void client(void *arg) {
    client_args *a = arg;
    err_t err;
    net_conn_t *c = net_dial("tcp", net_listener_addr(a->ln), &err);
    if (c) {
        char msg[32], back[32];
        int n = snprintf(msg, sizeof msg, "client %d", a->i);
        for (int round = 0; round < 3; round++) { /* each round trip parks both ends */
            net_write(c, msg, (size_t)n, &err);
            size_t got = 0;
            while (!err && got < (size_t)n) got += (size_t)net_read(c, back + got, (size_t)n - got, &err);
            if (err || memcmp(msg, back, (size_t)n) != 0) break;
            if (round == 2) atomic_i64_add(a->ok, 1);
        }
        net_close(c);
    }
    wg_done(a->wg);
}

Test(net, many_concurrent_connections, .timeout = 60) {
    net_listener_t *ln = listen_local();
    go(echo_server, ln);
    static waitgroup_t wg;
    static atomic_i64 ok;
    static client_args args[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        args[i] = (client_args){ln, i, &wg, &ok};
        wg_add(&wg, 1);
        go(client, &args[i]);
    }
    wg_wait(&wg);
    cr_assert_eq(atomic_i64_load(&ok), CLIENTS);
    net_listener_close(ln);
}

/* ---- close wakes blocked operations ------------------------------------------------------ */

typedef struct {
    net_listener_t *ln;
    chan_t *errc;
} accept_args;

static void acceptor(void *arg) {
    accept_args *a = arg;
    err_t err;
    net_conn_t *c = net_accept(a->ln, &err);
    cr_assert_null(c);
    chan_send(a->errc, &err);
}

Test(net, close_unblocks_accept_and_refuses_new_connections, .timeout = 20) {
    net_listener_t *ln = listen_local();
    accept_args a = {ln, chan_make(err_t, 1)};
    go(acceptor, &a);
    wait_parked(1); /* the acceptor waits in the poller */
    cr_assert_eq(chan_len(a.errc), 0);
    cr_assert_null(net_listener_close(ln));
    err_t err;
    chan_recv(a.errc, &err);
    cr_assert(err_is(err, ERR_NET_CLOSED), "%s", err_msg(err));
    char want[64];
    snprintf(want, sizeof want, "accept tcp %s: use of closed network connection",
             net_listener_addr(ln));
    cr_assert_str_eq(err_msg(err), want);
    /* Closed: accepting again fails at once, and nobody listens any more. */
    cr_assert_null(net_accept(ln, &err));
    cr_assert(err_is(err, ERR_NET_CLOSED));
    cr_assert_null(net_dial("tcp", net_listener_addr(ln), &err));
    cr_assert(strstr(err_msg(err), "connect: connection refused"), "%s", err_msg(err));
    cr_assert(err_is(net_listener_close(ln), ERR_NET_CLOSED));
    chan_free(a.errc);
}

typedef struct {
    net_conn_t *c;
    chan_t *errc;
} read_args;

static void reader(void *arg) {
    read_args *a = arg;
    char b[8];
    err_t err;
    int64_t n = net_read(a->c, b, sizeof b, &err);
    cr_assert_eq(n, 0);
    chan_send(a->errc, &err);
}

Test(net, close_unblocks_a_read, .timeout = 20) {
    net_listener_t *ln = listen_local();
    net_conn_t *c = dial_local(ln);
    err_t err;
    net_conn_t *peer = net_accept(ln, &err);
    read_args a = {c, chan_make(err_t, 1)};
    go(reader, &a);
    wait_parked(1);
    net_close(c);
    chan_recv(a.errc, &err);
    cr_assert(err_is(err, ERR_NET_CLOSED), "%s", err_msg(err));
    /* The peer sees the end of the stream. */
    cr_assert_eq(net_read(peer, &(char){0}, 1, &err), 0);
    cr_assert_eq(err, ERR_EOF);
    net_close(peer);
    net_listener_close(ln);
    chan_free(a.errc);
}

/* ---- deadlines ---------------------------------------------------------------------- */

Test(net, read_deadline_times_out_and_can_be_lifted, .timeout = 20) {
    net_listener_t *ln = listen_local();
    net_conn_t *c = dial_local(ln);
    err_t err;
    net_conn_t *peer = net_accept(ln, &err);
    char b[16];

    int64_t t0 = time_now();
    cr_assert_null(net_set_read_deadline(c, t0 + 50 * MILLISECOND));
    cr_assert_eq(net_read(c, b, sizeof b, &err), 0);
    duration_t took = time_since(t0);
    cr_assert(err_is(err, ERR_NET_TIMEOUT), "%s", err_msg(err));
    cr_assert(strstr(err_msg(err), ": i/o timeout"), "%s", err_msg(err));
    cr_assert_geq(took, 50 * MILLISECOND, "timed out early: %lld ns", (long long)took);
    cr_assert_lt(took, 3 * SECOND);

    /* Past the deadline even ready data is not read (Go's rule). */
    net_write(peer, "data", 4, &err);
    cr_assert_eq(net_read(c, b, sizeof b, &err), 0);
    cr_assert(err_is(err, ERR_NET_TIMEOUT));
    /* Writes have their own deadline. */
    cr_assert_eq(net_write(c, "w", 1, &err), 1);
    cr_assert_null(err);

    /* Lifted: the data is there. */
    net_set_read_deadline(c, 0);
    cr_assert_eq(net_read(c, b, sizeof b, &err), 4);
    cr_assert(memcmp(b, "data", 4) == 0);

    /* A deadline moved into the past wakes a reader already waiting. */
    read_args a = {c, chan_make(err_t, 1)};
    net_set_deadline(c, time_now() + 3600 * SECOND);
    go(reader, &a);
    wait_parked(1);
    net_set_deadline(c, time_now() - 1);
    chan_recv(a.errc, &err);
    cr_assert(err_is(err, ERR_NET_TIMEOUT), "%s", err_msg(err));

    net_close(c);
    net_close(peer);
    net_listener_close(ln);
    chan_free(a.errc);
}

Test(net, write_deadline_stops_a_write_nobody_reads, .timeout = 20) {
    net_listener_t *ln = listen_local();
    net_conn_t *c = dial_local(ln);
    err_t err;
    net_conn_t *peer = net_accept(ln, &err); /* never reads */
    size_t len = (size_t)64 << 20;           /* far more than the socket buffers */
    char *buf = calloc(1, len);
    int64_t t0 = time_now();
    net_set_write_deadline(c, t0 + 100 * MILLISECOND);
    int64_t n = net_write(c, buf, len, &err);
    cr_assert(err_is(err, ERR_NET_TIMEOUT), "%s", err_msg(err));
    cr_assert(strstr(err_msg(err), "write tcp 127.0.0.1:"), "%s", err_msg(err));
    cr_assert(n > 0 && (size_t)n < len, "wrote %lld", (long long)n); /* what fitted */
    cr_assert_geq(time_since(t0), 100 * MILLISECOND);
    /* Reads have their own deadline: none. */
    net_write(peer, "r", 1, &err);
    cr_assert_eq(net_read(c, buf, 1, &err), 1);
    free(buf);
    net_close(c);
    net_close(peer);
    net_listener_close(ln);
}

Test(net, accept_deadline, .timeout = 20) {
    net_listener_t *ln = listen_local();
    int64_t t0 = time_now();
    net_listener_set_deadline(ln, t0 + 30 * MILLISECOND);
    err_t err;
    cr_assert_null(net_accept(ln, &err));
    cr_assert(err_is(err, ERR_NET_TIMEOUT), "%s", err_msg(err));
    cr_assert_geq(time_since(t0), 30 * MILLISECOND);
    net_listener_close(ln);
}

Test(net, bad_addresses_are_errors, .timeout = 10) {
    err_t err;
    cr_assert_null(net_listen("udp", "127.0.0.1:0", &err));
    cr_assert(strstr(err_msg(err), "unknown network udp"), "%s", err_msg(err));
    cr_assert_null(net_listen("tcp", "127.0.0.1", &err));
    cr_assert(strstr(err_msg(err), "missing port in address"), "%s", err_msg(err));
    cr_assert_null(net_dial("tcp", "127.0.0.1:99999", &err));
    cr_assert(strstr(err_msg(err), "invalid port"), "%s", err_msg(err));
    cr_assert_null(net_dial("tcp", "example.com:80", &err));
    cr_assert(strstr(err_msg(err), "no DNS"), "%s", err_msg(err));
}

/* ---- deadlock accounting --------------------------------------------------------------- */

/* A thread the runtime does not know: waits until both goroutines are
 * parked (main on a channel, the acceptor in the poller) — the moment a
 * wrong count would have declared a deadlock — then connects. */
static int rescue_port;
static void *rescuer(void *unused) {
    (void)unused;
    while (cs_count_blocked_now() < 2) usleep(1000);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)rescue_port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) perror("connect");
    return NULL; /* fd stays open until the process ends */
}

static void accept_then_send(void *arg) {
    accept_args *a = arg;
    err_t err;
    net_accept(a->ln, &err);
    chan_send(a->errc, &err);
}

static void poller_wait_is_not_a_deadlock(void) {
    accept_args a = {net_listen("tcp", "127.0.0.1:0", NULL), chan_make(err_t, 0)};
    rescue_port = net_listener_port(a.ln);
    pthread_t th;
    pthread_create(&th, NULL, rescuer, NULL);
    go(accept_then_send, &a);
    err_t err;
    chan_recv(a.errc, &err); /* main blocked; the acceptor waits for the network */
    printf("accepted: %s\n", err_msg(err));
    pthread_join(th, NULL);
    chan_free(a.errc);
}

/* The acceptor leaves the poller (its listener closed); main then waits on
 * a channel nobody will ever send on: that is a deadlock again. */
static void nothing_left_but_a_channel(void) {
    accept_args a = {net_listen("tcp", "127.0.0.1:0", NULL), chan_make(err_t, 1)};
    go(acceptor, &a);
    wait_parked(1);
    net_listener_close(a.ln);
    chan_recv(a.errc, NULL);
    chan_recv(chan_make(int, 0), NULL);
}

Test(net, a_goroutine_in_the_poller_is_not_a_deadlock, .timeout = 20) {
    child_result r;
    run_child(poller_wait_is_not_a_deadlock, 10000, &r);
    cr_assert(r.exited && r.status == 0, "status %d:\n%s", r.status, r.out);
    cr_assert(strstr(r.out, "accepted: <nil>"), "%s", r.out);
    run_child(nothing_left_but_a_channel, 10000, &r);
    cr_assert(r.exited && r.status == 2, "status %d:\n%s", r.status, r.out);
    cr_assert(strstr(r.out, "fatal error: all goroutines are asleep - deadlock!"), "%s", r.out);
    cr_assert(strstr(r.out, "goroutine 1 [chan receive]"), "%s", r.out);
}

/* ---- trace --------------------------------------------------------------------------- */

static void write_when_parked(void *arg) {
    wait_parked(1); /* main is waiting for these bytes in the poller */
    net_write(arg, "ping", 4, NULL);
}

static void traced_waits(void) {
    net_listener_t *ln = net_listen("tcp", "127.0.0.1:0", NULL);
    net_conn_t *c = net_dial("tcp", net_listener_addr(ln), NULL);
    net_conn_t *s = net_accept(ln, NULL);
    go(write_when_parked, s);
    char b[4];
    read_full(c, b, 4);
    accept_args a = {ln, chan_make(err_t, 1)};
    go(acceptor, &a);
    wait_parked(1);
    net_listener_close(ln); /* main wakes the acceptor */
    chan_recv(a.errc, NULL);
    net_close(c);
    net_close(s);
    chan_free(a.errc);
}

Test(net, trace_shows_io_wait_on_a_socket_and_the_runtime_waking_it, .timeout = 30) {
    const char *path = tt_path("net.db");
    tt_start(path);
    traced_waits();
    cs_trace_finish("exit", 0);
    sqlite3 *db = tt_open(path);
    tt_check_complete(db);
    /* Both sockets of the listener and the connection are socket objects;
     * the listener is flagged (a=1) and named by its address. */
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM objects WHERE type=%d AND a=1", OBJ_SOCKET), 1);
    cr_assert_geq(tt_qi(db, "SELECT count(*) FROM objects WHERE type=%d AND a=0", OBJ_SOCKET), 2);
    cr_assert(strncmp(tt_qs(db, "SELECT name FROM objects WHERE type=%d AND a=1", OBJ_SOCKET),
                      "127.0.0.1:", 10) == 0);
    /* main's read parked on its connection and the poller (waker 0) woke it. */
    long long blk = tt_qi(db,
                          "SELECT min(e.seq) FROM events e JOIN objects o ON o.id=e.obj "
                          "WHERE e.kind=%d AND e.a=%d AND e.g=1 AND o.type=%d AND o.a=0",
                          EV_GO_BLOCK, BLOCK_IO, OBJ_SOCKET);
    cr_assert_gt(blk, 0);
    cr_assert_eq(tt_qi(db, "SELECT a FROM events WHERE kind=%d AND g=1 AND seq>%lld ORDER BY seq "
                           "LIMIT 1",
                       EV_GO_UNBLOCK, blk),
                 0);
    /* The acceptor waited on the listener; main's close woke it (waker 1). */
    long long lid = tt_qi(db, "SELECT id FROM objects WHERE type=%d AND a=1", OBJ_SOCKET);
    long long ablk = tt_qi(db, "SELECT seq FROM events WHERE kind=%d AND a=%d AND obj=%lld",
                           EV_GO_BLOCK, BLOCK_IO, lid);
    cr_assert_gt(ablk, 0);
    long long ag = tt_qi(db, "SELECT g FROM events WHERE seq=%lld", ablk);
    cr_assert_gt(ag, 1);
    cr_assert_eq(tt_qi(db, "SELECT a FROM events WHERE kind=%d AND g=%lld AND seq>%lld ORDER BY "
                           "seq LIMIT 1",
                       EV_GO_UNBLOCK, ag, ablk),
                 1);
    sqlite3_close(db);
}

/* ---- signals share the poller thread ------------------------------------------------ */

/* signal_notify deliveries are read by the poller thread (signal.c): a
 * signal arrives while that thread also serves a goroutine parked on a
 * socket, and both are delivered. */
Test(net, signals_and_sockets_share_the_poller, .timeout = 20) {
    net_listener_t *ln = listen_local();
    net_conn_t *c = dial_local(ln);
    err_t err;
    net_conn_t *peer = net_accept(ln, &err);
    read_args a = {c, chan_make(err_t, 1)};
    net_set_read_deadline(c, time_now() + 3600 * SECOND);
    go(reader, &a);
    wait_parked(1);
    chan_t *sigs = chan_make(int, 1);
    signal_notify(sigs, SIGUSR1);
    raise(SIGUSR1);
    int s = 0;
    cr_assert(chan_recv(sigs, &s));
    cr_assert_eq(s, SIGUSR1);
    signal_stop(sigs);
    net_set_read_deadline(c, time_now() - 1); /* now the reader */
    chan_recv(a.errc, &err);
    cr_assert(err_is(err, ERR_NET_TIMEOUT), "%s", err_msg(err));
    net_close(c);
    net_close(peer);
    net_listener_close(ln);
    chan_free(a.errc);
    chan_free(sigs);
}
