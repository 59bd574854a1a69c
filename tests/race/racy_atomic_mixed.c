/* An atomic write and a PLAIN read of the same variable, unordered: a
 * race (Go reports it too: every access to a variable used atomically
 * must be atomic). */
#include <stdatomic.h>

#include "chanscope.h"
#include "race_test.h"

static _Atomic int n;
static waitgroup_t wg;

static void adder(void *arg) {
    (void)arg;
    atomic_fetch_add_explicit(&n, 1, memory_order_relaxed);
    wg_done(&wg);
}

int main(void) {
    wg_add(&wg, 1);
    go(adder, NULL);
    USE(*(int *)&n); /* BUG: a plain read, not ordered with the add */
    wg_wait(&wg);
    return 0;
}
