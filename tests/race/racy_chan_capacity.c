/* buffered channel, capacity C = 2: the k-th receive happens before the
 * (k+C)-th send completes, but NOT before the (k+C-1)-th: the sender reads
 * x[k] after its (k+1)-th send, one too early: a race. */
#include "chanscope.h"
#include "race_test.h"

#define C 2
#define N 6
static int x[N];
static waitgroup_t wg;

static void sender(void *arg) {
    chan_t *c = arg;
    for (int j = 0; j < N; j++) {
        chan_send_v(c, int, j);
        if (j >= C - 1) USE(x[j - (C - 1)]); /* one send too early */
    }
    wg_done(&wg);
}

int main(void) {
    chan_t *c = chan_make(int, C);
    wg_add(&wg, 1);
    go(sender, c);
    for (int k = 0; k < N; k++) {
        x[k] = k;
        int v;
        chan_recv(c, &v);
    }
    wg_wait(&wg);
    return 0;
}
