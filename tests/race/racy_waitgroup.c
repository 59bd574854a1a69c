/* WaitGroup: main reads the results BEFORE Wait: a race with the workers'
 * writes. */
#include "chanscope.h"
#include "race_test.h"

#define N 4
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
    for (int i = 0; i < N; i++) USE(results[i]); /* BUG: before Wait */
    wg_wait(&wg);
    return 0;
}
