/*
 * test_rt_goroutine.c — goroutine identity, spawning, and Go-shaped panics.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "chanscope.h"
#include "helpers.h"

static chan_t *ids;

static void report_id(void *arg) {
    (void)arg;
    int64_t id = goroutine_id();
    chan_send(ids, &id);
}

Test(goroutine, main_is_one_and_ids_are_unique, .timeout = 20) {
    cr_assert_eq(goroutine_id(), 1);
    cr_assert_str_eq(goroutine_name(), "main");
    ids = chan_make(int64_t, 0);
    enum { N = 200 };
    static char seen[N + 10];
    int64_t first = go(report_id, NULL);
    cr_assert_gt(first, 1);
    for (int i = 1; i < N; i++) go(report_id, NULL);
    for (int i = 0; i < N; i++) {
        int64_t id;
        chan_recv(ids, &id);
        cr_assert(id >= first && id < first + N, "id %lld out of range", (long long)id);
        cr_assert_eq(seen[id - first], 0, "id %lld seen twice", (long long)id);
        seen[id - first] = 1;
    }
}

/* goroutine_name() is valid while the goroutine lives: send a copy. */
typedef struct name_buf {
    char s[32];
} name_buf;
static chan_t *names;
static void say_name(void *arg) {
    (void)arg;
    name_buf n;
    snprintf(n.s, sizeof n.s, "%s", goroutine_name());
    chan_send(names, &n);
}

Test(goroutine, names_default_to_the_function, .timeout = 10) {
    names = chan_make(name_buf, 0);
    name_buf n;
    go(say_name, NULL);
    chan_recv(names, &n);
    cr_assert_str_eq(n.s, "say_name");
    go_named("custom", say_name, NULL);
    chan_recv(names, &n);
    cr_assert_str_eq(n.s, "custom");
}

/* Many short goroutines in waves: the thread cache must hand every one of
 * them to a thread, and goroutine_count must come back to 1. */
static atomic_i64 ran;
static void tiny(void *arg) {
    waitgroup_t *wg = arg;
    atomic_i64_add(&ran, 1);
    wg_done(wg);
}

Test(goroutine, spawn_waves_reuse_threads, .timeout = 30) {
    waitgroup_t wg = WAITGROUP_INIT;
    for (int wave = 0; wave < 50; wave++) {
        wg_add(&wg, 40);
        for (int i = 0; i < 40; i++) go(tiny, &wg);
        wg_wait(&wg);
    }
    cr_assert_eq(atomic_i64_load(&ran), 2000);
    int64_t t0 = time_now();
    while (goroutine_count() != 1 && time_since(t0) < 5 * SECOND) time_sleep(MILLISECOND);
    cr_assert_eq(goroutine_count(), 1);
}

static void user_panic(void *arg) {
    (void)arg;
    go_panic("boom %d", 42);
}
static void panic_in_goroutine(void) {
    go_named("exploder", user_panic, NULL);
    time_sleep(2 * SECOND);
}

Test(goroutine, panic_message_names_goroutine_and_site, .timeout = 10) {
    child_result r;
    run_child(panic_in_goroutine, 5000, &r);
    cr_assert(r.exited && r.status == 2, "exited=%d status=%d\n%s", r.exited, r.status, r.out);
    cr_assert(strstr(r.out, "panic: boom 42\n"), "%s", r.out);
    cr_assert(strstr(r.out, "goroutine 2 [running]:\nexploder()\n\t"), "%s", r.out);
    cr_assert(strstr(r.out, "test_rt_goroutine.c:"), "%s", r.out);
    cr_assert(strstr(r.out, "created by main in goroutine 1"), "%s", r.out);
}

static void print_then_panic(void) {
    static char buf[4096];
    setvbuf(stdout, buf, _IOFBF, sizeof buf); /* as when stdout is a pipe */
    printf("before the panic\n");            /* still buffered at the panic */
    go_panic("late");
}

Test(goroutine, panic_flushes_program_output, .timeout = 10) {
    child_result r;
    run_child(print_then_panic, 5000, &r);
    cr_assert(strstr(r.out, "before the panic"), "%s", r.out);
    cr_assert(strstr(r.out, "panic: late"), "%s", r.out);
}

/* Returning from main ends the program at once, even while exit handlers
 * (the trace flush) take time: a goroutine must not get to panic then. */
/* The margins are wide (main returns 295 ms before the goroutine wakes, the
 * handler outlasts it by 300 ms) so a loaded sanitizer run cannot let the
 * goroutine panic legitimately before main has returned. */
static void slow_exit_handler(void) { usleep(600 * 1000); }
static void late_panic(void *arg) {
    (void)arg;
    time_sleep(300 * MILLISECOND);
    go_panic("too late: main has returned");
}
static void main_returns_while_goroutine_would_panic(void) {
    atexit(slow_exit_handler); /* runs after the runtime's own exit handler */
    go(late_panic, NULL);
    time_sleep(5 * MILLISECOND);
    printf("main returns\n");
}

Test(goroutine, nothing_runs_after_main_returns, .timeout = 10) {
    child_result r;
    run_child(main_returns_while_goroutine_would_panic, 5000, &r);
    cr_assert(r.exited && r.status == 0, "status %d:\n%s", r.status, r.out);
    cr_assert_null(strstr(r.out, "too late"), "%s", r.out);
}

/* Go: `var f func(); go f()` ends the program with "fatal error: go of nil
 * func value" and the goroutine that ran the go statement (exit 2), not a
 * segmentation fault in the new goroutine. */
static go_func nil_fn; /* like Go's `var f func()` */
static chan_t *nil_go_done;
static void go_nil_from_goroutine(void *arg) {
    (void)arg;
    go(nil_fn, NULL);
    chan_send_v(nil_go_done, int, 1); /* not reached */
}
static void go_nil_in_goroutine(void) {
    nil_go_done = chan_make(int, 0);
    go_named("spawner", go_nil_from_goroutine, NULL);
    chan_recv(nil_go_done, NULL);
    printf("go of nil returned\n");
}
static void go_nil_in_main(void) {
    go(nil_fn, NULL);
    printf("go of nil returned\n");
}

Test(goroutine, go_of_nil_func_is_a_fatal_error, .timeout = 10) {
    child_result r;
    run_child(go_nil_in_main, 5000, &r);
    cr_assert(r.exited && r.status == 2, "exited=%d status=%d\n%s", r.exited, r.status, r.out);
    cr_assert(strstr(r.out, "fatal error: go of nil func value\n\ngoroutine 1 [running]:\nmain()\n\t"),
              "%s", r.out);
    cr_assert(strstr(r.out, "test_rt_goroutine.c:"), "%s", r.out);
    cr_assert_null(strstr(r.out, "returned"), "%s", r.out);

    run_child(go_nil_in_goroutine, 5000, &r);
    cr_assert(r.exited && r.status == 2, "exited=%d status=%d\n%s", r.exited, r.status, r.out);
    cr_assert(strstr(r.out, "fatal error: go of nil func value\n\ngoroutine 2 [running]:\n"
                            "spawner()\n\t"),
              "%s", r.out);
    cr_assert(strstr(r.out, "created by main in goroutine 1"), "%s", r.out);
    cr_assert_null(strstr(r.out, "returned"), "%s", r.out);
}
