/* Mutex: Unlock happens before the next Lock. */
#include "chanscope.h"
#include "race_test.h"

static int counter;
static mutex_t mu;
static waitgroup_t wg;

static void inc(void *arg) {
    (void)arg;
    for (int i = 0; i < 100; i++) {
        mutex_lock(&mu);
        counter++;
        mutex_unlock(&mu);
    }
    wg_done(&wg);
}

int main(void) {
    for (int i = 0; i < 4; i++) {
        wg_add(&wg, 1);
        go(inc, NULL);
    }
    wg_wait(&wg);
    return counter == 400 ? 0 : 1;
}
