/* crash_ok.c — crash.c fixed: the worker checks what find() returned and
 * sends a default instead of following a NULL pointer.
 * MODES: segv abort
 */
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
    (void)arg;
    entry *e = find("answer");
    chan_send_v(results, int, 1);
    int v = e ? e->value : -1;
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
