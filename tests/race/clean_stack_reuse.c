/* A goroutine's stack is reused by a later goroutine that is not ordered
 * after the first one (main only polls the goroutine count): the new
 * goroutine's frames must carry no history.  Fails (status 3) if the
 * stack was never reused, so the test cannot pass vacuously. */
#include <stdatomic.h>
#include <stdint.h>

#include "chanscope.h"
#include "race_test.h"

static _Atomic uintptr_t where[2];

__attribute__((noinline)) static void fill(volatile long *p, int n, long v) {
    for (int i = 0; i < n; i++) p[i] = v; /* instrumented stores to the stack */
}

static void worker(void *arg) {
    volatile long buf[64];
    fill(buf, 64, (long)(intptr_t)arg);
    atomic_store_explicit(&where[(intptr_t)arg], (uintptr_t)buf, memory_order_relaxed);
}

int main(void) {
    for (int attempt = 0; attempt < 50; attempt++) {
        for (intptr_t k = 0; k < 2; k++) {
            go(worker, (void *)k);
            while (goroutine_count() > 1) go_yield();
        }
        if (atomic_load(&where[0]) == atomic_load(&where[1])) return 0;
    }
    return 3;
}
