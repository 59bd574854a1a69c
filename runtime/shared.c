/*
 * shared.c — SHARED_READ / SHARED_WRITE annotations for race analysis.
 *
 * Each annotated address becomes a trace object (type var) on first access:
 * an open-addressing table maps address -> object id under a mutex.  The
 * access event itself is emitted outside that mutex: accesses that race are
 * exactly those with no happens-before, whatever their seq order.
 * Nothing is done unless tracing.
 */
#include <stdio.h>
#include <stdlib.h>

#include "det.h"
#include "scheduler.h"
#include "sync_internal.h"
#include "trace_hooks.h"

typedef struct var_slot {
    const void *addr;
    int64_t id;
} var_slot;

static pthread_mutex_t vlock = PTHREAD_MUTEX_INITIALIZER;
static var_slot *table; /* under vlock; capacity is a power of two */
static size_t table_cap, table_len;

static size_t hash_addr(const void *p, size_t cap) {
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    return (size_t)x & (cap - 1);
}

static void grow(void) {
    size_t cap = table_cap ? table_cap * 2 : 256;
    var_slot *t = calloc(cap, sizeof *t);
    if (!t) {
        fputs("fatal error: out of memory\n", stderr);
        abort();
    }
    for (size_t i = 0; i < table_cap; i++) {
        if (!table[i].addr) continue;
        size_t j = hash_addr(table[i].addr, cap);
        while (t[j].addr) j = (j + 1) & (cap - 1);
        t[j] = table[i];
    }
    free(table);
    table = t;
    table_cap = cap;
}

static int64_t var_id(const void *addr, const char *name, cs_site site) {
    pthread_mutex_lock(&vlock);
    if (2 * (table_len + 1) > table_cap) grow();
    size_t j = hash_addr(addr, table_cap);
    while (table[j].addr && table[j].addr != addr) j = (j + 1) & (table_cap - 1);
    if (!table[j].addr) {
        table[j].addr = addr;
        table[j].id = cs_new_object_id();
        table_len++;
        cs_trace_object(table[j].id, OBJ_VAR, name, site, 0, 0);
    }
    int64_t id = table[j].id;
    pthread_mutex_unlock(&vlock);
    return id;
}

void cs_shared_access(const void *addr, int is_write, const char *name, cs_site site) {
    CS_DET_POINT();
    if (!CS_TRACING()) return;
    int64_t id = var_id(addr, name, site);
    cs_trace_event(is_write ? EV_VAR_WRITE : EV_VAR_READ, id, 0, 0, 0, 0, NULL, site);
}
