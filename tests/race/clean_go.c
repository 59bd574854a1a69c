/* go statement: the parent's write BEFORE go happens before the child's read. */
#include "chanscope.h"
#include "race_test.h"

static int x;
static waitgroup_t wg;

static void child(void *arg) {
    (void)arg;
    USE(x);
    x = 2; /* and the child's write happens before main's read after Wait */
    wg_done(&wg);
}

int main(void) {
    x = 1;
    wg_add(&wg, 1);
    go(child, NULL);
    wg_wait(&wg);
    return x == 2 ? 0 : 1;
}
