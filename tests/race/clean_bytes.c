/* Neighbouring bytes of one 8-byte word, each written by its own
 * goroutine, do not race (the detector keeps which bytes an access
 * touched). */
#include "chanscope.h"

static char flags[16];
static waitgroup_t wg;

static void setter(void *arg) {
    int i = (int)(intptr_t)arg;
    flags[i] = 1;
    flags[i] += 1;
    wg_done(&wg);
}

int main(void) {
    for (int i = 0; i < 16; i++) {
        wg_add(&wg, 1);
        go(setter, (void *)(intptr_t)i);
    }
    wg_wait(&wg);
    int sum = 0;
    for (int i = 0; i < 16; i++) sum += flags[i];
    return sum == 32 ? 0 : 1;
}
