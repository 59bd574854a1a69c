/*
 * race/race_report.c — what a race found by the race build looks like to
 * the user: the strong cs_race_report (the detector's weak default only
 * prints raw pcs).
 *
 * For each race (the detector calls once per pair of program counters, as
 * Go's does):
 *   - a report on stderr shaped like `go run -race`'s (WARNING: DATA RACE,
 *     the access, "Previous write at ... by goroutine N", where each
 *     goroutine was created), with file:line and function names from the
 *     program's debug information (race_symbolize.c, elfutils libdw) and the
 *     variable's name when it is a global or static;
 *   - when tracing, two events (docs/trace-format.md): race_prev (the
 *     earlier access: its site, goroutine, read/write), then race (the
 *     current one), both emitted by the current goroutine and tied by a
 *     race number; the variable is registered once as an OBJ_VAR object.
 * (Exit status 66 after a race: the detector's race/report.c.)
 *
 * Runs on the goroutine that made the racing access, from the detector, in
 * uninstrumented code; takes only its own lock, the symbolizer's and the
 * goroutine registry's (never held while user code runs).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "goroutine.h"
#include "race.h"
#include "race_symbolize.h"
#include "scheduler.h"
#include "trace_hooks.h"

/* The detector's weak default cs_race_report (race/report.c) sits in the
 * same archive and is linked first (its file is needed anyway), so an
 * archive member holding only this strong definition would never be pulled
 * in: every race link line asks for this symbol (-Wl,-u,cs_race_report_symbolized:
 * cli/build_race.c, patterns/build.mk, race/build.mk, cli/exercise_check.c). */
const int cs_race_report_symbolized = 1;

static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static int nreported; /* races printed so far (under report_lock): the race number */

/* ---- the variable object in the trace --------------------------------- */

typedef struct var_obj {
    uintptr_t base;
    int64_t id;
} var_obj;
static var_obj *vars; /* under report_lock; few (one per raced variable) */
static size_t nvars, vars_cap;

static int64_t var_object(uintptr_t base, const char *name, cs_site site) {
    for (size_t i = 0; i < nvars; i++)
        if (vars[i].base == base) return vars[i].id;
    if (nvars == vars_cap) {
        size_t cap = vars_cap ? 2 * vars_cap : 16;
        var_obj *v = realloc(vars, cap * sizeof *v);
        if (!v) return 0;
        vars = v;
        vars_cap = cap;
    }
    int64_t id = cs_new_object_id();
    vars[nvars++] = (var_obj){base, id};
    cs_trace_object(id, OBJ_VAR, name, site, 0, 0);
    return id;
}

/* ---- printing ---------------------------------------------------------- */

static void print_frame(FILE *o, uintptr_t pc) {
    if (!pc) { /* the detector kept no pc for this access */
        fputs("  (unknown function)\n      (unknown line)\n", o);
        return;
    }
    cs_race_frame f;
    cs_race_symbolize_pc(pc, &f);
    fprintf(o, "  %s()\n", f.func ? f.func : "??");
    if (f.file) fprintf(o, "      %s:%d\n", f.file, f.line);
    else fprintf(o, "      ?? (pc %#" PRIxPTR ": no debug information; build with -g)\n", pc);
}

/* A frame of the runtime that started the goroutine (g_main and cs_*
 * functions): Go's report shows no runtime frames either. */
static int runtime_frame(uintptr_t pc) {
    cs_race_frame f;
    cs_race_symbolize_pc(pc, &f);
    return f.func && (!strcmp(f.func, "g_main") || !strncmp(f.func, "cs_", 3));
}

/* The access, then (the current one only: the detector keeps no stack of
 * the earlier one) the calls that led to it. */
static void print_access(FILE *o, const char *what, const cs_race_info *r,
                         const cs_race_access *a, int with_stack) {
    fprintf(o, "%s%s at 0x%012" PRIxPTR " by goroutine %" PRId64 ":\n", a->atomic ? "Atomic " : "",
            what, r->addr, a->gid);
    print_frame(o, a->pc);
    for (int i = 0; with_stack && i < r->nstack && i < CS_RACE_STACK_MAX; i++)
        if (!runtime_frame(r->stack[i])) print_frame(o, r->stack[i]);
}

/* "Goroutine 7 (running) created at:" with the go statement's site, from
 * the registry of live goroutines (an ended one is gone from it). */
static void print_creation(FILE *o, int64_t gid) {
    char name[64] = "", file[256] = "";
    int line = 0, found = 0;
    int64_t parent = 0;
    cs_registry_lock();
    for (cs_g *g = cs_registry_first(); g; g = g->all_next)
        if (g->id == gid) {
            found = 1;
            snprintf(name, sizeof name, "%s", g->name ? g->name : "");
            if (g->go_site.file) snprintf(file, sizeof file, "%s", g->go_site.file);
            line = g->go_site.line;
            parent = g->parent;
            break;
        }
    cs_registry_unlock();
    if (!found) {
        fprintf(o, "Goroutine %" PRId64 " (finished)\n", gid);
        return;
    }
    if (!parent) {
        fprintf(o, "Goroutine %" PRId64 " (running) is %s\n", gid,
                gid == 1 ? "main" : "a thread of its own");
        return;
    }
    fprintf(o, "Goroutine %" PRId64 " (running) created at:\n  go %s() by goroutine %" PRId64
               "\n      %s:%d\n",
            gid, name, parent, *file ? file : "??", line);
}

static void print_location(FILE *o, const cs_race_info *r, const char *var, uintptr_t off,
                           size_t vsize) {
    if (!var) return;
    char part[256];
    if (off && cs_race_var_element(r->addr, part, sizeof part))
        fprintf(o, "Location is %s in global '%s' of size %zu at 0x%012" PRIxPTR "\n", part, var,
                vsize, r->addr - off);
    else if (off)
        fprintf(o, "Location is offset %" PRIuPTR " in global '%s' of size %zu at 0x%012" PRIxPTR "\n",
                off, var, vsize, r->addr - off);
    else
        fprintf(o, "Location is global '%s' of size %zu at 0x%012" PRIxPTR "\n", var, vsize, r->addr);
}

/* ---- the report --------------------------------------------------------- */

void cs_race_report(const cs_race_info *r) {
    cs_race_frame cur, prev;
    cs_race_symbolize_pc(r->cur.pc, &cur);
    cs_race_symbolize_pc(r->prev.pc, &prev);
    uintptr_t off;
    size_t vsize;
    const char *var = cs_race_var_name(r->addr, &off, &vsize);

    pthread_mutex_lock(&report_lock);
    int num = ++nreported;

    /* one fprintf stream, flushed at once: reports from two goroutines
     * never interleave (report_lock) */
    char *buf = NULL;
    size_t len = 0;
    FILE *o = open_memstream(&buf, &len);
    if (o) {
        fputs("==================\nWARNING: DATA RACE\n", o);
        print_access(o, r->cur.write ? "Write" : "Read", r, &r->cur, 1);
        fputc('\n', o);
        print_access(o, r->prev.write ? "Previous write" : "Previous read", r, &r->prev, 0);
        fputc('\n', o);
        print_location(o, r, var, off, vsize);
        print_creation(o, r->cur.gid);
        if (r->prev.gid != r->cur.gid) print_creation(o, r->prev.gid);
        fputs("==================\n", o);
        fclose(o);
        fwrite(buf, 1, len, stderr);
        fflush(stderr);
        free(buf);
    }

    /* (not CS_TRACING(): in the race build it is 1, every event feeds the
     * detector; whether a trace is recorded is cs_tracing) */
    if (atomic_load_explicit(&cs_tracing, memory_order_relaxed)) {
        cs_site here = {cur.file, cur.line}, there = {prev.file, prev.line};
        int64_t obj = var_object(var ? r->addr - off : r->addr, var, here);
        cs_trace_event_g(r->cur.gid, EV_RACE_PREV, obj, num, r->prev.gid, r->prev.write ? 1 : 0,
                         0, prev.func, there);
        cs_trace_event_g(r->cur.gid, EV_RACE, obj, num, r->cur.write ? 1 : 0,
                         (int64_t)r->addr, (int64_t)r->size, cur.func, here);
    }
    pthread_mutex_unlock(&report_lock);
}
