/*
 * spsc — one producer streams n integers through a channel of capacity 1024
 * to one consumer (main).  One op = one message sent and received.
 */
#include "bench.h"

struct spsc {
    chan_t *ch;
    int64_t n;
};

static void producer(void *arg) {
    struct spsc *s = arg;
    for (int64_t i = 1; i <= s->n; i++) chan_send(s->ch, &i);
    chan_close(s->ch);
}

void wl_spsc(int64_t n) {
    struct spsc *s = bench_alloc(sizeof *s);
    s->ch = chan_make(int64_t, 1024);
    s->n = n;
    go(producer, s);
    int64_t v, sum = 0, count = 0;
    while (chan_recv(s->ch, &v)) {
        sum += v;
        count++;
    }
    BENCH_CHECK(count == n && sum == n * (n + 1) / 2, "spsc: %lld messages, sum %lld",
                (long long)count, (long long)sum);
    /* The producer may still be inside chan_close: the channel stays. */
}
