/* Once: the function's return happens before every once_do returns. */
#include "chanscope.h"
#include "race_test.h"

static int config;
static once_t once;
static waitgroup_t wg;

static void init(void *arg) {
    (void)arg;
    config = 42;
}

static void user(void *arg) {
    (void)arg;
    once_do(&once, init, NULL);
    USE(config);
    wg_done(&wg);
}

int main(void) {
    for (int i = 0; i < 4; i++) {
        wg_add(&wg, 1);
        go(user, NULL);
    }
    wg_wait(&wg);
    return 0;
}
