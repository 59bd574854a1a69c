/*
 * trace_ctor.c — a program whose constructor uses the runtime before main
 * (tests/e2e/trace_ctor.sh).  With CHANSCOPE_TRACE set, every event from
 * the constructor must be in the trace too: tracing starts before any
 * constructor of the program runs.
 */
#include <stdio.h>

#include "chanscope.h"

static chan_t *ready;

static void early_worker(void *arg) {
    (void)arg;
    chan_send_v(ready, int, 42);
}

__attribute__((constructor)) static void start_early(void) {
    ready = chan_make_named("ctor.ready", int, 0);
    trace_log("constructor ran");
    go_named("early", early_worker, NULL);
}

int main(void) {
    int v = 0;
    chan_recv(ready, &v);
    printf("got %d from the constructor's goroutine\n", v);
    return v == 42 ? 0 : 1;
}
