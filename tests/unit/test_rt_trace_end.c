/*
 * test_rt_trace_end.c — the end of every run is recorded (issue 17):
 * who called exit(), the end of a thread not started by go(), every fatal
 * signal (which one, who it hit, a goroutine dump) with the process still
 * dying by it, and signals behaving as untraced (goroutines stop at once,
 * a second SIGINT kills at once, an inherited ignore stays ignored).
 *
 * Each traced program runs in a forked child; the parent drives it through
 * a shared page (progress counters, flags) and checks how it ended and the
 * trace it left.
 */
#include <assert.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/time.h>

#include "chanscope.h"
#include "test_rt_trace_util.h"

/* Sanitizers install their own SIGSEGV/SIGBUS/SIGFPE reports; ours runs
 * first and then chains to theirs, which exits instead of re-raising. */
#define SAN_BOUND(plain, sanitized) (TT_SANITIZED ? (sanitized) : (plain))

typedef struct shared {
    _Atomic long progress; /* receives done by the child's main */
    _Atomic int stop;      /* parent -> child: return from main now */
    _Atomic long gid;      /* the child's goroutine of interest */
} shared;

static shared *sh;
static char g_db[256];
static char g_out[256];

static void start_in_child(void) {
    char err[512];
    if (cs_trace_start(g_db, err, sizeof err) != 0) {
        fprintf(stderr, "start: %s\n", err);
        _exit(99);
    }
}

/* Fork body (traced into name.db, output to name.out); returns the pid. */
static pid_t spawn(const char *name, void (*body)(void), int ignore_sig) {
    char n[64];
    snprintf(n, sizeof n, "%s.db", name);
    snprintf(g_db, sizeof g_db, "%s", tt_path(n));
    snprintf(n, sizeof n, "%s.out", name);
    snprintf(g_out, sizeof g_out, "%s", tt_path(n));
    if (!sh) {
        sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        cr_assert_neq(sh, MAP_FAILED);
    }
    memset(sh, 0, sizeof *sh);
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        die_with_parent(parent);
        int fd = open(g_out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        if (ignore_sig) signal(ignore_sig, SIG_IGN); /* as a shell does for a background job */
        body();
        exit(0);
    }
    return pid;
}

/* Wait for the child at most `seconds`; the wait status, *took its time.
 * Kills it (and fails) if it does not end. */
static int reap(pid_t pid, double seconds, double *took) {
    double t0 = helpers_now();
    int st = 0;
    while (waitpid(pid, &st, WNOHANG) == 0) {
        if (helpers_now() - t0 > seconds) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            cr_assert_fail("the program did not end within %.1f s", seconds);
        }
        usleep(2000);
    }
    if (took) *took = helpers_now() - t0;
    return st;
}

static void wait_progress(long n) {
    double t0 = helpers_now();
    while (atomic_load(&sh->progress) < n && helpers_now() - t0 < 30) usleep(2000);
    cr_assert_geq(atomic_load(&sh->progress), n, "the child made no progress");
}

static char *slurp(const char *path) {
    static char buf[65536];
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f) fclose(f);
    buf[n] = 0;
    return buf;
}

/* The trace is finished and says the program ended by `reason`. */
static sqlite3 *check_finished(const char *reason, int status) {
    tt_wait_converted(g_db);
    sqlite3 *db = tt_open(g_db);
    long long n = tt_check_complete(db);
    cr_assert_str_eq(tt_qs(db, "SELECT value FROM meta WHERE key='end_reason'"), reason);
    cr_assert_eq(tt_qi(db, "SELECT value FROM meta WHERE key='exit_status'"), status);
    cr_assert_eq(tt_qi(db, "SELECT kind FROM events WHERE seq=%lld", n), EV_PROGRAM_END);
    return db;
}

/* ---- load: goroutines busy on a channel ---------------------------------- */

static void spinner(void *arg) {
    chan_t *ch = arg;
    for (int i = 0;; i++) chan_send(ch, &i);
}

static void busy_main(void) {
    chan_t *ch = chan_make(int, 8);
    go(spinner, ch);
    go(spinner, ch);
    int v;
    while (!atomic_load(&sh->stop)) {
        chan_recv(ch, &v);
        atomic_fetch_add(&sh->progress, 1);
        /* No system call here: under ThreadSanitizer the runtime itself
         * must run the handler TSan defers (proc.c, "ThreadSanitizer's deferred
         * signals"), or a signal sent from outside waits for ever. */
    }
}

/* ---- exit() from a goroutine -------------------------------------------- */

static void exiter(void *arg) {
    chan_t *ch = arg;
    atomic_store(&sh->gid, goroutine_id());
    chan_send_v(ch, int, 1);
    exit(3);
}

static void exit_from_goroutine(void) {
    start_in_child();
    chan_t *ch = chan_make(int, 1);
    go(exiter, ch);
    int v;
    chan_recv(ch, &v);
    chan_recv(ch, &v); /* blocks: the goroutine ends the program */
}

Test(trace_end, exit_from_goroutine_names_it, .timeout = 60) {
    pid_t pid = spawn("exitg", exit_from_goroutine, 0);
    int st = reap(pid, 20, NULL);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 3, "status %x: %s", st, slurp(g_out));
    sqlite3 *db = check_finished("exit", 3);
    long long g = atomic_load(&sh->gid);
    cr_assert_gt(g, 1);
    cr_assert_eq(tt_qi(db, "SELECT value FROM meta WHERE key='end_goroutine'"), g);
    cr_assert_eq(tt_qi(db, "SELECT g FROM events WHERE kind=%d", EV_PROGRAM_END), g);
    sqlite3_close(db);
}

static void exit_from_main(void) {
    start_in_child();
    chan_t *ch = chan_make(int, 1);
    chan_send_v(ch, int, 1);
    exit(4);
}

Test(trace_end, exit_from_main_names_main, .timeout = 60) {
    pid_t pid = spawn("exitm", exit_from_main, 0);
    int st = reap(pid, 20, NULL);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 4, "status %x: %s", st, slurp(g_out));
    sqlite3 *db = check_finished("exit", 4);
    cr_assert_eq(tt_qi(db, "SELECT value FROM meta WHERE key='end_goroutine'"), 1);
    cr_assert_eq(tt_qi_or(db, -1, "SELECT value FROM meta WHERE key='end_signal'"), -1);
    sqlite3_close(db);
}

/* ---- a thread not started by go() ----------------------------------------- */

static void *plain_thread(void *arg) {
    chan_t *ch = arg;
    atomic_store(&sh->gid, goroutine_id());
    chan_send_v(ch, int, 7);
    return NULL;
}

static void joined_thread(void) {
    start_in_child();
    chan_t *ch = chan_make(int, 1);
    pthread_t th;
    pthread_create(&th, NULL, plain_thread, ch);
    pthread_join(th, NULL);
    int v;
    chan_recv(ch, &v);
}

Test(trace_end, joined_thread_ends, .timeout = 60) {
    pid_t pid = spawn("thread", joined_thread, 0);
    int st = reap(pid, 20, NULL);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %x: %s", st, slurp(g_out));
    sqlite3 *db = check_finished("exit", 0);
    long long g = atomic_load(&sh->gid);
    cr_assert_gt(g, 1);
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM events WHERE kind=%d AND g=%lld", EV_GO_END, g),
                 1);
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM goroutines WHERE id=%lld AND end_seq IS NOT "
                           "NULL",
                       g),
                 1);
    sqlite3_close(db);
}

/* ---- crashes: the signal, who it hit, a dump; still dies by it ------------ */

static volatile int zero = 0;
static bool overflow; /* SIGSEGV by a stack overflow (needs the alternate stack) */

static volatile int depth_limit = 1 << 30; /* never reached: the stack ends first */

static int deeper(int n) {
    volatile char pad[512];
    pad[0] = (char)n;
    if (n >= depth_limit) return 0;
    return deeper(n + 1) + pad[0]; /* not a tail call */
}
static volatile int *volatile null_ptr = NULL;
static int crash_sig;

static void crasher(void *arg) {
    (void)arg;
    atomic_store(&sh->gid, goroutine_id());
    chan_t *ch = chan_make(int, 1);
    chan_send_v(ch, int, 1); /* a last step the trace can show */
    while (atomic_load(&sh->progress) < 50) time_sleep(MILLISECOND); /* under load */
    switch (crash_sig) {
    case SIGSEGV:
        if (overflow) deeper(0);
        *null_ptr = 1;
        break;
    case SIGFPE: /* UBSan reports a division by zero itself, before any signal */
        if (TT_SANITIZED) raise(SIGFPE);
        else zero = 10 / zero;
        break;
    case SIGILL: __builtin_trap();
    case SIGABRT: assert(zero == 42); break;
    case SIGBUS: raise(SIGBUS); break;
    case SIGPIPE: {
        int fds[2];
        if (pipe(fds) == 0) {
            close(fds[0]);
            ssize_t n = write(fds[1], "x", 1); /* the kernel sends SIGPIPE */
            (void)n;
        }
        break;
    }
    case SIGALRM: {
        struct itimerval it = {{0, 0}, {0, 10000}};
        setitimer(ITIMER_REAL, &it, NULL);
        break;
    }
    default: break;
    }
    for (;;) time_sleep(MILLISECOND); /* async signals: sent from outside */
}

static void crashing(void) {
    start_in_child();
    go(crasher, NULL);
    busy_main();
}

/* Signals the program raises itself (faults, abort, the kernel's SIGPIPE,
 * a timer's SIGALRM) vs the ones the parent sends. */
static bool self_raised(int sig) {
    return sig == SIGSEGV || sig == SIGFPE || sig == SIGILL || sig == SIGABRT || sig == SIGBUS ||
           sig == SIGPIPE || sig == SIGALRM;
}
static bool synchronous(int sig) {
    return sig == SIGSEGV || sig == SIGFPE || sig == SIGILL || sig == SIGABRT || sig == SIGBUS;
}

static void check_crash(int sig) {
    crash_sig = sig;
    char name[32];
    snprintf(name, sizeof name, "crash%d", sig);
    pid_t pid = spawn(name, crashing, 0);
    wait_progress(50);
    if (!self_raised(sig)) kill(pid, sig);
    int st = reap(pid, SAN_BOUND(20, 60), NULL);
    const char *out = slurp(g_out);
    bool sanitizer_took_it = TT_SANITIZED && WIFEXITED(st) && strstr(out, "Sanitizer");
    cr_assert(sanitizer_took_it || (WIFSIGNALED(st) && WTERMSIG(st) == sig),
              "should die by signal %d (status %x): %s", sig, st, out);
    sqlite3 *db = check_finished("signal", 128 + sig);
    cr_assert_eq(tt_qi(db, "SELECT value FROM meta WHERE key='end_signal'"), sig);
    cr_assert_eq(tt_qi(db, "SELECT b FROM events WHERE kind=%d", EV_PROGRAM_END), sig);
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM events WHERE kind=%d AND a=%d AND b=0",
                       EV_SIGNAL, sig),
                 1);
    /* the dump: every goroutine, main included */
    const char *dump = tt_qs(db, "SELECT s FROM events WHERE kind=%d", EV_SIGNAL);
    cr_assert(strstr(dump, "goroutine 1 [") && strstr(dump, "crasher()"), "dump: %s", dump);
    long long g = atomic_load(&sh->gid);
    long long expect_g = synchronous(sig) ? g : 0;
    cr_assert_eq(tt_qi(db, "SELECT g FROM events WHERE kind=%d", EV_SIGNAL), expect_g);
    cr_assert_eq(tt_qi(db, "SELECT value FROM meta WHERE key='end_goroutine'"), expect_g);
    if (synchronous(sig) && !sanitizer_took_it)
        cr_assert(strstr(out, "goroutine 1 ["), "a crash prints the dump: %s", out);
    sqlite3_close(db);
}

Test(trace_end, crash_sigsegv, .timeout = 90) { check_crash(SIGSEGV); }
/* A goroutine stack overflow is Go's fatal error (exit 2), not a crash by
 * SIGSEGV: the guard-page handler (stackguard.c) prints it and the trace
 * ends as a panic of that goroutine. */
Test(trace_end, crash_stack_overflow, .timeout = 90) {
    overflow = true;
    crash_sig = SIGSEGV;
    pid_t pid = spawn("overflow", crashing, 0);
    wait_progress(50);
    int st = reap(pid, SAN_BOUND(20, 60), NULL);
    const char *out = slurp(g_out);
    if (TT_SANITIZED && strstr(out, "Sanitizer")) return; /* ASan reports it itself */
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2, "should exit 2 (status %x): %s", st, out);
    cr_assert(strstr(out, "fatal error: stack overflow"), "%s", out);
    sqlite3 *db = check_finished("panic", 2);
    long long g = atomic_load(&sh->gid);
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM events WHERE kind=%d AND g=%lld AND "
                           "s='stack overflow'",
                       EV_PANIC, g),
                 1);
    cr_assert_eq(tt_qi(db, "SELECT value FROM meta WHERE key='end_goroutine'"), g);
    sqlite3_close(db);
}
Test(trace_end, crash_sigbus, .timeout = 90) { check_crash(SIGBUS); }
Test(trace_end, crash_sigfpe, .timeout = 90) { check_crash(SIGFPE); }
Test(trace_end, crash_sigill, .timeout = 90) { check_crash(SIGILL); }
Test(trace_end, crash_abort, .timeout = 90) { check_crash(SIGABRT); }
Test(trace_end, crash_sigpipe, .timeout = 90) { check_crash(SIGPIPE); }
Test(trace_end, crash_sigalrm, .timeout = 90) { check_crash(SIGALRM); }
Test(trace_end, killed_sighup, .timeout = 90) { check_crash(SIGHUP); }
Test(trace_end, killed_sigusr1, .timeout = 90) { check_crash(SIGUSR1); }
Test(trace_end, killed_sigusr2, .timeout = 90) { check_crash(SIGUSR2); }
Test(trace_end, killed_sigquit, .timeout = 90) { check_crash(SIGQUIT); }
Test(trace_end, killed_sigterm, .timeout = 90) { check_crash(SIGTERM); }

/* ---- tracing does not change how signals behave ------------------------- */

static void busy(void) {
    start_in_child();
    time_new_ticker(MILLISECOND); /* fires (and drops) all along: the timer thread too must stop */
    busy_main();
}

/* After SIGINT under load the program stops at once: user code makes
 * (almost) no progress after the signal — it used to run on for the 1-6 s
 * of the flush, hundreds of thousands of receives — no goroutine takes more
 * than a step or two after the signal is recorded, and it is dead within a
 * bounded time, by SIGINT. */
Test(trace_end, sigint_under_load_stops_at_once, .timeout = 90) {
    pid_t pid = spawn("load", busy, 0);
    wait_progress(TT_SCALE(200000));
    long at_signal = atomic_load(&sh->progress);
    kill(pid, SIGINT);
    double took;
    int st = reap(pid, 30, &took);
    long after_signal = atomic_load(&sh->progress) - at_signal;
    /* (Under ThreadSanitizer too: the runtime runs the handler TSan defers
     * at the next switch of the goroutine the signal landed on.) */
    cr_assert_lt(after_signal, 20000, "%ld receives after SIGINT", after_signal);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGINT, "status %x: %s", st, slurp(g_out));
    cr_assert_lt(took, SAN_BOUND(3.0, 15.0), "took %.2f s to die", took);
    sqlite3 *db = check_finished("signal", 130);
    long long sig_seq = tt_qi(db, "SELECT seq FROM events WHERE kind=%d", EV_SIGNAL);
    long long after = tt_qi(db, "SELECT count(*) FROM events WHERE seq > %lld AND kind <> %d",
                            sig_seq, EV_PROGRAM_END);
    cr_assert_leq(after, 24, "%lld events after the signal was recorded", after);
    sqlite3_close(db);
}

/* Bit SIG of the mask KEY ("SigIgn:", "ShdPnd:") in /proc/PID/status;
 * false when PID is gone (MUST_EXIST: fail then). */
static bool status_bit(pid_t pid, const char *key, int sig, bool must_exist) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (must_exist) cr_assert(f);
    if (!f) return false;
    unsigned long long mask = 0;
    size_t kn = strlen(key);
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, key, kn)) mask = strtoull(line + kn, NULL, 16);
    fclose(f);
    return mask >> (sig - 1) & 1;
}

/* Is SIG pending for the whole process PID (sent, not yet taken by a
 * thread)? */
static bool sig_pending(pid_t pid, int sig) { return status_bit(pid, "ShdPnd:", sig, false); }

/* A second SIGINT while the trace is being flushed kills at once.  The
 * second is sent once the first was taken (two pending SIGINTs are one). */
Test(trace_end, second_sigint_kills_at_once, .timeout = 90) {
    pid_t pid = spawn("twice", busy, 0);
    wait_progress(TT_SCALE(400000)); /* a big trace: finishing it takes a while */
    kill(pid, SIGINT);
    for (int i = 0; i < 10000 && sig_pending(pid, SIGINT); i++) usleep(1000);
    usleep(20 * 1000);
    kill(pid, SIGINT);
    double took;
    int st = reap(pid, 30, &took);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGINT, "status %x: %s", st, slurp(g_out));
    cr_assert_lt(took, SAN_BOUND(0.5, 3.0), "took %.2f s after the second SIGINT", took);
}

static bool sig_ignored(pid_t pid, int sig) { return status_bit(pid, "SigIgn:", sig, true); }

/* A background job's ignored SIGINT/SIGQUIT stays ignored when traced. */
static void check_inherited_ignore(int sig) {
    char name[32];
    snprintf(name, sizeof name, "ign%d", sig);
    pid_t pid = spawn(name, busy, sig);
    wait_progress(1000); /* tracing started long ago */
    cr_assert(sig_ignored(pid, sig), "the tracer replaced the inherited SIG_IGN");
    kill(pid, sig);
    long at = atomic_load(&sh->progress);
    wait_progress(at + 1000); /* still running after the signal */
    atomic_store(&sh->stop, 1);
    int st = reap(pid, 30, NULL);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %x: %s", st, slurp(g_out));
    sqlite3 *db = check_finished("exit", 0);
    sqlite3_close(db);
}

Test(trace_end, inherited_sigint_ignore_kept, .timeout = 90) { check_inherited_ignore(SIGINT); }
Test(trace_end, inherited_sigquit_ignore_kept, .timeout = 90) { check_inherited_ignore(SIGQUIT); }

/* A handler the program installed before tracing started keeps handling
 * its signal (the tracer only takes signals at their default action). */
static void on_usr1(int sig) {
    (void)sig;
    atomic_fetch_add(&sh->gid, 1);
}

static void handles_usr1(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    start_in_child();
    busy_main();
}

Test(trace_end, program_handler_kept, .timeout = 90) {
    pid_t pid = spawn("usr1", handles_usr1, 0);
    wait_progress(1000);
    kill(pid, SIGUSR1);
    double t0 = helpers_now();
    while (atomic_load(&sh->gid) == 0 && helpers_now() - t0 < 20) usleep(2000);
    cr_assert_eq(atomic_load(&sh->gid), 1, "the program's own handler did not run");
    atomic_store(&sh->stop, 1);
    int st = reap(pid, 30, NULL);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %x: %s", st, slurp(g_out));
    sqlite3 *db = check_finished("exit", 0);
    sqlite3_close(db);
}
