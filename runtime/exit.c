/*
 * exit.c — how the program ends: who ends it, and freezing everyone else.
 *
 * A Go program ends at once: when main returns, os.Exit is called, a panic
 * is not recovered or a fatal signal arrives, no other goroutine runs
 * another step.  Here the end takes a while (the trace is flushed), so the
 * runtime freezes every other goroutine at its next runtime call instead
 * (cs_getg checks cs_exit_state on its fast path).
 *
 * Exactly one end is claimed (the first; a later one finds it claimed):
 *   CS_EXITING  exit() (main returning included), a panic, a deadlock: the
 *               claiming thread finishes the trace, every other freezes
 *   CS_DYING    a fatal signal (signal.c): every goroutine freezes, the
 *               poller thread (signal.c) finishes the trace, then the process dies by
 *               the signal
 * It also records who ended the program (the goroutine that called exit(),
 * panicked or took a fault; 0 for the runtime) and by which signal, for the
 * trace's program_end event and meta (docs/trace-format.md).
 */
#include <pthread.h>
#include <unistd.h>

#include "goroutine.h"
#include "scheduler.h"
#include "trace_hooks.h"

_Atomic int cs_exit_state;
static atomic_flag claimed = ATOMIC_FLAG_INIT;
static pthread_t exiting_thread; /* written before cs_exit_state is set */
static _Atomic int64_t end_gid;
static _Atomic int end_sig;
static _Atomic int finishing; /* the tracer is finishing: see cs_end_is_near */

bool cs_begin_exit(void) {
    if (atomic_flag_test_and_set(&claimed)) return false;
    exiting_thread = pthread_self();
    atomic_store_explicit(&cs_exit_state, CS_EXITING, memory_order_release);
    return true;
}

/* Async-signal-safe: only a lock-free flag and an atomic store. */
bool cs_begin_dying(void) {
    if (atomic_flag_test_and_set(&claimed)) return false;
    atomic_store_explicit(&cs_exit_state, CS_DYING, memory_order_release);
    return true;
}

bool cs_exiting(void) {
    int s = atomic_load_explicit(&cs_exit_state, memory_order_acquire);
    return s == CS_DYING || (s == CS_EXITING && !pthread_equal(pthread_self(), exiting_thread));
}

void cs_freeze_if_exiting(void) {
    if (cs_exiting())
        for (;;) pause(); /* the process is ending; this goroutine never runs again */
}

/* Registered with on_exit() when main first touches the runtime.  Handlers
 * run in reverse order of registration, so this one runs before the
 * tracer's flush, in the thread that called exit(). */
void cs_freeze_on_exit(int status, void *arg) {
    (void)status;
    (void)arg;
    if (!cs_begin_exit()) {
        cs_freeze_if_exiting(); /* another end (a signal, a panic) wins */
        return;
    }
    cs_g *g = cs_getg_if_any();
    cs_set_end(g ? g->id : 0, 0);
}

void cs_set_end(int64_t gid, int sig) {
    atomic_store(&end_gid, gid);
    atomic_store(&end_sig, sig);
}

void cs_trace_end_info(int64_t *gid, int *sig) {
    atomic_store(&finishing, 1);
    *gid = atomic_load(&end_gid);
    *sig = atomic_load(&end_sig);
}

bool cs_end_is_near(void) {
    return atomic_load_explicit(&cs_exit_state, memory_order_acquire) != CS_RUNNING ||
           atomic_load_explicit(&finishing, memory_order_acquire);
}
