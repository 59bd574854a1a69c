/* buffered channel, capacity C = 2: the k-th receive happens before the
 * (k+C)-th send completes.  main writes x[k] before its k-th receive; the
 * sender reads x[k] after its (k+2)-th send. */
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
        if (j >= C) USE(x[j - C]); /* main wrote it before receive j-C */
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
