/*
 * fuzz_trace.c — libFuzzer target over trace contents (`make fuzz`,
 * `make fuzz-short`; see analyzer/build.mk).  Built only by analyzer/build.mk
 * with clang -fsanitize=fuzzer,address,undefined; in the ordinary build it
 * is just an unused function in the analyzer library.
 *
 * Input byte 0 selects the mode:
 *   'T':  text — a whole trace, one row per line (the seeds: every catalog
 *         trace and every tests/analyzer program, written by
 *         analyzer/fuzz_seeds.sh), so that mutations start from real
 *         programs:   m KEY VALUE          meta
 *                     s ID LINE            sites (file "f.c")
 *                     g ID PARENT SITE NAME
 *                     o ID TYPE A B SITE NAME
 *                     e SEQ G KIND OBJ A B C D SITE [TEXT]
 *   other even: structured — 12-byte records turned into events of any
 *         kind, every argument drawn from small numbers, object and
 *         goroutine ids (known and unknown) and extremes (INT64_MIN ...);
 *   odd:  raw — the rest is an SQLite database image, as if a user passed
 *         any file: exercises validation and loading.
 * Every trace goes through load, analysis, both reports, the Chrome export
 * and the store.  FUZZ_TRACE_DEBUG=1 in the environment prints what became
 * of each input (refused, findings, warnings).  Nothing may crash, leak or trip a sanitizer; bad input
 * must be refused.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "synth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run_all(sqlite3 *db) {
    char err[256];
    an_trace *t = an_load_db(db, "fuzz", err, sizeof err);
    int debug = getenv("FUZZ_TRACE_DEBUG") != NULL; /* say what happened to each input */
    if (!t) {
        if (debug) fprintf(stderr, "refused: %s\n", err);
        return;
    }
    an_result *r = an_analyze(t);
    if (debug) {
        fprintf(stderr, "%zu events, %zu findings\n", t->nev, r->findings.n);
        for (size_t i = 0; i < t->nwarnings; i++) fprintf(stderr, "warning: %s\n", t->warnings[i]);
    }
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

/* ---- structured --------------------------------------------------------- */

static const int kinds[] = {1,  2,  3,  4,  5,  6,  10, 11, 12, 13, 14, 15, 16, 17, 20, 21, 22,
                            23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 40, 41, 42,
                            43, 44, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 99, 0, -1, 65536 + 15};

/* An argument: mostly small (counts, flags, reasons, ids of the 16 objects
 * and 6 goroutines), sometimes an extreme. */
static int64_t val(uint8_t x) {
    static const int64_t extreme[] = {INT64_MIN, INT64_MAX,          -1,           INT32_MAX,
                                      INT32_MIN, (int64_t)1 << 32,   (int64_t)1 << 40,
                                      (int64_t)1 << 62, -((int64_t)1 << 40), 65535, 65536, 100000};
    if (x < 232) return (int64_t)x - 40;
    return extreme[(x - 232) % (sizeof extreme / sizeof *extreme)];
}

static void structured(const uint8_t *d, size_t n) {
    an_synth *s = an_synth_open(NULL);
    if (!s) return;
    int32_t site = an_synth_site(s, "f.c", 1);
    an_synth_site(s, "f.c", 2);
    /* objects 1..16 with types, capacities and sizes taken from the first bytes */
    for (int i = 1; i <= 16; i++) {
        int type = n > (size_t)i ? d[i] % 14 : 1;
        int64_t a = n > (size_t)i + 16 ? d[i + 16] % 5 : 0;
        if (n > (size_t)i + 32 && d[i + 32] > 250) a = val(d[i + 32]);
        an_synth_object(s, i, type, i % 3 ? NULL : "obj", site, a, 8);
    }
    for (int g = 2; g <= 6; g++) an_synth_goroutine(s, g, "w", 1, site, 0);
    size_t start = n > 49 ? 49 : n;
    for (size_t i = start; i + 12 <= n && i < 12 * 4000; i += 12) {
        const uint8_t *x = d + i;
        int kind = kinds[x[0] % (sizeof kinds / sizeof *kinds)];
        int64_t g = x[1] % 9 == 8 ? val(x[1]) : x[1] % 8; /* 7: no row */
        int64_t obj = x[2] < 240 ? x[2] % 20 : val(x[2]);
        int64_t a = val(x[3]), b = val(x[4]), c = val(x[5]), dd = x[6] < 248 ? x[6] % 8 : val(x[6]);
        int32_t st = (int32_t)(x[7] % 4);
        char str[64];
        const char *text = NULL;
        if (kind == 16) { /* a select's case list: directions, channel ids, default */
            snprintf(str, sizeof str, "%c:%d %c:%d%s %s", x[8] & 1 ? 'r' : 's', x[9] % 20,
                     x[8] & 2 ? 'r' : 's', x[10] % 20, x[8] & 4 ? " d" : "",
                     x[8] & 8 ? "r:99999999999999999999 r: x" : "");
            text = str;
        } else if (x[8] & 1) {
            text = x[8] & 2 ? "text" : "";
        }
        if (kind == 55 && !(x[8] & 16)) continue; /* the end is mostly decided below */
        an_synth_ev(s, g, kind, obj, a, b, c, dd, st, text);
    }
    switch (n ? d[0] % 8 : 0) {
    case 0: an_synth_end(s, 1, "exit", 0); break;
    case 2: an_synth_end(s, 1, "panic", 2); break;
    case 4: an_synth_end(s, 0, "deadlock", 2); break;
    case 6: /* finished, but meta.events does not match */
        an_synth_end(s, 1, "exit", 0);
        an_synth_meta(s, "events", n > 1 && d[1] & 1 ? "7" : "x");
        break;
    default: break; /* truncated */
    }
    run_all(an_synth_db(s));
    an_synth_close(s);
}

/* ---- text ------------------------------------------------------------- */

/* Next space-separated field of *p as a number (0 if none). */
static int64_t num(char **p) {
    while (**p == ' ') (*p)++;
    char *end;
    long long v = strtoll(*p, &end, 10);
    if (end == *p) while (**p && **p != ' ') (*p)++;
    else *p = end;
    return v;
}
static const char *rest(char *p) {
    while (*p == ' ') p++;
    return p;
}

static void text(const uint8_t *d, size_t n) {
    if (n > (1 << 20)) return;
    char *buf = malloc(n + 1);
    if (!buf) return;
    memcpy(buf, d, n);
    buf[n] = 0;
    an_synth *s = an_synth_open(NULL);
    sqlite3 *db = s ? an_synth_db(s) : NULL;
    sqlite3_stmt *ins[5] = {0};
    static const char *sql[5] = {
        "INSERT OR REPLACE INTO meta VALUES (?1, ?2)",
        "INSERT OR IGNORE INTO sites VALUES (?1, 'f.c', ?2)",
        "INSERT OR IGNORE INTO goroutines VALUES (?1, ?4, ?2, ?3, NULL, NULL)",
        "INSERT OR IGNORE INTO objects VALUES (?1, ?2, NULL, ?6, ?5, ?3, ?4, NULL)",
        "INSERT OR IGNORE INTO events VALUES (?1, ?1 * 1000, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"};
    int ok = db && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
    for (int i = 0; ok && i < 5; i++) ok = sqlite3_prepare_v2(db, sql[i], -1, &ins[i], NULL) == SQLITE_OK;
    int lines = 0;
    for (char *line = buf; ok && line && *line && lines < 20000; lines++) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = 0;
        char *p = line + 1;
        sqlite3_stmt *st = NULL;
        switch (line[0]) {
        case 'm': {
            st = ins[0];
            while (*p == ' ') p++;
            char *key = p;
            while (*p && *p != ' ') p++;
            if (*p) *p++ = 0;
            sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 2, rest(p), -1, SQLITE_TRANSIENT);
            break;
        }
        case 's': case 'g': case 'o': case 'e': {
            st = ins[line[0] == 's' ? 1 : line[0] == 'g' ? 2 : line[0] == 'o' ? 3 : 4];
            int nnum = line[0] == 's' ? 2 : line[0] == 'g' ? 3 : line[0] == 'o' ? 5 : 9;
            for (int k = 1; k <= nnum; k++) sqlite3_bind_int64(st, k, num(&p));
            const char *tail = rest(p);
            if (line[0] == 'e' && !*tail) sqlite3_bind_null(st, nnum + 1);
            else if (line[0] != 's') sqlite3_bind_text(st, nnum + 1, tail, -1, SQLITE_TRANSIENT);
            break;
        }
        default: break;
        }
        if (st) {
            sqlite3_step(st);
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
        }
        line = nl ? nl + 1 : NULL;
    }
    for (int i = 0; i < 5; i++) sqlite3_finalize(ins[i]);
    if (ok && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK) run_all(db);
    an_synth_close(s);
    free(buf);
}

/* ---- raw -------------------------------------------------------------- */

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
    if (data[0] == 'T') text(data + 1, size - 1);
    else if (data[0] & 1) raw(data + 1, size - 1);
    else structured(data, size);
    return 0;
}
