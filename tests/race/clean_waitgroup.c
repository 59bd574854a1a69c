/* WaitGroup: Done happens before Wait returns: results written by the
 * workers are read by main after Wait. */
#include "chanscope.h"
#include "race_test.h"

#define N 8
static long results[N];
static waitgroup_t wg;

static void worker(void *arg) {
    long i = (long)(intptr_t)arg;
    results[i] = i * i;
    wg_done(&wg);
}

int main(void) {
    for (long i = 0; i < N; i++) {
        wg_add(&wg, 1);
        go(worker, (void *)(intptr_t)i);
    }
    wg_wait(&wg);
    long sum = 0;
    for (int i = 0; i < N; i++) sum += results[i];
    return sum == 140 ? 0 : 1;
}
