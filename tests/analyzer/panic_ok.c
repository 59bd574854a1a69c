/* panic_ok.c — the correct twin of panic.c: the failure is an error value
 * sent back to main, which decides what to do. */
#include <stdio.h>

#include "chanscope.h"

static chan_t *errs;

static void parse(void *arg) {
    int n = (int)(intptr_t)arg;
    err_t err = n < 0 ? errorf("parse: negative size %d", n) : NULL;
    chan_send(errs, &err);
}

int main(void) {
    errs = chan_make_named("errs", err_t, 0);
    go(parse, (void *)(intptr_t)-3);
    err_t err;
    chan_recv(errs, &err);
    printf("error: %s\n", err_msg(err));
    return 0;
}
