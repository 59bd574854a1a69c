/* WaitGroup: an Add from zero that is not ordered before a Wait that
 * blocks is a race (Go's rule: "calls with a positive delta that occur
 * when the counter is zero must happen before a Wait"; Go's detector
 * reports it as a race on the WaitGroup).  Here: main's Wait blocks for
 * the first worker; the second worker's Add comes after that Wait
 * returned, from zero, with nothing ordering the two. */
#include <stdatomic.h>

#include "chanscope.h"

int cs_count_blocked_now(void); /* the runtime's count of parked goroutines */

static waitgroup_t wg;
static _Atomic int phase; /* relaxed: orders nothing */

static void first(void *arg) {
    (void)arg;
    while (cs_count_blocked_now() < 1) go_yield(); /* main is blocked in Wait */
    wg_done(&wg);
}

static void late_adder(void *arg) {
    (void)arg;
    while (atomic_load_explicit(&phase, memory_order_relaxed) == 0) go_yield();
    wg_add(&wg, 1); /* BUG: Add from zero, not ordered before main's Wait */
    wg_done(&wg);
}

int main(void) {
    wg_add(&wg, 1);
    go(first, NULL);
    go(late_adder, NULL);
    wg_wait(&wg);
    atomic_store_explicit(&phase, 1, memory_order_relaxed);
    while (goroutine_count() > 1) go_yield();
    return 0;
}
