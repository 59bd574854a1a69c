/*
 * signal.c — os/signal.Notify and Stop, and recording the fatal signals.
 *
 * Delivery.  The handler writes the signal number into a self-pipe (it is
 * async-signal-safe).  The network poller's thread (netpoll.c, through
 * cs_poll_watch; a plain thread, not a goroutine, so it never freezes) reads
 * the pipe when it becomes readable and delivers the signal to every channel
 * registered for it with a non-blocking send (a full channel misses it, as
 * in Go).  While at least one channel is registered it counts as one
 * external wake source: a goroutine waiting for a signal is not a deadlock,
 * as in Go.
 *
 * Fatal signals (traced programs only: cs_signals_init, called by the
 * tracer).  Every signal whose default action ends the process gets our
 * handler, unless it was ignored when the program started (a background
 * job's SIGINT stays ignored).  A fatal signal nobody registered for:
 *   1. the handler claims the end (CS_DYING, exit.c): from now on every
 *      goroutine freezes at its next runtime call, as at exit();
 *   2. the poller thread (which reads the pipe) takes a goroutine dump (stderr for the crash
 *      signals, as Go prints it), records EV_SIGNAL with the dump, finishes
 *      the trace (end_reason "signal", status 128 + sig, end_signal) and
 *      re-raises the signal with the default action: the process dies by it,
 *      as untraced, and the shell sees the same status.
 *   A synchronous fault (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS
 *   from the kernel, or abort()/raise() in this thread) cannot return to the
 *   faulting code: its handler runs on the faulting thread (on the thread's
 *   alternate stack, so a stack overflow too), hands step 2 to the poller
 *   thread and waits for it (at most FAULT_WAIT_NS: the fault may have
 *   left a lock held that the flush needs), then dies by the signal.
 *   Any signal that arrives once an end is under way (exit flushing, a
 *   panic, a first fatal signal) kills at once, as it would untraced: a
 *   second Ctrl-C never waits for the flush.
 *
 * Chaining.  Each installation saves the action it replaced (prev_act).
 * When a synchronous fault is recorded and the previous action was a
 * handler (a sanitizer's, or the scheduler's stack-guard handler installed
 * before us), it is called with the original arguments before we fall back
 * to the default action.  A handler installed after ours should likewise
 * call ours for a fault it does not handle (see docs/runtime.md, Signals).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chan_internal.h"
#include "netpoll.h"
#include "goroutine.h"
#include "scheduler.h"
#include "signal_internal.h"
#include "sync_internal.h"
#include "trace_hooks.h"

#define MAX_SIG 65
#define FATAL_BIT 0x80                 /* pipe byte: sig | FATAL_BIT = record and die */
#define FAULT_WAIT_NS (10LL * 1000000000) /* a faulting thread waits this long for the flush */

typedef struct registration {
    chan_t *ch;
    struct registration *next;
} registration;

static pthread_mutex_t slock = PTHREAD_MUTEX_INITIALIZER;
static registration *regs[MAX_SIG]; /* under slock */
static _Atomic int nregs[MAX_SIG];  /* channels per signal (the handler reads it) */
static bool installed[MAX_SIG];     /* our handler is in place, under slock */
static struct sigaction prev_act[MAX_SIG]; /* what it replaced; written before install */
static _Atomic bool was_ignored[MAX_SIG];  /* SIG_IGN when we first looked */
static int registered_channels;     /* distinct channels with >= 1 signal, under slock */
static int pipe_fds[2] = {-1, -1};
static pthread_once_t start_once = PTHREAD_ONCE_INIT;

/* The fatal signal being recorded (set by the handler that claimed it). */
static _Atomic int64_t fatal_gid;   /* goroutine it was aimed at (a fault, raise, abort), else 0 */
static _Atomic int fatal_sync;      /* 1: a faulting thread waits for `recorded` */
static _Atomic int recorded;        /* the trace is finished */

/* Signals whose default action ends the process (SIGKILL and SIGSTOP
 * cannot be caught; the real-time ones are added at run time). */
static const int fatal_sigs[] = {SIGHUP,  SIGINT,  SIGQUIT, SIGILL,  SIGTRAP,   SIGABRT,
                                 SIGBUS,  SIGFPE,  SIGUSR1, SIGSEGV, SIGUSR2,   SIGPIPE,
                                 SIGALRM, SIGTERM, SIGSTKFLT, SIGXCPU, SIGXFSZ, SIGVTALRM,
                                 SIGPROF, SIGIO,   SIGPWR,  SIGSYS,  0};

/* Go prints a dump for these (a crash or SIGQUIT), not for SIGINT & co. */
static bool prints_dump(int sig) {
    switch (sig) {
    case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS: case SIGFPE:
    case SIGSEGV: case SIGSYS: return true;
    default: return false;
    }
}

/* The signal was aimed at this very thread: a fault the kernel raised, or
 * raise()/abort()/pthread_kill() in this process.  The goroutine running
 * here is then the one it hit. */
static bool kernel_fault(int sig, const siginfo_t *si) {
    switch (sig) {
    case SIGSEGV: case SIGBUS: case SIGFPE: case SIGILL: case SIGTRAP: case SIGSYS:
        return si && si->si_code > 0; /* kernel-generated */
    default: return false;
    }
}
static bool self_directed(int sig, const siginfo_t *si) {
    return kernel_fault(sig, si) || (si && si->si_code == SI_TKILL && si->si_pid == getpid());
}
/* Returning from the handler would not help: the fault would happen again,
 * and abort() kills by the default action as soon as the handler returns.
 * Such a signal is recorded with this thread waiting. */
static bool must_wait(int sig, const siginfo_t *si) {
    return kernel_fault(sig, si) || (sig == SIGABRT && self_directed(sig, si));
}

static bool is_handler(const struct sigaction *a) {
    if (a->sa_flags & SA_SIGINFO) return a->sa_sigaction != NULL;
    return a->sa_handler != SIG_DFL && a->sa_handler != SIG_IGN;
}

/* Die by sig now (async-signal-safe).  A synchronous fault first goes to
 * the handler we replaced, if any.  In a handler the signal is blocked:
 * unblocking delivers the raised one at once, with the default action. */
static void die_now(int sig, siginfo_t *si, void *ctx, bool sync) {
    const struct sigaction *p = sig > 0 && sig < MAX_SIG ? &prev_act[sig] : NULL;
    if (sync && p && is_handler(p)) {
        sigaction(sig, p, NULL);
        if (p->sa_flags & SA_SIGINFO) p->sa_sigaction(sig, si, ctx);
        else p->sa_handler(sig);
    }
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    raise(sig);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    if (!sync) _exit(128 + sig); /* e.g. a signal whose default is to be ignored */
    /* sync: returning re-executes the fault, now with the default action */
}

static void pipe_put(unsigned char b) {
    ssize_t n = write(pipe_fds[1], &b, 1);
    (void)n; /* a full pipe drops the signal; nothing safe to do here */
}

static int64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void on_signal(int sig, siginfo_t *si, void *ctx) {
    int saved = errno;
    bool sync = must_wait(sig, si);
    if (sig <= 0 || sig >= MAX_SIG) goto out;
    if (!sync && atomic_load(&nregs[sig]) > 0) { /* for the channels */
        pipe_put((unsigned char)sig);
        goto out;
    }
    if (!sync && atomic_load(&was_ignored[sig])) goto out; /* Notify'd, then Stop'ped */
    if (cs_end_is_near() || pipe_fds[1] < 0 || !cs_begin_dying()) {
        die_now(sig, si, ctx, sync); /* a second signal: no waiting */
        goto out;
    }
    cs_g *g = self_directed(sig, si) ? cs_getg_if_any() : NULL;
    atomic_store(&fatal_gid, g ? g->id : 0);
    atomic_store(&fatal_sync, sync);
    pipe_put((unsigned char)(sig | FATAL_BIT));
    if (sync) {
        int64_t until = mono_ns() + FAULT_WAIT_NS;
        while (!atomic_load(&recorded) && mono_ns() < until) {
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
        die_now(sig, si, ctx, true);
    }
out:
    errno = saved;
}

/* Signal thread: record the fatal signal, finish the trace, die by it. */
static void record_and_die(int sig) {
    int64_t gid = atomic_load(&fatal_gid);
    char *dump = cs_goroutine_dump();
    const char *what = strsignal(sig);
    char head[128];
    snprintf(head, sizeof head, "%s: %s", sigabbrev_np(sig) ? sigabbrev_np(sig) : "signal",
             what ? what : "?");
    if (prints_dump(sig)) {
        fflush(stdout);
        fprintf(stderr, "SIG%s\n%s", head, dump ? dump : "");
        fflush(stderr);
    }
    if (CS_TRACING()) {
        size_t n = strlen(head) + (dump ? strlen(dump) : 0) + 8;
        char *text = malloc(n);
        if (text) snprintf(text, n, "SIG%s\n%s", head, dump ? dump : "");
        cs_trace_event_g(gid, EV_SIGNAL, 0, sig, 0, 0, 0, text, (cs_site){"signal", 0});
        free(text);
    }
    free(dump);
    cs_set_end(gid, sig);
    cs_trace_finish("signal", 128 + sig);
    atomic_store(&recorded, 1);
    if (atomic_load(&fatal_sync))
        for (;;) pause(); /* the faulting thread dies by it */
    die_now(sig, NULL, NULL, false);
}

/* On the poller thread: the pipe may have become readable; drain it. */
static void on_pipe_readable(void) {
    for (;;) {
        unsigned char b;
        ssize_t n = read(pipe_fds[0], &b, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return; /* EAGAIN: drained */
        if (b & FATAL_BIT) record_and_die(b & ~FATAL_BIT);
        int sig = b;
        bool delivered = false;
        pthread_mutex_lock(&slock);
        for (registration *r = sig < MAX_SIG ? regs[sig] : NULL; r; r = r->next) {
            int value = sig;
            cs_chan_send_nb_by(r->ch, &value, NULL, (cs_site){"signal", 0});
            delivered = true;
        }
        pthread_mutex_unlock(&slock);
        if (!delivered && sig < MAX_SIG && !atomic_load(&was_ignored[sig])) {
            /* Stop()ped between the handler and here: as if it came now */
            if (cs_end_is_near() || !cs_begin_dying()) die_now(sig, NULL, NULL, false);
            atomic_store(&fatal_gid, 0);
            record_and_die(sig);
        }
        if (delivered && CS_TRACING())
            cs_trace_event_g(0, EV_SIGNAL, 0, sig, 1, 0, 0, NULL, (cs_site){"signal", 0});
    }
}

/* A forked child has no poller thread: give it back the actions we
 * replaced (as the tracer stops tracing there). */
static void after_fork_child(void) {
    pthread_mutex_init(&slock, NULL);
    for (int s = 1; s < MAX_SIG; s++)
        if (installed[s]) {
            sigaction(s, &prev_act[s], NULL);
            installed[s] = false;
            atomic_store(&nregs[s], 0);
            regs[s] = NULL;
        }
    registered_channels = 0;
}

static void start(void) {
    pthread_atfork(NULL, NULL, after_fork_child);
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
        perror("chanscope: signal pipe");
        pipe_fds[0] = pipe_fds[1] = -1;
        return;
    }
    fcntl(pipe_fds[0], F_SETFL, fcntl(pipe_fds[0], F_GETFL) | O_NONBLOCK);
    fcntl(pipe_fds[1], F_SETFL, fcntl(pipe_fds[1], F_GETFL) | O_NONBLOCK);
    /* The poller thread takes no signals itself (the handler may run on any
     * other thread; the pipe carries it there). */
    if (!cs_poll_watch(pipe_fds[0], on_pipe_readable)) perror("chanscope: signal pipe watch");
}

static bool fault_signal(int sig) {
    return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGTRAP ||
           sig == SIGSYS || sig == SIGABRT;
}

/* slock held.  notify: for signal_notify, which installs over anything (as
 * Go's Notify does, an inherited ignore included).  The fatal-signal
 * recording only takes a signal that is at its default action, or a fault
 * whose handler (a sanitizer's) it then chains to: a signal ignored or
 * handled by the program before tracing started stays so. */
static void install(int sig, bool notify) {
    if (sig <= 0 || sig >= MAX_SIG || installed[sig]) return;
    struct sigaction old;
    if (sigaction(sig, NULL, &old) != 0) return;
    if (old.sa_handler == SIG_IGN && !(old.sa_flags & SA_SIGINFO)) {
        atomic_store(&was_ignored[sig], true);
        if (!notify) return;
    }
    if (!notify && is_handler(&old) && !fault_signal(sig)) return;
    prev_act[sig] = old;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) == 0) installed[sig] = true;
}

static char main_altstack[CS_ALTSTACK_BYTES];

void cs_signals_init(void) {
    pthread_once(&start_once, start);
    cs_altstack_on(main_altstack, sizeof main_altstack); /* the thread that starts tracing: main */
    pthread_mutex_lock(&slock);
    for (const int *s = fatal_sigs; *s; s++) install(*s, false);
    for (int s = SIGRTMIN; s <= SIGRTMAX && s < MAX_SIG; s++) install(s, false);
    pthread_mutex_unlock(&slock);
}

/* Only while tracing: the fault handler is the only user (an untraced
 * program pays nothing). */
bool cs_altstack_on(void *buf, size_t n) {
    if (!CS_TRACING()) return false;
    stack_t cur;
    if (sigaltstack(NULL, &cur) != 0 || !(cur.ss_flags & SS_DISABLE)) return false;
    stack_t st = {.ss_sp = buf, .ss_size = n, .ss_flags = 0};
    return sigaltstack(&st, NULL) == 0;
}

void cs_altstack_off(void) {
    stack_t st = {.ss_sp = NULL, .ss_size = 0, .ss_flags = SS_DISABLE};
    sigaltstack(&st, NULL);
}

/* slock held: does ch have any registration? */
static bool has_channel(chan_t *ch) {
    for (int s = 1; s < MAX_SIG; s++)
        for (registration *r = regs[s]; r; r = r->next)
            if (r->ch == ch) return true;
    return false;
}

void cs_signal_notify(chan_t *ch, const int *sigs, cs_site site) {
    if (!ch) cs_panic(site, "os/signal: Notify using nil channel");
    pthread_once(&start_once, start);
    pthread_mutex_lock(&slock);
    bool was_registered = has_channel(ch);
    for (const int *s = sigs; *s; s++) {
        int sig = *s;
        if (sig <= 0 || sig >= MAX_SIG) continue;
        bool dup = false;
        for (registration *r = regs[sig]; r; r = r->next) dup |= r->ch == ch;
        if (dup) continue;
        registration *r = cs_alloc_kept(sizeof *r); /* small, never freed */
        r->ch = ch;
        r->next = regs[sig];
        regs[sig] = r;
        atomic_fetch_add(&nregs[sig], 1);
        install(sig, true);
        /* the analyzer: a goroutine waiting on ch is waiting for the outside
         * world, not stuck (EV_SIGNAL b=2: a registration, obj the channel) */
        CS_EV(EV_SIGNAL, chan_id(ch), sig, 2, 0, 0, site);
    }
    bool now_registered = has_channel(ch);
    if (!was_registered && now_registered && registered_channels++ == 0) cs_sources_add(1);
    pthread_mutex_unlock(&slock);
}

void signal_stop(chan_t *ch) {
    pthread_mutex_lock(&slock);
    bool was_registered = has_channel(ch);
    for (int s = 1; s < MAX_SIG; s++) {
        registration **pp = &regs[s];
        while (*pp) {
            if ((*pp)->ch == ch) {
                *pp = (*pp)->next;
                atomic_fetch_sub(&nregs[s], 1);
            } else
                pp = &(*pp)->next;
        }
    }
    bool release = was_registered && --registered_channels == 0;
    pthread_mutex_unlock(&slock);
    if (release) cs_sources_add(-1);
}
