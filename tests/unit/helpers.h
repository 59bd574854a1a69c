/*
 * helpers.h — shared helpers for the Criterion tests.
 *
 * run_child(): run a function in a forked child with stdout/stderr captured
 * and a hard timeout, for tests whose subject is meant to panic, deadlock
 * or hang.  The parent must not have used the runtime before forking (a
 * Criterion test runs in its own fresh process, so call run_child first).
 */
#ifndef CS_TEST_HELPERS_H
#define CS_TEST_HELPERS_H

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct child_result {
    int exited;        /* 1 if it exited normally */
    int status;        /* exit status, or the signal number */
    int timed_out;     /* 1 if we had to kill it */
    double seconds;    /* wall time until it ended */
    char out[16384];   /* stdout + stderr, interleaved as written */
} child_result;

static inline double helpers_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* First thing in a forked child: die with the test that forked it
 * (parent: the test's pid, read before the fork).  Otherwise a child left
 * running after its test timed out (and was killed) keeps the test
 * runner's output pipe open, and the whole suite waits for it: make test
 * hangs instead of failing one test. */
static inline void die_with_parent(pid_t parent) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(125); /* it died before the prctl */
}

/* Run fn() in a child; at most timeout_ms.  fn returning ends the child
 * with exit(0) (so the runtime's exit path runs, as a return from main). */
static inline void run_child(void (*fn)(void), int timeout_ms, child_result *r) {
    memset(r, 0, sizeof *r);
    int fds[2];
    if (pipe(fds) != 0) abort();
    fflush(NULL);
    double start = helpers_now();
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        die_with_parent(parent);
        close(fds[0]);
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[1]);
        setvbuf(stdout, NULL, _IONBF, 0);
        fn();
        exit(0);
    }
    close(fds[1]);
    size_t len = 0;
    int done = 0;
    while (!done) {
        int left = timeout_ms - (int)((helpers_now() - start) * 1000);
        if (left <= 0) {
            kill(pid, SIGKILL);
            r->timed_out = 1;
            break;
        }
        struct pollfd p = {fds[0], POLLIN, 0};
        if (poll(&p, 1, left) > 0) {
            char scratch[4096];
            size_t room = sizeof r->out - 1 - len;
            ssize_t n = room ? read(fds[0], r->out + len, room)
                             : read(fds[0], scratch, sizeof scratch); /* keep draining */
            if (n <= 0) done = 1;
            else if (room) len += (size_t)n;
        }
    }
    r->out[len] = 0;
    close(fds[0]);
    int st;
    waitpid(pid, &st, 0);
    r->seconds = helpers_now() - start;
    if (WIFEXITED(st)) r->exited = 1, r->status = WEXITSTATUS(st);
    else if (WIFSIGNALED(st)) r->status = WTERMSIG(st);
}

#endif
