/*
 * Exercise 12 — a ticker stopped too early: reference solution.
 *
 * The ticker belongs to the notifier, not to start_notifier(): it is
 * stopped in stop_notifier(), after wg_wait() says that its last user
 * (the last worker) is gone.  Resources shared with goroutines are
 * released where their last user is known to be finished.
 */
#include <stdio.h>

#include "chanscope.h"

#define WORKERS 2
#define MESSAGES 6

typedef struct notifier {
    chan_t *queue;        /* messages to send */
    time_ticker *ticker;  /* one send per tick, shared by the workers */
    waitgroup_t wg;
    atomic_i64 sent;
} notifier;

static void notify_worker(void *arg) {
    notifier *n = arg;
    int msg;
    while (chan_recv(n->queue, &msg)) {
        chan_recv(n->ticker->C, NULL); /* wait for our turn */
        atomic_i64_add(&n->sent, 1);   /* "send" message msg */
    }
    wg_done(&n->wg);
}

static void start_notifier(notifier *n) {
    n->queue = chan_make_named("queue", int, MESSAGES);
    n->ticker = time_new_ticker(5 * MILLISECOND);
    wg_add(&n->wg, WORKERS);
    for (int i = 0; i < WORKERS; i++) go(notify_worker, n);
    /* The workers use the ticker after we return: stop_notifier() stops it. */
}

/* Waits until every queued message is sent. */
static void stop_notifier(notifier *n) {
    chan_close(n->queue);
    wg_wait(&n->wg);
    time_ticker_stop(n->ticker); /* its last user is gone */
}

int main(void) {
    static notifier n;
    start_notifier(&n);
    for (int i = 1; i <= MESSAGES; i++) chan_send(n.queue, &i);
    stop_notifier(&n);
    printf("sent %lld notifications\n", (long long)atomic_i64_load(&n.sent));
    return 0;
}
