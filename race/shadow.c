/*
 * shadow.c — shadow memory: where the detector keeps, per 8-byte granule
 * of the program's memory, the last write and the last read(s).
 *
 * Layout: a directory with one entry per 4 MiB of the 47-bit user address
 * space (2^25 entries, 256 MiB of address space reserved with
 * MAP_NORESERVE: only the pages of entries in use are ever touched), each
 * pointing to a chunk mapped on first use: 2^19 cells (16 bytes: write and
 * read epochs) followed by 2^19 pc pairs (8 bytes).  The kernel supplies
 * zero pages lazily, so untouched memory costs nothing and touched memory
 * costs 3 bytes of shadow per byte.  A chunk is installed with one CAS and
 * never freed; the hot path is two dependent loads.
 */
#include <stdio.h>
#include <sched.h>
#include <sys/mman.h>
#include <string.h>
#include <unistd.h>

#include "race_internal.h"

#define DIR_ENTRIES (UINT64_C(1) << (SH_APP_BITS - SH_CHUNK_SHIFT))
#define CHUNK_BYTES ((size_t)SH_GRANULES * (sizeof(rcell) + sizeof(rpcs)))

rcell *_Atomic *sh_dir;
static _Atomic int sh_state; /* 0 none, 1 mapping, 2 ready */

static void die(const char *what) {
    char buf[128];
    int n = snprintf(buf, sizeof buf, "race detector: cannot map shadow memory (%s)\n", what);
    (void)!write(2, buf, (size_t)n);
    _exit(2);
}

void sh_init(void) {
    if (atomic_load_explicit(&sh_state, memory_order_acquire) == 2) return;
    int zero = 0;
    if (atomic_compare_exchange_strong(&sh_state, &zero, 1)) {
        void *p = mmap(NULL, DIR_ENTRIES * sizeof(void *), PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) die("directory");
        sh_dir = p;
        atomic_store_explicit(&sh_state, 2, memory_order_release);
        return;
    }
    while (atomic_load_explicit(&sh_state, memory_order_acquire) != 2) sched_yield();
}

rcell *sh_chunk_new(uintptr_t i) {
    void *p = mmap(NULL, CHUNK_BYTES, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) die("chunk");
    rcell *expect = NULL;
    if (atomic_compare_exchange_strong_explicit(&sh_dir[i], &expect, (rcell *)p,
                                                memory_order_acq_rel, memory_order_acquire))
        return p;
    munmap(p, CHUNK_BYTES);
    return expect;
}

/* Zero [p, p+n) of shadow: whole pages are given back to the kernel
 * (they read as zero again), the ragged ends are cleared by hand. */
static void zero_bytes(char *p, size_t n) {
    const uintptr_t pg = 4096;
    if (n >= 16 * pg) {
        uintptr_t lo = ((uintptr_t)p + pg - 1) & ~(pg - 1);
        uintptr_t hi = ((uintptr_t)p + n) & ~(pg - 1);
        if (hi > lo && madvise((void *)lo, hi - lo, MADV_DONTNEED) == 0) {
            memset(p, 0, lo - (uintptr_t)p);
            memset((void *)hi, 0, (uintptr_t)p + n - hi);
            return;
        }
    }
    memset(p, 0, n);
}

void sh_clear(const void *start, size_t n) {
    if (!n || atomic_load_explicit(&sh_state, memory_order_acquire) != 2) return;
    uintptr_t a = (uintptr_t)start & ~(uintptr_t)7;
    uintptr_t end = (uintptr_t)start + n;
    if (!race_addr_ok(a) || end >> SH_APP_BITS) return;
    while (a < end) {
        uintptr_t i = a >> SH_CHUNK_SHIFT;
        uintptr_t chunk_end = (i + 1) << SH_CHUNK_SHIFT;
        uintptr_t stop = end < chunk_end ? end : chunk_end;
        rcell *base = atomic_load_explicit(&sh_dir[i], memory_order_acquire);
        if (base) {
            size_t g0 = (a >> 3) & (SH_GRANULES - 1);
            size_t g1 = ((stop - 1) >> 3) & (SH_GRANULES - 1);
            size_t cnt = g1 - g0 + 1;
            if (cnt < 4096) { /* small: free the read sets too */
                for (size_t g = g0; g <= g1; g++) {
                    uint64_t r = atomic_load_explicit(&base[g].r, memory_order_relaxed);
                    if (r & EP_SHARED) __libc_free((void *)(uintptr_t)(r & ~EP_SHARED));
                }
            }
            zero_bytes((char *)(base + g0), cnt * sizeof(rcell));
            zero_bytes((char *)((rpcs *)(base + SH_GRANULES) + g0), cnt * sizeof(rpcs));
        }
        a = stop;
    }
}
