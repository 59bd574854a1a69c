/*
 * Exercise 05 — who closes a merged channel? (easy)
 *
 * merge() fans in two channels of temperature readings into one, so main
 * can range over a single channel.  Each forwarder closes `out` when its
 * input runs dry, so that main's range ends.  The first forwarder to finish
 * closes it — while the other one is still forwarding.
 *
 * Check your fix:  chanscope exercise check 05 --file THIS_FILE.c
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
    chan_close(s->out);
    wg_done(s->wg);
}

typedef struct forwarder {
    chan_t *in, *out;
} forwarder;

static void forward(void *arg) {
    forwarder *f = arg;
    int v;
    while (chan_recv(f->in, &v)) chan_send(f->out, &v);
    chan_close(f->out); /* my input is done, so the output is done */
}

static chan_t *merge(chan_t *a, chan_t *b) {
    chan_t *out = chan_make_named("merged", int, 0);
    static forwarder fw[2];
    fw[0] = (forwarder){a, out};
    fw[1] = (forwarder){b, out};
    go_named("forward-kitchen", forward, &fw[0]);
    go_named("forward-garden", forward, &fw[1]);
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
