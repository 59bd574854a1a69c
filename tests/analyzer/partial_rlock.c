/* partial_rlock.c — partial deadlock: a goroutine read-locks an RWMutex
 * twice; between the two, a writer starts waiting.  A waiting writer blocks
 * new readers (so writers are not starved), and the writer waits for the
 * first read lock to go: each waits for the other.  The `step` channels
 * only order the steps so that the bug shows on every run.
 * Correct version: partial_rlock_ok.c (take the read lock once). */
#include <stdio.h>

#include "chanscope.h"

static rwmutex_t rw = RWMUTEX_INIT;
static chan_t *read_locked, *writer_going, *relocking;

static void reader(void *arg) {
    (void)arg;
    rwmutex_rlock(&rw);
    chan_send_v(read_locked, int, 1);
    chan_recv(writer_going, NULL);
    time_sleep(50 * MILLISECOND); /* the writer is now waiting in Lock */
    chan_send_v(relocking, int, 1);
    rwmutex_rlock(&rw); /* EXPECT(partial_deadlock) */
    rwmutex_runlock(&rw);
    rwmutex_runlock(&rw);
}

static void writer(void *arg) {
    (void)arg;
    chan_recv(read_locked, NULL);
    chan_send_v(writer_going, int, 1);
    rwmutex_lock(&rw); /* EXPECT(partial_deadlock) */
    rwmutex_unlock(&rw);
}

int main(void) {
    rwmutex_set_name(&rw, "cache");
    read_locked = chan_make_named("read_locked", int, 1);
    writer_going = chan_make_named("writer_going", int, 1);
    relocking = chan_make_named("relocking", int, 1);
    go(reader, NULL);
    go(writer, NULL);
    chan_recv(relocking, NULL);
    time_sleep(100 * MILLISECOND); /* both are stuck by now */
    printf("main: gave up waiting\n");
    return 0;
}
