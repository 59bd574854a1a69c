/* go statement: the parent's write AFTER go races with the child's read. */
#include "chanscope.h"
#include "race_test.h"

static int x;
static waitgroup_t wg;

static void child(void *arg) {
    (void)arg;
    USE(x); /* races with main's write after the go statement */
    wg_done(&wg);
}

int main(void) {
    wg_add(&wg, 1);
    go(child, NULL);
    x = 1;
    wg_wait(&wg);
    return 0;
}
