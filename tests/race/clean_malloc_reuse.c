/* Heap memory freed by one goroutine and handed out again by malloc to
 * another goroutine that is not ordered after the first is not a race.
 * (One P, so both run on one thread and glibc hands the block back.)
 * Fails (status 3) if the block was never reused. */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "chanscope.h"
#include "race_test.h"

static _Atomic uintptr_t where[2];

static void worker(void *arg) {
    intptr_t k = (intptr_t)arg;
    long *p = malloc(40 * sizeof *p);
    for (int i = 0; i < 40; i++) p[i] = k;
    atomic_store_explicit(&where[k], (uintptr_t)p, memory_order_relaxed);
    free(p);
}

int main(void) {
    setenv("CHANSCOPE_MAXPROCS", "1", 1); /* before the first runtime call */
    for (int attempt = 0; attempt < 50; attempt++) {
        for (intptr_t k = 0; k < 2; k++) {
            go(worker, (void *)k);
            while (goroutine_count() > 1) go_yield();
        }
        if (atomic_load(&where[0]) == atomic_load(&where[1])) return 0;
    }
    return 3;
}
