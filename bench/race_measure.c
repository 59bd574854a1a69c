/*
 * race_measure.c — `race-measure PROG [ARGS...]`: run PROG once (its stdout
 * and stderr to /dev/null) and print "WALL_NS MAXRSS_KB STATUS": its wall
 * time, its peak resident set (wait4's rusage) and its exit status.  For
 * bench/race.sh (make bench-race): a plain and a race-build run of the
 * same program side by side, without depending on GNU time.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: race-measure PROG [ARGS...]\n");
        return 2;
    }
    long long t0 = mono_ns();
    pid_t pid = fork();
    if (pid < 0) return 2;
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) {
            dup2(null, 1);
            dup2(null, 2);
        }
        execv(argv[1], argv + 1);
        _exit(127);
    }
    int st;
    struct rusage ru;
    if (wait4(pid, &st, 0, &ru) < 0) return 2;
    long long t1 = mono_ns();
    printf("%lld %ld %d\n", t1 - t0, ru.ru_maxrss,
           WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    return 0;
}
