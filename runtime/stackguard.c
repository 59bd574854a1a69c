/*
 * stackguard.c — a goroutine that overflows its stack gets Go's fatal error.
 *
 * Guarded stacks (stack.c) have a PROT_NONE page right below them, so an
 * overflow faults there.  The fault is delivered on the thread's alternate
 * signal stack (one per M: the goroutine's own stack is what overflowed),
 * where this handler checks that the address is in the guard page of the
 * goroutine the thread is running; if so it prints
 *
 *   runtime: goroutine stack exceeds 262144-byte limit
 *   runtime: sp=0x... stack=[0x..., 0x...]
 *   fatal error: stack overflow
 *
 *   goroutine 7 [running]:
 *   recurse()
 *   created by main in goroutine 1
 *   	prog.c:31
 *
 * and ends the process with status 2, as Go does.  The trace records it as
 * a panic event ("stack overflow") of that goroutine and is finished
 * (end_reason "panic", status 2) — from the handler, on the alternate stack:
 * the overflow happened in the goroutine's own code, which holds no runtime
 * lock at that point in any program we know of; if it did, the finish would
 * wait on it (a known limit, docs/runtime.md).  Any other fault goes to the
 * handler installed before ours (signal.c records it as a crash) or the
 * default action.  Canary stacks (past the VMA budget) are checked at
 * switch-out instead, on the M's g0, through the same
 * cs_stack_overflow_fatal.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "goroutine.h"
#include "proc.h"
#include "stack.h"
#include "trace_hooks.h"

#define ALTSTACK_SIZE (64 * 1024)

static struct sigaction old_segv, old_bus;

static void put(const char *s) {
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(2, s, n);
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

static void report(cs_g *g, uintptr_t sp) {
    char buf[512];
    snprintf(buf, sizeof buf,
             "runtime: goroutine stack exceeds %zu-byte limit\n"
             "runtime: sp=%#lx stack=[%#lx, %#lx]\n"
             "fatal error: stack overflow\n\n"
             "goroutine %lld [running]:\n%s()\n",
             g->stack.size, (unsigned long)sp, (unsigned long)g->stack.lo,
             (unsigned long)(g->stack.lo + g->stack.size), (long long)g->id,
             g->name ? g->name : "?");
    put(buf);
    if (g->parent) {
        const char *pn = "?";
        /* No lock: the process is ending and the lock may be held. */
        for (cs_g *p = cs_registry_first(); p; p = p->all_next)
            if (p->id == g->parent) pn = p->name;
        snprintf(buf, sizeof buf, "created by %s in goroutine %lld\n\t%s:%d\n", pn,
                 (long long)g->parent, g->go_site.file ? g->go_site.file : "?", g->go_site.line);
        put(buf);
    }
}

void cs_stack_overflow_fatal(cs_g *g, uintptr_t sp) {
    if (!cs_begin_exit()) cs_freeze_if_exiting(); /* one end only; others freeze */
    report(g, sp);
    cs_set_end(g->id, 0);
    if (CS_TRACING())
        cs_trace_event_g(g->id, EV_PANIC, 0, 0, 0, 0, 0, "stack overflow", g->go_site);
    cs_exit_now("panic", 2);
}

static void chain(int sig, siginfo_t *si, void *uc, struct sigaction *old) {
    if (old->sa_flags & SA_SIGINFO) {
        old->sa_sigaction(sig, si, uc);
    } else if (old->sa_handler == SIG_DFL || old->sa_handler == SIG_IGN) {
        /* Default action: restore it and return; the fault repeats. */
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigaction(sig, &dfl, NULL);
    } else {
        old->sa_handler(sig);
    }
}

static void on_fault(int sig, siginfo_t *si, void *uc) {
    cs_m *m = cs_getm();
    cs_g *g = m ? cs_m_curg(m) : NULL;
    if (g && cs_stack_in_guard(&g->stack, (uintptr_t)si->si_addr)) {
        cs_stack_overflow_fatal(g, (uintptr_t)si->si_addr);
    }
    chain(sig, si, uc, sig == SIGSEGV ? &old_segv : &old_bus);
}

void cs_stackguard_init(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &old_segv);
    sigaction(SIGBUS, &sa, &old_bus);
}

/* Each M: an alternate signal stack (never freed: Ms live forever). */
void cs_stackguard_thread(void) {
    stack_t ss;
    void *mem = mmap(NULL, ALTSTACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) return;
    ss.ss_sp = mem;
    ss.ss_size = ALTSTACK_SIZE;
    ss.ss_flags = 0;
    sigaltstack(&ss, NULL);
}
