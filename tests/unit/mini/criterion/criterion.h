/*
 * A minimal stand-in for <criterion/criterion.h>, used ONLY for the
 * ThreadSanitizer build of the runtime tests: Criterion's inter-process
 * arena cannot be mapped under TSan (Snaipe/Criterion issue #274), so
 * `make sanitize-tsan` compiles the same test files with -Itests/unit/mini.
 *
 * Supports what our tests use: Test(suite, name, .timeout/.exit_code/
 * .signal/.init/.fini/.disabled), cr_assert*, cr_expect* (as asserts),
 * cr_log_*.  Each test runs in a forked child with an alarm for its
 * timeout; the runner prints "N passed, N failed".  MC_FILTER=text runs
 * only the tests whose "suite::name" contains text.
 */
#ifndef MINI_CRITERION_H
#define MINI_CRITERION_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

struct mc_test {
    const char *suite, *name;
    void (*fn)(void);
    double timeout;
    int exit_code;
    int signal;
    void (*init)(void);
    void (*fini)(void);
    bool disabled;
    const char *description;
    struct mc_test *next;
};

static struct mc_test *mc_tests;

#define Test(suite, name, ...)                                                        \
    static void suite##_##name##_impl(void);                                          \
    static struct mc_test suite##_##name##_t = {#suite, #name, suite##_##name##_impl, \
                                                 __VA_ARGS__};                        \
    __attribute__((constructor)) static void suite##_##name##_reg(void) {             \
        suite##_##name##_t.next = mc_tests;                                           \
        mc_tests = &suite##_##name##_t;                                               \
    }                                                                                 \
    static void suite##_##name##_impl(void)

#define MC_FAIL(...)                                                                  \
    do {                                                                              \
        fprintf(stderr, "%s:%d: assertion failed: ", __FILE__, __LINE__);            \
        fprintf(stderr, "" __VA_ARGS__);                                              \
        fputc('\n', stderr);                                                          \
        fflush(stderr);                                                               \
        _exit(97);                                                                    \
    } while (0)

#define cr_assert(cond, ...) do { if (!(cond)) MC_FAIL("" __VA_ARGS__); } while (0)
#define cr_assert_not(cond, ...) cr_assert(!(cond), __VA_ARGS__)
#define cr_assert_eq(a, b, ...) cr_assert((a) == (b), __VA_ARGS__)
#define cr_assert_neq(a, b, ...) cr_assert((a) != (b), __VA_ARGS__)
#define cr_assert_lt(a, b, ...) cr_assert((a) < (b), __VA_ARGS__)
#define cr_assert_leq(a, b, ...) cr_assert((a) <= (b), __VA_ARGS__)
#define cr_assert_gt(a, b, ...) cr_assert((a) > (b), __VA_ARGS__)
#define cr_assert_geq(a, b, ...) cr_assert((a) >= (b), __VA_ARGS__)
#define cr_assert_null(p, ...) cr_assert((p) == NULL, __VA_ARGS__)
#define cr_assert_not_null(p, ...) cr_assert((p) != NULL, __VA_ARGS__)
#define cr_assert_str_eq(a, b, ...) cr_assert(strcmp((a), (b)) == 0, __VA_ARGS__)
#define cr_assert_str_neq(a, b, ...) cr_assert(strcmp((a), (b)) != 0, __VA_ARGS__)
#define cr_assert_fail(...) MC_FAIL("" __VA_ARGS__)
#define cr_expect cr_assert
#define cr_expect_eq cr_assert_eq
#define cr_expect_neq cr_assert_neq
#define cr_expect_not cr_assert_not
#define cr_expect_lt cr_assert_lt
#define cr_expect_leq cr_assert_leq
#define cr_expect_gt cr_assert_gt
#define cr_expect_geq cr_assert_geq
#define cr_expect_null cr_assert_null
#define cr_expect_not_null cr_assert_not_null
#define cr_expect_str_eq cr_assert_str_eq
#define cr_expect_str_neq cr_assert_str_neq
#define cr_log_info(...) (fprintf(stderr, __VA_ARGS__), fputc('\n', stderr))
#define cr_log_warn cr_log_info

static pid_t mc_start(struct mc_test *t) {
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        /* dies with the runner (a killed make test leaves no test behind) */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(125);
        alarm(t->timeout > 0 ? (unsigned)(t->timeout + 0.999) : 60);
        if (t->init) t->init();
        t->fn();
        if (t->fini) t->fini();
        fflush(NULL);
        exit(0);
    }
    return pid;
}

static bool mc_selected(const struct mc_test *t) {
    const char *f = getenv("MC_FILTER");
    if (t->disabled) return false;
    if (!f || !*f) return true;
    char full[256];
    snprintf(full, sizeof full, "%s::%s", t->suite, t->name);
    return strstr(full, f) != NULL;
}

static int mc_judge(struct mc_test *t, int st) {
    if (t->signal) return WIFSIGNALED(st) && WTERMSIG(st) == t->signal;
    if (WIFSIGNALED(st)) {
        fprintf(stderr, "[FAIL] %s::%s: %s\n", t->suite, t->name,
                WTERMSIG(st) == SIGALRM ? "timed out" : strsignal(WTERMSIG(st)));
        return 0;
    }
    if (WEXITSTATUS(st) != t->exit_code) {
        fprintf(stderr, "[FAIL] %s::%s: exit status %d\n", t->suite, t->name,
                WEXITSTATUS(st));
        return 0;
    }
    return 1;
}

/* Runs up to MC_JOBS tests at once (most runtime tests mostly sleep). */
#ifndef MC_JOBS
#define MC_JOBS 3
#endif
int main(int argc, char **argv) {
    (void)argc;
    (void)argv;
    int passed = 0, failed = 0, running = 0;
    struct { pid_t pid; struct mc_test *t; } slot[MC_JOBS];
    struct mc_test *next = mc_tests;
    for (;;) {
        while (running < MC_JOBS && next) {
            if (mc_selected(next)) {
                slot[running].t = next;
                slot[running].pid = mc_start(next);
                running++;
            }
            next = next->next;
        }
        if (!running) break;
        int st;
        pid_t pid = waitpid(-1, &st, 0);
        for (int i = 0; i < running; i++) {
            if (slot[i].pid != pid) continue;
            if (mc_judge(slot[i].t, st)) passed++;
            else failed++;
            slot[i] = slot[--running];
            break;
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

#endif
