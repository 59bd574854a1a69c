/* crash.c — a worker uses a pointer it did not check: the program is killed
 * by SIGSEGV (mode segv), or by SIGABRT from a failed assert (mode abort).
 * The trace says which signal, which goroutine it hit after which step, and
 * what every other goroutine was doing (main: waiting for the result).
 * Mode wait: the worker waits to be killed from outside (Ctrl-C); used by
 * tests/e2e/end_of_run.sh.
 * Correct version: crash_ok.c (check the pointer).
 * MODES: segv abort
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "chanscope.h"

typedef struct entry {
    int value;
} entry;

static chan_t *results;

static entry *find(const char *key) {
    (void)key;
    return NULL; /* not found */
}

static void lookup(void *arg) {
    const char *mode = arg;
    entry *e = find("answer");
    chan_send_v(results, int, 1); /* EXPECT(signal) */
    if (!strcmp(mode, "abort")) assert(e != NULL);
    if (!strcmp(mode, "wait"))
        for (;;) time_sleep(MILLISECOND);
    int v = *(volatile int *)&e->value; /* NULL: SIGSEGV */
    chan_send(results, &v);
}

int main(int argc, char **argv) {
    results = chan_make_named("results", int, 1);
    go(lookup, argc > 1 ? argv[1] : "segv");
    int v;
    chan_recv(results, &v);
    chan_recv(results, &v);
    printf("value %d\n", v);
    return 0;
}
