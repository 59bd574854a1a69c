/* Many goroutines, in waves ordered by a WaitGroup, reading a table
 * written before they started and each writing its own result: no race,
 * although clock slots are reused from wave to wave. */
#include "chanscope.h"
#include "race_test.h"

#define N 500
static int table[64];
static long results[N];
static waitgroup_t wg;

static void worker(void *arg) {
    long i = (long)(intptr_t)arg;
    long s = 0;
    for (int k = 0; k < 64; k++) s += table[k];
    results[i] += s + i;
    wg_done(&wg);
}

int main(void) {
    for (int k = 0; k < 64; k++) table[k] = k;
    for (int wave = 0; wave < 4; wave++) {
        for (long i = 0; i < N; i++) {
            wg_add(&wg, 1);
            go(worker, (void *)(intptr_t)i);
        }
        wg_wait(&wg);
    }
    long sum = 0;
    for (int i = 0; i < N; i++) sum += results[i];
    USE(sum);
    return 0;
}
