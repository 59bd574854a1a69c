/*
 * rt_test_util.h — small helpers shared by the sync/context/time tests.
 */
#ifndef CS_RT_TEST_UTIL_H
#define CS_RT_TEST_UTIL_H

#include "chanscope.h"
#include "goroutine.h"

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

/* Loop counts: sanitizers run 5-20x slower. */
#define SCALE(n) (SANITIZED ? (n) / 10 : (n))

/* Wall-time bound for a child that must end at once (a deadlock report):
 * 1 s as the issue asks; ThreadSanitizer alone sleeps 1 s at exit
 * (atexit_sleep_ms), so sanitized builds get more. */
#define QUICK_EXIT_S (SANITIZED ? 3.0 : 1.0)

/* Wait until at least n goroutines are parked in a runtime primitive (or
 * 10 s pass): a test that needs "the goroutine now blocks on X" waits for
 * it instead of sleeping a fixed time, which a loaded machine can outlast.
 * (time_sleep does not park, so the caller is never counted.) */
static inline void wait_parked(int n) {
    int64_t t0 = time_now();
    while (cs_count_blocked_now() < n && time_since(t0) < 10 * SECOND) time_sleep(MILLISECOND);
}

#endif
