/* partial_abba_ok.c — the correct twin of partial_abba.c: both goroutines
 * take A before B, and main waits for them. */
#include <stdio.h>

#include "chanscope.h"

static mutex_t A = MUTEX_INIT, B = MUTEX_INIT;
static waitgroup_t wg = WAITGROUP_INIT;

static void worker(void *arg) {
    (void)arg;
    mutex_lock(&A);
    time_sleep(20 * MILLISECOND);
    mutex_lock(&B);
    mutex_unlock(&B);
    mutex_unlock(&A);
    wg_done(&wg);
}

int main(void) {
    mutex_set_name(&A, "A");
    mutex_set_name(&B, "B");
    wg_add(&wg, 2);
    go_named("left", worker, NULL);
    go_named("right", worker, NULL);
    wg_wait(&wg);
    printf("main: both done\n");
    return 0;
}
