/*
 * mpmc — 4 producers and 4 consumers share one channel of capacity 1024;
 * n messages in all.  A closer goroutine closes the channel once every
 * producer is done; consumers range over it.  One op = one message.
 */
#include "bench.h"

enum { MPMC_P = 4, MPMC_C = 4 };

struct mpmc {
    chan_t *ch;
    int64_t per_producer;
    waitgroup_t producers, consumers;
    atomic_i64 sum, count;
};

static void producer(void *arg) {
    struct mpmc *m = arg;
    for (int64_t i = 1; i <= m->per_producer; i++) chan_send(m->ch, &i);
    wg_done(&m->producers);
}

static void closer(void *arg) {
    struct mpmc *m = arg;
    wg_wait(&m->producers);
    chan_close(m->ch);
}

static void consumer(void *arg) {
    struct mpmc *m = arg;
    int64_t v, sum = 0, count = 0;
    while (chan_recv(m->ch, &v)) {
        sum += v;
        count++;
    }
    atomic_i64_add(&m->sum, sum);
    atomic_i64_add(&m->count, count);
    wg_done(&m->consumers);
}

void wl_mpmc(int64_t n) {
    struct mpmc *m = bench_alloc(sizeof *m);
    m->ch = chan_make(int64_t, 1024);
    m->per_producer = n / MPMC_P;
    wg_add(&m->producers, MPMC_P);
    wg_add(&m->consumers, MPMC_C);
    for (int i = 0; i < MPMC_C; i++) go(consumer, m);
    for (int i = 0; i < MPMC_P; i++) go(producer, m);
    go(closer, m);
    wg_wait(&m->consumers);
    int64_t k = m->per_producer;
    int64_t count = atomic_i64_load(&m->count), sum = atomic_i64_load(&m->sum);
    BENCH_CHECK(count == MPMC_P * k && sum == MPMC_P * (k * (k + 1) / 2),
                "mpmc: %lld messages, sum %lld", (long long)count, (long long)sum);
}
