/* A thread the program starts itself writes a result that main reads
 * WITHOUT joining it first (it only polls a relaxed flag): a race. */
#include <pthread.h>
#include <stdatomic.h>

#include "chanscope.h"
#include "race_test.h"

static int out;
static _Atomic int done;

static void *thread_main(void *arg) {
    (void)arg;
    (void)goroutine_id();
    out = 42;
    atomic_store_explicit(&done, 1, memory_order_relaxed);
    return NULL;
}

int main(void) {
    (void)goroutine_id();
    pthread_t th;
    if (pthread_create(&th, NULL, thread_main, NULL) != 0) return 3;
    while (!atomic_load_explicit(&done, memory_order_relaxed)) go_yield();
    USE(out); /* BUG: not joined yet */
    pthread_join(th, NULL);
    return 0;
}
