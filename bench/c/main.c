/*
 * main.c — bench-c WORKLOAD [OPS]: run one workload once, untimed warm-up
 * first (a tenth of OPS: thread caches and allocators reach steady state),
 * then timed, and print its BENCH line (with the process's peak RSS).  `bench-c list` prints the names
 * with their default op counts.  bench/run.sh runs each workload several
 * times, each in a fresh process, and takes min and median.
 */
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench.h"

static const struct workload {
    const char *name;
    void (*fn)(int64_t n);
    int64_t default_ops;
} workloads[] = {
    {"pingpong", wl_pingpong, 200000},
    {"spsc", wl_spsc, 2000000},
    {"mpmc", wl_mpmc, 1000000},
    {"select", wl_select, 1000000},
    {"spawn", wl_spawn, 100000},
    {"pool", wl_pool, 1000000},
    {"mutex", wl_mutex, 2000000},
    {"parked", wl_parked, 100000},
    {"os-handoff", wl_os_handoff, 200000},
    {"os-spawn", wl_os_spawn, 5000},
    {"switch", wl_switch, 20000000},
};
enum { NWORKLOADS = sizeof workloads / sizeof workloads[0] };

int64_t bench_elapsed_ns;

static int64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int usage(void) {
    fprintf(stderr, "usage: bench-c WORKLOAD [OPS] | bench-c list\n");
    return 2;
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) return usage();
    if (strcmp(argv[1], "list") == 0) {
        for (int i = 0; i < NWORKLOADS; i++)
            printf("%s %lld\n", workloads[i].name, (long long)workloads[i].default_ops);
        return 0;
    }
    const struct workload *w = NULL;
    for (int i = 0; i < NWORKLOADS; i++)
        if (strcmp(argv[1], workloads[i].name) == 0) w = &workloads[i];
    if (w == NULL) {
        fprintf(stderr, "bench-c: unknown workload '%s' (try: bench-c list)\n", argv[1]);
        return 2;
    }
    int64_t n = w->default_ops;
    if (argc == 3) {
        char *end;
        long long v = strtoll(argv[2], &end, 10);
        if (*argv[2] == '\0' || *end != '\0' || v < 8) {
            fprintf(stderr, "bench-c: OPS must be an integer >= 8, not '%s'\n", argv[2]);
            return 2;
        }
        n = v;
    }
    /* Rounded to a multiple of 8 so that every workload splits it evenly. */
    n -= n % 8;
    /* BENCH_WARMUP=0 skips the warm-up (the tracing runs time the whole
     * process, so they must do exactly n jobs). */
    const char *wu = getenv("BENCH_WARMUP");
    int64_t warm = n / 10 - (n / 10) % 8;
    if (warm >= 8 && !(wu != NULL && strcmp(wu, "0") == 0)) w->fn(warm);
    bench_elapsed_ns = 0;
    int64_t t0 = mono_ns();
    w->fn(n);
    int64_t dt = mono_ns() - t0;
    if (bench_elapsed_ns > 0) dt = bench_elapsed_ns;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("BENCH lang=c workload=%s ops=%lld ns_op=%.2f rss_kb=%ld\n", w->name, (long long)n,
           (double)dt / (double)n, ru.ru_maxrss);
    fflush(stdout);
    return 0;
}

void *bench_alloc(size_t size) {
    void *p = calloc(1, size);
    BENCH_CHECK(p != NULL, "out of memory");
    return p;
}
