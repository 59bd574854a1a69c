/* Cond: the signaller writes data AFTER its signals: a race with the
 * woken waiter's read (the signal orders only what came before it). */
#include <stdatomic.h>

#include "chanscope.h"
#include "race_test.h"

static int data;
static mutex_t mu;
static cond_t cond = COND_INIT(&mu);
static _Atomic int woken;
static waitgroup_t wg;

static void waiter(void *arg) {
    (void)arg;
    mutex_lock(&mu);
    cond_wait(&cond);
    mutex_unlock(&mu);
    USE(data);
    atomic_store_explicit(&woken, 1, memory_order_relaxed);
    wg_done(&wg);
}

int main(void) {
    wg_add(&wg, 1);
    go(waiter, NULL);
    while (!atomic_load_explicit(&woken, memory_order_relaxed)) {
        cond_signal(&cond);
        go_yield();
    }
    data = 1;
    wg_wait(&wg);
    return 0;
}
