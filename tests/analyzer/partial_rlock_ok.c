/* partial_rlock_ok.c — the correct twin of partial_rlock.c: the reader
 * holds one read lock for the whole read. */
#include <stdio.h>

#include "chanscope.h"

static rwmutex_t rw = RWMUTEX_INIT;
static waitgroup_t wg = WAITGROUP_INIT;

static void reader(void *arg) {
    (void)arg;
    rwmutex_rlock(&rw);
    time_sleep(30 * MILLISECOND);
    rwmutex_runlock(&rw);
    wg_done(&wg);
}

static void writer(void *arg) {
    (void)arg;
    time_sleep(10 * MILLISECOND);
    rwmutex_lock(&rw);
    rwmutex_unlock(&rw);
    wg_done(&wg);
}

int main(void) {
    rwmutex_set_name(&rw, "cache");
    wg_add(&wg, 2);
    go(reader, NULL);
    go(writer, NULL);
    wg_wait(&wg);
    printf("main: done\n");
    return 0;
}
