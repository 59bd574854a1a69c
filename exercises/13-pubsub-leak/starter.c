/*
 * Exercise 13 — pub/sub with a goroutine per message (hard).
 *
 * publish() hands each message to each subscriber in a fresh goroutine, so
 * a slow subscriber never slows the publisher down.  The dashboard reads
 * two messages and goes away (its browser tab was closed).  Every later
 * message leaves one goroutine blocked forever on the dashboard's channel:
 * a leak that grows with traffic.  (Also: are goroutines started in order
 * guaranteed to deliver in order?)
 *
 * Check your fix:  chanscope exercise check 13 --file THIS_FILE.c
 */
#include <stdio.h>
#include <stdlib.h>

#include "chanscope.h"

#define MESSAGES 10
#define MAX_SUBS 4

typedef struct subscriber {
    const char *name;
    chan_t *ch; /* messages for this subscriber */
} subscriber;

typedef struct broker {
    mutex_t mu; /* guards subs and n */
    subscriber *subs[MAX_SUBS];
    int n;
} broker;

static void subscribe(broker *b, subscriber *s) {
    s->ch = chan_make_named(s->name, int, 0);
    mutex_lock(&b->mu);
    b->subs[b->n++] = s;
    mutex_unlock(&b->mu);
}

typedef struct delivery {
    subscriber *to;
    int msg;
} delivery;

static void deliver(void *arg) {
    delivery *d = arg;
    chan_send(d->to->ch, &d->msg);
    free(d);
}

static void publish(broker *b, int msg) {
    mutex_lock(&b->mu);
    for (int i = 0; i < b->n; i++) {
        delivery *d = malloc(sizeof *d);
        *d = (delivery){b->subs[i], msg};
        go(deliver, d); /* never block the publisher */
    }
    mutex_unlock(&b->mu);
}

static broker hub;
static subscriber audit = {"audit", NULL}, dashboard = {"dashboard", NULL};
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
    /* the browser tab is closed: the dashboard goes away */
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
