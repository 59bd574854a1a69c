/* Bytes of one 8-byte word: a goroutine reads b[4] and then writes b[0];
 * another writes b[4] unordered with the read: a race (the later write to
 * b[0] must not make the detector forget the read of b[4]). */
#include "chanscope.h"
#include "race_test.h"

static char b[8];
static waitgroup_t wg;

static void reader(void *arg) {
    (void)arg;
    USE(b[4]);
    b[0] = 1;
    wg_done(&wg);
}

static void writer(void *arg) {
    (void)arg;
    b[4] = 1;
    wg_done(&wg);
}

int main(void) {
    wg_add(&wg, 2);
    go(reader, NULL);
    go(writer, NULL);
    wg_wait(&wg);
    return 0;
}
