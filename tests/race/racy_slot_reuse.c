/* A second wave of goroutines writes what the first wave wrote, with
 * nothing ordering the waves (main only watches the goroutine count): a
 * race, even though the second wave reuses the first wave's clock slots
 * (a new owner of a slot must not inherit the old owner's accesses). */
#include "chanscope.h"

#define N 200
long results[N]; /* (not static: the stores must stay) */

static void worker(void *arg) {
    long i = (long)(intptr_t)arg;
    results[i] = i;
}

int main(void) {
    for (int wave = 0; wave < 2; wave++) {
        for (long i = 0; i < N; i++) go(worker, (void *)(intptr_t)i);
        while (goroutine_count() > 1) go_yield();
    }
    return 0;
}
