/*
 * report.c — turning a found race into one cs_race_report() call per
 * distinct pair of program counters, the weak default report, and the
 * exit status.
 *
 * Exit status (Go's rule): a program that reported a race and ends with
 * status 0 (main returned, exit(0)) exits with status 66 instead; any
 * other status is left alone.  An on_exit handler notes the status; a
 * destructor — run after every on_exit/atexit handler, the trace's flush
 * included — then flushes stdio and _exits with 66.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "race_internal.h"

static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;
#define SEEN_CAP 65536 /* past this many distinct races, no more dedup */
static struct { uintptr_t a, b; } seen[SEEN_CAP];
static size_t nseen;
static _Atomic uint64_t nraces;

uint64_t cs_race_count(void) { return atomic_load(&nraces); }

/* True the first time this unordered pc pair is seen. */
static bool first_time(uintptr_t a, uintptr_t b) {
    if (a > b) {
        uintptr_t t = a;
        a = b;
        b = t;
    }
    uint64_t h = (a * UINT64_C(0x9E3779B97F4A7C15) ^ b * UINT64_C(0xC2B2AE3D27D4EB4F)) >> 32;
    bool fresh = true;
    pthread_mutex_lock(&seen_lock);
    if (nseen < SEEN_CAP * 3 / 4) {
        size_t i = h % SEEN_CAP;
        for (; seen[i].a || seen[i].b; i = (i + 1) % SEEN_CAP)
            if (seen[i].a == a && seen[i].b == b) {
                fresh = false;
                break;
            }
        if (fresh) {
            seen[i].a = a;
            seen[i].b = b ? b : 1;
            nseen++;
        }
    }
    pthread_mutex_unlock(&seen_lock);
    return fresh;
}

void race_found(race_g *g, uintptr_t a, unsigned size, bool write, bool atomic, uintptr_t pc,
                uint64_t prev, bool prev_write, uint32_t prev_pc) {
    uintptr_t ppc = prev_pc ? ((pc & ~(uintptr_t)0xffffffff) | prev_pc) : 0;
    if (!first_time(pc, ppc)) return;
    cs_race_info r = {0};
    r.addr = a;
    r.size = size;
    r.cur = (cs_race_access){g->gid, write, atomic, pc};
    r.prev = (cs_race_access){race_slot_gid(ep_slot(prev), ep_clock(prev)), prev_write,
                              (prev & EP_ATOMIC) != 0, ppc};
    int d = g->depth < RACE_STACK_DEPTH ? g->depth : RACE_STACK_DEPTH;
    for (int i = 0; i < d && r.nstack < CS_RACE_STACK_MAX; i++) r.stack[r.nstack++] = g->stack[d - 1 - i];
    atomic_fetch_add(&nraces, 1);
    /* The report may run the program's allocator and stdio: nothing it
     * does is checked (it is not instrumented, and we are inside a hook). */
    race_g *saved = race_cur;
    race_cur = NULL;
    cs_race_report(&r);
    race_cur = saved;
}

static void print_access(const char *what, const cs_race_access *x, const cs_race_info *r,
                         bool with_stack) {
    fprintf(stderr, "%s at 0x%012" PRIxPTR " by goroutine %" PRId64 ":\n", what, r->addr, x->gid);
    if (x->pc) fprintf(stderr, "  pc 0x%" PRIxPTR "\n", x->pc);
    else fprintf(stderr, "  pc ?\n");
    if (with_stack)
        for (int i = 0; i < r->nstack; i++) fprintf(stderr, "  called from 0x%" PRIxPTR "\n", r->stack[i]);
}

__attribute__((weak)) void cs_race_report(const cs_race_info *r) {
    flockfile(stderr);
    fprintf(stderr, "==================\nWARNING: DATA RACE\n");
    print_access(r->cur.atomic ? (r->cur.write ? "Atomic write" : "Atomic read")
                               : (r->cur.write ? "Write" : "Read"),
                 &r->cur, r, true);
    fprintf(stderr, "\n");
    print_access(r->prev.atomic ? (r->prev.write ? "Previous atomic write" : "Previous atomic read")
                                : (r->prev.write ? "Previous write" : "Previous read"),
                 &r->prev, r, false);
    fprintf(stderr, "==================\n");
    funlockfile(stderr);
}

/* ---- exit status --------------------------------------------------------- */

static _Atomic int exit_status = -1;

static void note_status(int status, void *arg) {
    (void)arg;
    atomic_store(&exit_status, status);
}

void race_report_init(void) { on_exit(note_status, NULL); }

__attribute__((destructor)) static void race_exit(void) {
    if (atomic_load(&exit_status) != 0 || cs_race_count() == 0) return;
    fprintf(stderr, "Found %" PRIu64 " data race(s)\n", cs_race_count());
    fflush(NULL);
    _exit(CS_RACE_EXIT_STATUS);
}
