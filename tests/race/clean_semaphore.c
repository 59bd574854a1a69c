/* semaphore: release happens before the acquire it lets through. */
#include "chanscope.h"
#include "race_test.h"

static int x;
static semaphore_t *sem;

static void releaser(void *arg) {
    (void)arg;
    x = 1;
    semaphore_release(sem, 1);
}

int main(void) {
    sem = semaphore_new(1);
    semaphore_acquire(sem, NULL, 1);
    go(releaser, NULL);
    semaphore_acquire(sem, NULL, 1); /* waits for the release */
    USE(x);
    semaphore_release(sem, 1);
    return 0;
}
