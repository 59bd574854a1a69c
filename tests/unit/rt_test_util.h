/*
 * rt_test_util.h — small helpers shared by the sync/context/time tests.
 */
#ifndef CS_RT_TEST_UTIL_H
#define CS_RT_TEST_UTIL_H

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

#endif
