/*
 * test_rt_trace_order.c — seq order respects causality, checked over many
 * random runs of a small MPMC program (random producers, consumers,
 * capacity, message counts; consumers update a mutex-guarded total):
 *   - every received message was sent earlier (smaller seq), with the same
 *     value, on the same channel, and is received exactly once;
 *   - for each mutex, acquire and release alternate in seq order, each
 *     release by the goroutine of the acquire before it (release n < acquire n+1);
 *   - go_create < go_start < every other event of that goroutine < go_end;
 *   - a WaitGroup's wait returns after the Done that brought it to zero;
 *   - the seq space is gap-free and ends with program_end.
 * Each traced child process (one trace per process) runs ROUNDS rounds
 * with fresh channels and mutexes: 2 x 150 x 5 = 1500 random runs.
 */
#include "chanscope.h"
#include "test_rt_trace_util.h"

static char g_db[256];
static unsigned g_seed;

typedef struct mpmc {
    chan_t *jobs;
    int per_producer;
    mutex_t mu;
    int64_t total;
    waitgroup_t producers, consumers;
} mpmc;

typedef struct producer_arg {
    mpmc *m;
    int id;
} producer_arg;

static void producer(void *arg) {
    producer_arg *p = arg;
    for (int i = 0; i < p->m->per_producer; i++) {
        int64_t v = (int64_t)p->id * 1000000 + i;
        chan_send(p->m->jobs, &v);
    }
    wg_done(&p->m->producers);
}

static void consumer(void *arg) {
    mpmc *m = arg;
    int64_t v;
    while (chan_recv(m->jobs, &v)) {
        mutex_lock(&m->mu);
        m->total += v;
        mutex_unlock(&m->mu);
    }
    wg_done(&m->consumers);
}

static void closer(void *arg) {
    mpmc *m = arg;
    wg_wait(&m->producers);
    chan_close(m->jobs);
}

enum { ROUNDS = 5 }; /* independent MPMC rounds per traced process */

static void one_round(mpmc *m, producer_arg *pa, unsigned *s) {
    int np = 1 + (int)(rand_r(s) % 3), nc = 1 + (int)(rand_r(s) % 3);
    m->jobs = chan_make(int64_t, rand_r(s) % 4);
    m->per_producer = 5 + (int)(rand_r(s) % 40);
    wg_add(&m->producers, np);
    wg_add(&m->consumers, nc);
    for (int i = 0; i < np; i++) {
        pa[i] = (producer_arg){m, i + 1};
        go(producer, &pa[i]);
    }
    for (int i = 0; i < nc; i++) go(consumer, m);
    go(closer, m);
    wg_wait(&m->consumers);
}

static void one_run(void) {
    char err[512];
    if (cs_trace_start(g_db, err, sizeof err) != 0) {
        fprintf(stderr, "start: %s\n", err);
        _exit(99);
    }
    unsigned s = g_seed;
    static mpmc m[ROUNDS];
    static producer_arg pa[ROUNDS][3];
    for (int r = 0; r < ROUNDS; r++) one_round(&m[r], pa[r], &s);
}

/* Violations of the invariants in one trace (0 = all hold). */
static long long violations(sqlite3 *db, long long *messages) {
    *messages = tt_qi(db, "SELECT count(*) FROM events WHERE kind=%d", EV_CHAN_SEND);
    long long bad = 0;
    /* each receive of a message: a matching earlier send, same value */
    bad += tt_qi(db,
                 "SELECT count(*) FROM events r WHERE r.kind=%d AND r.a>0 AND NOT EXISTS "
                 "(SELECT 1 FROM events s WHERE s.kind=%d AND s.obj=r.obj AND s.a=r.a "
                 "AND s.c=r.c AND s.seq<r.seq)",
                 EV_CHAN_RECV, EV_CHAN_SEND);
    /* every message received exactly once */
    bad += tt_qi(db,
                 "SELECT count(*) FROM events s WHERE s.kind=%d AND (SELECT count(*) FROM "
                 "events r WHERE r.kind=%d AND r.obj=s.obj AND r.a=s.a) != 1",
                 EV_CHAN_SEND, EV_CHAN_RECV);
    /* mutex acquire/release alternate, release by the acquirer */
    bad += tt_qi(db,
                 "SELECT count(*) FROM (SELECT kind, g, lag(kind) OVER w AS pk, lag(g) OVER w "
                 "AS pg FROM events WHERE kind IN (%d,%d) AND obj IN (SELECT id FROM objects "
                 "WHERE type=%d) WINDOW w AS (PARTITION BY obj ORDER BY seq)) WHERE "
                 "(pk IS NULL AND kind != %d) OR pk = kind OR (kind=%d AND pg != g)",
                 EV_MUTEX_ACQUIRE, EV_MUTEX_RELEASE, OBJ_MUTEX, EV_MUTEX_ACQUIRE,
                 EV_MUTEX_RELEASE);
    /* each wg_wait_done after a wg_add that left its counter at zero */
    bad += tt_qi(db,
                 "SELECT count(*) FROM events w WHERE w.kind=%d AND NOT EXISTS (SELECT 1 FROM "
                 "events d WHERE d.kind=%d AND d.obj=w.obj AND d.b=0 AND d.seq<w.seq)",
                 EV_WG_WAIT_DONE, EV_WG_ADD);
    /* goroutine life: create < start = first event; end = last event (a
     * goroutine still finishing when main returned has no end) */
    bad += tt_qi(db,
                 "SELECT count(*) FROM goroutines gr WHERE gr.id > 1 AND ("
                 " (SELECT min(seq) FROM events WHERE g=gr.id) <= gr.create_seq OR"
                 " (SELECT kind FROM events WHERE g=gr.id ORDER BY seq LIMIT 1) != %d OR"
                 " (gr.end_seq IS NOT NULL AND gr.end_seq != (SELECT max(seq) FROM events"
                 "  WHERE g=gr.id)) OR"
                 " (SELECT count(*) FROM events WHERE g=gr.id AND kind=%d) !="
                 "  (gr.end_seq IS NOT NULL))",
                 EV_GO_START, EV_GO_END);
    return bad;
}

static void run_many(int runs, unsigned seed0) {
    long long total_msgs = 0;
    for (int run = 0; run < runs; run++) {
        g_seed = seed0 + (unsigned)run * 7919u;
        snprintf(g_db, sizeof g_db, "%s", tt_path("mpmc.db"));
        child_result r;
        run_child(one_run, 20000, &r);
        cr_assert(r.exited && r.status == 0, "run %d (seed %u): status %d timed_out %d: %s", run,
                  g_seed, r.status, r.timed_out, r.out);
        sqlite3 *db = tt_open(g_db);
        tt_check_complete(db);
        long long msgs;
        long long bad = violations(db, &msgs);
        cr_assert_eq(bad, 0, "run %d (seed %u): %lld ordering violations", run, g_seed, bad);
        cr_assert_gt(msgs, 0);
        total_msgs += msgs;
        sqlite3_close(db);
    }
    cr_assert_gt(total_msgs, runs * 5);
}

/* The timeouts guard against a hang, not speed (a loaded machine may take
 * minutes).  Two halves so that Criterion runs them on both cores.  Under sanitizers
 * (each child 10-20x slower) 2 x 6 children x 5 rounds. */
#define CHILDREN (TT_SANITIZED ? 6 : 150)
Test(trace_order, mpmc_random_runs_a, .timeout = 240) { run_many(CHILDREN, 1); }
Test(trace_order, mpmc_random_runs_b, .timeout = 240) { run_many(CHILDREN, 500000); }
