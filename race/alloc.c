/*
 * alloc.c — the heap for the race build: glibc's allocator underneath,
 * and a fresh block's shadow cleared, so memory freed by one goroutine
 * and handed out again to another carries no history (no false race
 * between the old owner's accesses and the new owner's).  As TSan does.
 */
#include <errno.h>
#include <malloc.h>
#include <stddef.h>
#include <stdint.h>

#include "race_internal.h"

static inline void *fresh(void *p) {
    if (p) sh_clear(p, malloc_usable_size(p));
    return p;
}

void *malloc(size_t n) { return fresh(__libc_malloc(n)); }
void *calloc(size_t k, size_t n) { return fresh(__libc_calloc(k, n)); }
void *realloc(void *p, size_t n) { return fresh(__libc_realloc(p, n)); }
void free(void *p) { __libc_free(p); }
void *memalign(size_t al, size_t n) { return fresh(__libc_memalign(al, n)); }
void *aligned_alloc(size_t al, size_t n) { return fresh(__libc_memalign(al, n)); }
int posix_memalign(void **out, size_t al, size_t n) {
    if (al < sizeof(void *) || (al & (al - 1))) return EINVAL;
    void *p = __libc_memalign(al, n);
    if (!p) return ENOMEM;
    *out = fresh(p);
    return 0;
}
void *valloc(size_t n) { return fresh(__libc_memalign(4096, n)); }
