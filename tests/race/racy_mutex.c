/* Mutex: one goroutine increments under the lock, the other without. */
#include "chanscope.h"
#include "race_test.h"

static int counter;
static mutex_t mu;
static waitgroup_t wg;

static void locked(void *arg) {
    (void)arg;
    mutex_lock(&mu);
    counter++;
    mutex_unlock(&mu);
    wg_done(&wg);
}

static void unlocked(void *arg) {
    (void)arg;
    counter++; /* BUG: no lock */
    wg_done(&wg);
}

int main(void) {
    wg_add(&wg, 2);
    go(locked, NULL);
    go(unlocked, NULL);
    wg_wait(&wg);
    return 0;
}
