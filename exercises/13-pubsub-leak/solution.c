/*
 * Exercise 13 — pub/sub with a goroutine per message: reference solution.
 *
 * Each subscriber owns a buffered channel (its mailbox).  publish() sends
 * directly, without blocking: a select with a default case drops the
 * message for a subscriber whose mailbox is full (a slow subscriber loses
 * messages instead of costing goroutines), and a subscriber that leaves
 * unsubscribes, so nothing is ever sent to it again.  No goroutine per
 * message: nothing can pile up, and each mailbox is FIFO, so order holds.
 */
#include <stdio.h>

#include "chanscope.h"

#define MESSAGES 10
#define MAX_SUBS 4
#define MAILBOX 16 /* messages a subscriber may fall behind before drops */

typedef struct subscriber {
    const char *name;
    chan_t *ch; /* messages for this subscriber (buffered) */
    int dropped;
} subscriber;

typedef struct broker {
    mutex_t mu; /* guards subs, n and every subscriber's dropped */
    subscriber *subs[MAX_SUBS];
    int n;
} broker;

static void subscribe(broker *b, subscriber *s) {
    s->ch = chan_make_named(s->name, int, MAILBOX);
    mutex_lock(&b->mu);
    b->subs[b->n++] = s;
    mutex_unlock(&b->mu);
}

static void unsubscribe(broker *b, subscriber *s) {
    mutex_lock(&b->mu);
    for (int i = 0; i < b->n; i++)
        if (b->subs[i] == s) b->subs[i] = b->subs[--b->n];
    mutex_unlock(&b->mu);
}

static void publish(broker *b, int msg) {
    mutex_lock(&b->mu);
    for (int i = 0; i < b->n; i++) {
        /* never block the publisher: deliver now or drop */
        if (chan_select(select_send(b->subs[i]->ch, &msg), select_default()) == 1)
            b->subs[i]->dropped++;
    }
    mutex_unlock(&b->mu);
}

static broker hub;
static subscriber audit = {"audit", NULL, 0}, dashboard = {"dashboard", NULL, 0};
static waitgroup_t readers = WAITGROUP_INIT;
static int audit_count;
static bool audit_in_order = true;

static void audit_reader(void *arg) {
    (void)arg;
    int last = 0, msg;
    for (int i = 0; i < MESSAGES; i++) {
        chan_recv(audit.ch, &msg);
        if (msg != last + 1) audit_in_order = false;
        last = msg;
        audit_count++;
    }
    wg_done(&readers);
}

static void dashboard_reader(void *arg) {
    (void)arg;
    for (int i = 0; i < 2; i++) chan_recv(dashboard.ch, NULL);
    unsubscribe(&hub, &dashboard); /* the browser tab is closed: say so */
    wg_done(&readers);
}

int main(void) {
    subscribe(&hub, &audit);
    subscribe(&hub, &dashboard);
    wg_add(&readers, 2);
    go(audit_reader, NULL);
    go(dashboard_reader, NULL);

    for (int m = 1; m <= MESSAGES; m++) {
        publish(&hub, m);
        time_sleep(MILLISECOND);
    }
    wg_wait(&readers);
    printf("audit received %d messages, in order: %s\n", audit_count,
           audit_in_order ? "yes" : "no");
    return 0;
}
