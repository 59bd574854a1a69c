/* The end of a goroutine orders nothing: main sees it gone (the goroutine
 * count) and reads what it wrote: a race, as in Go. */
#include "chanscope.h"
#include "race_test.h"

static int x;

static void writer(void *arg) {
    (void)arg;
    x = 1;
}

int main(void) {
    go(writer, NULL);
    while (goroutine_count() > 1) go_yield();
    USE(x);
    return 0;
}
