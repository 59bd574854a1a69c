/* WaitGroup used right: every Add happens before the Wait (main adds
 * before starting each worker), and the group is reused for a second
 * round after the first Wait returned. */
#include "chanscope.h"

static waitgroup_t wg;
static int results[8];

static void worker(void *arg) {
    int i = (int)(intptr_t)arg;
    results[i] = i;
    wg_done(&wg);
}

int main(void) {
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 4; i++) {
            wg_add(&wg, 1);
            go(worker, (void *)(intptr_t)(round * 4 + i));
        }
        wg_wait(&wg);
        while (goroutine_count() > 1) go_yield();
    }
    int sum = 0;
    for (int i = 0; i < 8; i++) sum += results[i];
    return sum == 28 ? 0 : 1;
}
