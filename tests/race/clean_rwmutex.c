/* RWMutex: Unlock happens before RLock and Lock; RUnlock before Lock.
 * Writers write under Lock, readers read under RLock. */
#include "chanscope.h"
#include "race_test.h"

static int table[4];
static rwmutex_t mu;
static waitgroup_t wg;

static void writer(void *arg) {
    int id = (int)(intptr_t)arg;
    for (int i = 0; i < 50; i++) {
        rwmutex_lock(&mu);
        table[(id + i) % 4]++;
        rwmutex_unlock(&mu);
    }
    wg_done(&wg);
}

static void reader(void *arg) {
    (void)arg;
    for (int i = 0; i < 50; i++) {
        rwmutex_rlock(&mu);
        USE(table[i % 4]);
        rwmutex_runlock(&mu);
    }
    wg_done(&wg);
}

int main(void) {
    for (int i = 0; i < 2; i++) {
        wg_add(&wg, 2);
        go(writer, (void *)(intptr_t)i);
        go(reader, NULL);
    }
    wg_wait(&wg);
    return 0;
}
