/*
 * pingpong — two goroutines bounce a counter over two unbuffered channels.
 * One op = one round trip (main sends on ping, the partner receives and
 * sends back on pong): two rendezvous, the latency of a blocked hand-off.
 */
#include "bench.h"

struct pingpong {
    chan_t *ping, *pong;
    int64_t n;
    waitgroup_t wg;
};

static void partner(void *arg) {
    struct pingpong *p = arg;
    int64_t v;
    for (int64_t i = 0; i < p->n; i++) {
        chan_recv(p->ping, &v);
        v++;
        chan_send(p->pong, &v);
    }
    wg_done(&p->wg);
}

void wl_pingpong(int64_t n) {
    struct pingpong *p = bench_alloc(sizeof *p);
    p->ping = chan_make(int64_t, 0);
    p->pong = chan_make(int64_t, 0);
    p->n = n;
    wg_add(&p->wg, 1);
    go(partner, p);
    int64_t v = 0;
    for (int64_t i = 0; i < n; i++) {
        chan_send(p->ping, &v);
        chan_recv(p->pong, &v);
    }
    wg_wait(&p->wg);
    BENCH_CHECK(v == n, "pingpong: counter %lld, want %lld", (long long)v, (long long)n);
    /* wg_done came after the partner's last channel operation returned. */
    chan_free(p->ping);
    chan_free(p->pong);
}
