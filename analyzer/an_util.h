/*
 * an_util.h — small containers for the analyzer: growable vectors, an
 * int64 → int64 hash map, and a string builder.  Allocation failure aborts
 * (the analyzer has no way to continue without memory).
 */
#ifndef CS_AN_UTIL_H
#define CS_AN_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void *an_xmalloc(size_t n);
void *an_xcalloc(size_t n, size_t size);
void *an_xrealloc(void *p, size_t n);
char *an_xstrdup(const char *s); /* NULL stays NULL */

/* A growable array: VEC(int) v = {0}; VEC_PUSH(v, 3); v.v[0], v.n. */
#define VEC(T)        \
    struct {          \
        T *v;         \
        size_t n, cap; \
    }
#define VEC_GROW(vec)                                                          \
    do {                                                                       \
        if ((vec).n == (vec).cap) {                                            \
            (vec).cap = (vec).cap ? (vec).cap * 2 : 8;                         \
            (vec).v = an_xrealloc((vec).v, (vec).cap * sizeof *(vec).v);       \
        }                                                                      \
    } while (0)
#define VEC_PUSH(vec, x)          \
    do {                          \
        VEC_GROW(vec);            \
        (vec).v[(vec).n++] = (x); \
    } while (0)
#define VEC_FREE(vec)     \
    do {                  \
        free((vec).v);    \
        (vec).v = NULL;   \
        (vec).n = (vec).cap = 0; \
    } while (0)

/* Open-addressing hash map from int64 keys to int64 values.
 * Invariant: used * 2 <= cap (cap a power of two), so probing terminates. */
typedef struct an_imap {
    int64_t *keys;
    int64_t *vals;
    uint8_t *full;
    size_t cap, used;
} an_imap;
void an_imap_free(an_imap *m);
/* Pointer to the value for key, or NULL. */
int64_t *an_imap_get(const an_imap *m, int64_t key);
/* Pointer to the value for key, inserting dflt first if absent. */
int64_t *an_imap_put(an_imap *m, int64_t key, int64_t dflt, int *inserted);
/* Key of two ints (for (chan, msg) and (lock, lock) pairs). */
static inline int64_t an_pair_key(int64_t a, int64_t b) {
    return (int64_t)(((uint64_t)a * 0x9E3779B97F4A7C15ull) ^ (uint64_t)b);
}

/* A string builder. */
typedef struct an_sb {
    char *s;
    size_t n, cap;
} an_sb;
void an_sb_printf(an_sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void an_sb_vprintf(an_sb *b, const char *fmt, va_list ap);
/* Take the string (never NULL); the builder is reset. */
char *an_sb_take(an_sb *b);

#endif
