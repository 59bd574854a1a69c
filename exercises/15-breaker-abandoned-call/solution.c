/*
 * Exercise 15 — a call abandoned on timeout: reference solution.
 *
 * The result channel has room for the one result: the call goroutine can
 * always hand it in and end, whether or not anybody still waits for it.
 * (Go: result := make(chan error, 1).)  Better still, pass the call a
 * context with the same timeout so the slow call itself stops early.
 */
#include <stdio.h>

#include "chanscope.h"

typedef err_t (*call_fn)(void *arg);
static err_t err_timeout; /* set in main */

typedef struct call {
    call_fn fn;
    void *arg;
    chan_t *result; /* err_t */
} call;

static void run_call(void *arg) {
    call *c = arg;
    err_t err = c->fn(c->arg);
    chan_send(c->result, &err); /* hand the result in */
}

static err_t call_with_timeout(call_fn fn, void *arg, duration_t timeout) {
    static call calls[8];
    static int ncalls;
    call *c = &calls[ncalls++];
    /* Capacity 1: the send never waits, even after we stopped listening. */
    *c = (call){fn, arg, chan_make_named("result", err_t, 1)};
    go(run_call, c);

    err_t err = NULL;
    switch (chan_select(select_recv(c->result, &err, NULL),
                        select_recv(time_after(timeout), NULL, NULL))) {
    case 0:
        return err;         /* the call finished in time */
    default:
        return err_timeout; /* too slow: give up on it */
    }
}

/* The service: answers after *(int *)arg milliseconds. */
static err_t lookup(void *arg) {
    time_sleep(*(int *)arg * MILLISECOND);
    return NULL;
}

int main(void) {
    err_timeout = error_new("timeout");
    int fast = 5, slow = 120;
    err_t e1 = call_with_timeout(lookup, &fast, 50 * MILLISECOND);
    printf("fast call: %s\n", e1 ? err_msg(e1) : "ok");
    err_t e2 = call_with_timeout(lookup, &slow, 50 * MILLISECOND);
    printf("slow call: %s\n", e2 ? err_msg(e2) : "ok");
    time_sleep(250 * MILLISECOND); /* the service goes on with other requests */
    return 0;
}
