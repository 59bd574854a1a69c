/*
 * race/race_symbolize.h — program counters and addresses of the running
 * program to source terms, with elfutils libdw (race_symbolize.c).
 *
 * Used by the race report (race_report.c) only: slow (the first call reads
 * the program's debug information), serialised by one lock, and never
 * called from instrumented code paths other than a report.  Every string
 * returned lives until the process ends (the tracer keeps site.file
 * pointers until its last flush).
 */
#ifndef CS_RACE_SYMBOLIZE_H
#define CS_RACE_SYMBOLIZE_H

#include <stddef.h>
#include <stdint.h>

typedef struct cs_race_frame {
    const char *func; /* "worker", or NULL when unknown */
    const char *file; /* as the compiler saw it (relative to the build folder,
                         like __FILE__), or NULL when there is no line info */
    int line;         /* 0 when unknown */
} cs_race_frame;

/* The source line of a return address (pc - 1 is looked up: the call
 * instruction).  Returns 0 with *f filled (fields may be NULL/0). */
int cs_race_symbolize_pc(uintptr_t pc, cs_race_frame *f);

/* The name of the global or static variable whose storage holds addr
 * (ELF symbol table of the module, data objects only), with the byte offset
 * of addr in it; NULL for heap and stack memory.  *size: the variable's
 * size (0 if unknown). */
const char *cs_race_var_name(uintptr_t addr, uintptr_t *offset, size_t *size);

/* The part of that variable addr is in, from the DWARF types: "hits[2]",
 * "stats.count", "grid[1].cells[3]"; 1 with buf filled, 0 when the debug
 * information does not say (or addr is the whole variable). */
int cs_race_var_element(uintptr_t addr, char *buf, size_t n);

#endif
