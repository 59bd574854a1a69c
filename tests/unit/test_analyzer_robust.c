/*
 * test_analyzer_robust.c — the analyzer never trusts a trace: malformed
 * traces (rows lost, values changed, events deleted) are refused with one
 * line, or analysed with a warning, and never crash it or make it read or
 * write memory it does not own.  Each test here reproduces a bug that was
 * found by fuzzing or by hand (issue 17).
 */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "analyzer.h"
#include "synth.h"
#include "trace_hooks.h"

static an_synth *s;
static an_trace *t;
static an_result *r;
static char err[512];

static void setup(void) {
    s = an_synth_open(NULL);
    cr_assert(s);
    t = NULL;
    r = NULL;
    err[0] = 0;
}
static void teardown(void) {
    an_result_free(r);
    an_trace_free(t);
    an_synth_close(s);
}
TestSuite(analyzer_robust, .init = setup, .fini = teardown, .timeout = 20);

static int32_t L(int line) { return an_synth_site(s, "t.c", line); }
static int64_t ev(int64_t g, int kind, int64_t obj, int64_t a, int64_t b, int64_t c) {
    return an_synth_ev(s, g, kind, obj, a, b, c, 0, L(1), NULL);
}
static void spawn(int64_t parent, int64_t child) {
    an_synth_goroutine(s, child, "w", parent, L(1), 0);
    an_synth_ev(s, parent, EV_GO_CREATE, child, 0, 0, 0, 0, L(1), "w");
    ev(child, EV_GO_START, 0, 0, 0, 0);
}
static void load(void) {
    an_synth_end(s, 1, "exit", 0);
    t = an_load_db(an_synth_db(s), "mem", err, sizeof err);
}
static void run(void) {
    load();
    cr_assert(t, "load: %s", err);
    r = an_analyze(t);
    /* every report, as check and export would give them */
    FILE *null = fopen("/dev/null", "w");
    cr_assert(null);
    an_report_text(null, t, r);
    an_export_chrome(null, t, r);
    fclose(null);
    free(an_report_json(t, r));
}
static int count(const char *kind) {
    int n = 0;
    for (size_t i = 0; i < r->findings.n; i++) n += !strcmp(r->findings.v[i].kind, kind);
    return n;
}
static void refused(const char *words) {
    load();
    cr_assert_null(t, "the trace should be refused");
    cr_assert(strstr(err, words), "message '%s' should say '%s'", err, words);
    cr_assert_null(strchr(err, '\n'), "one line: %s", err);
}

#define VAR 100

/* Use-after-free (fuzzer): the replay held a pointer to the timer's state
 * while looking up its channel, which added the channel's state (it had no
 * chan_make) and moved the state array.  The timer's clock was then joined
 * into freed memory: the start → fire edge was lost and a race appeared. */
Test(analyzer_robust, timer_channel_without_chan_make) {
    an_synth_object(s, VAR, OBJ_VAR, "x", 0, 0, 0);
    an_synth_object(s, 8, OBJ_TIMER, NULL, 0, 0, 0);
    spawn(1, 2);
    ev(1, EV_VAR_WRITE, VAR, 0, 0, 0);
    /* six more objects: the timer is the 8th state, its channel the 9th
     * (the state array starts with room for 8) */
    for (int m = 1; m <= 6; m++) {
        an_synth_object(s, m, OBJ_MUTEX, NULL, 0, 0, 0);
        ev(1, EV_MUTEX_ACQUIRE, m, 0, 0, 0);
        ev(1, EV_MUTEX_RELEASE, m, 0, 0, 0);
    }
    ev(1, EV_TIMER_START, 8, 1000, 9, 0); /* channel 9: no row, no chan_make */
    ev(0, EV_TIMER_FIRE, 8, 1, 0, 0);
    ev(0, EV_CHAN_SEND, 9, 77, -1, 0);
    ev(2, EV_CHAN_RECV, 9, 77, -1, 0);
    ev(2, EV_VAR_READ, VAR, 0, 0, 0);
    ev(2, EV_GO_END, 0, 0, 0, 0);
    run();
    cr_assert_eq(count("race"), 0, "the write happens before the timer, the timer before the "
                                   "read: no race");
}

/* Heap overflow: the receive ring of a buffered channel was sized at the
 * first receive; a second chan_make with a larger capacity made the later
 * receives write past it (release check aborted, export crashed). */
Test(analyzer_robust, chan_make_twice_with_another_capacity) {
    an_synth_object(s, 5, OBJ_CHAN, "ch", 0, 1, 8);
    ev(1, EV_CHAN_MAKE, 5, 1, 8, 0);
    ev(1, EV_CHAN_SEND, 5, 1, 0, 0);
    ev(1, EV_CHAN_RECV, 5, 1, 0, 0);
    ev(1, EV_CHAN_MAKE, 5, 4000, 8, 0);
    for (int k = 2; k < 4000; k++) {
        ev(1, EV_CHAN_SEND, 5, k, k % 4000, 0);
        ev(1, EV_CHAN_RECV, 5, k, k % 4000, 0);
    }
    refused("chan_make");
    cr_assert(strstr(err, "channel 5"), "%s", err);
}

/* ---- validation as the rows load --------------------------------------- */

static sqlite3 *db(void) { return an_synth_db(s); }
static void exec(const char *q) {
    cr_assert_eq(sqlite3_exec(db(), q, NULL, NULL, NULL), SQLITE_OK, "%s: %s", q,
                 sqlite3_errmsg(db()));
}
/* A small clean program: main starts a worker that sends on a channel. */
static void base(void) {
    an_synth_object(s, 5, OBJ_CHAN, "ch", L(2), 0, 8);
    an_synth_goroutine(s, 1, "main", 0, L(1), 0);
    ev(1, EV_GO_CREATE, 1, 0, 0, 0);
    ev(1, EV_GO_START, 0, 0, 0, 0);
    ev(1, EV_CHAN_MAKE, 5, 0, 8, 0);
    spawn(1, 2);
    ev(2, EV_CHAN_SEND_BEGIN, 5, 0, 0, 0);
    ev(1, EV_CHAN_RECV_BEGIN, 5, 0, 0, 0);
    ev(2, EV_CHAN_SEND, 5, 1, -1, 0);
    ev(1, EV_CHAN_RECV, 5, 1, -1, 0);
    ev(2, EV_GO_END, 0, 0, 0, 0);
}

Test(analyzer_robust, clean_trace_has_no_warning) {
    base();
    run();
    cr_assert_eq(t->nwarnings, 0, "%s", t->nwarnings ? t->warnings[0] : "");
    cr_assert_not(t->damaged);
    cr_assert_eq(r->findings.n, 0);
}

Test(analyzer_robust, negative_capacity_in_chan_make) {
    ev(1, EV_CHAN_MAKE, 5, -1, 8, 0);
    refused("capacity -1");
}

Test(analyzer_robust, absurd_capacity_in_objects_row) {
    an_synth_object(s, 5, OBJ_CHAN, "ch", 0, (int64_t)1 << 50, 8);
    ev(1, EV_CHAN_SEND, 5, 1, 0, 0);
    refused("impossible capacity");
}

Test(analyzer_robust, negative_element_size) {
    ev(1, EV_CHAN_MAKE, 5, 2, -8, 0);
    refused("element size -8");
}

Test(analyzer_robust, chan_make_contradicts_objects_row) {
    an_synth_object(s, 5, OBJ_CHAN, "ch", 0, 3, 8);
    ev(1, EV_CHAN_MAKE, 5, 1000, 8, 0);
    refused("objects row says capacity 3");
}

Test(analyzer_robust, negative_goroutine_id) {
    ev(-4, EV_GO_START, 0, 0, 0, 0);
    refused("goroutine id -4");
}

Test(analyzer_robust, go_create_of_goroutine_zero) {
    ev(1, EV_GO_CREATE, 0, 0, 0, 0);
    refused("go_create of goroutine 0");
}

Test(analyzer_robust, negative_object_id) {
    ev(1, EV_MUTEX_ACQUIRE, -3, 0, 0, 0);
    refused("object id -3");
}

Test(analyzer_robust, object_row_with_id_zero) {
    an_synth_object(s, 0, OBJ_MUTEX, "m", 0, 0, 0);
    refused("object ids start at 1");
}

Test(analyzer_robust, duplicated_seq) {
    base();
    an_synth_flush(s);
    /* a copy of the events table without its primary key, one row twice */
    exec("CREATE TABLE e2 AS SELECT * FROM events; INSERT INTO e2 SELECT * FROM events WHERE seq=4;"
         "DROP TABLE events; ALTER TABLE e2 RENAME TO events;");
    refused("seq 4 appears twice");
}

Test(analyzer_robust, seq_that_is_not_a_number) {
    base();
    an_synth_flush(s);
    exec("CREATE TABLE e2 AS SELECT * FROM events; UPDATE e2 SET seq='x' WHERE seq=3;"
         "DROP TABLE events; ALTER TABLE e2 RENAME TO events;");
    refused("is not an integer");
}

Test(analyzer_robust, seq_zero) {
    base();
    an_synth_flush(s);
    exec("UPDATE events SET seq=0 WHERE seq=1");
    refused("seq 0");
}

/* A kind from a newer compatible version (or garbage, even one that would
 * wrap around to a known kind in 16 bits) is ignored, with a warning. */
Test(analyzer_robust, unknown_kinds_are_ignored_with_a_warning) {
    base();
    ev(1, 99, 5, 0, 0, 0);
    ev(1, 65536 + EV_CHAN_CLOSE, 5, 0, 0, 0);
    run();
    cr_assert_eq(t->nwarnings, 1);
    cr_assert(strstr(t->warnings[0], "2 events of a kind this chanscope does not know were "
                                     "ignored (the first: seq 11, kind 99)"),
              "%s", t->warnings[0]);
    cr_assert_not(t->damaged);
    cr_assert_eq(r->findings.n, 0, "the 'close' in disguise must not count");
}

Test(analyzer_robust, event_of_a_goroutine_without_a_row) {
    base();
    ev(7, EV_VAR_READ, 0, 0, 0, 0);
    run();
    cr_assert_eq(t->nwarnings, 1);
    cr_assert(strstr(t->warnings[0], "goroutine 7"), "%s", t->warnings[0]);
}

Test(analyzer_robust, event_about_an_object_without_a_row) {
    base();
    ev(1, EV_MUTEX_ACQUIRE, 44, 0, 0, 0);
    ev(1, EV_MUTEX_RELEASE, 44, 0, 0, 0);
    run();
    cr_assert_eq(t->nwarnings, 1);
    cr_assert(strstr(t->warnings[0], "2 events about objects that have no row"), "%s",
              t->warnings[0]);
    cr_assert(strstr(t->warnings[0], "object 44"), "%s", t->warnings[0]);
}

/* ---- damaged: events deleted from a finished trace ----------------------- */

static void many_events(int n) {
    base();
    for (int i = 0; i < n; i++) ev(1, EV_LOG, 0, 0, 0, 0);
}

Test(analyzer_robust, events_deleted_from_the_middle) {
    many_events(2000);
    an_synth_end(s, 1, "exit", 0);
    exec("DELETE FROM events WHERE seq BETWEEN 100 AND 1599");
    t = an_load_db(db(), "mem", err, sizeof err);
    cr_assert(t, "%s", err);
    cr_assert(t->damaged);
    cr_assert_eq(t->nwarnings, 1);
    cr_assert(strstr(t->warnings[0], "meta.events says 2011 events but it holds 511 (1500 "
                                     "events are missing: seq 100-1599)"),
              "%s", t->warnings[0]);
    r = an_analyze(t);
    char *js = an_report_json(t, r);
    cr_assert(strstr(js, "\"damaged\":\ttrue"), "%s", js);
    cr_assert(strstr(js, "meta.events says 2011"), "%s", js);
    free(js);
}

/* The same with meta.events made to agree: the gap still shows. */
Test(analyzer_robust, events_deleted_and_meta_updated) {
    many_events(50);
    an_synth_end(s, 1, "exit", 0);
    exec("DELETE FROM events WHERE seq IN (20, 30, 31);"
         "UPDATE meta SET value=(SELECT count(*) FROM events) WHERE key='events'");
    t = an_load_db(db(), "mem", err, sizeof err);
    cr_assert(t, "%s", err);
    cr_assert(t->damaged);
    cr_assert(strstr(t->warnings[0], "3 events are missing: seq 20 and more"), "%s",
              t->warnings[0]);
}

/* A killed program's trace may lack its last events: no warning. */
Test(analyzer_robust, truncated_trace_with_a_gap_is_not_damaged) {
    many_events(50);
    an_synth_flush(s);
    exec("DELETE FROM events WHERE seq BETWEEN 40 AND 45");
    t = an_load_db(db(), "mem", err, sizeof err);
    cr_assert(t, "%s", err);
    cr_assert(t->truncated);
    cr_assert_not(t->damaged);
    cr_assert_eq(t->nwarnings, 0);
}

/* ---- the replay on its own: safe even on what validation would refuse ---- */

/* The same capacity change, written into the loaded events (validation
 * refuses it in a file): the ring must stay within its own size, and be
 * freed by it (under ASan: `make analyzer-asan`, an overflow or a leak). */
Test(analyzer_robust, replay_survives_a_capacity_change) {
    an_synth_object(s, 5, OBJ_CHAN, "ch", 0, 1, 8);
    ev(1, EV_CHAN_MAKE, 5, 1, 8, 0);
    ev(1, EV_CHAN_SEND, 5, 1, 0, 0);
    ev(1, EV_CHAN_RECV, 5, 1, 0, 0);
    int64_t second = ev(1, EV_LOG, 5, 300, 8, 0); /* becomes chan_make(cap 300) */
    for (int k = 2; k < 600; k++) {
        ev(1, EV_CHAN_SEND, 5, k, k % 300, 0);
        ev(1, EV_CHAN_RECV, 5, k, k % 300, 0);
    }
    load();
    cr_assert(t, "%s", err);
    cr_assert_eq(t->ev[second - 1].seq, second);
    t->ev[second - 1].kind = EV_CHAN_MAKE;
    r = an_analyze(t);
    cr_assert_eq(r->msgs.n, 599);
    cr_assert_eq(r->findings.n, 0);
}
