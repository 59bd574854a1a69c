/*
 * synth_fixture.h — the fixture the analyzer's unit tests share: a synthetic
 * trace (analyzer/synth.h) opened before each test and freed after it, the
 * trace and result it yields, and the two helpers every test writes events
 * with.  Define SYNTH_FILE (the source file the sites name) before including
 * it; then `TestSuite(NAME, .init = synth_setup, .fini = synth_teardown, ...)`.
 */
#ifndef CS_SYNTH_FIXTURE_H
#define CS_SYNTH_FIXTURE_H

#include <criterion/criterion.h>

#include "analyzer.h"
#include "synth.h"

#ifndef SYNTH_FILE
#define SYNTH_FILE "t.c"
#endif

static an_synth *s;
static an_trace *t;
static an_result *r;

static void synth_setup(void) {
    s = an_synth_open(NULL);
    cr_assert(s);
    t = NULL;
    r = NULL;
}
static void synth_teardown(void) {
    an_result_free(r);
    an_trace_free(t);
    an_synth_close(s);
}

/* The site SYNTH_FILE:line; an event of g at line (0: no site). */
static int32_t L(int line) { return an_synth_site(s, SYNTH_FILE, line); }
static int64_t ev(int64_t g, int kind, int64_t obj, int64_t a, int64_t b, int line) {
    return an_synth_ev(s, g, kind, obj, a, b, 0, 0, line ? L(line) : 0, NULL);
}

#endif
