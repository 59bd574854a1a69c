/*
 * params.h — command-line parameters for pattern programs, like Go's flag
 * package but one line per parameter:
 *
 *   int workers = param_int(argc, argv, "workers", 3);   // --workers=5 or --workers 5
 *   int jobs = param_int_range(argc, argv, "jobs", 9, 0, 1000000); // and within bounds
 *   bool verbose = param_bool(argc, argv, "verbose");      // --verbose
 *   params_end(argc, argv);                                // flag.Parse(): reject the rest
 *
 * A malformed value or an unknown --flag prints one line on stderr and exits 2.
 * Header-only: every pattern is a single translation unit.
 */
#ifndef CS_PATTERN_PARAMS_H
#define CS_PATTERN_PARAMS_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Which argv entries a param_* call has consumed (checked by params_end). */
#define CS_PARAMS_MAX 64
static bool cs_params_used_[CS_PARAMS_MAX];

/* Index of the value of --name=value / --name value in argv, or -1.  For
 * "--name value" *vi is the index after the flag; for "--name=value" it is
 * the flag itself and *val points after '='. */
static inline int cs_param_find_(int argc, char **argv, const char *name, const char **val) {
    size_t n = strlen(name);
    for (int i = 1; i < argc && i < CS_PARAMS_MAX; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || strncmp(a + 2, name, n) != 0) continue;
        if (a[2 + n] == '=') {
            cs_params_used_[i] = true;
            *val = a + 3 + n;
            return i;
        }
        if (a[2 + n] == '\0') {
            cs_params_used_[i] = true;
            if (i + 1 < argc && i + 1 < CS_PARAMS_MAX) cs_params_used_[i + 1] = true;
            *val = i + 1 < argc ? argv[i + 1] : NULL;
            return i;
        }
    }
    return -1;
}

/* param_int(argc, argv, "workers", 3): the integer given as --workers, or def. */
static inline int param_int(int argc, char **argv, const char *name, int def) {
    const char *val = NULL;
    if (cs_param_find_(argc, argv, name, &val) < 0) return def;
    char *end = NULL;
    errno = 0;
    long v = val ? strtol(val, &end, 10) : 0;
    if (!val || !*val || *end || errno || v < -1000000000L || v > 1000000000L) {
        fprintf(stderr, "%s: --%s wants an integer, got '%s'\n", argv[0], name,
                val ? val : "");
        exit(2);
    }
    return (int)v;
}

/* param_int_range(argc, argv, "jobs", 9, 0, 1000000): param_int, and a value
 * outside [lo, hi] is one line on stderr and exit 2 (a size that would
 * otherwise become a huge or negative allocation). */
static inline int param_int_range(int argc, char **argv, const char *name, int def, int lo,
                                  int hi) {
    int v = param_int(argc, argv, name, def);
    if (v < lo || v > hi) {
        fprintf(stderr, "%s: --%s must be between %d and %d, got %d\n", argv[0], name, lo, hi,
                v);
        exit(2);
    }
    return v;
}

/* param_bool(argc, argv, "serve"): true when --serve is given. */
static inline bool param_bool(int argc, char **argv, const char *name) {
    size_t n = strlen(name);
    for (int i = 1; i < argc && i < CS_PARAMS_MAX; i++)
        if (strncmp(argv[i], "--", 2) == 0 && strncmp(argv[i] + 2, name, n) == 0 &&
            argv[i][2 + n] == '\0') {
            cs_params_used_[i] = true;
            return true;
        }
    return false;
}

/* params_end(argc, argv): after the param_* calls, reject anything else. */
static inline void params_end(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (i >= CS_PARAMS_MAX || !cs_params_used_[i]) {
            fprintf(stderr, "%s: unknown argument '%s'\n", argv[0], argv[i]);
            exit(2);
        }
}

#endif
