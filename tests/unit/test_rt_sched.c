/*
 * test_rt_sched.c — the M:N scheduler: many goroutines, stack overflow,
 * goroutines that block their thread or never call the runtime, threads the
 * runtime did not create, yields.  Each scenario that could hang or crash
 * runs in a child process (helpers.h) with a timeout.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "chanscope.h"
#include "helpers.h"
#include "rt_test_util.h"
#include "sync_internal.h"

/* ---- many parked goroutines ------------------------------------------------ */

static chan_t *gate;
static waitgroup_t *many_wg;
static void wait_at_gate(void *arg) {
    (void)arg;
    int v;
    chan_recv(gate, &v); /* parks until the gate closes */
    wg_done(many_wg);
}

/* More goroutines than the kernel allows guarded mappings for (each guarded
 * stack is two mappings, vm.max_map_count is 65530): all park, all finish. */
static void park_many(void) {
    int n = SANITIZED ? 20000 : 100000;
    static waitgroup_t wg = WAITGROUP_INIT;
    many_wg = &wg;
    gate = chan_make(int, 0);
    wg_add(&wg, n);
    for (int i = 0; i < n; i++) go(wait_at_gate, NULL);
    wait_parked(n);
    if (cs_count_blocked_now() != n) {
        printf("only %d of %d parked\n", cs_count_blocked_now(), n);
        exit(1);
    }
    chan_close(gate);
    wg_wait(&wg);
    /* (wg_done comes just before a goroutine's end: wait for the ends) */
    int64_t t0 = time_now();
    while (goroutine_count() > 1 && time_since(t0) < 10 * SECOND) time_sleep(MILLISECOND);
    printf("all %d done, %d left\n", n, goroutine_count());
}

Test(sched, hundred_thousand_parked_goroutines, .timeout = 120) {
    child_result r;
    run_child(park_many, 110000, &r);
    cr_assert(r.exited && r.status == 0, "status %d timed_out %d:\n%s", r.status, r.timed_out, r.out);
    cr_assert(strstr(r.out, "done, 1 left"), "%s", r.out);
}

/* ---- stack overflow ----------------------------------------------------------- */

static volatile int sink;
static volatile int forever = 1; /* (so the compiler sees a way out) */
static int recurse(int depth) {
    volatile char pad[512];
    pad[0] = (char)depth;
    sink = pad[0];
    if (!forever) return 0;
    return recurse(depth + 1) + pad[0];
}
static void overflow(void *arg) {
    (void)arg;
    sink = recurse(0);
}
static void overflow_in_goroutine(void) {
    go_named("deep", overflow, NULL);
    time_sleep(5 * SECOND);
}

Test(sched, stack_overflow_is_a_go_shaped_fatal_error, .timeout = 20) {
    child_result r;
    run_child(overflow_in_goroutine, 10000, &r);
    cr_assert(r.exited && r.status == 2, "exited %d status %d:\n%s", r.exited, r.status, r.out);
    cr_assert(strstr(r.out, "runtime: goroutine stack exceeds "), "%s", r.out);
    cr_assert(strstr(r.out, "-byte limit\n"), "%s", r.out);
    cr_assert(strstr(r.out, "fatal error: stack overflow\n"), "%s", r.out);
    cr_assert(strstr(r.out, "goroutine 2 [running]:\ndeep()\n"), "%s", r.out);
    cr_assert(strstr(r.out, "created by main in goroutine 1\n\t"), "%s", r.out);
    cr_assert(strstr(r.out, "test_rt_sched.c:"), "%s", r.out);
}

/* Without guard pages (old kernels, past the mapping budget) a canary at
 * the bottom of the stack is checked when the goroutine switches out. */
static int dip(char *lo, int depth) {
    volatile char pad[256];
    pad[0] = (char)depth;
    if ((char *)pad > lo - 1024) return dip(lo, depth + 1) + pad[0];
    go_yield(); /* switch out (always: a park may be readied early), below the stack */
    return pad[0];
}
static void overflow_a_little(void *arg) {
    (void)arg;
    sink = dip(cs_getg()->stack.lo, 0);
}
static void canary_overflow(void) {
    setenv("CHANSCOPE_DEBUG", "canarystacks", 1);
    go_named("dipper", overflow_a_little, NULL);
    time_sleep(5 * SECOND);
}

Test(sched, canary_stack_overflow_is_reported_at_switch_out, .timeout = 20) {
    child_result r;
    run_child(canary_overflow, 10000, &r);
    cr_assert(r.exited && r.status == 2, "exited %d status %d:\n%s", r.exited, r.status, r.out);
    cr_assert(strstr(r.out, "fatal error: stack overflow\n"), "%s", r.out);
    cr_assert(strstr(r.out, "goroutine 2 [running]:\ndipper()\n"), "%s", r.out);
}

/* ---- a goroutine that never calls the runtime ---------------------------------- */

static atomic_int released;
static void release(void *arg) {
    (void)arg;
    atomic_store(&released, 1);
}
static void spin_until_released(void) {
    setenv("CHANSCOPE_MAXPROCS", "1", 1); /* before the first runtime call */
    go(release, NULL);
    /* One P, held by this busy loop: only sysmon taking the P away (and
     * giving it to another thread) lets `release` run. */
    while (!atomic_load(&released)) {
    }
    printf("released\n");
}

Test(sched, busy_goroutine_does_not_starve_others, .timeout = 20) {
    child_result r;
    run_child(spin_until_released, 10000, &r);
    cr_assert(r.exited && r.status == 0, "status %d timed_out %d:\n%s", r.status, r.timed_out, r.out);
    cr_assert(strstr(r.out, "released"), "%s", r.out);
}

/* ---- a goroutine blocked in a system call ------------------------------------- */

static int pipefd[2];
static void writer(void *arg) {
    chan_t *ch = arg;
    int v;
    chan_recv(ch, &v); /* needs the P that the reader's thread sits on */
    char c = 'x';
    if (write(pipefd[1], &c, 1) != 1) exit(3);
}
static void blocked_read(void) {
    setenv("CHANSCOPE_MAXPROCS", "1", 1);
    if (pipe(pipefd) != 0) exit(3);
    chan_t *ch = chan_make(int, 0);
    go(writer, ch);
    go_yield(); /* the writer parks on ch */
    int v = 1;
    chan_send(ch, &v); /* readies it: it waits for the P */
    char c;
    /* An unannotated blocking read that holds the only P. */
    if (read(pipefd[0], &c, 1) != 1) exit(3);
    printf("read %c\n", c);
}

Test(sched, blocking_system_call_does_not_hang_the_program, .timeout = 20) {
    child_result r;
    run_child(blocked_read, 10000, &r);
    cr_assert(r.exited && r.status == 0, "status %d timed_out %d:\n%s", r.status, r.timed_out, r.out);
    cr_assert(strstr(r.out, "read x"), "%s", r.out);
}

/* ---- sync.Mutex leaves starvation mode ------------------------------------------ */

/* Go: a waiter handed the lock in starvation mode switches the mutex back to
 * normal mode if it waited less than 1 ms itself, even with others still
 * queued.  Without that, a contended mutex hands off (a park and a wake-up)
 * on every unlock forever.  One P, so the steps below run in this order. */
static mutex_t smu;
static int64_t starving_seen = -1;
static int64_t *starving_word(void) { return &cs_waitq_aux(cs_waitq_get(&smu.q))[0]; }
static void take_and_look(void *arg) {
    (void)arg;
    mutex_lock(&smu);
    cs_waitq *q = cs_waitq_get(&smu.q);
    pthread_mutex_lock(&q->lock);
    if (starving_seen < 0) starving_seen = *starving_word();
    pthread_mutex_unlock(&q->lock);
    mutex_unlock(&smu);
}
static void mutex_starvation_ends(void) {
    setenv("CHANSCOPE_MAXPROCS", "1", 1);
    for (int attempt = 0; attempt < 20; attempt++) {
        starving_seen = -1;
        mutex_lock(&smu);
        int64_t t0 = time_now();
        go(take_and_look, NULL);
        go(take_and_look, NULL);
        while (cs_count_blocked_now() < 2) go_yield(); /* both queued */
        cs_waitq *q = cs_waitq_get(&smu.q);
        pthread_mutex_lock(&q->lock);
        *starving_word() = 1; /* as after a waiter waited > 1 ms */
        pthread_mutex_unlock(&q->lock);
        mutex_unlock(&smu); /* hands the lock to the first waiter */
        while (starving_seen < 0) go_yield();
        bool quick = time_since(t0) < 900 * MICROSECOND;
        while (goroutine_count() > 1) go_yield();
        if (quick) { /* (a loaded machine may stall us past 1 ms: retry) */
            printf("starving after hand-off: %lld\n", (long long)starving_seen);
            return;
        }
    }
    printf("inconclusive: always slower than 1 ms\n");
}

Test(sched, mutex_leaves_starvation_mode_after_a_quick_hand_off, .timeout = 30) {
    child_result r;
    run_child(mutex_starvation_ends, 20000, &r);
    cr_assert(r.exited && r.status == 0, "status %d:\n%s", r.status, r.out);
    cr_assert(strstr(r.out, "starving after hand-off: 0\n"), "%s", r.out);
}

/* ---- timers while every thread is busy -------------------------------------------- */

static atomic_int woke;
static void sleeper(void *arg) {
    (void)arg;
    time_sleep(10 * MILLISECOND);
    atomic_store(&woke, 1);
}
static void timer_fires_while_busy(void) {
    setenv("CHANSCOPE_MAXPROCS", "1", 1);
    go(sleeper, NULL);
    go_yield(); /* the sleeper parks on its timer */
    /* The only P stays here: no M looks at the timers while scheduling, so
     * sysmon must deliver the timer and hand the P to the sleeper. */
    int64_t t0 = time_now();
    while (!atomic_load(&woke) && time_since(t0) < 5 * SECOND) {
    }
    printf(atomic_load(&woke) ? "woke\n" : "never woke\n");
}

Test(sched, timer_fires_while_every_thread_is_busy, .timeout = 20) {
    child_result r;
    run_child(timer_fires_while_busy, 10000, &r);
    cr_assert(r.exited && r.status == 0, "status %d:\n%s", r.status, r.out);
    cr_assert(strstr(r.out, "woke\n") && !strstr(r.out, "never"), "%s", r.out);
}

/* ---- cs_entersyscall / cs_exitsyscall ------------------------------------------ */

static atomic_int other_ran, other_done;
static void other_spins(void *arg) {
    (void)arg;
    atomic_store(&other_ran, 1);
    int64_t t0 = time_now();
    while (time_since(t0) < 100 * MILLISECOND) {
    } /* holds the P when the system call ends */
    atomic_store(&other_done, 1);
}
static void syscall_hands_off_the_p(void) {
    setenv("CHANSCOPE_MAXPROCS", "1", 1);
    go(other_spins, NULL);
    cs_entersyscall();
    usleep(50 * 1000); /* the P goes to other_spins within ~20 µs + a sysmon tick */
    cs_exitsyscall();  /* no idle P: waits in the global queue for one */
    if (!atomic_load(&other_ran)) {
        printf("the other goroutine did not run during the system call\n");
        exit(1);
    }
    while (!atomic_load(&other_done)) go_yield();
    printf("handed off\n");
}

Test(sched, system_call_hands_its_p_to_another_thread, .timeout = 20) {
    child_result r;
    run_child(syscall_hands_off_the_p, 10000, &r);
    cr_assert(r.exited && r.status == 0, "status %d timed_out %d:\n%s", r.status, r.timed_out, r.out);
    cr_assert(strstr(r.out, "handed off"), "%s", r.out);
}

/* ---- go_yield on one P ------------------------------------------------------------ */

static atomic_int turns[2];
static void yielder(void *arg) {
    int me = (int)(intptr_t)arg;
    for (int i = 0; i < 1000; i++) {
        atomic_fetch_add(&turns[me], 1);
        go_yield();
    }
}
static void yield_alternates(void) {
    setenv("CHANSCOPE_MAXPROCS", "1", 1);
    static waitgroup_t wg = WAITGROUP_INIT;
    wg_add(&wg, 1);
    go(yielder, (void *)1);
    for (int i = 0; i < 1000; i++) {
        atomic_fetch_add(&turns[0], 1);
        go_yield();
        /* One P: the other goroutine runs between our turns (it yields as
         * well).  Not strictly alternating: every 61st schedule looks at
         * the global queue first (fairness), which can let one side run
         * twice in a row, as in Go. */
        /* Not an upper bound: when the OS deschedules this thread for over
         * 10 ms (a loaded machine, a sanitizer), sysmon hands the P to
         * another thread (docs/runtime.md) and the other goroutine may run
         * ahead for a while; what one P must never do is starve it. */
        int other = atomic_load(&turns[1]);
        if (other < i / 2 - 2) {
            printf("turn %d: other at %d\n", i, other);
            exit(1);
        }
    }
    printf("alternated\n");
}

Test(sched, yield_lets_the_other_goroutine_run, .timeout = 20) {
    child_result r;
    run_child(yield_alternates, 10000, &r);
    cr_assert(r.exited && r.status == 0, "status %d:\n%s", r.status, r.out);
    cr_assert(strstr(r.out, "alternated"), "%s", r.out);
}

/* ---- a thread the runtime did not create ------------------------------------------ */

static chan_t *to_main, *to_thread;
static atomic_int thread_joined_runtime;
/* A thread counts as a goroutine from its first runtime call on: before
 * that, the runtime cannot know it exists.  Main waits for that call. */
static void wait_thread_joined(void) {
    while (!atomic_load(&thread_joined_runtime)) time_sleep(MILLISECOND);
}
static void *foreign(void *arg) {
    (void)arg;
    goroutine_id();
    atomic_store(&thread_joined_runtime, 1);
    int v = 41;
    chan_send(to_main, &v); /* main is parked on it: readied from here */
    chan_recv(to_thread, &v); /* this thread parks on its futex */
    v++;
    chan_send(to_main, &v);
    return NULL;
}
static void foreign_then_deadlock(void) {
    to_main = chan_make(int, 0);
    to_thread = chan_make(int, 0);
    int v;
    pthread_t th;
    if (pthread_create(&th, NULL, foreign, NULL) != 0) exit(3);
    wait_thread_joined();
    chan_recv(to_main, &v);
    chan_send(to_thread, &v);
    chan_recv(to_main, &v);
    printf("got %d\n", v);
    pthread_join(th, NULL);
    /* The foreign thread is gone: blocking forever is a deadlock again. */
    chan_recv(to_main, &v);
}

Test(sched, foreign_thread_is_a_goroutine_until_it_exits, .timeout = 20) {
    child_result r;
    run_child(foreign_then_deadlock, 10000, &r);
    cr_assert(strstr(r.out, "got 42\n"), "%s", r.out);
    cr_assert(r.exited && r.status == 2, "status %d timed_out %d:\n%s", r.status, r.timed_out, r.out);
    cr_assert(strstr(r.out, "all goroutines are asleep - deadlock!"), "%s", r.out);
}

static void *foreign_blocks_forever(void *arg) {
    (void)arg;
    goroutine_id();
    atomic_store(&thread_joined_runtime, 1);
    int v;
    chan_recv(to_thread, &v); /* nobody will send */
    return NULL;
}
static void main_blocks_while_foreign_thread_lives(void) {
    to_thread = chan_make(int, 0);
    to_main = chan_make(int, 0);
    pthread_t th;
    if (pthread_create(&th, NULL, foreign_blocks_forever, NULL) != 0) exit(3);
    wait_thread_joined();
    wait_parked(1);
    int v;
    printf("main blocks\n");
    chan_recv(to_main, &v); /* all blocked, but a foreign thread exists */
}

Test(sched, no_deadlock_declared_while_a_foreign_thread_exists, .timeout = 20) {
    child_result r;
    run_child(main_blocks_while_foreign_thread_lives, 1500, &r);
    cr_assert(strstr(r.out, "main blocks"), "%s", r.out);
    cr_assert(r.timed_out, "ended (status %d):\n%s", r.status, r.out);
    cr_assert_null(strstr(r.out, "deadlock"), "%s", r.out);
}

/* ---- a goroutine blocked in a system call holds no processor ----------------------- */

/* One P, and sysmon retakes a P only from a call marked with
 * syscall_blocking (CHANSCOPE_DEBUG=noretake): main can write the byte the
 * reader waits for only if the reader's P was handed on.  Without the mark
 * this program hangs (the child's timeout ends it). */
static int sys_pipe[2];
static atomic_int sys_entered;
static chan_t *sys_done;
static void sys_reader(void *arg) {
    (void)arg;
    char c = 0;
    atomic_store(&sys_entered, 1);
    ssize_t n = syscall_blocking(read(sys_pipe[0], &c, 1));
    printf("read %zd '%c'\n", n, c);
    chan_send_v(sys_done, int, 1);
}
static void blocked_syscall_hands_on_its_p(void) {
    setenv("CHANSCOPE_MAXPROCS", "1", 1);
    setenv("CHANSCOPE_DEBUG", "noretake", 1);
    if (pipe(sys_pipe) != 0) return;
    sys_done = chan_make(int, 0);
    go(sys_reader, NULL);
    while (!atomic_load(&sys_entered)) go_yield();
    /* here only once the reader's P was handed to another thread */
    if (write(sys_pipe[1], "x", 1) != 1) return;
    chan_recv(sys_done, NULL);
    /* errno and the value survive the hand-back (the goroutine may now be
     * on another thread) */
    errno = 0;
    int r = syscall_blocking(close(-1));
    printf("close(-1) = %d, errno %s\n", r, errno == EBADF ? "EBADF" : "lost");
}

Test(sched, a_goroutine_blocked_in_a_marked_system_call_holds_no_processor, .timeout = 20) {
    child_result r;
    run_child(blocked_syscall_hands_on_its_p, 10000, &r);
    cr_assert(r.exited && r.status == 0, "exited %d status %d:\n%s", r.exited, r.status, r.out);
    cr_assert(strstr(r.out, "read 1 'x'\n"), "%s", r.out);
    cr_assert(strstr(r.out, "close(-1) = -1, errno EBADF\n"), "%s", r.out);
}

/* ---- a signal reaches its handler wherever it lands --------------------------------- */

/* ThreadSanitizer runs a handler at once only if the thread is in one of its
 * blocking interceptors; otherwise it defers it to the next interceptor of
 * the fiber that was running (proc.c, "ThreadSanitizer's deferred
 * signals").  Here SIGUSR1 is aimed at one thread at a chosen moment
 * (tgkill, from a plain thread) and main waits for it on signal.Notify's
 * channel.  Without the
 * runtime's signal points a TSan build never runs the handler: the child
 * times out.  (Other builds run it at once: the same promise, kept by the
 * kernel.) */
static _Atomic pid_t aim_tid;     /* the thread to aim at */
static _Atomic int aim_now;       /* main -> aimer: its state is the one wanted */
static _Atomic int aim_delivered; /* aimer -> goroutine: the kernel delivered it */

/* The kernel no longer holds SIGUSR1 for tid (it ran the handler, ours or a
 * sanitizer's in front of it). */
static bool sigusr1_pending(pid_t tid) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/self/task/%d/status", (int)tid);
    FILE *f = fopen(path, "r");
    unsigned long long mask = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "SigPnd: %llx", &mask) == 1) break;
    if (f) fclose(f);
    return mask & (1ULL << (SIGUSR1 - 1));
}

static char task_state(pid_t tid) {
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)tid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f) fclose(f);
    buf[n] = 0;
    const char *p = strrchr(buf, ')'); /* the name may hold spaces */
    return p && p[1] && p[2] ? p[2] : '?';
}

static void *aimer(void *arg) {
    bool wait_asleep = arg != NULL;
    while (!atomic_load(&aim_now)) usleep(1000);
    pid_t tid = atomic_load(&aim_tid);
    for (int i = 0; wait_asleep && task_state(tid) != 'S' && i < 5000; i++) usleep(1000);
    syscall(SYS_tgkill, getpid(), tid, SIGUSR1);
    for (int i = 0; sigusr1_pending(tid) && i < 5000; i++) usleep(1000);
    atomic_store(&aim_delivered, 1);
    return NULL;
}

static chan_t *never;
/* Runs user code (no switch, no system call) until the signal has landed on
 * its thread, then parks for good: its next switch is its last. */
static void busy_until_hit(void *arg) {
    (void)arg;
    atomic_store(&aim_tid, (pid_t)syscall(SYS_gettid));
    atomic_store(&aim_now, 1);
    while (!atomic_load(&aim_delivered)) {
    }
    chan_recv(never, NULL);
}
/* Records its thread and parks: the thread's M goes idle. */
static void park_at_once(void *arg) {
    (void)arg;
    atomic_store(&aim_tid, (pid_t)syscall(SYS_gettid));
    chan_recv(never, NULL);
}

static void signal_lands_on(void (*target)(void *), bool asleep) {
    chan_t *sigs = chan_make(int, 1);
    never = chan_make(int, 0);
    signal_notify(sigs, SIGUSR1);
    pthread_t th;
    if (pthread_create(&th, NULL, aimer, asleep ? (void *)1 : NULL) != 0) exit(3);
    go(target, NULL);
    if (asleep) {
        wait_parked(1);
        atomic_store(&aim_now, 1);
    }
    int sig = 0;
    chan_recv(sigs, &sig);
    pthread_join(th, NULL);
    printf("got signal %d\n", sig);
    fflush(stdout);
    _exit(0); /* the goroutine stays parked: no deadlock report at the end */
}
static void on_a_running_goroutine(void) { signal_lands_on(busy_until_hit, false); }
static void on_an_idle_thread(void) { signal_lands_on(park_at_once, true); }

/* main, in a child, got SIGUSR1 from signal.Notify's channel and exited 0. */
static void expect_handled(void (*program)(void)) {
    child_result r;
    run_child(program, 20000, &r);
    cr_assert(!r.timed_out, "the handler never ran:\n%s", r.out);
    char want[32];
    snprintf(want, sizeof want, "got signal %d\n", SIGUSR1);
    cr_assert(strstr(r.out, want) && r.exited && r.status == 0, "status %d:\n%s", r.status, r.out);
}

Test(sched, a_signal_that_lands_on_a_running_goroutine_is_handled, .timeout = 30) {
    expect_handled(on_a_running_goroutine);
}

Test(sched, a_signal_that_lands_on_an_idle_thread_is_handled, .timeout = 30) {
    expect_handled(on_an_idle_thread);
}
