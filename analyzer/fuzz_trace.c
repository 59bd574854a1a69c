/*
 * fuzz_trace.c — libFuzzer target over trace contents (`make fuzz`,
 * `make fuzz-short`).  Built only by analyzer/build.mk with clang
 * -fsanitize=fuzzer,address,undefined; in the ordinary build it is just an
 * unused function in the analyzer library.
 *
 * Input byte 0 selects the mode:
 *   even: structured — the rest is a list of 8-byte event records turned
 *         into a well-formed trace database (random kinds, goroutines,
 *         objects, arguments, in any order): exercises the replay, the
 *         end-state analysis, the derived tables and every report;
 *   odd:  raw — the rest is taken as an SQLite database image, as if a
 *         user passed any file: exercises validation and loading.
 * Nothing may crash, leak or trip a sanitizer; bad input must be refused.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "synth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int kinds[] = {1,  2,  3,  4,  5,  6,  10, 11, 12, 13, 14, 15, 16, 17, 20, 21, 22,
                            23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 40, 41, 42,
                            43, 44, 50, 51, 52, 53, 54, 55, 56, 57, 99};

static void run_all(sqlite3 *db) {
    char err[256];
    an_trace *t = an_load_db(db, "fuzz", err, sizeof err);
    if (!t) return;
    an_result *r = an_analyze(t);
    FILE *null = fopen("/dev/null", "w");
    if (null) {
        an_report_text(null, t, r);
        an_export_chrome(null, t, r);
        fclose(null);
    }
    free(an_report_json(t, r));
    an_store_db(db, t, r, err, sizeof err);
    an_result_free(r);
    an_trace_free(t);
}

static void structured(const uint8_t *d, size_t n) {
    an_synth *s = an_synth_open(NULL);
    if (!s) return;
    int32_t site = an_synth_site(s, "f.c", 1);
    an_synth_site(s, "f.c", 2);
    /* objects 1..16 with types taken from the first bytes */
    for (int i = 1; i <= 16; i++) {
        int type = n > (size_t)i ? d[i] % 13 : 1;
        an_synth_object(s, i, type, i % 3 ? NULL : "obj", site, n > (size_t)i + 16 ? d[i + 16] % 4 : 0,
                        8);
    }
    for (int g = 2; g <= 6; g++) an_synth_goroutine(s, g, "w", 1, site, 0);
    for (size_t i = 0; i + 8 <= n && i < 8 * 4000; i += 8) {
        const uint8_t *x = d + i;
        int kind = kinds[x[0] % (sizeof kinds / sizeof *kinds)];
        int64_t g = x[1] % 8;
        int64_t obj = x[2] % 20;
        int64_t a = (int8_t)x[3], b = (int8_t)x[4], c = x[5], dd = x[6] % 8;
        const char *str = NULL;
        if (kind == 16) str = (x[7] & 1) ? "r:1 s:2 d" : "r:0 s:x r:99999999999999999999 r:";
        else if (x[7] & 1) str = "text";
        if (kind == 55) continue; /* the end is decided below */
        an_synth_ev(s, g, kind, obj, a, b, c, dd, (x[7] >> 1) % 4, str);
    }
    switch (n ? d[0] % 8 : 0) {
    case 0: an_synth_end(s, 1, "exit", 0); break;
    case 2: an_synth_end(s, 1, "panic", 2); break;
    case 4: an_synth_end(s, 0, "deadlock", 2); break;
    default: break; /* truncated */
    }
    run_all(an_synth_db(s));
    an_synth_close(s);
}

static void raw(const uint8_t *d, size_t n) {
    if (n > (1 << 20)) return;
    sqlite3 *db;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
        sqlite3_close(db);
        return;
    }
    unsigned char *img = sqlite3_malloc64(n ? n : 1);
    if (!img) {
        sqlite3_close(db);
        return;
    }
    if (n) memcpy(img, d, n);
    if (sqlite3_deserialize(db, "main", img, (sqlite3_int64)n, (sqlite3_int64)n,
                            SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE) ==
        SQLITE_OK)
        run_all(db);
    sqlite3_close(db);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    if (data[0] & 1) raw(data + 1, size - 1);
    else structured(data, size);
    return 0;
}
