/* Cond: Signal happens before the Wait it wakes returns.  The signaller
 * never takes the mutex, so only the cond orders its write of data before
 * the waiter's read.  (waiting/woken are relaxed atomics: no order.) */
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
    data = 1;
    while (!atomic_load_explicit(&woken, memory_order_relaxed)) {
        cond_signal(&cond);
        go_yield();
    }
    wg_wait(&wg);
    return 0;
}
