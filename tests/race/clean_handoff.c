/* Memory handed from goroutine to goroutine through a channel, a lock and
 * a WaitGroup is not a race: each owner writes it in turn. */
#include <stdlib.h>

#include "chanscope.h"
#include "race_test.h"

typedef struct job {
    int n;
    long data[16];
} job;

static mutex_t mu;
static job *shared; /* under mu */
static waitgroup_t wg;

static void consumer(void *arg) {
    chan_t *c = arg;
    job *j;
    while (chan_recv(c, &j)) {
        for (int i = 0; i < 16; i++) j->data[i] += j->n; /* ours now */
        mutex_lock(&mu);
        job *old = shared;
        shared = j; /* hand it on through the lock */
        mutex_unlock(&mu);
        free(old);
    }
    wg_done(&wg);
}

int main(void) {
    chan_t *c = chan_make(job *, 2);
    wg_add(&wg, 2);
    go(consumer, c);
    go(consumer, c);
    for (int n = 0; n < 50; n++) {
        job *j = malloc(sizeof *j);
        j->n = n;
        for (int i = 0; i < 16; i++) j->data[i] = i; /* ours until sent */
        chan_send(c, &j);
    }
    chan_close(c);
    wg_wait(&wg);
    long sum = shared ? shared->data[0] : 0; /* after Wait: ours again */
    free(shared);
    return sum >= 0 ? 0 : 1;
}
