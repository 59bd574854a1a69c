/* C11 atomics, RELAXED: the flag orders nothing, so x races.
 * (memory_order_relaxed synchronises nothing) */
#include <stdatomic.h>

#include "chanscope.h"
#include "race_test.h"

static int x;
static _Atomic int flag;

static void publisher(void *arg) {
    (void)arg;
    x = 1;
    atomic_store_explicit(&flag, 1, memory_order_relaxed);
}

int main(void) {
    go(publisher, NULL);
    while (atomic_load_explicit(&flag, memory_order_relaxed) == 0) go_yield();
    USE(x);
    return 0;
}
