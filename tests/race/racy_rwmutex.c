/* RWMutex: two goroutines WRITE under RLock (a read lock does not exclude
 * other readers): a race. */
#include "chanscope.h"
#include "race_test.h"

static int counter;
static rwmutex_t mu;
static waitgroup_t wg;

static void bad_writer(void *arg) {
    (void)arg;
    rwmutex_rlock(&mu);
    counter++; /* BUG: a write under the read lock */
    rwmutex_runlock(&mu);
    wg_done(&wg);
}

int main(void) {
    wg_add(&wg, 2);
    go(bad_writer, NULL);
    go(bad_writer, NULL);
    wg_wait(&wg);
    return 0;
}
