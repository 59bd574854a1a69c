/*
 * cli/cmd_exercise.c — `chanscope exercise list | show NAME | hint NAME [N] |
 * check NAME [--file F] [--runs N] [--quiet]`.
 *
 * NAME is the folder name under exercises/ (`01-leaked-goroutine`), its
 * number (`01` or `1`) or its name without the number (`leaked-goroutine`).
 * Hints are stateless: N defaults to 1, and each hint says how to get the
 * next.  The checker is cli/exercise_check.c; the spec reader
 * cli/exercise_spec.c; the folder layout exercises/README.md.
 * Exit status: 0 ok / check passed, 1 check failed, 2 bad input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "exercise.h"

static const char usage[] =
    "usage: chanscope exercise list\n"
    "       chanscope exercise show NAME\n"
    "       chanscope exercise hint NAME [N]\n"
    "       chanscope exercise check NAME [--file FILE.c] [--runs N] [--quiet]\n"
    "  NAME: 01-leaked-goroutine, 01, or leaked-goroutine (see 'chanscope exercise list').\n"
    "  check builds FILE.c (default: the exercise's starter.c) against the runtime, runs it\n"
    "  traced, analyzes each run and judges it.  Exit 0 pass, 1 fail, 2 bad input.\n"
    "  Environment: CHANSCOPE_EXERCISE_RUNS=N overrides the number of runs; CC the compiler.";

static int cmd_list_ex(void) {
    char err[512];
    char **names;
    size_t n;
    if (ex_list(cs_home(), &names, &n, err, sizeof err) != 0) return cs_bad_input("%s", err);
    for (size_t i = 0; i < n; i++) {
        ex_spec s;
        if (ex_load(cs_home(), names[i], &s, err, sizeof err) != 0) {
            printf("%-30s (unreadable: %s)\n", names[i], err);
            continue;
        }
        char meta[64] = "";
        if (s.level && s.minutes) snprintf(meta, sizeof meta, "  [%s, ~%d min]", s.level, s.minutes);
        else if (s.level) snprintf(meta, sizeof meta, "  [%s]", s.level);
        printf("%-30s %s%s\n", names[i], s.title, meta);
        ex_free(&s);
    }
    ex_names_free(names, n);
    return 0;
}

static int load(const char *what, ex_spec *s) {
    char name[256], err[512];
    if (ex_resolve(cs_home(), what, name, sizeof name, err, sizeof err) != 0 ||
        ex_load(cs_home(), name, s, err, sizeof err) != 0)
        return cs_bad_input("exercise: %s", err);
    return 0;
}

static int cmd_show(const ex_spec *s) {
    char path[4200];
    snprintf(path, sizeof path, "%s/README.md", s->dir);
    char *text = ex_read_file(path, NULL);
    if (!text) return cs_bad_input("exercise show: cannot read %s", path);
    fputs(text, stdout);
    if (text[0] && text[strlen(text) - 1] != '\n') putchar('\n');
    free(text);
    printf("\n---\nstart:    cp %s/starter.c my%.2s.c\n", s->dir, s->name);
    printf("check:    chanscope exercise check %s --file my%.2s.c\n", s->name, s->name);
    if (s->nhints) printf("hints:    chanscope exercise hint %s   (%d in all)\n", s->name, s->nhints);
    return 0;
}

static int cmd_hint(const ex_spec *s, const char *nstr) {
    int n = 1;
    if (nstr) {
        char *end;
        errno = 0;
        long v = strtol(nstr, &end, 10);
        if (errno || *end || v < 1)
            return cs_bad_input("exercise hint: N must be a number from 1 (got '%s')", nstr);
        n = (int)v;
    }
    if (s->nhints == 0) return cs_bad_input("exercise hint: %s has no hints", s->name);
    if (n > s->nhints)
        return cs_bad_input("exercise hint: %s has %d hints (asked for %d)", s->name, s->nhints, n);
    char path[4200];
    snprintf(path, sizeof path, "%s/hints/%d.md", s->dir, n);
    char *text = ex_read_file(path, NULL);
    if (!text) return cs_bad_input("exercise hint: cannot read %s", path);
    printf("Hint %d of %d for %s:\n\n", n, s->nhints, s->name);
    fputs(text, stdout);
    if (text[0] && text[strlen(text) - 1] != '\n') putchar('\n');
    free(text);
    if (n < s->nhints) printf("\nNext hint: chanscope exercise hint %s %d\n", s->name, n + 1);
    else printf("\nThat was the last hint; the reference is %s/solution.c\n", s->dir);
    return 0;
}

static int parse_runs(const char *v, int *out) {
    char *end;
    errno = 0;
    long r = strtol(v, &end, 10);
    if (errno || *end || r < 1 || r > 100) return -1;
    *out = (int)r;
    return 0;
}

int cmd_exercise(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
        !strcmp(argv[1], "help")) {
        puts(usage);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "list")) {
        if (argc > 2) return cs_bad_input("exercise list: no arguments expected");
        return cmd_list_ex();
    }
    if (strcmp(sub, "show") && strcmp(sub, "hint") && strcmp(sub, "check"))
        return cs_bad_input("exercise: unknown subcommand '%s' (list, show, hint, check)", sub);
    if (argc < 3) return cs_bad_input("exercise %s: which exercise? (see 'chanscope exercise list')", sub);

    ex_check_opts o = {0};
    const char *name = NULL, *extra = NULL;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(sub, "check") && (!strcmp(a, "--file") || !strcmp(a, "-f"))) {
            if (++i >= argc) return cs_bad_input("exercise check: --file needs a file name");
            o.file = argv[i];
        } else if (!strcmp(sub, "check") && !strncmp(a, "--file=", 7)) {
            o.file = a + 7;
        } else if (!strcmp(sub, "check") && !strcmp(a, "--runs")) {
            if (++i >= argc || parse_runs(argv[i], &o.runs))
                return cs_bad_input("exercise check: --runs needs a number from 1 to 100");
        } else if (!strcmp(sub, "check") && !strncmp(a, "--runs=", 7)) {
            if (parse_runs(a + 7, &o.runs))
                return cs_bad_input("exercise check: --runs needs a number from 1 to 100");
        } else if (!strcmp(sub, "check") && (!strcmp(a, "--quiet") || !strcmp(a, "-q"))) {
            o.quiet = true;
        } else if (a[0] == '-' && a[1]) {
            return cs_bad_input("exercise %s: unknown option '%s'", sub, a);
        } else if (!name) {
            name = a;
        } else if (!extra && !strcmp(sub, "hint")) {
            extra = a;
        } else {
            return cs_bad_input("exercise %s: unexpected argument '%s'", sub, a);
        }
    }
    if (!name) return cs_bad_input("exercise %s: which exercise?", sub);
    if (!o.runs) {
        const char *env = getenv("CHANSCOPE_EXERCISE_RUNS");
        if (env && *env && parse_runs(env, &o.runs))
            return cs_bad_input("CHANSCOPE_EXERCISE_RUNS must be a number from 1 to 100");
    }
    ex_spec s;
    int rc = load(name, &s);
    if (rc) return rc;
    if (!strcmp(sub, "show")) rc = cmd_show(&s);
    else if (!strcmp(sub, "hint")) rc = cmd_hint(&s, extra);
    else rc = ex_check(&s, &o);
    ex_free(&s);
    return rc;
}
