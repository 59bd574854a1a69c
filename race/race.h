/*
 * race/race.h — STUB of the race detector's report interface (helper
 * racecore writes the real one; this file is replaced by theirs on merge).
 *
 * The detector (race/ files, compiled into build/lib/libchanscope-race.a)
 * calls cs_race_report once per race it finds, from the goroutine making
 * the second (current) access.
 */
#ifndef CS_RACE_H
#define CS_RACE_H

#include <stddef.h>
#include <stdint.h>

typedef struct cs_race_access {
    int64_t gid;          /* goroutine id (cs_g.id) */
    int is_write;         /* 1 write, 0 read */
    uintptr_t pc;         /* return address of the instrumented access call */
    const uintptr_t *stack; /* optional: the caller chain, innermost first (pc excluded) */
    int nstack;
} cs_race_access;

typedef struct cs_race_info {
    uintptr_t addr;       /* the raced-on address */
    size_t size;          /* bytes of the current access */
    cs_race_access cur;   /* the access that found the race */
    cs_race_access prev;  /* the earlier access it conflicts with */
} cs_race_info;

void cs_race_report(const cs_race_info *r);

#endif
