/*
 * panic.c — Go-shaped failure: panics, fatal errors, the global deadlock
 * report, and the one way the runtime ends the process.
 *
 * Every path prints to stderr what Go would print, records the event in the
 * trace, flushes the trace (cs_trace_finish) and exits with status 2.  Only
 * the first failure reports: a second goroutine failing at the same moment
 * waits for the first to end the process.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "goroutine.h"
#include "scheduler.h"
#include "trace_hooks.h"

static atomic_flag failing = ATOMIC_FLAG_INIT;

CS_NORETURN void cs_exit_now(const char *reason, int status) {
    /* Claim the end (others freeze); if another thread already claimed it,
     * that one ends the process and this one freezes. */
    if (!cs_begin_exit()) cs_freeze_if_exiting();
    fflush(stdout);
    fflush(stderr);
    cs_trace_finish(reason, status);
    _exit(status);
}

/* Only one failure reports; any other failing thread parks forever (the
 * process is about to end). */
static void claim_failure(void) {
    cs_freeze_if_exiting(); /* main already returned: too late to fail */
    if (atomic_flag_test_and_set(&failing)) {
        for (;;) pause();
    }
    if (!cs_begin_exit()) cs_freeze_if_exiting(); /* others stop while we report */
}

static const char *parent_name(int64_t parent) {
    for (cs_g *p = cs_registry_first(); p; p = p->all_next)
        if (p->id == parent) return p->name;
    return NULL;
}

/* "goroutine 5 [chan send]:\nworker()\n\tmain.c:31\ncreated by ..." */
static void print_goroutine(FILE *f, cs_g *g, const char *state, cs_site at) {
    fprintf(f, "goroutine %lld [%s]:\n%s()\n\t%s:%d\n", (long long)g->id, state, g->name,
            at.file ? at.file : "?", at.line);
    if (g->parent) {
        const char *pn = parent_name(g->parent);
        fprintf(f, "created by %s in goroutine %lld\n\t%s:%d\n", pn ? pn : "?",
                (long long)g->parent, g->go_site.file, g->go_site.line);
    }
}

static CS_NORETURN void fail(cs_site site, const char *prefix, int misuse, int64_t obj,
                             const char *msg) {
    cs_g *g = cs_getg();
    claim_failure();
    cs_set_end(g->id, 0);
    fflush(stdout);
    if (CS_TRACING())
        cs_trace_event(EV_PANIC, obj, misuse, 0, 0, 0, msg, site);
    fprintf(stderr, "%s%s\n\n", prefix, msg);
    cs_registry_lock();
    print_goroutine(stderr, g, "running", site);
    cs_registry_unlock();
    cs_exit_now("panic", 2);
}

CS_NORETURN void cs_panic_misuse(cs_site site, int misuse, int64_t obj, const char *msg) {
    fail(site, "panic: ", misuse, obj, msg);
}

CS_NORETURN void cs_fatal_misuse(cs_site site, int misuse, int64_t obj, const char *msg) {
    fail(site, "fatal error: ", misuse, obj, msg);
}

CS_NORETURN void cs_panic(cs_site site, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    fail(site, "panic: ", MISUSE_NONE, 0, buf);
}

/* The dump for a fatal signal (signal.c), taken while goroutines may still
 * be running (they freeze at their next runtime call): their block fields
 * are read without synchronisation, a best-effort picture like any crash
 * dump, hence not instrumented by ThreadSanitizer.  A running goroutine's
 * position is not known to the runtime (the trace has its last step). */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CS_NO_TSAN __attribute__((no_sanitize("thread")))
#endif
#endif
#if !defined(CS_NO_TSAN) && defined(__SANITIZE_THREAD__)
#define CS_NO_TSAN __attribute__((no_sanitize_thread))
#endif
#ifndef CS_NO_TSAN
#define CS_NO_TSAN
#endif

CS_NO_TSAN char *cs_goroutine_dump(void) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    cs_registry_lock();
    for (cs_g *g = cs_registry_first(); g; g = g->all_next) {
        fputc('\n', f);
        int reason = g->block_reason;
        print_goroutine(f, g, cs_block_reason_name(reason),
                        reason ? g->block_site : (cs_site){"?", 0});
    }
    cs_registry_unlock();
    fclose(f);
    return buf;
}

CS_NORETURN void cs_report_deadlock(int blocked) {
    claim_failure();
    fflush(stdout);
    if (CS_TRACING())
        cs_trace_event_g(0, EV_DEADLOCK, 0, blocked, 0, 0, 0, NULL, (cs_site){NULL, 0});
    fputs("fatal error: all goroutines are asleep - deadlock!\n", stderr);
    cs_registry_lock();
    for (cs_g *g = cs_registry_first(); g; g = g->all_next) {
        fputc('\n', stderr);
        print_goroutine(stderr, g, cs_block_reason_name(g->block_reason), g->block_site);
    }
    cs_registry_unlock();
    cs_exit_now("deadlock", 2);
}
