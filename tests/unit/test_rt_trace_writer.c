/*
 * test_rt_trace_writer.c — the tracer's producer/writer machinery, driven by
 * direct cs_trace_event* calls from plain threads: no event lost, seq space
 * gap-free, strings copied, threads that exit with a full ring, finish while
 * producers run, refusal of foreign files, and SIGKILL durability.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>

#include "spinlock.h"
#include "test_rt_trace_util.h"

static cs_site here(int line) { return (cs_site){"tests/unit/test_rt_trace_writer.c", line}; }

/* ---- event-count equality -------------------------------------------- */

typedef struct producer {
    int64_t gid;
    int n;
} producer;

static void *produce(void *arg) {
    producer *p = arg;
    /* (an atomic's event: `a` goes into the trace as it is; a chan_send's
     * would be renumbered as a message id) */
    for (int i = 0; i < p->n; i++)
        cs_trace_event_g(p->gid, EV_ATOMIC, 7, i, -1, p->gid, 0, NULL, here(i % 50));
    return NULL;
}

Test(trace_writer, four_threads_lose_nothing, .timeout = 60) {
    const char *path = tt_path("count.db");
    tt_start(path);
    enum { T = 4 };
    int per = TT_SCALE(50000);
    pthread_t th[T];
    producer p[T];
    for (int i = 0; i < T; i++) {
        p[i] = (producer){100 + i, per};
        pthread_create(&th[i], NULL, produce, &p[i]);
    }
    for (int i = 0; i < T; i++) pthread_join(th[i], NULL);
    cs_trace_stats st;
    cs_trace_get_stats(&st);
    cr_assert_eq(st.emitted, (uint64_t)T * per);
    cs_trace_finish("exit", 0);
    cs_trace_get_stats(&st);
    cr_assert_eq(st.stored, (uint64_t)T * per + 1, "stored %llu", (unsigned long long)st.stored);

    sqlite3 *db = tt_open(path);
    long long n = tt_check_complete(db);
    cr_assert_eq(n, (long long)T * per + 1);
    for (int i = 0; i < T; i++) {
        cr_assert_eq(tt_qi(db, "SELECT count(*) FROM events WHERE g=%d", 100 + i), per);
        /* one thread's events keep their order: a increases with seq */
        cr_assert_eq(tt_qi(db,
                           "SELECT count(*) FROM (SELECT a, lag(a) OVER (ORDER BY seq) AS p "
                           "FROM events WHERE g=%d) WHERE p IS NOT NULL AND a != p + 1",
                           100 + i),
                     0);
        cr_assert_eq(tt_qi(db, "SELECT sum(c = g) FROM events WHERE g=%d", 100 + i), per);
    }
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM sites"), 50);
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM events WHERE kind=%d AND obj=7 AND b=-1 AND d=0",
                       EV_ATOMIC),
                 (long long)T * per);
    sqlite3_close(db);
}

/* The same through the runtime: 4 goroutines x 50k atomic adds (one event
 * each, attributed through cs_getg()), plus their lifecycle events. */
#include "chanscope.h"
static atomic_i64 g_counter = ATOMIC_I64_INIT;
static waitgroup_t g_done = WAITGROUP_INIT;
static int g_per;

static void adder(void *arg) {
    (void)arg;
    for (int i = 0; i < g_per; i++) atomic_i64_add(&g_counter, 1);
    wg_done(&g_done);
}

Test(trace_writer, four_goroutines_lose_nothing, .timeout = 60) {
    const char *path = tt_path("goroutines.db");
    tt_start(path);
    g_per = TT_SCALE(50000);
    wg_add(&g_done, 4);
    for (int i = 0; i < 4; i++) go(adder, NULL);
    wg_wait(&g_done);
    cs_trace_finish("exit", 0);
    cs_trace_stats st;
    cs_trace_get_stats(&st);
    cr_assert_eq(st.stored, st.emitted);
    sqlite3 *db = tt_open(path);
    cr_assert_eq(tt_check_complete(db), (long long)st.emitted);
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM events WHERE kind=%d AND a=2", EV_ATOMIC),
                 4LL * g_per);
    /* each goroutine's adds are numbered 1..4*per in seq order (value after) */
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM (SELECT b, row_number() OVER (ORDER BY seq) "
                           "AS n FROM events WHERE kind=%d AND a=2) WHERE b != n",
                       EV_ATOMIC),
                 0, "atomic results are not in seq order");
    cr_assert_eq(tt_qi(db, "SELECT count(DISTINCT g) FROM events WHERE kind=%d", EV_ATOMIC), 4);
    sqlite3_close(db);
}

static void *short_lived(void *arg) {
    int64_t gid = (int64_t)(intptr_t)arg;
    for (int i = 0; i < 300; i++)
        cs_trace_event_g(gid, EV_MUTEX_ACQUIRE, gid, i, 0, 0, 0, NULL, here(__LINE__));
    return NULL; /* exits with its ring (probably) not yet drained */
}

Test(trace_writer, exited_threads_are_drained, .timeout = 60) {
    const char *path = tt_path("exited.db");
    tt_start(path);
    int nthreads = TT_SCALE(200);
    for (int i = 0; i < nthreads; i++) {
        pthread_t th;
        pthread_create(&th, NULL, short_lived, (void *)(intptr_t)(i + 2));
        if (i % 8 == 7) pthread_join(th, NULL);
        else pthread_detach(th);
    }
    /* detached ones may still run: wait until all their events are taken */
    for (int spin = 0; spin < 20000; spin++) {
        cs_trace_stats st;
        cs_trace_get_stats(&st);
        if (st.emitted == (uint64_t)nthreads * 300) break;
        usleep(500);
    }
    cs_trace_finish("exit", 0);
    sqlite3 *db = tt_open(path);
    cr_assert_eq(tt_check_complete(db), (long long)nthreads * 300 + 1);
    cr_assert_eq(tt_qi(db, "SELECT count(DISTINCT g) FROM events WHERE kind=%d", EV_MUTEX_ACQUIRE),
                 nthreads);
    sqlite3_close(db);
}

/* A record's clock is max(thread clock + 1, its time stamp), pushed further
 * by the clocks it joins (tracer/trace_buf.c): a thread's clock can jump far
 * ahead of its time stamps.  The converter numbers densely (seq = 1..N)
 * and keeps each thread's order.  Each event carries its place in `a`. */
Test(trace_writer, clock_jumps_are_renumbered_in_order, .timeout = 30) {
    const char *path = tt_path("gap.db");
    tt_start(path);
    int64_t k = 0;
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 2000; i++) cs_trace_event_g(1, EV_ATOMIC, 5, k++, i, 0, 0, NULL, here(1));
        cs_lc_join(cs_lc_now() + 1000000000); /* as if it met a thread far ahead */
    }
    cs_trace_finish("exit", 0);
    sqlite3 *db = tt_open(path);
    long long n = tt_check_complete(db);
    cr_assert_eq(n, 6000 + 1);
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM events WHERE kind=%d AND a != seq - 1",
                       EV_ATOMIC),
                 0, "the order changed");
    sqlite3_close(db);
}

/* Causality beats time stamps: thread A's clock is far ahead of real time
 * (as after meeting a thread whose time stamps run ahead); B's event that
 * happens after A's through an object (the obj_clock table) or a channel
 * lock (the lock's clock) must come after it in the trace although B's
 * time stamp is smaller.  Without the joins B's event sorts first. */
static cs_lock causal_lock;
static _Atomic int causal_step;
static int causal_mode; /* 0: a mutex (obj_clock), 1: a channel lock */
static void *causal_a(void *arg) {
    (void)arg;
    cs_lc_join((uint64_t)cs_trace_raw_now() + (UINT64_C(1) << 40)); /* minutes ahead */
    if (causal_mode == 0) {
        cs_trace_event_g(2, EV_MUTEX_RELEASE, 77, 0, 0, 0, 0, NULL, here(1));
    } else {
        cs_lock_acquire(&causal_lock);
        cs_trace_event_g(2, EV_CHAN_SEND, 88, 1, -1, 5, 0, NULL, here(2));
        cs_lock_release(&causal_lock);
    }
    atomic_store(&causal_step, 1);
    return NULL;
}
static void *causal_b(void *arg) {
    (void)arg;
    while (!atomic_load(&causal_step)) sched_yield();
    if (causal_mode == 0) {
        cs_trace_event_g(3, EV_MUTEX_ACQUIRE, 77, 0, 0, 0, 0, NULL, here(3));
    } else {
        cs_lock_acquire(&causal_lock);
        cs_trace_event_g(3, EV_CHAN_RECV, 88, 1, -1, 5, 0, NULL, here(4));
        cs_lock_release(&causal_lock);
    }
    return NULL;
}

static void causal_run(int mode, int first_kind, int second_kind) {
    const char *path = tt_path(mode ? "causal-chan.db" : "causal-mutex.db");
    tt_start(path);
    causal_mode = mode;
    atomic_store(&causal_step, 0);
    pthread_t a, b; /* fresh threads: fresh clocks */
    pthread_create(&b, NULL, causal_b, NULL);
    pthread_create(&a, NULL, causal_a, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    cs_trace_finish("exit", 0);
    sqlite3 *db = tt_open(path);
    tt_check_complete(db);
    long long x = tt_qi(db, "SELECT seq FROM events WHERE kind=%d", first_kind);
    long long y = tt_qi(db, "SELECT seq FROM events WHERE kind=%d", second_kind);
    cr_assert_lt(x, y, "mode %d: the earlier event is seq %lld, the later %lld", mode, x, y);
    sqlite3_close(db);
}

Test(trace_writer, causality_beats_time_stamps_mutex, .timeout = 30) {
    causal_run(0, EV_MUTEX_RELEASE, EV_MUTEX_ACQUIRE);
}
Test(trace_writer, causality_beats_time_stamps_chan, .timeout = 30) {
    causal_run(1, EV_CHAN_SEND, EV_CHAN_RECV);
}

/* A send or receive that does not block is one record (its begin and its
 * completion): its clock is taken under the channel's lock, the record is
 * written after the lock is let go, and before the operation returns, so
 * the log holds it at once (a kill -9 right after loses nothing). */
Test(trace_writer, an_operation_is_in_the_log_when_it_returns, .timeout = 30) {
    const char *path = tt_path("returns.db");
    tt_start(path);
    chan_t *c = chan_make(int64_t, 2);
    int64_t v = 5;
    uint64_t w0 = cs_log_written(NULL);
    chan_send(c, &v);
    uint64_t w1 = cs_log_written(NULL);
    cr_assert_eq(w1 - w0, 2, "send: %llu events written", (unsigned long long)(w1 - w0));
    cr_assert(chan_recv(c, &v));
    uint64_t w2 = cs_log_written(NULL);
    cr_assert_eq(w2 - w1, 2, "receive: %llu events written", (unsigned long long)(w2 - w1));
    chan_close(c);
    uint64_t w3 = cs_log_written(NULL);
    cr_assert(!chan_recv(c, &v));
    uint64_t w4 = cs_log_written(NULL);
    cr_assert_eq(w4 - w3, 2, "receive from a closed channel: %llu events written",
                 (unsigned long long)(w4 - w3));
    cs_trace_finish("exit", 0);
    sqlite3 *db = tt_open(path);
    tt_check_complete(db);
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM events WHERE kind IN (%d, %d) AND obj=%lld",
                       EV_CHAN_SEND_BEGIN, EV_CHAN_SEND, (long long)chan_id(c)),
                 2);
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM events WHERE kind IN (%d, %d) AND obj=%lld",
                       EV_CHAN_RECV_BEGIN, EV_CHAN_RECV, (long long)chan_id(c)),
                 4);
    sqlite3_close(db);
}

/* ---- text arguments, objects, goroutines, sites ----------------------- */

Test(trace_writer, strings_are_copied, .timeout = 30) {
    const char *path = tt_path("strings.db");
    tt_start(path);
    char buf[64];
    for (int i = 0; i < 100; i++) {
        snprintf(buf, sizeof buf, "message %d", i);
        cs_trace_event_g(1, EV_LOG, 0, 0, 0, 0, 0, buf, here(1));
        memset(buf, 'X', sizeof buf - 1); /* the caller reuses its buffer */
    }
    char big[3000];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = 0;
    cs_trace_log(here(2), "long: %s", big);
    cs_trace_log(here(3), "n=%d s=%s", 42, "it's \"quoted\"");
    cs_trace_finish("exit", 0);
    sqlite3 *db = tt_open(path);
    tt_check_complete(db);
    for (int i = 0; i < 100; i += 33)
        cr_assert_str_eq(tt_qs(db, "SELECT s FROM events WHERE seq=%d", i + 1),
                         (snprintf(buf, sizeof buf, "message %d", i), buf));
    /* (cs_trace_log attributes to the current goroutine: the runtime may
     * first adopt this thread, emitting go_create/go_start) */
    cr_assert_eq(tt_qi(db, "SELECT length(s) FROM events WHERE s LIKE 'long: %%'"), 6 + 2999);
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM events WHERE kind=%d AND g>0 AND "
                           "s='n=42 s=it''s \"quoted\"'", EV_LOG),
                 1);
    sqlite3_close(db);
}

Test(trace_writer, objects_goroutines_and_sites, .timeout = 30) {
    const char *path = tt_path("objects.db");
    tt_start(path);
    /* same site text through two different pointers: one sites row */
    static const char file_a[] = "dir/prog.c";
    char *file_b = strdup("dir/prog.c");
    cs_trace_event_g(1, EV_GO_CREATE, 1, 0, 0, 0, 0, "main", (cs_site){file_a, 1});
    cs_trace_object(5, OBJ_CHAN, NULL, (cs_site){file_a, 12}, 3, 8);
    cs_trace_object(6, OBJ_MUTEX, "accounts.mu", (cs_site){file_b, 13}, 0, 0);
    cs_trace_event_g(1, EV_CHAN_MAKE, 5, 3, 8, 0, 0, NULL, (cs_site){file_b, 12});
    cs_trace_event_g(1, EV_GO_CREATE, 2, 0, 0, 0, 0, "worker", (cs_site){file_a, 20});
    cs_trace_event_g(2, EV_GO_START, 0, 0, 0, 0, 0, NULL, (cs_site){file_a, 20});
    cs_trace_event_g(2, EV_GO_END, 0, 0, 0, 0, 0, NULL, (cs_site){file_a, 20});
    cs_trace_event_g(0, EV_TIMER_FIRE, 9, 1, 0, 0, 0, NULL, (cs_site){NULL, 0});
    cs_trace_finish("exit", 0);
    free(file_b);

    sqlite3 *db = tt_open(path);
    tt_check_complete(db);
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM sites WHERE file='dir/prog.c' AND line=12"), 1);
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM sites"), 4); /* lines 1, 12, 13, 20 */
    cr_assert_str_eq(tt_qs(db, "SELECT name FROM objects WHERE id=5"), "chan@prog.c:12");
    cr_assert_str_eq(tt_qs(db, "SELECT type_name FROM objects WHERE id=5"), "chan");
    cr_assert_eq(tt_qi(db, "SELECT a FROM objects WHERE id=5"), 3);
    cr_assert_eq(tt_qi(db, "SELECT b FROM objects WHERE id=5"), 8);
    cr_assert_eq(tt_qi(db, "SELECT create_seq FROM objects WHERE id=5"), 2); /* chan_make */
    cr_assert_eq(tt_qi(db, "SELECT create_seq FROM objects WHERE id=6"), 2);
    cr_assert_str_eq(tt_qs(db, "SELECT name FROM objects WHERE id=6"), "accounts.mu");
    cr_assert_eq(tt_qi(db, "SELECT type FROM objects WHERE id=6"), OBJ_MUTEX);
    cr_assert_eq(tt_qi(db, "SELECT s.line FROM objects o JOIN sites s ON s.id=o.site "
                           "WHERE o.id=6"),
                 13);
    /* goroutines: main adopted (no parent, no end), worker with parent/end */
    cr_assert_str_eq(tt_qs(db, "SELECT name FROM goroutines WHERE id=1"), "main");
    cr_assert_eq(tt_qi_or(db, -1, "SELECT parent FROM goroutines WHERE id=1"), -1);
    cr_assert_eq(tt_qi_or(db, -1, "SELECT end_seq FROM goroutines WHERE id=1"), -1);
    cr_assert_str_eq(tt_qs(db, "SELECT name FROM goroutines WHERE id=2"), "worker");
    cr_assert_eq(tt_qi(db, "SELECT parent FROM goroutines WHERE id=2"), 1);
    cr_assert_eq(tt_qi(db, "SELECT create_seq FROM goroutines WHERE id=2"), 3);
    cr_assert_eq(tt_qi(db, "SELECT end_seq FROM goroutines WHERE id=2"), 5);
    cr_assert_eq(tt_qi(db, "SELECT s.line FROM goroutines g JOIN sites s ON s.id=g.site "
                           "WHERE g.id=2"),
                 20);
    /* the timer thread: g 0, no site */
    cr_assert_eq(tt_qi(db, "SELECT g FROM events WHERE seq=6"), 0);
    cr_assert_eq(tt_qi_or(db, -1, "SELECT site FROM events WHERE seq=6"), -1);
    /* meta */
    cr_assert_eq(tt_qi(db, "SELECT value FROM meta WHERE key='schema_version'"),
                 CS_TRACE_SCHEMA_VERSION);
    cr_assert_str_eq(tt_qs(db, "SELECT value FROM meta WHERE key='end_reason'"), "exit");
    cr_assert_eq(tt_qi(db, "SELECT value FROM meta WHERE key='exit_status'"), 0);
    cr_assert_eq(tt_qi(db, "SELECT value FROM meta WHERE key='pid'"), getpid());
    cr_assert_str_eq(tt_qs(db, "SELECT json_valid(value) FROM meta WHERE key='args'"), "1");
    cr_assert_str_eq(tt_qs(db, "SELECT name FROM event_kinds WHERE id=%d", EV_CHAN_RECV),
                     "chan_recv");
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM sqlite_master WHERE type='index' AND "
                           "name LIKE 'events_%%'"),
                 3);
    sqlite3_close(db);
}

/* ---- finish ------------------------------------------------------------- */

static _Atomic int stop_producers;

static void *produce_until_stopped(void *arg) {
    int64_t gid = (int64_t)(intptr_t)arg;
    for (int64_t i = 0; !atomic_load(&stop_producers); i++)
        cs_trace_event_g(gid, EV_ATOMIC, 3, 2, i, 0, 0, i % 64 ? NULL : "text", here(7));
    return NULL;
}

Test(trace_writer, finish_while_producers_run, .timeout = 60) {
    const char *path = tt_path("busy.db");
    tt_start(path);
    pthread_t th[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&th[i], NULL, produce_until_stopped, (void *)(intptr_t)(10 + i));
    usleep(100 * 1000);
    cs_trace_finish("exit", 7);
    cs_trace_finish("panic", 2); /* idempotent: the first one wins */
    usleep(20 * 1000);
    atomic_store(&stop_producers, 1);
    for (int i = 0; i < 3; i++) pthread_join(th[i], NULL);
    cs_trace_stats st;
    cs_trace_get_stats(&st);
    cr_assert_gt(st.dropped, 0, "producers kept going after finish: some events are dropped");
    cr_assert_eq(st.stored, st.emitted);
    cr_assert_eq(atomic_load(&cs_tracing), 0);

    sqlite3 *db = tt_open(path);
    long long n = tt_check_complete(db);
    cr_assert_eq(n, (long long)st.stored);
    cr_assert_str_eq(tt_qs(db, "SELECT value FROM meta WHERE key='end_reason'"), "exit");
    cr_assert_eq(tt_qi(db, "SELECT value FROM meta WHERE key='exit_status'"), 7);
    cr_assert_eq(tt_qi(db, "SELECT a FROM events WHERE seq=%lld", n), 7);
    cr_assert_str_eq(tt_qs(db, "SELECT s FROM events WHERE seq=%lld", n), "exit");
    sqlite3_close(db);
    /* the file is self-contained */
    char side[300];
    snprintf(side, sizeof side, "%s-wal", path);
    cr_assert_neq(access(side, F_OK), 0, "-wal left behind");
}

/* ---- refusing outputs --------------------------------------------------- */

static const char *g_path;
static void start_and_emit(void) {
    char err[512];
    if (cs_trace_start(g_path, err, sizeof err) != 0) {
        fprintf(stderr, "start failed: %s\n", err);
        exit(3);
    }
    cs_trace_event_g(1, EV_LOG, 0, 0, 0, 0, 0, "hello", here(1));
}

Test(trace_writer, refuses_foreign_files_and_replaces_traces, .timeout = 30) {
    char err[512];
    const char *foreign = tt_path("notes.txt");
    FILE *f = fopen(foreign, "w");
    fputs("my precious notes\n", f);
    fclose(f);
    cr_assert_eq(cs_trace_start(foreign, err, sizeof err), -1);
    cr_assert(strstr(err, "not a chanscope trace"), "message: %s", err);
    f = fopen(foreign, "r");
    char line[64] = "";
    cr_assert(fgets(line, sizeof line, f));
    fclose(f);
    cr_assert_str_eq(line, "my precious notes\n");

    cr_assert_eq(cs_trace_start("/nonexistent-dir/x.db", err, sizeof err), -1);
    cr_assert(strstr(err, "does not exist"), "message: %s", err);
    cr_assert_eq(cs_trace_start(tt_path(""), err, sizeof err), -1); /* a directory */

    /* an SQLite file that is not a trace is refused too */
    const char *otherdb = tt_path("other.db");
    sqlite3 *db = NULL;
    sqlite3_open(otherdb, &db);
    sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1)", NULL, NULL, NULL);
    sqlite3_close(db);
    cr_assert_eq(cs_trace_start(otherdb, err, sizeof err), -1);

    /* an old trace is replaced: two children trace into the same file */
    g_path = tt_path("again.db");
    child_result r;
    run_child(start_and_emit, 20000, &r);
    cr_assert(r.exited && r.status == 0, "first run: %s", r.out);
    db = tt_open(g_path);
    long long pid1 = tt_qi(db, "SELECT value FROM meta WHERE key='pid'");
    sqlite3_close(db);
    run_child(start_and_emit, 20000, &r);
    cr_assert(r.exited && r.status == 0, "second run: %s", r.out);
    db = tt_open(g_path);
    cr_assert_neq(tt_qi(db, "SELECT value FROM meta WHERE key='pid'"), pid1);
    cr_assert_eq(tt_check_complete(db), 2);
    sqlite3_close(db);
}

/* ---- SIGKILL ------------------------------------------------------------ */

/* Shared with the child: the last seq it handed out and when. */
typedef struct progress {
    _Atomic int64_t emitted;
} progress;
static progress *g_prog;

static void emit_forever(void) {
    start_and_emit(); /* seq 1 */
    for (int64_t i = 2;; i++) {
        cs_trace_event_g(1, EV_VAR_WRITE, 4, i, 0, 0, 0, NULL, here(9));
        atomic_store(&g_prog->emitted, i); /* the event returned: it is in the log */
        if (i % 1000 == 0) usleep(200); /* ~ a few M events/s at most */
    }
}

/* kill -9 at any moment loses no event whose call returned: the log is a
 * MAP_SHARED mapping, and a store into it is in the page cache at once. */
Test(trace_writer, sigkill_loses_no_completed_event, .timeout = 60) {
    g_prog = mmap(NULL, sizeof *g_prog, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(g_prog, MAP_FAILED);
    g_path = tt_path("killed.db");
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        die_with_parent(parent);
        emit_forever();
        _exit(0);
    }
    /* Wait for real progress (a loaded sanitizer run starts slowly). */
    for (int i = 0; i < 2000 && atomic_load(&g_prog->emitted) <= 1000; i++) usleep(5 * 1000);
    kill(pid, SIGKILL);
    int st;
    waitpid(pid, &st, 0);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    int64_t done = atomic_load(&g_prog->emitted);
    cr_assert_gt(done, 1000, "the child emitted too little to test anything");

    tt_import(g_path);
    sqlite3 *db = tt_open(g_path);
    cr_assert_str_eq(tt_qs(db, "PRAGMA integrity_check"), "ok");
    cr_assert_eq(tt_qi_or(db, -1, "SELECT count(*) FROM meta WHERE key='end_reason'"), 0,
                 "a killed program has no end_reason");
    cr_assert_str_eq(tt_qs(db, "SELECT value FROM meta WHERE key='end_state'"), "killed");
    cr_assert_eq(tt_qi(db, "SELECT value FROM meta WHERE key='schema_version'"),
                 CS_TRACE_SCHEMA_VERSION);
    long long have = tt_qi(db, "SELECT count(*) FROM events");
    cr_assert(have == done || have == done + 1, "the trace has %lld events, the program completed "
              "%lld (and at most one more in progress)", have, (long long)done);
    cr_assert_eq(tt_qi(db, "SELECT max(seq) FROM events"), have, "seq gaps");
    sqlite3_close(db);
}

/* A forked child stops tracing: its events are dropped, it writes nothing
 * into the parent's log (the mapping is shared), and its exit neither
 * finishes nor converts the parent's trace. */
Test(trace_writer, forked_child_stops_tracing, .timeout = 60) {
    const char *path = tt_path("fork.db");
    tt_start(path);
    for (int i = 0; i < 1000; i++) cs_trace_event_g(1, EV_VAR_WRITE, 4, 1, i, 0, 0, NULL, here(11));
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        die_with_parent(parent);
        for (int i = 0; i < 100000; i++)
            cs_trace_event_g(2, EV_VAR_WRITE, 4, 2, i, 0, 0, "child", here(12));
        /* The exit handler runs: it must leave the parent's trace alone.
         * (The plain build checks that.  Under a sanitizer the child leaves
         * without it: LeakSanitizer's check at exit, in a child forked from
         * a multithreaded process, can wait forever for an allocator lock
         * that another thread of the parent held at the fork; seen once.) */
        if (TT_SANITIZED) _exit(0);
        exit(0);
    }
    int st = 0; /* (bounded: a child that hangs is a failure, not a stuck suite) */
    double t0 = helpers_now();
    while (waitpid(pid, &st, WNOHANG) == 0) {
        if (helpers_now() - t0 > 30) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            cr_assert_fail("the forked child did not exit within 30 s");
        }
        usleep(2000);
    }
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char log[512];
    snprintf(log, sizeof log, "%s.cslog", path);
    cr_assert_eq(access(log, F_OK), 0, "the child's exit removed the parent's log");
    cr_assert_neq(access(path, F_OK), 0, "the child's exit converted the parent's trace");
    for (int i = 0; i < 1000; i++) cs_trace_event_g(1, EV_VAR_WRITE, 4, 3, i, 0, 0, NULL, here(13));
    cs_trace_finish("exit", 0);
    sqlite3 *db = tt_open(path);
    long long n = tt_check_complete(db);
    cr_assert_eq(n, 2000 + 1);
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM events WHERE a=2 OR g=2"), 0, "child events traced");
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM events WHERE a=3"), 1000);
    sqlite3_close(db);
}

/* A log that cannot grow (a full disk; here a file-size limit, which makes
 * the same write fail with EFBIG) costs the later events, not the program:
 * one line says so, the events written before stay whole and in order, and
 * the log converts into a trace that says it stops early (and how many
 * events it lacks) instead of one that looks finished.  The file grows
 * 1 MiB at a time: the limit falls after three steps. */
#include <sys/resource.h>
#define FULL_LIMIT (64 * 1024 + 3 * 1024 * 1024)
static char g_full[256];

static void fill_the_log(void) {
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl = {FULL_LIMIT, FULL_LIMIT};
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0) _exit(90);
    setenv("CHANSCOPE_TRACE_NOCONVERT", "1", 1); /* (the parent converts, without the limit) */
    char err[512];
    if (cs_trace_start(g_full, err, sizeof err) != 0) {
        printf("start: %s\n", err);
        _exit(91);
    }
    for (int i = 0; i < 1000000; i++)
        cs_trace_event_g(1, EV_ATOMIC, 7, i, -1, 1, 0, NULL, here(i % 50));
    cs_trace_stats st;
    cs_trace_get_stats(&st);
    printf("stored=%llu dropped=%llu\n", (unsigned long long)st.stored,
           (unsigned long long)st.dropped);
    cs_trace_finish("exit", 0);
    printf("the program went on\n");
}

Test(trace_writer, a_log_that_cannot_grow_costs_events_not_the_program, .timeout = 60) {
    snprintf(g_full, sizeof g_full, "%s", tt_path("full.db"));
    child_result r;
    run_child(fill_the_log, 50000, &r);
    cr_assert(r.exited && r.status == 0, "status %d (exited %d): %s", r.status, r.exited, r.out);
    cr_assert_not_null(strstr(r.out, "the program went on"), "%s", r.out);
    const char *say = "cannot grow the event log";
    char *first = strstr(r.out, say);
    cr_assert_not_null(first, "no message: %s", r.out);
    cr_assert_null(strstr(first + 1, say), "said more than once: %s", r.out);
    unsigned long long stored = 0, dropped = 0;
    const char *s = strstr(r.out, "stored=");
    cr_assert(s && sscanf(s, "stored=%llu dropped=%llu", &stored, &dropped) == 2, "%s", r.out);
    cr_assert_gt(dropped, 0, "every event fit: the limit did not bite");
    cr_assert_gt(stored, 100000, "too few events before the limit: %llu", stored);

    char log[300];
    snprintf(log, sizeof log, "%s.cslog", g_full);
    struct stat sb;
    cr_assert_eq(stat(log, &sb), 0);
    cr_assert_leq(sb.st_size, FULL_LIMIT);
    tt_import(g_full);
    sqlite3 *db = tt_open(g_full);
    cr_assert_str_eq(tt_qs(db, "PRAGMA integrity_check"), "ok");
    long long n = tt_qi(db, "SELECT count(*) FROM events WHERE kind=%d", EV_ATOMIC);
    cr_assert_eq(n, (long long)stored, "the trace has %lld of the %llu events stored", n, stored);
    /* the first n events, each once, in order */
    cr_assert_eq(tt_qi(db, "SELECT max(a) FROM events WHERE kind=%d", EV_ATOMIC), n - 1);
    cr_assert_eq(tt_qi(db,
                       "SELECT count(*) FROM (SELECT a, lag(a) OVER (ORDER BY seq) AS p "
                       "FROM events WHERE kind=%d) WHERE p IS NOT NULL AND a != p + 1",
                       EV_ATOMIC),
                 0);
    cr_assert_eq(tt_qi(db, "SELECT max(seq) FROM events"), tt_qi(db, "SELECT count(*) FROM events"),
                 "seq gaps");
    /* it stops before the first lost event: program_end (after them) is not
     * in it, and it does not claim an end */
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM events WHERE kind=%d", EV_PROGRAM_END), 0);
    cr_assert_str_eq(tt_qs(db, "SELECT value FROM meta WHERE key='end_state'"), "incomplete");
    cr_assert_eq(tt_qi_or(db, -1, "SELECT count(*) FROM meta WHERE key='end_reason'"), 0);
    long long lost = tt_qi(db, "SELECT value FROM meta WHERE key='events_lost'");
    cr_assert(lost >= (long long)dropped && lost <= (long long)dropped + 1,
              "events_lost %lld, dropped %llu (+ program_end, left out)", lost, dropped);
    sqlite3_close(db);
}

/* ---- meta keys --------------------------------------------------------------- */

/* The trace's meta keys are the META rows of format/trace.def: one the log's
 * meta text holds that the contract does not list (a damaged or foreign
 * log) is left out of the trace; the listed ones are copied. */
static void emit_and_keep_the_log(void) {
    setenv("CHANSCOPE_TRACE_NOCONVERT", "1", 1);
    start_and_emit();
    cs_trace_finish("exit", 0);
}

Test(trace_writer, a_meta_key_the_contract_does_not_list_is_left_out, .timeout = 30) {
    g_path = tt_path("meta.db");
    child_result r;
    run_child(emit_and_keep_the_log, 20000, &r);
    cr_assert(r.exited && r.status == 0, "status %d (exited %d): %s", r.status, r.exited, r.out);
    cslog_header *h = tt_log_header(g_path);
    static const char extra[] = "no_such_key\0surprise"; /* + its terminating NUL */
    cr_assert_lt(CSLOG_META_OFF + h->meta_len + sizeof extra, CSLOG_HEADER_SIZE);
    memcpy((char *)h + CSLOG_META_OFF + h->meta_len, extra, sizeof extra);
    h->meta_len += sizeof extra;
    tt_log_header_done(h);
    tt_import(g_path);
    sqlite3 *db = tt_open(g_path);
    cr_assert_eq(tt_check_complete(db), 2);
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM meta WHERE value='surprise'"), 0);
    cr_assert_gt(tt_qi(db, "SELECT value FROM meta WHERE key='pid'"), 0);
    cr_assert_gt(tt_qi(db, "SELECT count(*) FROM meta WHERE key='program'"), 0);
    sqlite3_close(db);
}
