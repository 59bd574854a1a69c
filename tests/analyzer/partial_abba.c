/* partial_abba.c — partial deadlock: two goroutines take locks A and B in
 * opposite orders (AB-BA) and wait for each other forever, while main goes
 * on (it returns).  A WaitGroup used as a barrier makes the bad interleaving
 * happen on every run: each holds its first lock before either tries its
 * second.  Correct version: partial_abba_ok.c (one lock order everywhere). */
#include <stdio.h>

#include "chanscope.h"

static mutex_t A = MUTEX_INIT, B = MUTEX_INIT;
static waitgroup_t first_locks_held = WAITGROUP_INIT;

static void left(void *arg) {
    (void)arg;
    mutex_lock(&A);
    wg_done(&first_locks_held);
    wg_wait(&first_locks_held);
    mutex_lock(&B); /* EXPECT(partial_deadlock) */
    mutex_unlock(&B);
    mutex_unlock(&A);
}

static void right(void *arg) {
    (void)arg;
    mutex_lock(&B);
    wg_done(&first_locks_held);
    wg_wait(&first_locks_held);
    mutex_lock(&A); /* EXPECT(partial_deadlock) */
    mutex_unlock(&A);
    mutex_unlock(&B);
}

int main(void) {
    mutex_set_name(&A, "A");
    mutex_set_name(&B, "B");
    wg_add(&first_locks_held, 2);
    go(left, NULL);
    go(right, NULL);
    wg_wait(&first_locks_held);
    time_sleep(100 * MILLISECOND); /* they block on their second lock */
    printf("main: gave up waiting\n");
    return 0;
}
