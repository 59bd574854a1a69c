/* partial_rlock.c — partial deadlock: a goroutine read-locks an RWMutex
 * twice; between the two, a writer starts waiting.  A waiting writer blocks
 * new readers (so writers are not starved), and the writer waits for the
 * first read lock to go: each waits for the other.
 * Correct version: partial_rlock_ok.c (take the read lock once). */
#include <stdio.h>

#include "chanscope.h"

static rwmutex_t rw = RWMUTEX_INIT;

static void reader(void *arg) {
    (void)arg;
    rwmutex_rlock(&rw);
    time_sleep(30 * MILLISECOND);
    rwmutex_rlock(&rw); /* EXPECT(partial_deadlock) */
    rwmutex_runlock(&rw);
    rwmutex_runlock(&rw);
}

static void writer(void *arg) {
    (void)arg;
    time_sleep(10 * MILLISECOND);
    rwmutex_lock(&rw); /* EXPECT(partial_deadlock) */
    rwmutex_unlock(&rw);
}

int main(void) {
    rwmutex_set_name(&rw, "cache");
    go(reader, NULL);
    go(writer, NULL);
    time_sleep(120 * MILLISECOND);
    printf("main: gave up waiting\n");
    return 0;
}
