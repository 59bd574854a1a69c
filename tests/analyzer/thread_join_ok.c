/* thread_join_ok.c — a plain pthread (not started by go()) uses a channel,
 * returns and is joined: its goroutine ended, it is not a leak.  (No twin:
 * run by tests/e2e/end_of_run.sh, which expects no finding.) */
#include <pthread.h>
#include <stdio.h>

#include "chanscope.h"

static void *producer(void *arg) {
    chan_t *ch = arg;
    for (int i = 0; i < 3; i++) chan_send(ch, &i);
    return NULL;
}

int main(void) {
    chan_t *ch = chan_make_named("values", int, 3);
    pthread_t th;
    pthread_create(&th, NULL, producer, ch);
    pthread_join(th, NULL);
    int v, sum = 0;
    for (int i = 0; i < 3; i++) {
        chan_recv(ch, &v);
        sum += v;
    }
    printf("sum %d\n", sum);
    return 0;
}
