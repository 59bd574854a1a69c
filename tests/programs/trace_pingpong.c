/*
 * trace_pingpong.c — main and one goroutine play ping-pong over two
 * unbuffered channels ("ping", "pong") forever.  After each round trip
 * (main's receive from "pong" returned) main stores the number of completed
 * round trips into COUNTFILE, a MAP_SHARED mapping that survives kill -9:
 *   bytes 0-7   the program's pid (int64, little-endian)
 *   bytes 8-15  round trips completed
 * Used by tests/e2e/trace_kill9.sh and bench/trace_bench.c (kill figure):
 * the trace of a killed run must hold at least that many receives from
 * "pong" by main, and at most one more (the round trip in progress).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "chanscope.h"

static chan_t *ping, *pong;

static void ponger(void *arg) {
    (void)arg;
    for (;;) {
        int64_t x;
        chan_recv(ping, &x);
        chan_send(pong, &x);
    }
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: trace_pingpong COUNTFILE\n");
        return 2;
    }
    int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ftruncate(fd, 16) != 0) {
        perror(argv[1]);
        return 2;
    }
    int64_t *sh = mmap(NULL, 16, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (sh == MAP_FAILED) {
        perror("mmap");
        return 2;
    }
    ping = chan_make_named("ping", int64_t, 0);
    pong = chan_make_named("pong", int64_t, 0);
    go(ponger, NULL);
    __atomic_store_n(&sh[0], (int64_t)getpid(), __ATOMIC_RELEASE);
    for (int64_t n = 1;; n++) {
        int64_t x;
        chan_send(ping, &n);
        chan_recv(pong, &x);
        __atomic_store_n(&sh[1], n, __ATOMIC_RELEASE);
    }
}
