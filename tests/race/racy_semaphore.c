/* semaphore: the releaser's write AFTER its release races with the
 * acquirer's read. */
#include "chanscope.h"
#include "race_test.h"

static int x;
static semaphore_t *sem;
static waitgroup_t wg;

static void releaser(void *arg) {
    (void)arg;
    semaphore_release(sem, 1);
    x = 1;
    wg_done(&wg);
}

int main(void) {
    sem = semaphore_new(1);
    semaphore_acquire(sem, NULL, 1);
    wg_add(&wg, 1);
    go(releaser, NULL);
    semaphore_acquire(sem, NULL, 1);
    USE(x);
    semaphore_release(sem, 1);
    wg_wait(&wg);
    return 0;
}
