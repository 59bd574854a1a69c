/* an_util.c — containers for the analyzer (see an_util.h). */
#include "an_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(void) {
    fputs("chanscope: out of memory\n", stderr);
    abort();
}

void *an_xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) oom();
    return p;
}

void *an_xcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) oom();
    return p;
}

void *an_xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) oom();
    return q;
}

char *an_xstrdup(const char *s) {
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = an_xmalloc(n);
    memcpy(d, s, n);
    return d;
}

static inline size_t hash64(int64_t k) {
    uint64_t x = (uint64_t)k;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return (size_t)x;
}

void an_imap_free(an_imap *m) {
    free(m->keys);
    free(m->vals);
    free(m->full);
    memset(m, 0, sizeof *m);
}

int64_t *an_imap_get(const an_imap *m, int64_t key) {
    if (!m->cap) return NULL;
    size_t mask = m->cap - 1;
    for (size_t i = hash64(key) & mask;; i = (i + 1) & mask) {
        if (!m->full[i]) return NULL;
        if (m->keys[i] == key) return &m->vals[i];
    }
}

static void rehash(an_imap *m, size_t ncap) {
    an_imap n = {an_xmalloc(ncap * sizeof(int64_t)), an_xmalloc(ncap * sizeof(int64_t)),
                 an_xcalloc(ncap, 1), ncap, 0};
    for (size_t i = 0; i < m->cap; i++)
        if (m->full[i]) *an_imap_put(&n, m->keys[i], m->vals[i], NULL) = m->vals[i];
    an_imap_free(m);
    *m = n;
}

int64_t *an_imap_put(an_imap *m, int64_t key, int64_t dflt, int *inserted) {
    if ((m->used + 1) * 2 > m->cap) rehash(m, m->cap ? m->cap * 2 : 16);
    size_t mask = m->cap - 1;
    size_t i = hash64(key) & mask;
    for (; m->full[i]; i = (i + 1) & mask)
        if (m->keys[i] == key) {
            if (inserted) *inserted = 0;
            return &m->vals[i];
        }
    m->full[i] = 1;
    m->keys[i] = key;
    m->vals[i] = dflt;
    m->used++;
    if (inserted) *inserted = 1;
    return &m->vals[i];
}

void an_sb_vprintf(an_sb *b, const char *fmt, va_list ap) {
    va_list ap2;
    va_copy(ap2, ap);
    int need = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (need < 0) return;
    if (b->n + (size_t)need + 1 > b->cap) {
        b->cap = (b->n + (size_t)need + 1) * 2;
        b->s = an_xrealloc(b->s, b->cap);
    }
    vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
    b->n += (size_t)need;
}

void an_sb_printf(an_sb *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    an_sb_vprintf(b, fmt, ap);
    va_end(ap);
}

char *an_sb_take(an_sb *b) {
    char *s = b->s ? b->s : an_xstrdup("");
    b->s = NULL;
    b->n = b->cap = 0;
    return s;
}
