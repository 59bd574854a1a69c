/*
 * trace_bench.c — what tracing costs (`make bench-trace`, tracer/build.mk).
 *
 * Four figures, each measured in its own child process (a process records
 * at most one trace):
 *   1. cost per traced event: ns per cs_trace_event() on the producer side,
 *      in bursts that fit the thread's ring (the writer drains between
 *      bursts), so it is the cost a traced primitive pays, not the writer's;
 *      measured on 1 thread and on 4 threads at once (shared seq counter).
 *   2. events persisted per second: 4 threads emit E events as fast as the
 *      writer takes them; E / time until all are committed (the final
 *      index build is reported apart: it runs once, at exit).
 *   3. traced / untraced wall time of a worker pool (feeder -> 4 workers ->
 *      collector, channels of capacity 100) with 1 M jobs, whole process
 *      time including the final flush.
 *   4. events emitted vs rows stored at 10 M events (same run as 2).
 *   5. the SIGKILL loss window: a child emits events at a steady rate and
 *      is SIGKILLed; the figure is the age, at the kill, of the oldest event
 *      missing from the file (max over KILL_RUNS kills), and whether every
 *      killed file passed PRAGMA integrity_check.
 * Goals (issue 3): <= 60 ns, >= 2 M/s, <= 1.3, 0 lost, <= 100 ms.
 *
 *   trace_bench [--events N] [--jobs N] [--dir DIR] [--json FILE]
 *               [--only cost,persist,pool,kill] [--runs N]
 * --only runs a subset (the JSON then holds only its figures); --runs N
 * repeats the persisted-rate measurement N times and reports the best
 * (default 1), for before/after comparisons on a busy machine.
 */
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "chanscope.h"
#include "tracer.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *msg) {
    fprintf(stderr, "trace_bench: %s\n", msg);
    exit(1);
}

static void start_trace(const char *path) {
    char err[512];
    unlink(path);
    if (cs_trace_start(path, err, sizeof err) != 0) die(err);
}

static void wait_drained(void) {
    for (;;) {
        cs_trace_stats st;
        cs_trace_get_stats(&st);
        if (st.stored >= st.emitted) return;
        struct timespec ts = {0, 200000};
        nanosleep(&ts, NULL);
    }
}

/* Run fn in a child; its double results come back through a pipe. */
static int in_child(void (*fn)(const char *dir, double *out), const char *dir, double *out,
                    int nout) {
    int fds[2];
    if (pipe(fds) != 0) die("pipe");
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        close(fds[0]);
        double res[8] = {0};
        fn(dir, res);
        if (write(fds[1], res, sizeof res) != (ssize_t)sizeof res) _exit(3);
        close(fds[1]);
        exit(0); /* the tracer's exit handler finishes a trace still open */
    }
    close(fds[1]);
    double res[8];
    ssize_t got = read(fds[0], res, sizeof res);
    close(fds[0]);
    int st;
    waitpid(pid, &st, 0);
    if (got != (ssize_t)sizeof res || !WIFEXITED(st) || WEXITSTATUS(st) != 0) return -1;
    memcpy(out, res, sizeof(double) * (size_t)nout);
    return 0;
}

/* ---- 1. cost per event -------------------------------------------------- */

enum { BURST = CS_RING_CAP / 2, BURSTS = 200 };
static pthread_barrier_t burst_barrier;
static double burst_ns[4];

static void *burst_thread(void *arg) {
    int idx = (int)(intptr_t)arg;
    cs_site site = CS_SITE;
    double best = 1e9, sum = 0;
    for (int b = 0; b < BURSTS; b++) {
        pthread_barrier_wait(&burst_barrier);
        double t0 = now_s();
        for (int i = 0; i < BURST; i++) cs_trace_event(EV_ATOMIC, 1, 2, i, 0, 0, NULL, site);
        double per = (now_s() - t0) * 1e9 / BURST;
        sum += per;
        if (per < best) best = per;
        pthread_barrier_wait(&burst_barrier);
        if (idx == 0) wait_drained();
        pthread_barrier_wait(&burst_barrier);
    }
    burst_ns[idx] = sum / BURSTS;
    (void)best;
    return NULL;
}

static double burst_cost(int threads) {
    pthread_barrier_init(&burst_barrier, NULL, (unsigned)threads);
    pthread_t th[4];
    for (int i = 0; i < threads; i++)
        pthread_create(&th[i], NULL, burst_thread, (void *)(intptr_t)i);
    double sum = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        sum += burst_ns[i];
    }
    pthread_barrier_destroy(&burst_barrier);
    return sum / threads;
}

static void fig_cost(const char *dir, double *out) {
    char path[4096];
    snprintf(path, sizeof path, "%s/trace-bench-cost.db", dir);
    start_trace(path);
    burst_cost(1); /* warm-up: rings, pages */
    out[0] = burst_cost(1);
    out[1] = burst_cost(4);
    /* untraced loop overhead of the same call site is ~1 ns: not subtracted */
    cs_trace_finish("exit", 0);
    unlink(path);
}

/* ---- 2 + 4. persisted rate, emitted = stored at E events ---------------- */

static int64_t flood_per_thread;
static void *flood(void *arg) {
    (void)arg;
    cs_site site = CS_SITE;
    for (int64_t i = 0; i < flood_per_thread; i++)
        cs_trace_event(EV_CHAN_SEND, 3, i, i & 63, i, CS_EVF_VALUE, NULL, site);
    return NULL;
}

static int64_t g_events;

static void fig_persist(const char *dir, double *out) {
    char path[4096];
    snprintf(path, sizeof path, "%s/trace-bench-flood.db", dir);
    start_trace(path);
    flood_per_thread = g_events / 4;
    double t0 = now_s();
    pthread_t th[4];
    for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, flood, NULL);
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    double t_emit = now_s() - t0;
    wait_drained();
    double t_stored = now_s() - t0;
    cs_trace_stats st;
    cs_trace_get_stats(&st);
    double t1 = now_s();
    cs_trace_finish("exit", 0);
    double t_finish = now_s() - t1;
    cs_trace_get_stats(&st);
    /* count what is really in the file */
    sqlite3 *db = NULL;
    long long rows = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(db, "SELECT count(*) FROM events", -1, &q, NULL) == SQLITE_OK &&
            sqlite3_step(q) == SQLITE_ROW)
            rows = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    sqlite3_close(db);
    out[0] = (double)st.emitted;   /* includes program_end */
    out[1] = (double)rows;
    out[2] = (double)(st.emitted - 1) / t_stored;
    out[3] = t_finish;
    out[4] = (double)(st.emitted - 1) / (t_stored + t_finish);
    out[5] = t_emit;
    /* CPU the writer thread spent per event: what one free core sustains */
    out[6] = (double)(st.writer_cpu_ns - st.writer_cpu_finish_ns) / (double)st.stored;
    out[7] = (double)st.writer_cpu_finish_ns / (double)st.stored;
    unlink(path);
}

/* ---- 3. worker pool ------------------------------------------------------ */

enum { POOL_WORKERS = 4, POOL_CAP = 100 };
typedef struct pool {
    chan_t *jobs, *results;
    int64_t n;
    waitgroup_t workers;
} pool;

static void pool_feeder(void *arg) {
    pool *p = arg;
    for (int64_t j = 1; j <= p->n; j++) chan_send(p->jobs, &j);
    chan_close(p->jobs);
}
static void pool_worker(void *arg) {
    pool *p = arg;
    int64_t j;
    while (chan_recv(p->jobs, &j)) {
        int64_t r = j * 2;
        chan_send(p->results, &r);
    }
    wg_done(&p->workers);
}
static void pool_closer(void *arg) {
    pool *p = arg;
    wg_wait(&p->workers);
    chan_close(p->results);
}

static int64_t g_jobs;

static void run_pool(void) {
    static pool p;
    p.jobs = chan_make(int64_t, POOL_CAP);
    p.results = chan_make(int64_t, POOL_CAP);
    p.n = g_jobs;
    wg_add(&p.workers, POOL_WORKERS);
    for (int i = 0; i < POOL_WORKERS; i++) go(pool_worker, &p);
    go(pool_feeder, &p);
    go(pool_closer, &p);
    int64_t r, sum = 0, count = 0;
    while (chan_recv(p.results, &r)) {
        sum += r;
        count++;
    }
    if (count != g_jobs || sum != g_jobs * (g_jobs + 1)) die("pool: wrong results");
}

static void fig_pool_off(const char *dir, double *out) {
    (void)dir;
    double t0 = now_s();
    run_pool();
    out[0] = now_s() - t0;
}

static void fig_pool_on(const char *dir, double *out) {
    char path[4096];
    snprintf(path, sizeof path, "%s/trace-bench-pool.db", dir);
    double t0 = now_s();
    start_trace(path);
    run_pool();
    cs_trace_stats st;
    cs_trace_get_stats(&st);
    cs_trace_finish("exit", 0);
    out[0] = now_s() - t0;
    out[1] = (double)st.emitted;
    unlink(path);
}


/* ---- 5. SIGKILL loss window ----------------------------------------------- */

/* A child emits KILL_RATE events/s from one thread, in chunks of KILL_CHUNK;
 * before each chunk it logs (next seq, now) in shared memory.  The parent
 * kills it at a random moment and finds, in the file, the oldest seq that is
 * missing.  That event was emitted no earlier than the logged time of the
 * chunk it belongs to, so `kill time - that logged time` is an upper bound
 * on its age (by at most one chunk, 1 ms at this rate). */
enum { KILL_RUNS = 5, KILL_RATE = 1000000, KILL_CHUNK = 1000, KLOG = 1 << 16 };
typedef struct kill_log {
    _Atomic uint64_t n; /* entries written (the log wraps at KLOG) */
    struct {
        uint64_t seq;
        int64_t t;
    } e[KLOG];
} kill_log;

static _Noreturn void kill_child(const char *path, kill_log *lg) {
    start_trace(path);
    cs_site site = CS_SITE;
    int64_t t0 = cs_trace_now(), sent = 0;
    for (;;) {
        uint64_t n = atomic_load_explicit(&lg->n, memory_order_relaxed);
        lg->e[n % KLOG].seq = atomic_load(&cs_trace_seq) & ~CS_SEQ_CLOSED;
        lg->e[n % KLOG].t = cs_trace_now();
        atomic_store_explicit(&lg->n, n + 1, memory_order_release);
        for (int i = 0; i < KILL_CHUNK; i++)
            cs_trace_event_g(1, EV_VAR_WRITE, 4, sent + i, 0, 0, 0, NULL, site);
        sent += KILL_CHUNK;
        /* steady rate: sleep until this chunk's time has come */
        int64_t due = t0 + sent * (1000000000 / KILL_RATE), now = cs_trace_now();
        if (due > now) {
            struct timespec ts = {(time_t)((due - now) / 1000000000), (long)((due - now) % 1000000000)};
            nanosleep(&ts, NULL);
        }
    }
}

static long long q_int(sqlite3 *db, const char *sql, long long dflt) {
    sqlite3_stmt *q = NULL;
    long long v = dflt;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW &&
        sqlite3_column_type(q, 0) != SQLITE_NULL)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

/* One kill.  Returns the age in ms of the oldest missing event (-1 if the
 * measurement failed); *ok = the file passed integrity_check and is a
 * truncated trace (no end_reason). */
static double kill_once(const char *dir, int run, bool *ok, long long *rows) {
    char path[4096];
    snprintf(path, sizeof path, "%s/trace-bench-kill.db", dir);
    cs_trace_unlink(path);
    kill_log *lg = mmap(NULL, sizeof *lg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (lg == MAP_FAILED) die("mmap");
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) kill_child(path, lg);
    /* let it run 200 ms (several commits), then kill it 0-100 ms later, at
     * a different phase of the commit period each run */
    for (int i = 0; i < 10000 && atomic_load(&lg->n) < 200000 / KILL_CHUNK; i++) usleep(1000);
    struct timespec ts = {0, (long)((run * 37 + cs_trace_now() / 1000 % 100) % 100) * 1000000L};
    nanosleep(&ts, NULL);
    int64_t t_kill = cs_trace_now();
    kill(pid, SIGKILL);
    int st;
    waitpid(pid, &st, 0);
    double age = -1;
    *ok = false;
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
        sqlite3_stmt *q = NULL;
        if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, NULL) == SQLITE_OK &&
            sqlite3_step(q) == SQLITE_ROW)
            *ok = strcmp((const char *)sqlite3_column_text(q, 0), "ok") == 0;
        sqlite3_finalize(q);
        if (q_int(db, "SELECT count(*) FROM meta WHERE key='end_reason'", 1) != 0) *ok = false;
        *rows = q_int(db, "SELECT count(*) FROM events", -1);
        long long missing = q_int(db,
                                  "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM events WHERE seq=1)"
                                  " THEN 1 ELSE (SELECT min(seq) + 1 FROM events e WHERE NOT EXISTS"
                                  " (SELECT 1 FROM events f WHERE f.seq = e.seq + 1)) END",
                                  -1);
        uint64_t n = atomic_load(&lg->n);
        if (missing > 0 && n > 0) {
            /* the last chunk that starts at or before the missing seq */
            uint64_t first = n > KLOG ? n - KLOG : 0;
            int64_t t_emit = -1;
            for (uint64_t i = n; i-- > first;)
                if (lg->e[i % KLOG].seq <= (uint64_t)missing) {
                    t_emit = lg->e[i % KLOG].t;
                    break;
                }
            if (t_emit >= 0) age = (double)(t_kill - t_emit) / 1e6;
        }
    }
    sqlite3_close(db);
    munmap(lg, sizeof *lg);
    cs_trace_unlink(path);
    return age;
}

/* out: max age (ms), 1 if every file passed, min and max rows */
static void fig_kill(const char *dir, double *out) {
    double worst = 0;
    bool all_ok = true;
    for (int r = 0; r < KILL_RUNS; r++) {
        bool ok;
        long long rows = -1;
        double age = kill_once(dir, r, &ok, &rows);
        if (age < 0) die("SIGKILL measurement failed (no readable trace)");
        if (age > worst) worst = age;
        all_ok = all_ok && ok;
    }
    out[0] = worst;
    out[1] = all_ok;
}

/* ---- main ----------------------------------------------------------------- */

static double load_avg(void) {
    double l[1] = {0};
    return getloadavg(l, 1) == 1 ? l[0] : -1;
}

static double median3(void (*fn)(const char *, double *), const char *dir, int idx, int runs,
                      double *extra) {
    double v[5];
    double res[8];
    for (int i = 0; i < runs; i++) {
        if (in_child(fn, dir, res, 8) != 0) die("a measurement failed");
        v[i] = res[idx];
        if (extra) memcpy(extra, res, sizeof res);
    }
    for (int i = 0; i < runs; i++)
        for (int j = i + 1; j < runs; j++)
            if (v[j] < v[i]) {
                double t = v[i];
                v[i] = v[j];
                v[j] = t;
            }
    return v[runs / 2];
}

int main(int argc, char **argv) {
    const char *json = NULL, *dir = "/tmp", *only = "cost,persist,pool,kill";
    int runs = 1;
    g_events = 10000000;
    g_jobs = 1000000;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json") && i + 1 < argc) json = argv[++i];
        else if (!strcmp(argv[i], "--dir") && i + 1 < argc) dir = argv[++i];
        else if (!strcmp(argv[i], "--events") && i + 1 < argc) g_events = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--jobs") && i + 1 < argc) g_jobs = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i];
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc) runs = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: trace_bench [--events N] [--jobs N] [--dir DIR] "
                            "[--json FILE] [--only cost,persist,pool,kill] [--runs N]\n");
            return 2;
        }
    }
    const char *env = getenv("TRACE_BENCH_EVENTS");
    if (env && *env) g_events = atoll(env);
    if (g_events < 4 || g_jobs < 1 || runs < 1) die("--events, --jobs and --runs must be positive");
    bool do_cost = strstr(only, "cost"), do_persist = strstr(only, "persist"),
         do_pool = strstr(only, "pool"), do_kill = strstr(only, "kill");

    printf("trace bench (%lld events, pool of %lld jobs)\n", (long long)g_events,
           (long long)g_jobs);
    FILE *f = NULL;
    if (json) {
        f = fopen(json, "w");
        if (!f) die(strerror(errno));
        fprintf(f, "{\"figures\": [");
    }
    const char *sep = "\n";
#define FIG(name, fmt, value, unit, goal)                                                       \
    do {                                                                                        \
        if (f)                                                                                  \
            fprintf(f, "%s  {\"name\": \"%s\", \"value\": " fmt ", \"unit\": \"%s\", \"goal\": " \
                       "\"%s\"}",                                                               \
                    sep, name, value, unit, goal);                                              \
        sep = ",\n";                                                                            \
    } while (0)

    if (do_cost) {
        double cost[8];
        if (in_child(fig_cost, dir, cost, 2) != 0) die("cost measurement failed");
        printf("  cost per traced event        %6.1f ns (1 thread), %.1f ns (4 threads)   goal <= "
               "60\n",
               cost[0], cost[1]);
        FIG("trace_event_cost", "%.1f", cost[0], "ns/event", "<= 60");
        FIG("trace_event_cost_4_threads", "%.1f", cost[1], "ns/event", "");
    }
    long long emitted = 0, rows = 0;
    if (do_persist) {
        /* best of `runs` (the machine is shared: the best run is the least
         * disturbed one); emitted/stored must match in every run */
        double flood[8], best[8] = {0};
        for (int r = 0; r < runs; r++) {
            if (in_child(fig_persist, dir, flood, 8) != 0) die("flood measurement failed");
            if ((long long)flood[0] != (long long)flood[1] || r == 0) {
                emitted = (long long)flood[0];
                rows = (long long)flood[1];
            }
            if (runs > 1)
                printf("    run %d: %.2f M/s, writer CPU %.0f ns/event\n", r + 1, flood[2] / 1e6,
                       flood[6]);
            if (r == 0 || flood[2] > best[2]) memcpy(best, flood, sizeof best);
        }
        printf("  events persisted per second  %6.2f M/s while running; %.2f M/s including the "
               "final index build (%.2f s)   goal >= 2%s\n",
               best[2] / 1e6, best[4] / 1e6, best[3], runs > 1 ? " (best run)" : "");
        printf("      writer CPU %.0f ns/event (%.2f M/s on a free core), index build %.0f "
               "ns/event (machine: %ld cores, load %.1f)\n",
               best[6], 1e3 / best[6], best[7], sysconf(_SC_NPROCESSORS_ONLN), load_avg());
        FIG("trace_persisted_rate", "%.0f", best[2], "events/s", ">= 2000000");
        FIG("trace_persisted_rate_with_index", "%.0f", best[4], "events/s", "");
        FIG("trace_writer_cpu", "%.0f", best[6], "ns/event", "<= 500");
        FIG("trace_index_cpu", "%.0f", best[7], "ns/event", "");
    }
    if (do_pool) {
        double pool_extra[8];
        double off = median3(fig_pool_off, dir, 0, 3, NULL);
        double on = median3(fig_pool_on, dir, 0, 3, pool_extra);
        double ratio = on / off;
        printf("  traced/untraced pool ratio   %6.2f (%.2f s / %.2f s, %lld events)   goal <= 1.3\n",
               ratio, on, off, (long long)pool_extra[1]);
        FIG("trace_pool_ratio", "%.2f", ratio, "traced/untraced", "<= 1.3");
    }
    if (do_persist) {
        printf("  emitted vs stored            %lld emitted, %lld rows (%lld lost)   goal 0 lost\n",
               emitted, rows, emitted - rows);
        FIG("trace_events_emitted", "%lld", emitted, "events", "");
        FIG("trace_rows_stored", "%lld", rows, "rows", "");
        FIG("trace_events_lost", "%lld", emitted - rows, "events", "0");
    }
    if (do_kill) {
        double k[8];
        fig_kill(dir, k);
        printf("  SIGKILL loss window          %6.1f ms (oldest missing event, worst of %d kills "
               "at %d events/s); integrity_check %s   goal <= 100 ms\n",
               k[0], KILL_RUNS, KILL_RATE, k[1] ? "ok in every file" : "FAILED");
        FIG("trace_sigkill_loss_window", "%.1f", k[0], "ms", "<= 100");
        FIG("trace_sigkill_integrity_ok", "%.0f", k[1], "1 = all ok", "1");
        if (!k[1]) emitted = rows + 1; /* fail the run */
    }
#undef FIG
    if (f) {
        fprintf(f, "\n]}\n");
        fclose(f);
    }
    return emitted == rows ? 0 : 1;
}
