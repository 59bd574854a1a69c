/* cli/exercise.h — self-study exercises: exercises/<NN-name>/ read from
 * cs_home(), their check.json (read with cJSON), and the checker behind
 * `chanscope exercise check`.  Folder layout and check.json fields:
 * exercises/README.md. */
#ifndef CS_CLI_EXERCISE_H
#define CS_CLI_EXERCISE_H

#include <stdbool.h>
#include <stddef.h>

/* A number printed by the program: the first capture group of `regex`
 * (POSIX ERE, matched line by line) must be in [min, max]. */
typedef struct ex_number {
    char *regex;
    char *label;   /* what the number is, for feedback ("jobs in flight at once") */
    double min, max;
    bool has_min, has_max;
} ex_number;

/* One kind-specific question asked when that finding shows up. */
typedef struct ex_question {
    char *kind;    /* leak, race, ..., or "output" / "exit" / "timeout" */
    char *text;
} ex_question;

typedef struct ex_spec {
    char *dir;         /* absolute folder exercises/<NN-name> */
    char *name;        /* "01-leaked-goroutine" */
    char *title;       /* short title */
    char *level;       /* warm-up, easy, medium, hard */
    int minutes;       /* time estimate for a learner */
    int runs;          /* traced runs per check (default 3) */
    int time_limit_ms; /* per run (default 5000) */
    int exit_status;   /* the program's expected exit status (default 0) */
    char **args;       /* program arguments, NULL-terminated (may be NULL) */
    char *stdout_equals; /* exact expected stdout, or NULL */
    char **match;      /* regexes that must each match some line */
    char **reject;     /* regexes that must match no line */
    char **source_match;  /* regexes the learner's file must contain (keeps
                           * annotations and "do not change" parts in place) */
    char **source_reject; /* regexes it must not contain */
    ex_number *numbers;
    size_t nnumbers;
    unsigned forbid;   /* finding-kind bits (catalog_kind_bit) that fail the check */
    char **starter_expect; /* what the starter's check reports: kinds or "output"/"exit"/"timeout" */
    ex_question *questions;
    size_t nquestions;
    int nhints;        /* hints/1.md .. hints/N.md */
    bool race_build;   /* "build": "race": checked with the race build (docs/races.md) */
} ex_spec;

/* Every exercise folder under <home>/exercises, sorted by name.  Folders
 * without check.json are skipped.  0 ok; -1 with one line in err. */
int ex_list(const char *home, char ***names, size_t *n, char *err, size_t errlen);
void ex_names_free(char **names, size_t n);

/* Resolve what the learner typed ("01", "leaked-goroutine", "01-leaked-goroutine")
 * to a folder name.  0 ok (out filled); -1 with one line in err. */
int ex_resolve(const char *home, const char *what, char *out, size_t outlen, char *err,
               size_t errlen);

/* Load exercises/<name>/check.json.  0 ok; -1 with one line in err. */
int ex_load(const char *home, const char *name, ex_spec *s, char *err, size_t errlen);
void ex_free(ex_spec *s);

/* Question for a kind, or NULL. */
const char *ex_question_for(const ex_spec *s, const char *kind);

struct cJSON;

/* What a check concluded, for `exercise grade` (ex_check_opts.result). */
typedef struct ex_result {
    bool passed;
    char reason[512];          /* "pass", or what failed: "leak, exit" */
    struct cJSON *findings;    /* the judged run's findings (the analyzer's
                                * --json objects; the failing run, else the
                                * last), owned by the caller; may be NULL */
    char trace[4096];          /* that run's trace, "" if none */
} ex_result;

/* Options of `chanscope exercise check`. */
typedef struct ex_check_opts {
    const char *file;  /* learner's file; NULL: the starter */
    int runs;          /* 0: the spec's */
    bool quiet;        /* no program output on failure */
    const char *trace_tag; /* names this submission's traces: traces/exercise-
                            * <name>-<tag>-run<K>.db; NULL: the file's name
                            * without .c ("my01"), so two files never share one */
    ex_result *result; /* filled when not NULL */
} ex_check_opts;

/* Build, run traced, analyze, judge.  0 pass, 1 fail, 2 bad input. */
int ex_check(const ex_spec *s, const ex_check_opts *o);

/* `chanscope exercise grade` (cli/exercise_grade.c): check every submission
 * (a FILE, or the *.c in a DIR and its subfolders), JOBS at a time, and
 * print a table and a summary (or JSON).  0 all passed, 1 one failed, 2 bad input. */
typedef struct ex_grade_opts {
    bool json;
    int jobs;  /* 0: the online CPUs */
    int runs;  /* 0: the spec's */
} ex_grade_opts;
int ex_grade(const ex_spec *s, char **paths, int npaths, const ex_grade_opts *g);

/* A file name reduced to [A-Za-z0-9._-] (others become '_'), .c dropped:
 * the tag that names a submission's traces. */
void ex_tag_from_path(const char *path, char *out, size_t n);

/* Learners' progress (cli/exercise_state.c): the state file's path
 * ($XDG_STATE_HOME/chanscope/exercises-passed, else ~/.local/state/...);
 * -1 when neither is set.  ex_state_record adds NAME (passed with FILE);
 * 0 ok, -1 when the file cannot be written. */
int ex_state_path(char *out, size_t n);
bool ex_state_passed(const char *name);
int ex_state_record(const char *name, const char *file);

/* README.md for a terminal (cli/exercise_render.c); images' paths are shown
 * under dir.  Sections that name the fix ("What it teaches") are left out
 * unless after; returns true when one was left out. */
#include <stdio.h>
bool ex_render_markdown(const char *text, const char *dir, bool after, FILE *out);

/* Whole file into a NUL-terminated malloc'd buffer, or NULL. */
char *ex_read_file(const char *path, size_t *len);

#endif
