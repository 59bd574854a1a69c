/*
 * cli/cmd_exercise.c — `chanscope exercise SUBCOMMAND`:
 *   list [--json]                 every exercise, and which this learner passed
 *   show NAME [--all]             the exercise sheet, rendered for a terminal
 *   hint NAME [N]                 hint N (default 1)
 *   check NAME [--file F] [--runs N] [--quiet]   judge the learner's file
 *   grade NAME [--json] [-j N] [--runs N] FILE|DIR...   judge many (teachers)
 *
 * NAME is the folder name under exercises/ (`01-leaked-goroutine`), its
 * number (`01` or `1`) or its name without the number (`leaked-goroutine`).
 * Each subcommand parses its own options (getopt_long) and has its own
 * usage, printed by `chanscope exercise SUB --help` (stdout, exit 0); a
 * usage error is one line on stderr and exit 2 (the CLI convention in
 * cli/commands.h: cs_usage_error, cs_option_error).  The checker is
 * cli/exercise_check.c, grading cli/exercise_grade.c, the learner's progress
 * cli/exercise_state.c, the terminal rendering cli/exercise_render.c, the
 * spec reader cli/exercise_spec.c; the folder layout exercises/README.md.
 * Exit status: 0 ok / check passed, 1 check failed, 2 bad input.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "exercise.h"

static const char usage_all[] =
    "usage: chanscope exercise list [--json]\n"
    "       chanscope exercise show NAME [--all]\n"
    "       chanscope exercise hint NAME [N]\n"
    "       chanscope exercise check NAME [--file FILE.c] [--runs N] [--quiet]\n"
    "       chanscope exercise grade NAME [--json] [-j JOBS] [--runs N] FILE|DIR...\n"
    "\n"
    "Self-study exercises: each is a program with a concurrency bug to fix.\n"
    "NAME: 01-leaked-goroutine, 01, or leaked-goroutine (see 'chanscope exercise list').\n"
    "'chanscope exercise SUBCOMMAND --help' says more about each.\n";

static const char usage_list[] =
    "usage: chanscope exercise list [--json]\n"
    "\n"
    "Every exercise: name, title, level, time, and 'passed' for the ones this learner\n"
    "has passed with 'exercise check' (kept in $XDG_STATE_HOME/chanscope/exercises-passed,\n"
    "default ~/.local/state/chanscope/exercises-passed).\n"
    "  --json   [{\"name\", \"title\", \"level\", \"minutes\", \"passed\"}]\n";

static const char usage_show[] =
    "usage: chanscope exercise show NAME [--all]\n"
    "\n"
    "The exercise's sheet (its README.md) as plain text, then how to start and check.\n"
    "The section that names the fix (\"What it teaches\") is shown once you have passed.\n"
    "  --all    show it anyway (teachers)\n";

static const char usage_hint[] =
    "usage: chanscope exercise hint NAME [N]\n"
    "\n"
    "Hint N (default 1); each hint says how to get the next.  The last one names the fix.\n";

static const char usage_check[] =
    "usage: chanscope exercise check NAME [--file FILE.c] [--runs N] [--quiet]\n"
    "\n"
    "Build FILE.c (default: the exercise's starter.c) against the runtime, run it traced\n"
    "(traces/exercise-NAME-FILE-runK.db), analyze each run and judge it.  A pass is\n"
    "remembered ('exercise list' shows it).\n"
    "  -f, --file FILE.c   the learner's program\n"
    "      --runs N        traced runs, 1 to 100 (default: the exercise's, usually 3)\n"
    "  -q, --quiet         do not show the program's output on a failure\n"
    "Exit 0 pass, 1 fail, 2 bad input.  Environment: CHANSCOPE_EXERCISE_RUNS=N overrides\n"
    "the number of runs; CC the compiler.\n";

static const char usage_grade[] =
    "usage: chanscope exercise grade NAME [--json] [-j JOBS] [--runs N] FILE|DIR...\n"
    "\n"
    "Judge many submissions of one exercise, each exactly as 'exercise check' would and\n"
    "each on its own (its traces named after its path), JOBS at a time.  A DIR stands\n"
    "for every *.c in it and in its subfolders.  Prints a table and a summary.\n"
    "  --json       {\"exercise\", \"results\": [{\"file\", \"passed\", \"reason\",\n"
    "               \"findings\", \"trace\", \"details\"}], \"summary\"}\n"
    "  -j, --jobs N submissions checked at once (default: the CPUs)\n"
    "      --runs N traced runs per submission, 1 to 100 (default: the exercise's)\n"
    "Exit 0 when all passed, 1 when one failed, 2 bad input.\n";

static int parse_count(const char *v, int max, int *out) {
    char *end;
    errno = 0;
    long r = strtol(v, &end, 10);
    if (errno || *end || r < 1 || r > max) return -1;
    *out = (int)r;
    return 0;
}

static int load(const char *what, ex_spec *s) {
    char name[256], err[512];
    if (ex_resolve(cs_home(), what, name, sizeof name, err, sizeof err) != 0 ||
        ex_load(cs_home(), name, s, err, sizeof err) != 0)
        return cs_bad_input("exercise: %s", err);
    return 0;
}

/* getopt_long over argv (argv[0] = the subcommand), as cli/commands.h says:
 * reset first, our own messages, ':' first in every option string. */
#define GETOPT_RESET() (optind = 0, opterr = 0)

static int ex_list_cmd(int argc, char **argv) {
    static const struct option lo[] = {{"json", no_argument, 0, 'J'},
                                       {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    bool json = false;
    GETOPT_RESET();
    for (int c; (c = getopt_long(argc, argv, ":h", lo, NULL)) != -1;) {
        if (c == 'h') return fputs(usage_list, stdout), 0;
        if (c == 'J') json = true;
        else return cs_option_error("exercise list", c, argv);
    }
    if (optind < argc) return cs_usage_error("exercise list", "unexpected argument '%s'", argv[optind]);
    char err[512];
    char **names;
    size_t n;
    if (ex_list(cs_home(), &names, &n, err, sizeof err) != 0) return cs_bad_input("%s", err);
    cJSON *arr = json ? cJSON_CreateArray() : NULL;
    size_t npassed = 0;
    for (size_t i = 0; i < n; i++) {
        ex_spec s;
        bool passed = ex_state_passed(names[i]);
        npassed += passed;
        if (ex_load(cs_home(), names[i], &s, err, sizeof err) != 0) {
            if (!json) printf("%-30s (unreadable: %s)\n", names[i], err);
            continue;
        }
        if (json) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "name", names[i]);
            cJSON_AddStringToObject(o, "title", s.title);
            if (s.level) cJSON_AddStringToObject(o, "level", s.level);
            if (s.minutes) cJSON_AddNumberToObject(o, "minutes", s.minutes);
            cJSON_AddBoolToObject(o, "passed", passed);
            cJSON_AddItemToArray(arr, o);
        } else {
            char meta[64] = "";
            if (s.level && s.minutes) snprintf(meta, sizeof meta, "  [%s, ~%d min]", s.level, s.minutes);
            else if (s.level) snprintf(meta, sizeof meta, "  [%s]", s.level);
            printf("%-30s %-6s %s%s\n", names[i], passed ? "passed" : "", s.title, meta);
        }
        ex_free(&s);
    }
    if (json) {
        char *t = cJSON_Print(arr);
        puts(t);
        free(t);
        cJSON_Delete(arr);
    } else {
        char state[PATH_MAX];
        printf("\n%zu of %zu passed", npassed, n);
        if (ex_state_path(state, sizeof state) == 0) printf(" (progress kept in %s)", state);
        printf("\n");
    }
    ex_names_free(names, n);
    return 0;
}

static int ex_show_cmd(int argc, char **argv) {
    static const struct option lo[] = {{"all", no_argument, 0, 'a'},
                                       {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    bool all = false;
    GETOPT_RESET();
    for (int c; (c = getopt_long(argc, argv, ":h", lo, NULL)) != -1;) {
        if (c == 'h') return fputs(usage_show, stdout), 0;
        if (c == 'a') all = true;
        else return cs_option_error("exercise show", c, argv);
    }
    if (optind >= argc) return cs_usage_error("exercise show", "which exercise? (see 'chanscope exercise list')");
    if (optind + 1 < argc) return cs_usage_error("exercise show", "unexpected argument '%s'", argv[optind + 1]);
    ex_spec s;
    int rc = load(argv[optind], &s);
    if (rc) return rc;
    char path[4200];
    snprintf(path, sizeof path, "%s/README.md", s.dir);
    char *text = ex_read_file(path, NULL);
    if (!text) {
        ex_free(&s);
        return cs_bad_input("exercise show: cannot read %s", path);
    }
    bool passed = ex_state_passed(s.name);
    bool held = ex_render_markdown(text, s.dir, all || passed, stdout);
    free(text);
    printf("\n---\nstart:    cp %s/starter.c my%.2s.c\n", s.dir, s.name);
    printf("check:    chanscope exercise check %s --file my%.2s.c\n", s.name, s.name);
    if (s.nhints) printf("hints:    chanscope exercise hint %s   (%d in all)\n", s.name, s.nhints);
    if (held)
        printf("after:    \"What it teaches\" is shown here once you pass "
               "(or: chanscope exercise show %s --all)\n", s.name);
    ex_free(&s);
    return 0;
}

static int ex_hint_cmd(int argc, char **argv) {
    static const struct option lo[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    GETOPT_RESET();
    for (int c; (c = getopt_long(argc, argv, ":h", lo, NULL)) != -1;) {
        if (c == 'h') return fputs(usage_hint, stdout), 0;
        return cs_option_error("exercise hint", c, argv);
    }
    if (optind >= argc) return cs_usage_error("exercise hint", "which exercise? (see 'chanscope exercise list')");
    if (optind + 2 < argc) return cs_usage_error("exercise hint", "unexpected argument '%s'", argv[optind + 2]);
    int n = 1;
    if (optind + 1 < argc && parse_count(argv[optind + 1], 1000000, &n) != 0)
        return cs_usage_error("exercise hint", "N must be a number from 1 (got '%s')", argv[optind + 1]);
    ex_spec s;
    int rc = load(argv[optind], &s);
    if (rc) return rc;
    if (s.nhints == 0) rc = cs_bad_input("exercise hint: %s has no hints", s.name);
    else if (n > s.nhints)
        rc = cs_bad_input("exercise hint: %s has %d hints (asked for %d)", s.name, s.nhints, n);
    char path[4200];
    snprintf(path, sizeof path, "%s/hints/%d.md", s.dir, n);
    char *text = rc ? NULL : ex_read_file(path, NULL);
    if (!rc && !text) rc = cs_bad_input("exercise hint: cannot read %s", path);
    if (!rc) {
        printf("Hint %d of %d for %s:\n\n", n, s.nhints, s.name);
        ex_render_markdown(text, s.dir, true, stdout);
        if (n < s.nhints) printf("\nNext hint: chanscope exercise hint %s %d\n", s.name, n + 1);
        else {
            char sol[4200];
            snprintf(sol, sizeof sol, "%s/solution.c", s.dir);
            if (access(sol, R_OK) == 0) printf("\nThat was the last hint; the reference is %s\n", sol);
            else printf("\nThat was the last hint.\n");
        }
    }
    free(text);
    ex_free(&s);
    return rc;
}

static int runs_from_env(int *runs) {
    const char *env = getenv("CHANSCOPE_EXERCISE_RUNS");
    if (!*runs && env && *env && parse_count(env, 100, runs))
        return cs_bad_input("CHANSCOPE_EXERCISE_RUNS must be a number from 1 to 100");
    return 0;
}

static int ex_check_cmd(int argc, char **argv) {
    static const struct option lo[] = {{"file", required_argument, 0, 'f'},
                                       {"runs", required_argument, 0, 'r'},
                                       {"quiet", no_argument, 0, 'q'},
                                       {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    ex_check_opts o = {0};
    GETOPT_RESET();
    for (int c; (c = getopt_long(argc, argv, ":hf:q", lo, NULL)) != -1;) {
        if (c == 'h') return fputs(usage_check, stdout), 0;
        if (c == 'f') o.file = optarg;
        else if (c == 'q') o.quiet = true;
        else if (c == 'r') {
            if (parse_count(optarg, 100, &o.runs))
                return cs_usage_error("exercise check", "--runs needs a number from 1 to 100");
        } else return cs_option_error("exercise check", c, argv);
    }
    if (optind >= argc) return cs_usage_error("exercise check", "which exercise? (see 'chanscope exercise list')");
    if (optind + 1 < argc) return cs_usage_error("exercise check", "unexpected argument '%s'", argv[optind + 1]);
    int rc = runs_from_env(&o.runs);
    if (rc) return rc;
    ex_spec s;
    if ((rc = load(argv[optind], &s))) return rc;
    ex_result r;
    memset(&r, 0, sizeof r);
    o.result = &r;
    rc = ex_check(&s, &o);
    cJSON_Delete(r.findings);
    /* the learner's own file passed: remember it (the starter never passes) */
    if (rc == 0 && o.file) {
        char abs[PATH_MAX];
        if (ex_state_record(s.name, realpath(o.file, abs) ? abs : o.file) != 0) {
            char state[PATH_MAX] = "(no HOME)";
            ex_state_path(state, sizeof state);
            fprintf(stderr, "chanscope: exercise check: passed, but cannot record it in %s\n", state);
        }
    }
    ex_free(&s);
    return rc;
}

static int ex_grade_cmd(int argc, char **argv) {
    static const struct option lo[] = {{"json", no_argument, 0, 'J'},
                                       {"jobs", required_argument, 0, 'j'},
                                       {"runs", required_argument, 0, 'r'},
                                       {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    ex_grade_opts g = {0};
    GETOPT_RESET();
    for (int c; (c = getopt_long(argc, argv, ":hj:", lo, NULL)) != -1;) {
        if (c == 'h') return fputs(usage_grade, stdout), 0;
        if (c == 'J') g.json = true;
        else if (c == 'j') {
            if (parse_count(optarg, 256, &g.jobs))
                return cs_usage_error("exercise grade", "--jobs needs a number from 1 to 256");
        } else if (c == 'r') {
            if (parse_count(optarg, 100, &g.runs))
                return cs_usage_error("exercise grade", "--runs needs a number from 1 to 100");
        } else return cs_option_error("exercise grade", c, argv);
    }
    if (optind >= argc) return cs_usage_error("exercise grade", "which exercise? (see 'chanscope exercise list')");
    if (optind + 1 >= argc)
        return cs_usage_error("exercise grade", "no submissions (give files or folders of *.c)");
    int rc = runs_from_env(&g.runs);
    if (rc) return rc;
    ex_spec s;
    if ((rc = load(argv[optind], &s))) return rc;
    rc = ex_grade(&s, argv + optind + 1, argc - optind - 1, &g);
    ex_free(&s);
    return rc;
}

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *usage;
} subs[] = {
    {"list", ex_list_cmd, usage_list},    {"show", ex_show_cmd, usage_show},
    {"hint", ex_hint_cmd, usage_hint},    {"check", ex_check_cmd, usage_check},
    {"grade", ex_grade_cmd, usage_grade},
};

int cmd_exercise(int argc, char **argv) {
    if (argc < 2) return cs_usage_error("exercise", "which subcommand? (list, show, hint, check, grade)");
    const char *sub = argv[1];
    if (!strcmp(sub, "-h") || !strcmp(sub, "--help") || !strcmp(sub, "help")) {
        /* `exercise help SUB` is `exercise SUB --help` */
        for (size_t i = 0; argc > 2 && i < sizeof subs / sizeof subs[0]; i++)
            if (!strcmp(argv[2], subs[i].name)) return fputs(subs[i].usage, stdout), 0;
        fputs(usage_all, stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if (!strcmp(sub, subs[i].name)) return subs[i].fn(argc - 1, argv + 1);
    return cs_usage_error("exercise", "unknown subcommand '%s' (list, show, hint, check, grade)", sub);
}
