/*
 * test_rt_trace_stuck.c — a thread still in the middle of a record when the
 * program ends (descheduled for the 2 s that finish waits, or stopped
 * there): its record may never land.  The trace must not then look
 * finished while it lacks that event: it stops below the record's clock
 * and says how many events it lacks, as for a full disk (trace_log.h,
 * cslog_header.stuck).  And a record that did land costs nothing.
 *
 * The stuck thread is simulated by cs_log_test_stall (tracer.h): the
 * thread's "busy" state stays odd and it writes nothing more.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "chanscope.h"
#include "test_rt_trace_util.h"

static char g_db[256];
static _Atomic int stalled;

static cs_site here(int line) { return (cs_site){"tests/unit/test_rt_trace_stuck.c", line}; }

enum { BEFORE = 100, STALLER = 50, AFTER = 10 };

/* Writes STALLER events (a = 1000 + i), then stays mid-record forever. */
static void *staller(void *arg) {
    (void)arg;
    for (int i = 0; i < STALLER; i++)
        cs_trace_event_g(2, EV_ATOMIC, 7, 1000 + i, 0, 0, 0, NULL, here(31));
    cs_log_test_stall();
    atomic_store(&stalled, 1);
    for (;;) pause();
    return NULL;
}

/* BEFORE events (a = i) on object 7, the staller, then (once it is stuck)
 * object 8 and AFTER more events on it (a = 2000 + i), then the end:
 * finish waits 2 s for the stuck record. */
static void stall_then_finish(void) {
    char err[512];
    if (cs_trace_start(g_db, err, sizeof err) != 0) {
        printf("start: %s\n", err);
        _exit(91);
    }
    cs_trace_object(7, OBJ_ATOMIC, "before", here(45), 0, 0);
    for (int i = 0; i < BEFORE; i++)
        cs_trace_event_g(1, EV_ATOMIC, 7, i, 0, 0, 0, NULL, here(45));
    pthread_t th;
    if (pthread_create(&th, NULL, staller, NULL) != 0) _exit(92);
    while (!atomic_load(&stalled)) usleep(1000);
    cs_trace_object(8, OBJ_ATOMIC, "after", here(51), 0, 0);
    for (int i = 0; i < AFTER; i++)
        cs_trace_event_g(1, EV_ATOMIC, 8, 2000 + i, 0, 0, 0, NULL, here(51));
    cs_trace_stats st;
    cs_trace_finish("exit", 0);
    cs_trace_get_stats(&st);
    printf("emitted=%llu\n", (unsigned long long)st.emitted);
}

static long long count_a(sqlite3 *db, int lo, int hi) {
    return tt_qi(db, "SELECT count(*) FROM events WHERE kind=%d AND a BETWEEN %d AND %d", EV_ATOMIC,
                 lo, hi);
}

Test(trace_stuck, a_record_never_written_cuts_the_trace_there, .timeout = 60) {
    snprintf(g_db, sizeof g_db, "%s", tt_path("stuck.db"));
    child_result r;
    run_child(stall_then_finish, 40000, &r); /* (converts at its end, as a program does) */
    cr_assert(r.exited && r.status == 0, "status %d (exited %d): %s", r.status, r.exited, r.out);
    sqlite3 *db = tt_open(g_db);
    cr_assert_str_eq(tt_qs(db, "PRAGMA integrity_check"), "ok");
    /* it does not claim an end: it stops early, and says by how much */
    cr_assert_str_eq(tt_qs(db, "SELECT value FROM meta WHERE key='end_state'"), "incomplete");
    cr_assert_eq(tt_qi_or(db, -1, "SELECT count(*) FROM meta WHERE key='end_reason'"), 0);
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM events WHERE kind=%d", EV_PROGRAM_END), 0);
    /* what is in it is whole: everything before the stuck record */
    cr_assert_eq(count_a(db, 0, BEFORE - 1), BEFORE);
    cr_assert_eq(count_a(db, 1000, 1000 + STALLER - 1), STALLER);
    /* and what came after it is not (main's later events) */
    long long after = count_a(db, 2000, 2000 + AFTER - 1);
    cr_assert_eq(after, 0, "%lld events after the stuck record are in the trace", after);
    /* nor the object that only they introduced */
    cr_assert_eq(tt_qi(db, "SELECT create_seq FROM objects WHERE id=7"),
                 tt_qi(db, "SELECT min(seq) FROM events WHERE obj=7"));
    cr_assert_eq(tt_qi(db, "SELECT count(*) FROM objects WHERE id=8"), 0,
                 "an object registered after the cut is in the trace");
    long long lost = tt_qi(db, "SELECT value FROM meta WHERE key='events_lost'");
    /* the stuck record, the AFTER events and program_end */
    cr_assert_eq(lost, 1 + AFTER + 1, "events_lost %lld", lost);
    cr_assert_eq(tt_qi(db, "SELECT max(seq) FROM events"), tt_qi(db, "SELECT count(*) FROM events"),
                 "seq gaps");
    sqlite3_close(db);
}

/* The same run, converted by hand after the header is made to say the
 * stuck thread had written one event less than the log holds: as if its
 * record had landed after finish looked.  Then nothing is lost. */
static void stall_then_finish_no_convert(void) {
    setenv("CHANSCOPE_TRACE_NOCONVERT", "1", 1);
    stall_then_finish();
}

Test(trace_stuck, a_record_that_landed_late_costs_nothing, .timeout = 60) {
    snprintf(g_db, sizeof g_db, "%s", tt_path("landed.db"));
    child_result r;
    run_child(stall_then_finish_no_convert, 40000, &r);
    cr_assert(r.exited && r.status == 0, "status %d (exited %d): %s", r.status, r.exited, r.out);
    cslog_header *h = tt_log_header(g_db);
    cr_assert_eq(h->nstuck, 1, "the header names %u stuck threads", h->nstuck);
    cr_assert_eq(h->stuck[0].written, STALLER, "the stuck thread had written %llu events",
                 (unsigned long long)h->stuck[0].written);
    h->stuck[0].written = STALLER - 1;
    tt_log_header_done(h);
    tt_import(g_db);
    sqlite3 *db = tt_open(g_db);
    long long n = tt_check_complete(db);
    cr_assert_eq(n, BEFORE + STALLER + AFTER + 1);
    cr_assert_str_eq(tt_qs(db, "SELECT value FROM meta WHERE key='end_reason'"), "exit");
    cr_assert_eq(tt_qi_or(db, -1, "SELECT count(*) FROM meta WHERE key='events_lost'"), 0);
    cr_assert_eq(tt_qi(db, "SELECT create_seq FROM objects WHERE id=8"),
                 tt_qi(db, "SELECT min(seq) FROM events WHERE obj=8"));
    sqlite3_close(db);
}
