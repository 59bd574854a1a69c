/* Once: a goroutine reads the value WITHOUT once_do while another one
 * initialises it through once_do: a race. */
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
    wg_done(&wg);
}

static void skipper(void *arg) {
    (void)arg;
    USE(config); /* BUG: no once_do */
    wg_done(&wg);
}

int main(void) {
    wg_add(&wg, 2);
    go(user, NULL);
    go(skipper, NULL);
    wg_wait(&wg);
    return 0;
}
