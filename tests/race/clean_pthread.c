/* A thread the program starts itself: pthread_create happens before the
 * thread's start, its end before pthread_join returns. */
#include <pthread.h>

#include "chanscope.h"
#include "race_test.h"

static int in, out;

static void *thread_main(void *arg) {
    (void)arg;
    (void)goroutine_id(); /* becomes a goroutine: checked from here on */
    out = in + 1;
    return NULL;
}

int main(void) {
    (void)goroutine_id();
    in = 41;
    pthread_t th;
    if (pthread_create(&th, NULL, thread_main, NULL) != 0) return 3;
    pthread_join(th, NULL);
    USE(out);
    return out == 42 ? 0 : 1;
}
