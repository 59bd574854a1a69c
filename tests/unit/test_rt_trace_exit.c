/*
 * test_rt_trace_exit.c — every exit path flushes the trace: return from
 * main, exit(n), panic (user and misuse), global deadlock, SIGTERM and
 * SIGINT.  Each traced program runs in a forked child; the parent checks
 * the file: complete (gap-free, program_end last), end_reason, exit_status.
 */
#include <stdatomic.h>
#include <sys/mman.h>
#include <signal.h>

#include "chanscope.h"
#include "test_rt_trace_util.h"

static char g_db[256];

static void start_in_child(void) {
    char err[512];
    if (cs_trace_start(g_db, err, sizeof err) != 0) {
        fprintf(stderr, "start: %s\n", err);
        _exit(99);
    }
}

/* Run body traced in a child; returns the result, opens the trace. */
static sqlite3 *run_traced(const char *name, void (*body)(void), child_result *r) {
    snprintf(g_db, sizeof g_db, "%s", tt_path(name));
    run_child(body, 20000, r);
    cr_assert(!r->timed_out, "%s timed out: %s", name, r->out);
    return tt_open(g_db);
}

static void check_end(sqlite3 *db, const char *reason, int status) {
    long long n = tt_check_complete(db);
    cr_assert_str_eq(tt_qs(db, "SELECT value FROM meta WHERE key='end_reason'"), reason);
    cr_assert_eq(tt_qi(db, "SELECT value FROM meta WHERE key='exit_status'"), status);
    cr_assert_eq(tt_qi(db, "SELECT a FROM events WHERE seq=%lld", n), status);
    cr_assert_str_eq(tt_qs(db, "SELECT s FROM events WHERE seq=%lld", n), reason);
}

/* ---- normal ends -------------------------------------------------------- */

static void worker(void *arg) {
    chan_t *ch = arg;
    int v;
    while (chan_recv(ch, &v)) {
    }
}

static void some_work(void) {
    chan_t *ch = chan_make(int, 4);
    go(worker, ch);
    for (int i = 0; i < 100; i++) chan_send(ch, &i);
    chan_close(ch);
}

static void returns(void) {
    start_in_child();
    some_work();
    /* run_child's exit(0) after return = a return from main */
}

Test(trace_exit, return_from_main, .timeout = 30) {
    child_result r;
    sqlite3 *db = run_traced("return.db", returns, &r);
    cr_assert(r.exited && r.status == 0, "%s", r.out);
    check_end(db, "exit", 0);
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM events WHERE kind=%d", EV_CHAN_SEND), 100);
    sqlite3_close(db);
}

static void exits_3(void) {
    start_in_child();
    some_work();
    exit(3);
}

Test(trace_exit, exit_status, .timeout = 30) {
    child_result r;
    sqlite3 *db = run_traced("exit3.db", exits_3, &r);
    cr_assert(r.exited && r.status == 3, "%s", r.out);
    check_end(db, "exit", 3);
    sqlite3_close(db);
}

/* ---- panics and deadlock ----------------------------------------------- */

static void panicker(void *arg) {
    (void)arg;
    go_panic("boom %d", 7);
}

static void panics(void) {
    start_in_child();
    some_work();
    go(panicker, NULL);
    time_sleep(10 * SECOND);
}

Test(trace_exit, flush_on_panic, .timeout = 30) {
    child_result r;
    sqlite3 *db = run_traced("panic.db", panics, &r);
    cr_assert(r.exited && r.status == 2, "status %d: %s", r.status, r.out);
    cr_assert(strstr(r.out, "panic: boom 7"), "%s", r.out);
    check_end(db, "panic", 2);
    long long g = tt_qi(db, "SELECT id FROM goroutines WHERE name='panicker'");
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM events WHERE kind=%d AND g=%lld AND a=0 AND "
                           "s LIKE '%%boom 7%%'",
                       EV_PANIC, g),
                 1);
    sqlite3_close(db);
}

static void double_close(void) {
    start_in_child();
    chan_t *ch = chan_make(int, 0);
    chan_close(ch);
    chan_close(ch);
}

Test(trace_exit, flush_on_misuse_panic, .timeout = 30) {
    child_result r;
    sqlite3 *db = run_traced("misuse.db", double_close, &r);
    cr_assert(r.exited && r.status == 2, "status %d: %s", r.status, r.out);
    check_end(db, "panic", 2);
    long long ch = tt_qi(db, "SELECT obj FROM events WHERE kind=%d", EV_CHAN_MAKE);
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM events WHERE kind=%d AND a=%d AND obj=%lld",
                       EV_PANIC, MISUSE_CLOSE_CLOSED, ch),
                 1);
    sqlite3_close(db);
}

static go_func nil_fn;
static void go_nil(void) {
    start_in_child();
    some_work();
    go(nil_fn, NULL);
}

Test(trace_exit, flush_on_go_of_nil_func, .timeout = 30) {
    child_result r;
    sqlite3 *db = run_traced("gonil.db", go_nil, &r);
    cr_assert(r.exited && r.status == 2, "status %d: %s", r.status, r.out);
    cr_assert(strstr(r.out, "fatal error: go of nil func value"), "%s", r.out);
    check_end(db, "panic", 2);
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM events WHERE kind=%d AND a=%d AND g=1 AND "
                           "s='go of nil func value'",
                       EV_PANIC, MISUSE_GO_NIL_FUNC),
                 1);
    sqlite3_close(db);
}

static void wrong_size_send(void) {
    start_in_child();
    chan_t *ch = chan_make(int64_t, 1);
    int small = 1;
    chan_send(ch, &small);
}

Test(trace_exit, flush_on_elem_size_mismatch, .timeout = 30) {
    child_result r;
    sqlite3 *db = run_traced("elemsize.db", wrong_size_send, &r);
    cr_assert(r.exited && r.status == 2, "status %d: %s", r.status, r.out);
    cr_assert(strstr(r.out, "panic: send of a 4-byte value on a channel of 8-byte elements"),
              "%s", r.out);
    check_end(db, "panic", 2);
    long long ch = tt_qi(db, "SELECT obj FROM events WHERE kind=%d", EV_CHAN_MAKE);
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM events WHERE kind=%d AND a=%d AND obj=%lld",
                       EV_PANIC, MISUSE_ELEM_SIZE, ch),
                 1);
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM events WHERE kind=%d", EV_CHAN_SEND), 0,
                 "nothing was sent");
    sqlite3_close(db);
}

static void stuck(void *arg) {
    chan_t *ch = arg;
    chan_send_v(ch, int, 1); /* nobody ever receives */
}

static void deadlocks(void) {
    start_in_child();
    some_work();
    chan_t *never = chan_make(int, 0);
    go(stuck, never);
    chan_t *other = chan_make(int, 0);
    int v;
    chan_recv(other, &v); /* main blocks: everyone is asleep */
}

Test(trace_exit, flush_on_deadlock, .timeout = 30) {
    child_result r;
    sqlite3 *db = run_traced("deadlock.db", deadlocks, &r);
    cr_assert(r.exited && r.status == 2, "status %d: %s", r.status, r.out);
    cr_assert(strstr(r.out, "all goroutines are asleep"), "%s", r.out);
    check_end(db, "deadlock", 2);
    cr_assert_eq(tt_qi(db, "SELECT a FROM events WHERE kind=%d", EV_DEADLOCK), 2);
    cr_assert_eq(tt_qi(db, "SELECT g FROM events WHERE kind=%d", EV_DEADLOCK), 0);
    /* the stuck sender never ended: its goroutine row has no end_seq */
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM goroutines WHERE name='stuck' AND end_seq IS "
                           "NULL"),
                 1);
    sqlite3_close(db);
}

/* ---- signals ------------------------------------------------------------ */

static void spinner(void *arg) {
    chan_t *ch = arg;
    for (int i = 0;; i++) chan_send(ch, &i);
}

/* How many receives the child has done, shared with the parent so it
 * signals a program that is surely running traced (not a fixed sleep: a
 * loaded sanitizer run can take long to get there). */
static _Atomic long *g_received;

static void busy_until_signalled(void) {
    start_in_child();
    chan_t *ch = chan_make(int, 8);
    go(spinner, ch);
    go(spinner, ch);
    int v;
    for (;;) {
        chan_recv(ch, &v);
        atomic_fetch_add(g_received, 1);
        /* No system call here: under ThreadSanitizer the runtime itself
         * must run the handler TSan defers (proc.c, "ThreadSanitizer's deferred
         * signals"), or the 60 s below run out. */
    }
}

static void check_signal(int sig) {
    char name[32];
    snprintf(name, sizeof name, "sig%d.db", sig);
    snprintf(g_db, sizeof g_db, "%s", tt_path(name));
    g_received = mmap(NULL, sizeof *g_received, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                      -1, 0);
    cr_assert_neq(g_received, MAP_FAILED);
    atomic_store(g_received, 0);
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        die_with_parent(parent);
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        busy_until_signalled();
        _exit(0);
    }
    for (int i = 0; i < 2000 && atomic_load(g_received) < 100; i++) usleep(5 * 1000);
    kill(pid, sig);
    /* Wait for the child's end (not for a time): at most 10 s, 60 s under a
     * sanitizer (ThreadSanitizer delivers an asynchronous signal only when a
     * thread next enters one of its interceptors, which goroutines handing
     * off in user space may not do for a while on a loaded machine). */
    int st = 0;
    pid_t got = 0;
    double t0 = helpers_now(), limit = TT_SANITIZED ? 60.0 : 10.0;
    while ((got = waitpid(pid, &st, WNOHANG)) == 0 && helpers_now() - t0 < limit) usleep(20 * 1000);
    if (got != pid) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        cr_assert_fail("the program did not end on signal %d", sig);
    }
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == sig, "should die by the signal (status %x)", st);
    tt_wait_converted(g_db); /* a signal's end may leave the conversion running */
    sqlite3 *db = tt_open(g_db);
    check_end(db, "signal", 128 + sig);
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM events WHERE kind=%d AND a=%d AND b=0",
                       EV_SIGNAL, sig),
                 1);
    cr_assert_gt(tt_qi(db, "SELECT count(*) FROM events WHERE kind=%d", EV_CHAN_RECV), 10);
    sqlite3_close(db);
}

Test(trace_exit, flush_on_sigterm, .timeout = 90) { check_signal(SIGTERM); }
Test(trace_exit, flush_on_sigint, .timeout = 90) { check_signal(SIGINT); }
