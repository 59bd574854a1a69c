/*
 * bench_analyzer.c — analyzer throughput on a large synthetic trace
 * (`make bench-analyzer`).
 *
 *   bench_analyzer N TRACE.db OUT.json
 *
 * Builds (or reuses) a trace of N events in TRACE.db — 16 workers doing
 * mutex-protected reads and writes of annotated variables, buffered channel
 * messages to a partner that blocks and wakes, atomics — then measures a
 * full check: load, analysis including race detection, and writing the
 * derived tables.  Prints events/s and the peak RSS of the analysis (the
 * trace is generated in a child process so its memory does not count), and
 * writes them as JSON to OUT.json.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "analyzer.h"
#include "synth.h"
#include "trace_hooks.h"

#define WORKERS 16

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long existing_events(const char *path) {
    sqlite3 *db;
    long n = -1;
    if (access(path, R_OK) || sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return -1;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key='events'", -1, &st, NULL) ==
        SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW) n = atol((const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return n;
}

static void generate(const char *path, long n) {
    an_synth *s = an_synth_open(path);
    if (!s) {
        fprintf(stderr, "bench: cannot create %s\n", path);
        exit(2);
    }
    int32_t site[8];
    for (int i = 0; i < 8; i++) site[i] = an_synth_site(s, "bench.c", 10 + i);
    for (int i = 0; i < 4; i++) an_synth_object(s, 100 + i, OBJ_MUTEX, NULL, site[0], 0, 0);
    for (int i = 0; i < 8; i++) an_synth_object(s, 200 + i, OBJ_VAR, NULL, site[1], 0, 0);
    for (int i = 0; i < 4; i++) an_synth_object(s, 300 + i, OBJ_CHAN, NULL, site[2], 8, 8);
    an_synth_object(s, 400, OBJ_ATOMIC, "ops", site[3], 0, 0);
    an_synth_ev(s, 1, EV_GO_START, 0, 0, 0, 0, 0, site[0], NULL);
    for (int w = 0; w < WORKERS; w++) {
        an_synth_goroutine(s, 2 + w, "worker", 1, site[0], 0);
        an_synth_ev(s, 1, EV_GO_CREATE, 2 + w, 0, 0, 0, 0, site[0], "worker");
        an_synth_ev(s, 2 + w, EV_GO_START, 0, 0, 0, 0, 0, site[0], NULL);
    }
    long msg = 0, emitted = 2 + 2 * WORKERS;
    uint64_t slots[4] = {0};
    for (long i = 0; emitted + 12 < n; i++) {
        int w = (int)(i % WORKERS), p = (w + 1) % WORKERS;
        int64_t g = 2 + w, pg = 2 + p, mu = 100 + w % 4, var = 200 + w % 8, ch = 300 + w % 4;
        an_synth_ev(s, g, EV_MUTEX_ACQUIRE, mu, 0, 0, 0, 0, site[0], NULL);
        an_synth_ev(s, g, EV_VAR_READ, var, 0, 0, 0, 0, site[1], NULL);
        an_synth_ev(s, g, EV_VAR_WRITE, var, 0, 0, 0, 0, site[1], NULL);
        an_synth_ev(s, g, EV_MUTEX_RELEASE, mu, 0, 0, 0, 0, site[0], NULL);
        an_synth_ev(s, pg, EV_CHAN_RECV_BEGIN, ch, 0, 0, 0, 0, site[4], NULL);
        an_synth_ev(s, pg, EV_GO_BLOCK, ch, BLOCK_RECV, 0, 0, 0, site[4], NULL);
        an_synth_ev(s, g, EV_CHAN_SEND_BEGIN, ch, 0, 0, 0, 0, site[2], NULL);
        int64_t slot = (int64_t)(slots[w % 4]++ % 8);
        an_synth_ev(s, g, EV_CHAN_SEND, ch, ++msg, slot, i, 3, site[2], NULL);
        an_synth_ev(s, pg, EV_CHAN_RECV, ch, msg, slot, i, 3, site[4], NULL);
        an_synth_ev(s, pg, EV_GO_UNBLOCK, 0, g, 0, 0, 0, site[4], NULL);
        an_synth_ev(s, g, EV_ATOMIC, 400, 2, i, 0, 0, site[3], NULL);
        an_synth_ev(s, pg, EV_LOG, 0, 0, 0, 0, 0, site[5], NULL);
        emitted += 12;
        if (i % 100000 == 0) an_synth_flush(s);
    }
    for (int w = 0; w < WORKERS; w++) an_synth_ev(s, 2 + w, EV_GO_END, 0, 0, 0, 0, 0, site[0], NULL);
    an_synth_end(s, 1, "exit", 0);
    an_synth_close(s);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: bench_analyzer EVENTS TRACE.db OUT.json\n");
        return 2;
    }
    long n = atol(argv[1]);
    const char *path = argv[2], *outp = argv[3];
    long have = existing_events(path);
    if (have < n - n / 100 || have > n + n / 100) {
        printf("bench-analyzer: generating %ld events into %s ...\n", n, path);
        fflush(stdout);
        double g0 = now();
        pid_t pid = fork();
        if (pid == 0) {
            generate(path, n);
            _exit(0);
        }
        int st;
        waitpid(pid, &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st)) return 2;
        printf("  generated in %.1f s\n", now() - g0);
    }
    char err[512];
    double c0 = cpu(), t0 = now();
    an_trace *t = an_open(path, err, sizeof err);
    if (!t) {
        fprintf(stderr, "bench: %s\n", err);
        return 2;
    }
    double t1 = now();
    an_result *r = an_analyze(t);
    double t2 = now();
    if (an_store(path, t, r, err, sizeof err)) {
        fprintf(stderr, "bench: %s\n", err);
        return 2;
    }
    double t3 = now(), c3 = cpu();
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double rss_mb = (double)ru.ru_maxrss / 1024.0;
    double total = t3 - t0;
    long nev = (long)t->nev;
    printf("bench-analyzer: %ld events: load %.2f s, analyze %.2f s, store %.2f s\n", nev, t1 - t0,
           t2 - t1, t3 - t2);
    printf("  full check: %.2f M events/s; analysis alone (incl. race detection): %.2f M events/s\n",
           nev / total / 1e6, nev / (t2 - t1) / 1e6);
    printf("  CPU time of the check %.2f s: %.2f M events per CPU-second (wall figures suffer\n"
           "  when the machine is shared)\n", c3 - c0, nev / (c3 - c0) / 1e6);
    printf("  peak RSS %.0f MB (%.0f bytes/event); findings: %zu\n", rss_mb,
           rss_mb * 1024 * 1024 / (double)nev, r->findings.n);
    FILE *f = fopen(outp, "w");
    if (f) {
        fprintf(f,
                "{\"events\": %ld, \"load_s\": %.3f, \"analyze_s\": %.3f, \"store_s\": %.3f,"
                " \"total_s\": %.3f, \"events_per_s\": %.0f, \"analyze_events_per_s\": %.0f,"
                " \"cpu_s\": %.3f, \"events_per_cpu_s\": %.0f,"
                " \"peak_rss_mb\": %.1f, \"findings\": %zu}\n",
                nev, t1 - t0, t2 - t1, t3 - t2, total, nev / total, nev / (t2 - t1), c3 - c0,
                nev / (c3 - c0), rss_mb,
                r->findings.n);
        fclose(f);
    }
    an_result_free(r);
    an_trace_free(t);
    return 0;
}
