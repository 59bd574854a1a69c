/* race_test.h — for the tests/race programs: USE(e) reads e for real (the read
 * is not optimised away) without writing shared memory (a goroutine's
 * own stack slot). */
#ifndef RACE_TEST_H
#define RACE_TEST_H
#define USE(e)                          \
    do {                                \
        volatile long use_ = (long)(e); \
        (void)use_;                     \
    } while (0)
#endif
