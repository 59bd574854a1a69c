/*
 * tsan_access.c — ThreadSanitizer's entry points for plain accesses and
 * function entry/exit, as clang -fsanitize=thread calls them
 * (compiler-rt's tsan_interface.h): __tsan_init, __tsan_func_entry/exit,
 * __tsan_{read,write}{1,2,4,8,16}, their unaligned_ and volatile_ forms,
 * __tsan_read_write*, __tsan_{read,write}_range, __tsan_vptr_*.
 *
 * Each checks the access as one of the current goroutine (race_cur; a
 * thread that runs no goroutine, e.g. before main's first runtime call,
 * is not checked) with the return address as the access's pc.
 */
#include <stddef.h>
#include <stdint.h>

#include "race_internal.h"

#define PC() ((uintptr_t)__builtin_return_address(0))

void __tsan_init(void) {
    sh_init();
    static _Atomic int once;
    if (!atomic_exchange(&once, 1)) race_report_init();
}

void __tsan_func_entry(void *caller_pc) {
    race_g *g = race_cur;
    if (!g) return;
    char here; /* below the caller's frame: a bound on its locals */
    if ((uintptr_t)&here < g->min_sp) g->min_sp = (uintptr_t)&here;
    if (g->depth < RACE_STACK_DEPTH) g->stack[g->depth] = (uintptr_t)caller_pc;
    g->depth++;
}

void __tsan_func_exit(void) {
    race_g *g = race_cur;
    if (g && g->depth > 0) g->depth--;
}

void __tsan_ignore_thread_begin(void) {}
void __tsan_ignore_thread_end(void) {}

static inline void check_access(const void *p, unsigned n, bool write, uintptr_t pc) {
    race_g *g = race_cur;
    if (!g) return;
    uintptr_t a = (uintptr_t)p;
    if (__builtin_expect((a & 7) + n <= 8 && race_addr_ok(a), 1)) race_access1(g, a, n, write, pc);
    else race_access_range(g, a, n, write, pc);
}

#define ACCESS(N)                                                                             \
    void __tsan_read##N(void *p) { check_access(p, N, false, PC()); }                               \
    void __tsan_write##N(void *p) { check_access(p, N, true, PC()); }                               \
    void __tsan_unaligned_read##N(const void *p) { check_access(p, N, false, PC()); }               \
    void __tsan_unaligned_write##N(void *p) { check_access(p, N, true, PC()); }                     \
    void __tsan_volatile_read##N(void *p) { check_access(p, N, false, PC()); }                      \
    void __tsan_volatile_write##N(void *p) { check_access(p, N, true, PC()); }                      \
    void __tsan_unaligned_volatile_read##N(void *p) { check_access(p, N, false, PC()); }            \
    void __tsan_unaligned_volatile_write##N(void *p) { check_access(p, N, true, PC()); }            \
    void __tsan_read_write##N(void *p) { check_access(p, N, true, PC()); }                          \
    void __tsan_unaligned_read_write##N(void *p) { check_access(p, N, true, PC()); }                \
    void __tsan_read##N##_pc(void *p, void *pc) { check_access(p, N, false, (uintptr_t)pc); }       \
    void __tsan_write##N##_pc(void *p, void *pc) { check_access(p, N, true, (uintptr_t)pc); }
ACCESS(1)
ACCESS(2)
ACCESS(4)
ACCESS(8)

/* 16 bytes: two granules (or three, unaligned). */
static inline void access16(const void *p, bool write, uintptr_t pc) {
    race_g *g = race_cur;
    if (g) race_access_range(g, (uintptr_t)p, 16, write, pc);
}
void __tsan_read16(void *p) { access16(p, false, PC()); }
void __tsan_write16(void *p) { access16(p, true, PC()); }
void __tsan_unaligned_read16(const void *p) { access16(p, false, PC()); }
void __tsan_unaligned_write16(void *p) { access16(p, true, PC()); }
void __tsan_volatile_read16(void *p) { access16(p, false, PC()); }
void __tsan_volatile_write16(void *p) { access16(p, true, PC()); }
void __tsan_unaligned_volatile_read16(void *p) { access16(p, false, PC()); }
void __tsan_unaligned_volatile_write16(void *p) { access16(p, true, PC()); }
void __tsan_read_write16(void *p) { access16(p, true, PC()); }
void __tsan_unaligned_read_write16(void *p) { access16(p, true, PC()); }
void __tsan_read16_pc(void *p, void *pc) { access16(p, false, (uintptr_t)pc); }
void __tsan_write16_pc(void *p, void *pc) { access16(p, true, (uintptr_t)pc); }

void __tsan_read_range(void *p, unsigned long n) {
    race_g *g = race_cur;
    if (g) race_access_range(g, (uintptr_t)p, n, false, PC());
}
void __tsan_write_range(void *p, unsigned long n) {
    race_g *g = race_cur;
    if (g) race_access_range(g, (uintptr_t)p, n, true, PC());
}
void __tsan_read_range_pc(void *p, unsigned long n, void *pc) {
    race_g *g = race_cur;
    if (g) race_access_range(g, (uintptr_t)p, n, false, (uintptr_t)pc);
}
void __tsan_write_range_pc(void *p, unsigned long n, void *pc) {
    race_g *g = race_cur;
    if (g) race_access_range(g, (uintptr_t)p, n, true, (uintptr_t)pc);
}

/* C++ virtual table pointers: an update is a write, a read a read. */
void __tsan_vptr_update(void **vptr_p, void *new_val) {
    if (*vptr_p != new_val) check_access(vptr_p, sizeof(void *), true, PC());
}
void __tsan_vptr_read(void **vptr_p) { check_access(vptr_p, sizeof(void *), false, PC()); }
