/*
 * mem.c — memcpy, memmove and memset for the program, checked.
 *
 * clang 14's ThreadSanitizer pass turns the program's memory intrinsics
 * (struct copies, explicit memcpy) into plain calls to memcpy/memmove/
 * memset and leaves the checking to the runtime's interceptors, so the
 * race library defines those three: check the ranges as the current
 * goroutine's read and write, then copy with glibc's own code (its
 * __*_chk entry points reach the real implementation without coming back
 * here).  __tsan_memcpy & co. (newer compilers) do the same.
 *
 * The runtime's own calls (a channel's buffer) are renamed at compile
 * time to the cs_race_raw_* functions (RACE_RAW in race/build.mk), which
 * check nothing: they are not the program's accesses.
 */
#include <stddef.h>
#include <stdint.h>

#include "race_internal.h"

#undef memcpy
#undef memmove
#undef memset

void *__memcpy_chk(void *d, const void *s, size_t n, size_t dn);
void *__memmove_chk(void *d, const void *s, size_t n, size_t dn);
void *__memset_chk(void *d, int c, size_t n, size_t dn);

void *cs_race_raw_memcpy(void *d, const void *s, size_t n) { return __memcpy_chk(d, s, n, (size_t)-1); }
void *cs_race_raw_memmove(void *d, const void *s, size_t n) { return __memmove_chk(d, s, n, (size_t)-1); }
void *cs_race_raw_memset(void *d, int c, size_t n) { return __memset_chk(d, c, n, (size_t)-1); }

#define PC() ((uintptr_t)__builtin_return_address(0))

static inline void check(const void *d, const void *s, size_t n, uintptr_t pc) {
    race_g *g = race_cur;
    if (!g || !n) return;
    if (s) race_access_range(g, (uintptr_t)s, n, false, pc);
    race_access_range(g, (uintptr_t)d, n, true, pc);
}

void *memcpy(void *d, const void *s, size_t n) {
    check(d, s, n, PC());
    return __memcpy_chk(d, s, n, (size_t)-1);
}
void *memmove(void *d, const void *s, size_t n) {
    check(d, s, n, PC());
    return __memmove_chk(d, s, n, (size_t)-1);
}
void *memset(void *d, int c, size_t n) {
    check(d, NULL, n, PC());
    return __memset_chk(d, c, n, (size_t)-1);
}
void *__tsan_memcpy(void *d, const void *s, size_t n) {
    check(d, s, n, PC());
    return __memcpy_chk(d, s, n, (size_t)-1);
}
void *__tsan_memmove(void *d, const void *s, size_t n) {
    check(d, s, n, PC());
    return __memmove_chk(d, s, n, (size_t)-1);
}
void *__tsan_memset(void *d, int c, size_t n) {
    check(d, NULL, n, PC());
    return __memset_chk(d, c, n, (size_t)-1);
}
