/*
 * mem.c — the program's memcpy, memmove and memset, checked.
 *
 * clang 14's ThreadSanitizer pass turns the program's memory intrinsics
 * (struct copies, explicit memcpy calls) into plain calls to memcpy,
 * memmove and memset and leaves their checking to libtsan's interceptors.
 * We do not interpose those symbols (the runtime, glibc and sqlite call
 * them too, and the compiler emits calls to them for the runtime's own
 * struct initialisations): instead the race build renames them in the
 * PROGRAM's objects only, after compiling and before linking:
 *
 *   objcopy --redefine-sym memcpy=__tsan_memcpy \
 *           --redefine-sym memmove=__tsan_memmove \
 *           --redefine-sym memset=__tsan_memset prog.o
 *
 * (RACE_OBJCOPY in race/build.mk; newer compilers call __tsan_memcpy & co.
 * directly.)  Each checks the source as read and the destination as
 * written by the current goroutine, then does the real thing.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "race_internal.h"

#define PC() ((uintptr_t)__builtin_return_address(0))

static inline void check(const void *d, const void *s, size_t n, uintptr_t pc) {
    race_g *g = race_cur;
    if (!g || !n) return;
    if (s) race_access_range(g, (uintptr_t)s, n, false, pc);
    race_access_range(g, (uintptr_t)d, n, true, pc);
}

void *__tsan_memcpy(void *d, const void *s, size_t n) {
    check(d, s, n, PC());
    return memcpy(d, s, n);
}
void *__tsan_memmove(void *d, const void *s, size_t n) {
    check(d, s, n, PC());
    return memmove(d, s, n);
}
void *__tsan_memset(void *d, int c, size_t n) {
    check(d, NULL, n, PC());
    return memset(d, c, n);
}
