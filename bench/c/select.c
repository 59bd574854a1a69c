/*
 * select — main selects over 4 receive cases; 4 producers each stream n/4
 * integers into their own channel (capacity 16) and close it.  A closed
 * channel is set to nil, which disables its case (the Go idiom), until all
 * four are nil.  One op = one select that received a value.
 */
#include "bench.h"

enum { SEL_N = 4 };

struct sel_producer {
    chan_t *ch;
    int64_t n;
};

static void producer(void *arg) {
    struct sel_producer *p = arg;
    for (int64_t i = 1; i <= p->n; i++) chan_send(p->ch, &i);
    chan_close(p->ch);
}

void wl_select(int64_t n) {
    struct sel_producer *p = bench_alloc(SEL_N * sizeof *p);
    chan_t *ch[SEL_N];
    for (int i = 0; i < SEL_N; i++) {
        p[i].ch = ch[i] = chan_make(int64_t, 16);
        p[i].n = n / SEL_N;
        go(producer, &p[i]);
    }
    int64_t v[SEL_N], sum = 0, count = 0;
    bool ok[SEL_N];
    int open = SEL_N;
    while (open > 0) {
        int i = chan_select(select_recv(ch[0], &v[0], &ok[0]), select_recv(ch[1], &v[1], &ok[1]),
                            select_recv(ch[2], &v[2], &ok[2]), select_recv(ch[3], &v[3], &ok[3]));
        BENCH_CHECK(i >= 0 && i < SEL_N, "select: returned case %d", i);
        if (!ok[i]) {
            ch[i] = NULL;
            open--;
            continue;
        }
        sum += v[i];
        count++;
    }
    int64_t k = n / SEL_N;
    BENCH_CHECK(count == SEL_N * k && sum == SEL_N * (k * (k + 1) / 2),
                "select: %lld values, sum %lld", (long long)count, (long long)sum);
}
