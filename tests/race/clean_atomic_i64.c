/* atomic_i64 (Go's sync/atomic): a store happens before a load that sees
 * it: the flag publishes x. */
#include "chanscope.h"
#include "race_test.h"

static int x;
static atomic_i64 flag;

static void publisher(void *arg) {
    (void)arg;
    x = 1;
    atomic_i64_store(&flag, 1);
}

int main(void) {
    go(publisher, NULL);
    while (atomic_i64_load(&flag) == 0) go_yield();
    USE(x);
    return 0;
}
