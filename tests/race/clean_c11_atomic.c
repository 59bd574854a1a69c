/* C11 atomics in the program (instrumented as __tsan_atomic*): a release
 * store happens before the acquire load that sees it. */
#include <stdatomic.h>

#include "chanscope.h"
#include "race_test.h"

static int x;
static _Atomic int flag;

static void publisher(void *arg) {
    (void)arg;
    x = 1;
    atomic_store_explicit(&flag, 1, memory_order_release);
}

int main(void) {
    go(publisher, NULL);
    while (atomic_load_explicit(&flag, memory_order_acquire) == 0) go_yield();
    USE(x);
    return 0;
}
