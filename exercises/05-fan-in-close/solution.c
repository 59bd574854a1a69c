/*
 * Exercise 05 — who closes a merged channel?  Reference solution.
 *
 * `out` has two senders, so neither may close it: a forwarder only knows
 * that ITS input is done.  A WaitGroup counts the forwarders, and one more
 * goroutine closes `out` after both are done — the only close, after the
 * last send.  (Go: wg.Add(2); go func() { wg.Wait(); close(out) }())
 */
#include <stdio.h>

#include "chanscope.h"

typedef struct sensor {
    const char *name;
    int readings;   /* how many readings it produces */
    int every_ms;   /* one reading every so often */
    chan_t *out;
    waitgroup_t *wg; /* Done when the sensor has powered off */
} sensor;

static void produce(void *arg) {
    sensor *s = arg;
    for (int i = 0; i < s->readings; i++) {
        time_sleep(s->every_ms * MILLISECOND);
        chan_send_v(s->out, int, 20 + i);
    }
    chan_close(s->out); /* the only sender of s->out: it may close */
    wg_done(s->wg);
}

typedef struct forwarder {
    chan_t *in, *out;
    waitgroup_t *wg;
} forwarder;

static void forward(void *arg) {
    forwarder *f = arg;
    int v;
    while (chan_recv(f->in, &v)) chan_send(f->out, &v);
    wg_done(f->wg); /* my part is done; out may still have another sender */
}

typedef struct closer_args {
    chan_t *out;
    waitgroup_t *wg;
} closer_args;

static void close_when_done(void *arg) {
    closer_args *c = arg;
    wg_wait(c->wg);    /* both forwarders have sent their last value */
    chan_close(c->out);
}

static chan_t *merge(chan_t *a, chan_t *b) {
    chan_t *out = chan_make_named("merged", int, 0);
    static waitgroup_t wg = WAITGROUP_INIT;
    static forwarder fw[2];
    static closer_args ca;
    fw[0] = (forwarder){a, out, &wg};
    fw[1] = (forwarder){b, out, &wg};
    ca = (closer_args){out, &wg};
    wg_add(&wg, 2);
    go_named("forward-kitchen", forward, &fw[0]);
    go_named("forward-garden", forward, &fw[1]);
    go_named("closer", close_when_done, &ca);
    return out;
}

int main(void) {
    static waitgroup_t sensors = WAITGROUP_INIT;
    static sensor kitchen = {"kitchen", 2, 1, NULL, &sensors};
    static sensor garden = {"garden", 5, 1, NULL, &sensors};
    kitchen.out = chan_make_named("kitchen", int, 0);
    garden.out = chan_make_named("garden", int, 0);
    wg_add(&sensors, 2);
    go_named("sensor-kitchen", produce, &kitchen);
    go_named("sensor-garden", produce, &garden);

    int n = 0, sum = 0, v;
    chan_t *all = merge(kitchen.out, garden.out);
    while (chan_recv(all, &v)) {
        n++;
        sum += v;
        time_sleep(3 * MILLISECOND); /* show the reading on the display */
    }
    printf("readings: %d, sum: %d\n", n, sum);
    wg_wait(&sensors); /* let the sensors power off cleanly */
    return 0;
}
