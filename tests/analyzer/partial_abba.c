/* partial_abba.c — partial deadlock: two goroutines take locks A and B in
 * opposite orders (AB-BA) and wait for each other forever, while main goes
 * on (it sleeps, then returns).  The sleeps force the bad interleaving.
 * Correct version: partial_abba_ok.c (one lock order everywhere). */
#include <stdio.h>

#include "chanscope.h"

static mutex_t A = MUTEX_INIT, B = MUTEX_INIT;

static void left(void *arg) {
    (void)arg;
    mutex_lock(&A);
    time_sleep(20 * MILLISECOND);
    mutex_lock(&B); /* EXPECT(partial_deadlock) */
    mutex_unlock(&B);
    mutex_unlock(&A);
}

static void right(void *arg) {
    (void)arg;
    mutex_lock(&B);
    time_sleep(20 * MILLISECOND);
    mutex_lock(&A); /* EXPECT(partial_deadlock) */
    mutex_unlock(&A);
    mutex_unlock(&B);
}

int main(void) {
    mutex_set_name(&A, "A");
    mutex_set_name(&B, "B");
    go(left, NULL);
    go(right, NULL);
    time_sleep(100 * MILLISECOND);
    printf("main: gave up waiting\n");
    return 0;
}
