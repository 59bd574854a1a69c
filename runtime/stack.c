/*
 * stack.c — goroutine stacks: reserved large, touched lazily, guarded,
 * pooled.
 *
 * Size.  CHANSCOPE_STACK=N (bytes; suffix k or m), default 256 KiB, at least
 * 16 KiB, rounded up to pages.  The whole size is reserved address space
 * (MAP_NORESERVE): a goroutine costs only the pages it touches, usually one
 * or two, so 100 000 goroutines need 25 GB of address space but only a few
 * hundred MB of memory.  Stacks do not grow (unlike Go's): a deeper
 * recursion needs a larger CHANSCOPE_STACK.
 *
 * Slabs.  Stacks are carved from slabs of SLAB_STACKS slots, one mmap per
 * slab; each slot is [guard page][stack].  The guard page stays PROT_NONE
 * and the stack is made read-write, so an overflow faults in the guard page
 * (stackguard.c turns that into Go's "stack overflow" error).
 *
 * Guard regions.  Since Linux 6.13, madvise(MADV_GUARD_INSTALL) makes a page
 * fault on access without splitting the mapping: a slab stays one mapping
 * however many guard pages it holds, and this is what we use when the
 * kernel has it and the first guard is seen to fault (guard_faults: an
 * emulator may say yes and do nothing).  Older kernels get mprotect'd
 * guard pages within a budget:
 *
 * The VMA budget.  The kernel counts each run of pages with one protection
 * as a mapping (VMA), and a process may have vm.max_map_count of them
 * (65530 by default).  A guarded stack costs two (its guard and its stack
 * cannot merge with the neighbours'), so only about 28 000 stacks can be
 * guarded.  We guard the first (max_map_count - 8192) / 2 stacks; past that,
 * new slabs are mapped read-write in one piece (one VMA per slab) and each
 * stack gets a canary word at its lowest address instead, checked by the
 * scheduler whenever the goroutine switches out (an overflow is reported at
 * the next switch rather than at the faulting instruction; the guard-sized
 * gap between neighbours absorbs small overflows meanwhile).
 *
 * Leak checking.  LeakSanitizer finds live memory by scanning thread stacks
 * and globals; a parked goroutine's stack is neither, so in an ASan build
 * each stack is registered as a root region when it is carved (it stays
 * one while pooled: at worst a stale pointer hides a leak, never the
 * reverse).  Only the stack itself, never its guard page.
 *
 * Pool.  A freed stack goes on a free list (the link is stored in the stack
 * itself, in its top page, which is touched anyway) and is reused as is:
 * its touched pages are not given back, as in Go.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "scheduler.h"
#include "spinlock.h"
#include "stack.h"

#if defined(__SANITIZE_ADDRESS__)
#define CS_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CS_LSAN 1
#endif
#endif
#ifdef CS_LSAN
#include <sanitizer/lsan_interface.h>
#endif

#define SLAB_STACKS 64
#define DEFAULT_STACK (256 * 1024)
#define MIN_STACK (16 * 1024)
#define VMA_RESERVE 8192 /* mappings left to everything else */
enum { CS_STACK_GUARD_REGION = 3 }; /* slab kind only */
#define CANARY UINT64_C(0x6368616e73636f70) /* "chanscop" */

typedef struct free_stack {
    struct free_stack *next;
    int kind;
} free_stack;

static cs_lock pool_lock;
static free_stack *pool;            /* guarded by pool_lock */
static char *slab_next, *slab_end;  /* unused slots of the current slab */
static int slab_kind;
static long guarded_left = -1;      /* guarded stacks we may still carve */
static size_t page_size, stack_size, slot_size;

static void init_sizes(void) {
    page_size = (size_t)sysconf(_SC_PAGESIZE);
    size_t sz = DEFAULT_STACK;
    const char *e = getenv("CHANSCOPE_STACK");
    if (e && *e) {
        char *end;
        unsigned long long v = strtoull(e, &end, 10);
        if (*end == 'k' || *end == 'K') v <<= 10;
        else if (*end == 'm' || *end == 'M') v <<= 20;
        if (v >= MIN_STACK && v <= (1ULL << 32)) sz = (size_t)v;
        else fprintf(stderr, "chanscope: CHANSCOPE_STACK=%s ignored (16k..4g)\n", e);
    }
    stack_size = (sz + page_size - 1) / page_size * page_size;
    slot_size = stack_size + page_size;
    long maps = 65530;
    FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
    if (f) {
        if (fscanf(f, "%ld", &maps) != 1) maps = 65530;
        fclose(f);
    }
    guarded_left = maps > VMA_RESERVE ? (maps - VMA_RESERVE) / 2 : 0;
}

size_t cs_stack_size(void) {
    cs_lock_acquire(&pool_lock);
    if (guarded_left < 0) init_sizes();
    size_t s = stack_size;
    cs_lock_release(&pool_lock);
    return s;
}

static _Noreturn void no_memory(const char *what) {
    fprintf(stderr, "fatal error: cannot allocate goroutine stack (%s): %s\n", what,
            strerror(errno));
    _exit(2);
}

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102 /* Linux 6.13 */
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22 /* Linux 5.14 */
#endif
static bool no_guard_regions; /* the kernel lacks MADV_GUARD_INSTALL */
static bool guard_proven;     /* a guard region was seen to fault */

/* Does the guard region at p really fault?  An emulator may accept
 * MADV_GUARD_INSTALL without doing it: qemu-user (7.2 and later) answers 0
 * to madvise advice it does not pass on, and the "guarded" stacks would
 * then overflow silently into their neighbours (tests/cross/run.sh,
 * "overflow").  Prefaulting a guard page fails with EFAULT (the kernel's
 * guard-region contract), prefaulting an ordinary page succeeds: ask once
 * per process, without touching the page ourselves. */
static bool guard_faults(char *p) {
    return madvise(p, page_size, MADV_POPULATE_READ) != 0 && errno == EFAULT;
}

/* pool_lock held.  A new slab: guard regions if the kernel has them, else
 * guarded by mprotect while the VMA budget lasts, else canaries. */
static void new_slab(void) {
    size_t len = slot_size * SLAB_STACKS;
    if (cs_debug(CS_DEBUG_CANARYSTACKS)) { /* (tests: the fallback's path) */
        no_guard_regions = true;
        guarded_left = 0;
    }
    if (!no_guard_regions) {
        char *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (m == MAP_FAILED) no_memory("mmap");
        int i = 0;
        for (; i < SLAB_STACKS; i++)
            if (madvise(m + (size_t)i * slot_size, page_size, MADV_GUARD_INSTALL) != 0) break;
        if (i == SLAB_STACKS && (guard_proven || guard_faults(m))) {
            guard_proven = true;
            slab_next = m;
            slab_end = m + len;
            slab_kind = CS_STACK_GUARD_REGION;
            return;
        }
        munmap(m, len);
        no_guard_regions = true;
    }
    bool guarded = guarded_left >= SLAB_STACKS;
    int prot = guarded ? PROT_NONE : PROT_READ | PROT_WRITE;
    void *m = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) no_memory("mmap");
    slab_next = m;
    slab_end = (char *)m + len;
    slab_kind = guarded ? CS_STACK_GUARDED : CS_STACK_CANARY;
    if (guarded) guarded_left -= SLAB_STACKS;
}

void cs_stack_alloc(cs_stack *s) {
    cs_lock_acquire(&pool_lock);
    if (guarded_left < 0) init_sizes();
    s->size = stack_size;
    free_stack *f = pool;
    if (f) {
        pool = f->next;
        s->kind = f->kind;
        cs_lock_release(&pool_lock);
        s->lo = (char *)f + sizeof *f - stack_size;
        return;
    }
    if (slab_next == slab_end) new_slab();
    char *slot = slab_next;
    slab_next += slot_size;
    s->kind = slab_kind;
    cs_lock_release(&pool_lock);
    s->lo = slot + page_size;
    if (s->kind == CS_STACK_GUARD_REGION) {
        s->kind = CS_STACK_GUARDED; /* (a fault below lo, like the other) */
    } else if (s->kind == CS_STACK_GUARDED) {
        if (mprotect(s->lo, stack_size, PROT_READ | PROT_WRITE) != 0) no_memory("mprotect");
    } else {
        *(uint64_t *)s->lo = CANARY;
    }
#ifdef CS_LSAN
    __lsan_register_root_region(s->lo, stack_size);
#endif
}

void cs_stack_free(cs_stack *s) {
    /* The link lives in the last bytes below the stack's top. */
    free_stack *f = (free_stack *)(s->lo + s->size) - 1;
    f->kind = s->kind;
    if (s->kind == CS_STACK_CANARY) *(uint64_t *)s->lo = CANARY;
    cs_lock_acquire(&pool_lock);
    f->next = pool;
    pool = f;
    cs_lock_release(&pool_lock);
}

bool cs_stack_canary_dead(const cs_stack *s, const void *sp) {
    /* The canary catches an overflow that came back up; the saved stack
     * pointer one that is still below the stack (frames that skipped the
     * canary word). */
    return s->kind == CS_STACK_CANARY &&
           (*(const uint64_t *)s->lo != CANARY || (const char *)sp < s->lo);
}

bool cs_stack_in_guard(const cs_stack *s, uintptr_t addr) {
    uintptr_t lo = (uintptr_t)s->lo;
    return s->kind == CS_STACK_GUARDED && addr < lo && addr >= lo - page_size;
}
