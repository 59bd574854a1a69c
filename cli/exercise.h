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

/* Options of `chanscope exercise check`. */
typedef struct ex_check_opts {
    const char *file;  /* learner's file; NULL: the starter */
    int runs;          /* 0: the spec's */
    bool quiet;        /* no program output on failure */
} ex_check_opts;

/* Build, run traced, analyze, judge.  0 pass, 1 fail, 2 bad input. */
int ex_check(const ex_spec *s, const ex_check_opts *o);

/* Whole file into a NUL-terminated malloc'd buffer, or NULL. */
char *ex_read_file(const char *path, size_t *len);

#endif
