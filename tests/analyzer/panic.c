/* panic.c — a plain panic in a worker ends the whole program.
 * Correct version: panic_ok.c (report the problem as an error value). */
#include <stdio.h>

#include "chanscope.h"

static waitgroup_t wg = WAITGROUP_INIT;

static void parse(void *arg) {
    int n = (int)(intptr_t)arg;
    if (n < 0) go_panic("parse: negative size %d", n); /* EXPECT(panic) */
    printf("size %d\n", n);
    wg_done(&wg);
}

int main(void) {
    wg_add(&wg, 1);
    go(parse, (void *)(intptr_t)-3);
    wg_wait(&wg);
    return 0;
}
