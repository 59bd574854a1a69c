/* stopped_server_ok.c — stopped_server.c fixed: pong sends every ball back
 * (and ping closes the channel when the game is over, so pong ends), and
 * fetch's result channel has a buffer of 1, so fetch can send its result
 * and end even after its caller gave up.  Stopped by SIGINT/SIGTERM while
 * main's accept loop is idle and the worker waits for jobs: the only finding
 * is the signal itself (a warning), since everyone blocked could still be
 * woken (by a client, by main).
 * SIGNALS: INT TERM
 * BLOCKED: 2
 */
#include <stdio.h>

#include "chanscope.h"

static chan_t *to_ping, *to_pong, *jobs;

static void ping(void *arg) {
    (void)arg;
    for (int n = 1; n <= 5; n++) {
        chan_send(to_pong, &n);
        int v;
        chan_recv(to_ping, &v);
    }
    chan_close(to_pong); /* the game is over: pong's loop ends */
}

static void pong(void *arg) {
    (void)arg;
    int n;
    while (chan_recv(to_pong, &n)) chan_send(to_ping, &n);
}

static void fetch(void *arg) {
    chan_t *result = arg;
    int v = 42;
    time_sleep(20 * MILLISECOND); /* slow work: its caller gives up first */
    chan_send(result, &v);
}

static void worker(void *arg) {
    (void)arg;
    int job;
    while (chan_recv(jobs, &job)) printf("job %d\n", job);
}

/* a request handler: asks fetch for a value, waits 1 ms, gives up */
static void handler(void *arg) {
    chan_t *handled = arg;
    chan_t *result = chan_make_named("result", int, 1);
    go(fetch, result);
    int v;
    bool ok;
    switch (chan_select(select_recv(result, &v, &ok),
                        select_recv(time_after(MILLISECOND), NULL, NULL))) {
    case 0: printf("result %d\n", v); break;
    default: printf("timeout\n"); break;
    }
    chan_send_v(handled, int, 1);
}

int main(void) {
    to_ping = chan_make_named("to_ping", int, 0);
    to_pong = chan_make_named("to_pong", int, 0);
    jobs = chan_make_named("jobs", int, 0);
    chan_t *handled = chan_make_named("handled", int, 0);
    go(worker, NULL);
    chan_send_v(jobs, int, 1);
    go(handler, handled);
    chan_recv(handled, NULL);
    go(ping, NULL);
    go(pong, NULL);
    err_t err;
    net_listener_t *ln = net_listen("tcp", "127.0.0.1:0", &err);
    if (!ln) return 1;
    for (;;) {
        net_conn_t *c = net_accept(ln, &err);
        if (!c) break;
        chan_send_v(jobs, int, 2);
        net_close(c);
    }
    return 0;
}
