/*
 * cli/exercise_grade.c — `chanscope exercise grade NAME [--json] [-j N] FILE|DIR...`
 * for teachers: many submissions of one exercise, each judged exactly as
 * `exercise check` judges a learner's file (cli/exercise_check.c).
 *
 *  - A DIR stands for every *.c directly in it and in its subfolders (one
 *    level: subs/alice.c, subs/bob/main.c); each file is one submission.
 *  - Each submission is checked in its own child process, JOBS at a time
 *    (default: the online CPUs).  Its traces are named after its path
 *    (traces/exercise-NAME-subs_bob_main-run1.db), so no submission
 *    overwrites another's, and the check's full feedback is kept beside them
 *    (traces/exercise-NAME-TAG.txt).
 *  - Then a table (file, result, what failed) and a summary on stdout, or
 *    with --json {"exercise": NAME, "results": [{"file", "passed", "reason",
 *    "findings", "trace", "details"}], "summary": {...}}.
 *  - Exit 0 when every submission passed, 1 when one failed, 2 bad input.
 * A teacher's grading never touches the learner progress file.
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "exercise.h"

typedef struct submission {
    char *file;        /* as given / found */
    char tag[300];     /* names its traces */
    pid_t pid;
    int status;        /* exit status of its check: 0 pass, 1 fail, 2 error */
    cJSON *result;     /* read back from the child */
} submission;

typedef struct sublist {
    submission *v;
    int n, cap;
} sublist;

static void add(sublist *l, const char *file) {
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->v = realloc(l->v, (size_t)l->cap * sizeof *l->v);
    }
    memset(&l->v[l->n], 0, sizeof l->v[0]);
    l->v[l->n++].file = strdup(file);
}

static int by_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.c files of dir (and of its subfolders when depth > 0), sorted. */
static void add_dir(sublist *l, const char *dir, int depth) {
    DIR *d = opendir(dir);
    if (!d) return;
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        names = realloc(names, (n + 1) * sizeof *names);
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/",
                 names[i]);
        struct stat st;
        size_t len = strlen(names[i]);
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) && depth > 0) add_dir(l, path, depth - 1);
        else if (S_ISREG(st.st_mode) && len > 2 && !strcmp(names[i] + len - 2, ".c")) add(l, path);
        free(names[i]);
    }
    free(names);
}

/* The child: check one submission, its feedback into log, its result as JSON. */
static void child(const ex_spec *s, const submission *sub, int runs, const char *log,
                  const char *res) {
    if (!freopen(log, "w", stdout)) _exit(2);
    dup2(fileno(stdout), 2);
    ex_result r;
    memset(&r, 0, sizeof r);
    ex_check_opts o = {.file = sub->file, .runs = runs, .trace_tag = sub->tag, .result = &r};
    int rc = ex_check(s, &o);
    fflush(stdout);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddBoolToObject(j, "passed", rc == 0 && r.passed);
    cJSON_AddStringToObject(j, "reason", r.reason[0] ? r.reason : "error");
    cJSON_AddItemToObject(j, "findings", r.findings ? r.findings : cJSON_CreateArray());
    cJSON_AddStringToObject(j, "trace", r.trace);
    char *text = cJSON_PrintUnformatted(j);
    FILE *f = fopen(res, "w");
    if (f && text) fputs(text, f);
    if (f) fclose(f);
    _exit(rc);
}

/* The last non-empty line of a file (a bad-input message, without its
 * "chanscope: " prefix), or "". */
static void last_line(const char *path, char *out, size_t n) {
    out[0] = 0;
    char *t = ex_read_file(path, NULL);
    if (!t) return;
    const char *last = "";
    char *save = NULL;
    for (char *l = strtok_r(t, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) last = l;
    if (!strncmp(last, "chanscope: ", 11)) last += 11;
    snprintf(out, n, "%s", last);
    free(t);
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

int ex_grade(const ex_spec *s, char **paths, int npaths, const ex_grade_opts *g) {
    sublist l = {0};
    for (int i = 0; i < npaths; i++) {
        struct stat st;
        if (stat(paths[i], &st) != 0)
            return cs_bad_input("exercise grade: %s: %s", paths[i], strerror(errno));
        if (S_ISDIR(st.st_mode)) add_dir(&l, paths[i], 1);
        else if (S_ISREG(st.st_mode)) add(&l, paths[i]);
        else return cs_bad_input("exercise grade: %s is not a file or a folder", paths[i]);
    }
    if (l.n == 0)
        return cs_bad_input("exercise grade: no submission (no *.c file) in %s%s", paths[0],
                            npaths > 1 ? " ..." : "");
    /* tags: the path as given, made a file name; a clash gets -2, -3 ... */
    for (int i = 0; i < l.n; i++) {
        char base[280];
        ex_tag_from_path(l.v[i].file, base, sizeof base);
        snprintf(l.v[i].tag, sizeof l.v[i].tag, "%s", base);
        for (int k = 2, clash = 1; clash; k++) {
            clash = 0;
            for (int j = 0; j < i; j++)
                if (!strcmp(l.v[j].tag, l.v[i].tag)) clash = 1;
            if (clash) snprintf(l.v[i].tag, sizeof l.v[i].tag, "%s-%d", base, k);
        }
    }
    const char *tmpbase = getenv("TMPDIR");
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s/chanscope-grade-XXXXXX", tmpbase && *tmpbase ? tmpbase : "/tmp");
    if (!mkdtemp(tmp)) return cs_bad_input("exercise grade: cannot create a temporary folder");
    int jobs = g->jobs > 0 ? g->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (jobs < 1) jobs = 1;
    bool progress = isatty(2);
    double t0 = now_s();
    int next = 0, running = 0, done = 0;
    while (done < l.n) {
        while (running < jobs && next < l.n) {
            char log[PATH_MAX + 32], res[PATH_MAX + 32];
            snprintf(log, sizeof log, "%s/log-%d.txt", tmp, next);
            snprintf(res, sizeof res, "%s/res-%d.json", tmp, next);
            fflush(NULL);
            pid_t pid = fork();
            if (pid == 0) child(s, &l.v[next], g->runs, log, res);
            if (pid < 0) {
                l.v[next].status = 2;
                done++;
            } else {
                l.v[next].pid = pid;
                running++;
            }
            next++;
        }
        int st;
        pid_t pid = wait(&st);
        if (pid < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < l.n; i++)
            if (l.v[i].pid == pid) {
                l.v[i].status = WIFEXITED(st) ? WEXITSTATUS(st) : 2;
                l.v[i].pid = 0;
            }
        running--;
        done++;
        if (progress && now_s() - t0 > 1.0)
            fprintf(stderr, "\rgrade %s: %d of %d submissions checked", s->name, done, l.n);
    }
    if (progress && now_s() - t0 > 1.0) fprintf(stderr, "\r\033[K");

    /* read back; keep each check's feedback beside its traces */
    int passed = 0;
    cJSON *results = cJSON_CreateArray();
    for (int i = 0; i < l.n; i++) {
        char log[PATH_MAX + 32], res[PATH_MAX + 32], keep[PATH_MAX] = "";
        snprintf(log, sizeof log, "%s/log-%d.txt", tmp, i);
        snprintf(res, sizeof res, "%s/res-%d.json", tmp, i);
        char *text = ex_read_file(res, NULL);
        cJSON *r = text ? cJSON_Parse(text) : NULL;
        free(text);
        if (!r) {
            char why[400];
            last_line(log, why, sizeof why);
            r = cJSON_CreateObject();
            cJSON_AddBoolToObject(r, "passed", 0);
            cJSON_AddStringToObject(r, "reason", why[0] ? why : "the check did not finish");
            cJSON_AddItemToObject(r, "findings", cJSON_CreateArray());
            cJSON_AddStringToObject(r, "trace", "");
        } else if (l.v[i].status == 2) {
            char why[400];
            last_line(log, why, sizeof why);
            cJSON_ReplaceItemInObject(r, "reason", cJSON_CreateString(why));
        }
        const cJSON *tr = cJSON_GetObjectItemCaseSensitive(r, "trace");
        if (cJSON_IsString(tr) && tr->valuestring[0]) {
            /* traces/exercise-N-TAG-runK.db -> traces/exercise-N-TAG.txt */
            snprintf(keep, sizeof keep, "%s", tr->valuestring);
            char *run = strstr(keep, "-run");
            char *last = NULL;
            while (run) {
                last = run;
                run = strstr(run + 1, "-run");
            }
            if (last) snprintf(last, sizeof keep - (size_t)(last - keep), ".txt");
            char *logtext = ex_read_file(log, NULL);
            FILE *f = logtext ? fopen(keep, "w") : NULL;
            if (f) {
                fputs(logtext, f);
                fclose(f);
            } else keep[0] = 0;
            free(logtext);
        }
        unlink(log);
        unlink(res);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "file", l.v[i].file);
        bool ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "passed"));
        passed += ok;
        cJSON_AddBoolToObject(o, "passed", ok);
        cJSON_AddItemToObject(o, "reason", cJSON_DetachItemFromObject(r, "reason"));
        cJSON_AddItemToObject(o, "findings", cJSON_DetachItemFromObject(r, "findings"));
        cJSON_AddItemToObject(o, "trace", cJSON_DetachItemFromObject(r, "trace"));
        cJSON_AddStringToObject(o, "details", keep);
        cJSON_Delete(r);
        cJSON_AddItemToArray(results, o);
    }
    rmdir(tmp);

    if (g->json) {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "exercise", s->name);
        cJSON_AddItemToObject(doc, "results", results);
        cJSON *sum = cJSON_AddObjectToObject(doc, "summary");
        cJSON_AddNumberToObject(sum, "submissions", l.n);
        cJSON_AddNumberToObject(sum, "passed", passed);
        cJSON_AddNumberToObject(sum, "failed", l.n - passed);
        char *text = cJSON_Print(doc);
        puts(text);
        free(text);
        cJSON_Delete(doc);
    } else {
        int w = 4;
        for (int i = 0; i < l.n; i++)
            if ((int)strlen(l.v[i].file) > w) w = (int)strlen(l.v[i].file);
        if (w > 60) w = 60;
        printf("exercise %s: %d submission%s\n", s->name, l.n, l.n == 1 ? "" : "s");
        printf("%-*s  %-6s  %s\n", w, "FILE", "RESULT", "WHAT FAILED");
        const cJSON *o;
        cJSON_ArrayForEach(o, results) {
            const char *file = cJSON_GetObjectItemCaseSensitive(o, "file")->valuestring;
            bool ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "passed"));
            const cJSON *why = cJSON_GetObjectItemCaseSensitive(o, "reason");
            printf("%-*s  %-6s  %s\n", w, file, ok ? "pass" : "FAIL",
                   ok ? "" : cJSON_IsString(why) ? why->valuestring : "?");
        }
        printf("summary: %d of %d passed, %d failed\n", passed, l.n, l.n - passed);
        if (l.n - passed)
            printf("details: each check's feedback is in traces/exercise-%s-<file>.txt, its "
                   "traces beside it\n", s->name);
        cJSON_Delete(results);
    }
    for (int i = 0; i < l.n; i++) free(l.v[i].file);
    free(l.v);
    return passed == l.n ? 0 : 1;
}
