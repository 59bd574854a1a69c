/*
 * signal.c — os/signal.Notify and Stop, and the trace flush on SIGINT/SIGTERM.
 *
 * The handler only writes the signal number into a self-pipe (it is
 * async-signal-safe).  The network poller's thread (netpoll.c, through
 * cs_poll_watch) reads the pipe when it becomes readable and either delivers the signal to every channel registered for it with a
 * non-blocking send (a full channel misses it, as in Go), or — nobody
 * registered — records EV_SIGNAL, ends the trace (end_reason "signal",
 * status 128+sig), restores the default action and re-raises, so the
 * process dies by the signal like any program that did not catch it.
 *
 * While at least one channel is registered it counts as one external wake
 * source: a goroutine waiting for a signal is not a deadlock, as in Go.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chan_internal.h"
#include "netpoll.h"
#include "scheduler.h"
#include "signal_internal.h"
#include "sync_internal.h"
#include "trace_hooks.h"

#define MAX_SIG 65

typedef struct registration {
    chan_t *ch;
    struct registration *next;
} registration;

static pthread_mutex_t slock = PTHREAD_MUTEX_INITIALIZER;
static registration *regs[MAX_SIG]; /* under slock */
static bool installed[MAX_SIG];     /* under slock */
static int registered_channels;     /* distinct channels with >= 1 signal, under slock */
static int pipe_fds[2] = {-1, -1};
static pthread_once_t start_once = PTHREAD_ONCE_INIT;

static void on_signal(int sig) {
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    ssize_t n = write(pipe_fds[1], &b, 1);
    (void)n; /* a full pipe drops the signal; nothing safe to do here */
    errno = saved;
}

static void die_by(int sig) {
    if (CS_TRACING())
        cs_trace_event_g(0, EV_SIGNAL, 0, sig, 0, 0, 0, NULL, (cs_site){"signal", 0});
    cs_trace_finish("signal", 128 + sig);
    signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
    _exit(128 + sig);
}

/* On the poller thread: the pipe may have become readable; drain it. */
static void on_pipe_readable(void) {
    for (;;) {
        unsigned char b;
        ssize_t n = read(pipe_fds[0], &b, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return; /* EAGAIN: drained */
        int sig = b;
        bool delivered = false;
        pthread_mutex_lock(&slock);
        for (registration *r = sig < MAX_SIG ? regs[sig] : NULL; r; r = r->next) {
            int value = sig;
            cs_chan_send_nb_by(r->ch, &value, NULL, (cs_site){"signal", 0});
            delivered = true;
        }
        pthread_mutex_unlock(&slock);
        if (!delivered) die_by(sig);
        if (CS_TRACING())
            cs_trace_event_g(0, EV_SIGNAL, 0, sig, 1, 0, 0, NULL, (cs_site){"signal", 0});
    }
}

static void start(void) {
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
        perror("chanscope: signal pipe");
        return;
    }
    fcntl(pipe_fds[0], F_SETFL, fcntl(pipe_fds[0], F_GETFL) | O_NONBLOCK);
    fcntl(pipe_fds[1], F_SETFL, fcntl(pipe_fds[1], F_GETFL) | O_NONBLOCK);
    /* The poller thread takes no signals itself (the handler may run on any
     * other thread; the pipe carries it there). */
    if (!cs_poll_watch(pipe_fds[0], on_pipe_readable)) perror("chanscope: signal pipe watch");
}

/* slock held. */
static void install(int sig) {
    if (sig <= 0 || sig >= MAX_SIG || installed[sig]) return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) == 0) installed[sig] = true;
}

void cs_signals_init(void) {
    pthread_once(&start_once, start);
    pthread_mutex_lock(&slock);
    install(SIGINT);
    install(SIGTERM);
    pthread_mutex_unlock(&slock);
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
        install(sig);
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
            if ((*pp)->ch == ch) *pp = (*pp)->next;
            else pp = &(*pp)->next;
        }
    }
    bool release = was_registered && --registered_channels == 0;
    pthread_mutex_unlock(&slock);
    if (release) cs_sources_add(-1);
}
