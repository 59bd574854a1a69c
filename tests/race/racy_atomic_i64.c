/* atomic_i64: the publisher writes x AFTER setting the flag: a race with
 * the reader that saw the flag. */
#include "chanscope.h"
#include "race_test.h"

static int x;
static atomic_i64 flag;
static waitgroup_t wg;

static void publisher(void *arg) {
    (void)arg;
    atomic_i64_store(&flag, 1);
    x = 1;
    wg_done(&wg);
}

int main(void) {
    wg_add(&wg, 1);
    go(publisher, NULL);
    while (atomic_i64_load(&flag) == 0) go_yield();
    USE(x);
    wg_wait(&wg);
    return 0;
}
