/*
 * test_analyzer_racebuild.c — races found by the race build (chanscope
 * build --race): the race_prev + race event pair (docs/trace-format.md)
 * becomes a `race` finding with both sites and both goroutines, as an
 * annotated race does; malformed pairs are refused or ignored, never
 * crash the analysis.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "analyzer.h"
#define SYNTH_FILE "counter.c"
#include "synth_fixture.h"
#include "trace_hooks.h"

TestSuite(analyzer_racebuild, .init = synth_setup, .fini = synth_teardown, .timeout = 10);

#define VAR 100

static void spawn(int64_t parent, int64_t child, const char *name) {
    an_synth_goroutine(s, child, name, parent, L(1), 0);
    an_synth_ev(s, parent, EV_GO_CREATE, child, 0, 0, 0, 0, L(1), name);
    ev(child, EV_GO_START, 0, 0, 0, 1);
}
/* The pair the race report emits from goroutine g: the earlier access
 * (goroutine pg at pline, pwrite) then this one (line, write). */
static void race(int64_t g, int64_t num, int64_t pg, int pwrite, int pline, int write, int line) {
    an_synth_ev(s, g, EV_RACE_PREV, VAR, num, pg, pwrite, 0, L(pline), "worker");
    an_synth_ev(s, g, EV_RACE, VAR, num, write, 0x4040, 8, L(line), "worker");
}
static int load(char *err, size_t n) {
    an_synth_end(s, 1, "exit", 0);
    t = an_load_db(an_synth_db(s), "mem", err, n);
    if (!t) return -1;
    r = an_analyze(t);
    return 0;
}
static void run(void) {
    char err[256];
    cr_assert_eq(load(err, sizeof err), 0, "load: %s", err);
}
static int count(const char *kind) {
    int n = 0;
    for (size_t i = 0; i < r->findings.n; i++) n += !strcmp(r->findings.v[i].kind, kind);
    return n;
}

Test(analyzer_racebuild, race_pair_is_a_race_finding_with_both_sites) {
    an_synth_object(s, VAR, OBJ_VAR, "counter", L(12), 0, 0);
    spawn(1, 2, "worker");
    spawn(1, 3, "worker");
    ev(2, EV_LOG, 0, 0, 0, 5);
    race(3, 1, 2, 0, 12, 1, 13); /* 3 writes at :13, 2 read at :12 before */
    run();
    cr_assert_eq(count("race"), 1);
    const an_finding *f = &r->findings.v[0];
    cr_assert(strstr(f->title, "counter"), "%s", f->title);
    cr_assert(strstr(f->title, "read at counter.c:12") && strstr(f->title, "write at counter.c:13"),
              "%s", f->title);
    cr_assert_geq(f->refs.n, 2);
    cr_assert_str_eq(f->refs.v[0].role, "access1");
    cr_assert_eq(f->refs.v[0].g, 2, "the earlier access is goroutine 2's");
    cr_assert_eq(an_site_by_id(t, f->refs.v[0].site)->line, 12);
    cr_assert_str_eq(f->refs.v[1].role, "access2");
    cr_assert_eq(f->refs.v[1].g, 3);
    cr_assert_eq(an_site_by_id(t, f->refs.v[1].site)->line, 13);
    cr_assert_eq(an_site_by_id(t, f->culprit_site)->line, 13, "the culprit is the later access");
    cr_assert(f->fix_line && *f->fix_line);
    cr_assert(strstr(f->explanation, "race build"), "%s", f->explanation);
}

Test(analyzer_racebuild, same_two_lines_are_one_finding) {
    an_synth_object(s, VAR, OBJ_VAR, "counter", L(12), 0, 0);
    spawn(1, 2, "worker");
    spawn(1, 3, "worker");
    race(3, 1, 2, 1, 12, 1, 12);
    race(2, 2, 3, 1, 12, 1, 12);
    run();
    cr_assert_eq(count("race"), 1);
}

Test(analyzer_racebuild, race_without_its_earlier_access_is_ignored) {
    an_synth_object(s, VAR, OBJ_VAR, "counter", L(12), 0, 0);
    spawn(1, 2, "worker");
    an_synth_ev(s, 2, EV_RACE, VAR, 7, 1, 0x4040, 8, L(13), "worker");
    run();
    cr_assert_eq(count("race"), 0);
}

Test(analyzer_racebuild, earlier_goroutine_without_a_row_is_a_warning) {
    an_synth_goroutine(s, 1, "main", 0, 0, 0);
    an_synth_object(s, VAR, OBJ_VAR, "counter", L(12), 0, 0);
    spawn(1, 2, "worker");
    race(2, 1, 99, 1, 12, 1, 13);
    run();
    cr_assert_eq(count("race"), 0);
    cr_assert_geq(t->nwarnings, 1);
    cr_assert(strstr(t->warnings[0], "goroutine 99"), "%s", t->warnings[0]);
}

Test(analyzer_racebuild, impossible_fields_refuse_the_trace) {
    spawn(1, 2, "worker");
    an_synth_ev(s, 2, EV_RACE_PREV, VAR, 1, 0, 1, 0, L(12), NULL); /* goroutine 0 */
    char err[256] = "";
    cr_assert_eq(load(err, sizeof err), -1);
    cr_assert(strstr(err, "race_prev of goroutine 0"), "%s", err);
}

Test(analyzer_racebuild, odd_pairs_never_crash) {
    /* no variable object (obj 0), a race number reused, a race before its
     * race_prev, pairs whose two accesses are one goroutine's: no finding */
    an_synth_goroutine(s, 1, "main", 0, 0, 0);
    spawn(1, 2, "worker");
    spawn(1, 3, "worker");
    an_synth_ev(s, 2, EV_RACE, 0, 5, 1, 0, 8, L(20), NULL);
    an_synth_ev(s, 2, EV_RACE_PREV, 0, 5, 3, 0, 0, L(21), NULL);
    an_synth_ev(s, 3, EV_RACE, 0, 5, 0, 0, 8, L(22), NULL);
    an_synth_ev(s, 3, EV_RACE_PREV, 0, 5, 2, 1, 0, 0, NULL);
    an_synth_ev(s, 2, EV_RACE, 0, 5, 1, 0, 8, 0, NULL);
    run();
    cr_assert_eq(count("race"), 0);
}
