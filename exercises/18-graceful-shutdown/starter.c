/*
 * Exercise 18 — complete a graceful shutdown (hard).
 *
 * A small in-process server: clients send requests on a channel, the
 * acceptor starts one handler goroutine per request, each handler takes
 * 30 ms and replies.  An operator sends SIGTERM while four requests are in
 * flight.  Right now main just returns when the signal arrives: the
 * requests in flight are cut off and their clients never get an answer.
 *
 * Complete the shutdown in main (the TODO): stop accepting new requests
 * (a late client must be refused, not left waiting), let the requests in
 * flight finish — but wait at most 1 s for them — and only then return.
 *
 * Check your work:  chanscope exercise check 18 --file THIS_FILE.c
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "chanscope.h"

#define CLIENTS 4

typedef struct request {
    int id;
    chan_t *reply; /* int status, capacity 1 */
} request;

typedef struct server {
    ctx_t *ctx;           /* cancelled: stop accepting */
    chan_t *requests;     /* request, unbuffered */
    chan_t *stopped;      /* closed when the server no longer accepts */
    waitgroup_t handlers; /* requests in flight */
    atomic_i64 started, completed;
} server;

static server srv;

static void handle(void *arg) {
    request *r = arg;
    atomic_i64_add(&srv.started, 1);
    time_sleep(30 * MILLISECOND); /* the work */
    atomic_i64_add(&srv.completed, 1);
    chan_send_v(r->reply, int, 200);
    wg_done(&srv.handlers);
}

/* Accepts requests until srv.ctx is cancelled, then closes srv.stopped. */
static void accept_loop(void *arg) {
    (void)arg;
    static request got[16];
    int n = 0;
    for (;;) {
        request r;
        if (chan_select(select_recv(srv.requests, &r, NULL),
                        select_recv(ctx_done(srv.ctx), NULL, NULL)) == 1)
            break;
        got[n] = r;
        wg_add(&srv.handlers, 1);
        go_named("handler", handle, &got[n++]);
    }
    chan_close(srv.stopped);
}

/* ---- clients and the operator (do not change) --------------------------- */

static waitgroup_t clients = WAITGROUP_INIT;

/* Sends one request and waits for the reply; refused if the server stopped. */
static void client(void *arg) {
    int id = (int)(intptr_t)arg;
    request r = {id, chan_make_named("reply", int, 1)};
    switch (chan_select(select_send(srv.requests, &r), select_recv(srv.stopped, NULL, NULL))) {
    case 0:
        chan_recv(r.reply, NULL);
        break;
    case 1:
        printf("late request: refused\n");
        break;
    }
    wg_done(&clients);
}

static void operator_(void *arg) {
    (void)arg;
    while (atomic_i64_load(&srv.started) < CLIENTS) /* all four requests in flight */
        time_sleep(MILLISECOND);
    kill(getpid(), SIGTERM);
    time_sleep(40 * MILLISECOND); /* a client that did not hear about the shutdown */
    wg_add(&clients, 1);
    go_named("late-client", client, (void *)(intptr_t)99);
    wg_done(&clients);
}

/* ---- main: your part is the TODO ---------------------------------------- */

int main(void) {
    cancel_func stop_accepting;
    srv.ctx = ctx_with_cancel(ctx_background(), &stop_accepting);
    srv.requests = chan_make_named("requests", request, 0);
    srv.stopped = chan_make_named("stopped", int, 0);
    chan_t *sigs = chan_make_named("signals", int, 1);
    signal_notify(sigs, SIGTERM, SIGINT);
    go(accept_loop, NULL);

    wg_add(&clients, CLIENTS + 1); /* + 1: the operator */
    for (int i = 1; i <= CLIENTS; i++) go(client, (void *)(intptr_t)i);
    go_named("operator", operator_, NULL);

    chan_recv(sigs, NULL);
    printf("shutting down\n");

    /* TODO: stop accepting, wait (at most 1 s) for the requests in flight,
     * and for the clients, before returning. */

    printf("completed: %lld of %d\n", (long long)atomic_i64_load(&srv.completed), CLIENTS);
    return 0;
}
