/* Atomic accesses never race with each other, whatever their memory order
 * (here all relaxed, by four goroutines). */
#include <stdatomic.h>

#include "chanscope.h"

static _Atomic long n;
static _Atomic long last; /* stored by every goroutine */
static waitgroup_t wg;

static void adder(void *arg) {
    (void)arg;
    for (int i = 0; i < 1000; i++) {
        atomic_fetch_add_explicit(&n, 1, memory_order_relaxed);
        (void)atomic_load_explicit(&n, memory_order_relaxed);
    }
    /* (a store to n itself could undo another goroutine's add: a lost
     * update, not a data race, but it would break the count below) */
    atomic_store_explicit(&last, atomic_load_explicit(&n, memory_order_relaxed), memory_order_relaxed);
    wg_done(&wg);
}

int main(void) {
    for (int i = 0; i < 4; i++) {
        wg_add(&wg, 1);
        go(adder, NULL);
    }
    wg_wait(&wg);
    return atomic_load(&n) >= 4000 ? 0 : 1;
}
