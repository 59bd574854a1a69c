/*
 * cli/cmd_explore.c — `chanscope explore PROGRAM [-- ARGS] [options]`
 *
 * Runs PROGRAM (a catalog name or a path, as `chanscope run` takes it) under
 * N deterministic schedules — seeds FIRST, FIRST+1, ... handed to the
 * runtime through CHANSCOPE_SEED / CHANSCOPE_STRATEGY (docs/schedules.md) —
 * analyses each run's trace, and groups the runs by what they found.
 *
 * Shape: the parent forks JOBS workers.  Each worker takes the next seed
 * from a counter in shared memory, runs the program once (its output to
 * /dev/null, a per-run timeout), analyses the trace in memory (an_open +
 * an_analyze; nothing stored) and writes ONE line per run into a pipe:
 *     seed \t flag \t key \t kinds \t title \n      (< PIPE_BUF: atomic)
 * flag: C clean (trace already deleted), F findings, T timeout, E no trace.
 * The parent reads the lines, groups by key (a hash of every finding's kind,
 * class and sites — never goroutine ids, which differ between schedules),
 * keeps the trace of each group's smallest seed in DIR as seed-S.db and
 * deletes the rest, draws a progress line (a terminal only) and at the end
 * prints the groups and writes DIR/explore.json (the --json report plus the
 * program), which `chanscope view DIR` reads.
 *
 * Invariant: a group's kept trace is always its smallest seed so far, so the
 * report does not depend on -j or on which worker finished first.
 * Exit: 0 every schedule clean, 1 some schedule had a finding (or timed out),
 * 2 bad input or no run produced a trace, 130 interrupted (after the report).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <dirent.h>

#include <cjson/cJSON.h>

#include "analyzer.h"
#include "catalog.h"
#include "commands.h"
#include "convert.h"
#include "explore.h"

static const char explore_usage[] =
    "usage: chanscope explore NAME|PATH [options] [-- ARGS]\n"
    "\n"
    "Run a program under many deterministic schedules (one seed each), check\n"
    "every run, and group the runs by what they found.  Each group's first\n"
    "trace is kept, with the command that replays it exactly.\n"
    "\n"
    "  -n, --runs N          schedules to try (default 100; with --time: no limit)\n"
    "  -t, --time SECONDS    stop starting new schedules after this long\n"
    "  -s, --strategy S      random (default), pct or pct:DEPTH\n"
    "      --seed FIRST      first seed (default 1); then FIRST+1, ...\n"
    "  -j, --jobs JOBS       runs at a time (default: the number of CPUs)\n"
    "      --timeout SECONDS one run that takes longer is a 'timeout' finding (default 10)\n"
    "  -o, --output DIR      where the kept traces and explore.json go\n"
    "                        (default explore-NAME[-VARIANT])\n"
    "      --json            the summary as JSON on stdout\n"
    "  -h, --help            this help\n"
    "\n"
    "Exit status: 0 every schedule clean, 1 a schedule had a finding, 2 bad input,\n"
    "130 interrupted (the report covers the schedules done).\n"
    "See docs/schedules.md.\n";

static int usage_error(const char *fmt, const char *arg) {
    fputs("chanscope: explore: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs(" (try 'chanscope explore --help')\n", stderr);
    return 2;
}

/* ---- one group of runs --------------------------------------------------- */

typedef struct group {
    char key[17];
    char flag;            /* F, T or E */
    char *kinds, *title;  /* "deadlock,leak" */
    uint64_t seed;        /* smallest seed seen */
    long count;
} group;

typedef struct shared {   /* in MAP_SHARED memory: the workers' counter */
    unsigned long next;   /* index of the next run to start */
    int stop;             /* no more runs (time's up, interrupted) */
    int interrupted;      /* Ctrl-C or SIGTERM: runs in progress are not reported */
} shared;

static shared *sh;
static volatile sig_atomic_t interrupted;
static void on_interrupt(int sig) {
    (void)sig;
    interrupted = 1;
    if (sh) {
        __atomic_store_n(&sh->interrupted, 1, __ATOMIC_RELAXED);
        __atomic_store_n(&sh->stop, 1, __ATOMIC_RELAXED);
    }
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t fnv1a(uint64_t h, const char *s) {
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static void remove_trace(const char *path) {
    char p[PATH_MAX + 96];
    unlink(path);
    static const char *const sfx[] = {"-wal", "-shm", "-journal", ".cslog"};
    for (size_t i = 0; i < 4; i++) {
        if (snprintf(p, sizeof p, "%s%s", path, sfx[i]) < (int)sizeof p) unlink(p);
    }
}

/* rename, or copy when from and to are on different file systems */
static int move_file(const char *from, const char *to) {
    if (rename(from, to) == 0) return 0;
    if (errno != EXDEV) return -1;
    int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    int rc = in >= 0 && out >= 0 ? 0 : -1;
    char buf[1 << 16];
    ssize_t n;
    while (rc == 0 && (n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n) rc = -1;
    if (in >= 0) close(in);
    if (out >= 0 && close(out) != 0) rc = -1;
    remove_trace(from);
    return rc;
}

static int cmp_str(const void *a, const void *b) {
    const char *x = *(char *const *)a, *y = *(char *const *)b;
    return strcmp(x ? x : "", y ? y : "");
}

/* key, kinds and title of an analysed run with findings */
static void describe(const an_trace *t, const an_result *r, char key[17], char *kinds,
                     size_t kn, char *title, size_t tn) {
    size_t nf = r->findings.n;
    char **lines = calloc(nf, sizeof *lines);
    const char **kl = calloc(nf, sizeof *kl);
    size_t nk = 0;
    for (size_t i = 0; i < nf && lines && kl; i++) {
        const an_finding *f = &r->findings.v[i];
        /* kind, class, then the distinct sites of its references, sorted:
         * "read at A, write at B" and "write at B, read at A" are one bug,
         * and so are 2 or 3 goroutines stuck at the same line */
        char **sites = calloc(f->refs.n + 1, sizeof *sites);
        size_t ns = 0, cap = 128, len = 0;
        for (size_t j = 0; sites && j < f->refs.n; j++) {
            const an_site *site = f->refs.v[j].site ? an_site_by_id(t, f->refs.v[j].site) : NULL;
            if (!site) continue;
            char b[PATH_MAX + 32];
            snprintf(b, sizeof b, "%s:%d", site->file ? site->file : "?", site->line);
            bool dup = false;
            for (size_t q = 0; q < ns; q++) dup |= !strcmp(sites[q], b);
            if (!dup && (sites[ns] = strdup(b))) cap += strlen(sites[ns++]) + 1;
        }
        if (sites) qsort(sites, ns, sizeof *sites, cmp_str);
        char *s = malloc(cap);
        if (!s) break;
        len += (size_t)snprintf(s, cap, "%s|%s", f->kind, f->klass ? f->klass : "");
        for (size_t q = 0; q < ns; q++) {
            len += (size_t)snprintf(s + len, cap - len, "|%s", sites[q]);
            free(sites[q]);
        }
        free(sites);
        lines[i] = s;
        bool seen = false;
        for (size_t k = 0; k < nk; k++) seen |= !strcmp(kl[k], f->kind);
        if (!seen) kl[nk++] = f->kind;
    }
    uint64_t h = 1469598103934665603ull;
    if (lines) {
        qsort(lines, nf, sizeof *lines, cmp_str);
        for (size_t i = 0; i < nf; i++) h = fnv1a(fnv1a(h, lines[i] ? lines[i] : ""), "\n");
        for (size_t i = 0; i < nf; i++) free(lines[i]);
    }
    snprintf(key, 17, "%016" PRIx64, h);
    if (kl) qsort(kl, nk, sizeof *kl, cmp_str);
    size_t len = 0;
    kinds[0] = 0;
    for (size_t k = 0; k < nk && len < kn; k++)
        len += (size_t)snprintf(kinds + len, kn - len, "%s%s", k ? "," : "", kl[k]);
    snprintf(title, tn, "%s", nf && r->findings.v[0].title ? r->findings.v[0].title : "");
    for (char *p = title; *p; p++)
        if (*p == '\t' || *p == '\n') *p = ' ';
    free(lines);
    free(kl);
}

/* ---- a worker ------------------------------------------------------------- */

typedef struct config {
    char prog[PATH_MAX];
    char **pargv;           /* prog, args, NULL */
    const char *strategy;
    uint64_t first;
    unsigned long runs;     /* ULONG_MAX: until --time */
    double timeout;
    char tmpdir[PATH_MAX];
    bool int_ignored;       /* explore was started with SIGINT ignored (a background job) */
} config;

/* Run one schedule; fills the line for the parent. */
static void run_one(const config *c, uint64_t seed, char *line, size_t n) {
    char trace[PATH_MAX + 64], seedbuf[32];
    snprintf(trace, sizeof trace, "%s/run-%" PRIu64 ".db", c->tmpdir, seed);
    snprintf(seedbuf, sizeof seedbuf, "%" PRIu64, seed);
    remove_trace(trace);
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    pid_t pid = fork();
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        /* the run takes Ctrl-C as the program would (the worker ignores
         * it), unless explore itself was started ignoring it */
        if (!c->int_ignored) signal(SIGINT, SIG_DFL);
        int nul = open("/dev/null", O_RDWR);
        if (nul >= 0) {
            dup2(nul, 0), dup2(nul, 1), dup2(nul, 2);
            if (nul > 2) close(nul);
        }
        setenv("CHANSCOPE_TRACE", trace, 1);
        setenv("CHANSCOPE_TRACE_NOCONVERT", "1", 1); /* converted below */
        setenv("CHANSCOPE_SEED", seedbuf, 1);
        setenv("CHANSCOPE_STRATEGY", c->strategy, 1);
        execv(c->prog, c->pargv);
        _exit(127);
    }
    if (pid < 0) {
        snprintf(line, n, "%s\tE\terror\terror\tcannot start the program: %s\n", seedbuf,
                 strerror(errno));
        return;
    }
    /* wait for it, at most c->timeout seconds (SIGCHLD is blocked in workers) */
    int st = 0;
    bool timed_out = false;
    double deadline = now_s() + c->timeout;
    for (;;) {
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid) break;
        double left = deadline - now_s();
        bool stopped = __atomic_load_n(&sh->interrupted, __ATOMIC_RELAXED);
        if (left <= 0 || stopped) { /* (stopped: explore got a SIGTERM of its own) */
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            timed_out = !stopped;
            break;
        }
        if (left > 0.1) left = 0.1; /* (and look at the flag again) */
        struct timespec ts = {0, (long)(left * 1e9)};
        sigtimedwait(&chld, NULL, &ts);
    }
    if (__atomic_load_n(&sh->interrupted, __ATOMIC_RELAXED)) {
        /* stopped with everything else (it took Ctrl-C too): the parent
         * reports only the runs done before, so its trace is not converted
         * and analysed (seconds, for a long run) */
        remove_trace(trace);
        snprintf(line, n, "%s\tE\terror\terror\tinterrupted\n", seedbuf);
        return;
    }
    char err[512];
    if (cs_convert_after_run(trace, err, sizeof err) != 0) {
        for (char *p = err; *p; p++)
            if (*p == '\t' || *p == '\n') *p = ' ';
        snprintf(line, n, "%s\tE\terror\terror\t%s\n", seedbuf, err);
        return;
    }
    if (timed_out) {
        snprintf(line, n, "%s\tT\ttimeout\ttimeout\tthe run did not end within %g s (a hang, or "
                 "a livelock)\n", seedbuf, c->timeout);
        return;
    }
    an_trace *t = access(trace, F_OK) == 0 ? an_open(trace, err, sizeof err) : NULL;
    if (!t) {
        if (access(trace, F_OK) != 0)
            if (snprintf(err, sizeof err, "%s wrote no trace (exit status %d; is it built against "
                     "the chanscope runtime?)", c->prog,
                     WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st)) >= (int)sizeof err)
                err[sizeof err - 2] = '.';
        for (char *p = err; *p; p++)
            if (*p == '\t' || *p == '\n') *p = ' ';
        snprintf(line, n, "%s\tE\terror\terror\t%s\n", seedbuf, err);
        return;
    }
    an_result *r = an_analyze(t);
    if (r->findings.n == 0) {
        remove_trace(trace);
        snprintf(line, n, "%s\tC\t-\t-\t-\n", seedbuf);
    } else {
        char key[17], kinds[256], title[512];
        describe(t, r, key, kinds, sizeof kinds, title, sizeof title);
        snprintf(line, n, "%s\tF\t%s\t%s\t%s\n", seedbuf, key, kinds, title);
    }
    an_result_free(r);
    an_trace_free(t);
}

static void worker(const config *c, int wfd) {
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    signal(SIGINT, SIG_IGN); /* the parent decides (the runs see Ctrl-C: run_one) */
    for (;;) {
        if (__atomic_load_n(&sh->stop, __ATOMIC_RELAXED)) break;
        unsigned long i = __atomic_fetch_add(&sh->next, 1, __ATOMIC_RELAXED);
        if (i >= c->runs || c->first + i < c->first) break; /* (no seed past 2^64-1) */
        char line[2048];
        run_one(c, c->first + i, line, sizeof line);
        size_t len = strlen(line);
        if (line[len - 1] != '\n') line[len - 1] = '\n'; /* (cut: keep the record) */
        if (write(wfd, line, len) != (ssize_t)len) break;
    }
    _exit(0);
}

/* ---- the parent ----------------------------------------------------------- */

typedef struct state {
    group *g;
    size_t ng;
    unsigned long done, clean;
    const char *dir;
} state;

static void kept_path(const state *s, uint64_t seed, char *out, size_t n) {
    snprintf(out, n, "%s/seed-%" PRIu64 ".db", s->dir, seed);
}

static void take_line(state *s, const config *c, char *line) {
    char *f[5] = {0};
    int nf = 0;
    for (char *p = line, *tok; nf < 5 && (tok = strsep(&p, "\t\n")); ) f[nf++] = tok;
    if (nf < 5) return;
    uint64_t seed = strtoull(f[0], NULL, 10);
    char flag = f[1][0];
    s->done++;
    if (flag == 'C') {
        s->clean++;
        return;
    }
    char tmp[PATH_MAX + 64], keep[PATH_MAX + 64];
    snprintf(tmp, sizeof tmp, "%s/run-%" PRIu64 ".db", c->tmpdir, seed);
    group *g = NULL;
    for (size_t i = 0; i < s->ng; i++)
        if (!strcmp(s->g[i].key, f[2]) && s->g[i].flag == flag) g = &s->g[i];
    if (!g) {
        group *ng = realloc(s->g, (s->ng + 1) * sizeof *ng);
        if (!ng) return;
        s->g = ng;
        g = &s->g[s->ng++];
        memset(g, 0, sizeof *g);
        snprintf(g->key, sizeof g->key, "%s", f[2]);
        g->flag = flag;
        g->kinds = strdup(f[3]);
        g->title = strdup(f[4]);
        g->seed = UINT64_MAX;
    }
    g->count++;
    if (seed < g->seed && flag != 'E') {
        if (g->seed != UINT64_MAX) {
            kept_path(s, g->seed, keep, sizeof keep);
            remove_trace(keep);
        }
        kept_path(s, seed, keep, sizeof keep);
        if (move_file(tmp, keep) != 0)
            fprintf(stderr, "chanscope: explore: cannot keep %s: %s\n", keep, strerror(errno));
        free(g->title);
        g->title = strdup(f[4]);
    } else {
        remove_trace(tmp);
    }
    if (seed < g->seed) g->seed = seed;
}

static int cmp_group(const void *a, const void *b) {
    const group *x = a, *y = b;
    return x->count != y->count ? (x->count < y->count ? 1 : -1) : (x->seed > y->seed) - (x->seed < y->seed);
}

/* the program as the user named it, plus -- ARGS, for the replay line */
static void program_words(char *out, size_t n, const char *target, char **extra, int nextra) {
    size_t len = (size_t)snprintf(out, n, "%s", target);
    if (nextra > 0 && len < n) len += (size_t)snprintf(out + len, n - len, " --");
    for (int i = 0; i < nextra && len < n; i++) {
        bool plain = strspn(extra[i], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                      "0123456789-_=./:,+%@") == strlen(extra[i]) && *extra[i];
        len += (size_t)snprintf(out + len, n - len, plain ? " %s" : " '%s'", extra[i]);
    }
}

static cJSON *report_json(const state *s, const config *c, const char *target) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "program", target);
    cJSON_AddNumberToObject(o, "runs", (double)s->done);
    cJSON_AddStringToObject(o, "strategy", c->strategy);
    char fb[32];
    snprintf(fb, sizeof fb, "%" PRIu64, c->first);
    cJSON_AddRawToObject(o, "first_seed", fb);
    cJSON_AddNumberToObject(o, "clean", (double)s->clean);
    cJSON *fa = cJSON_AddArrayToObject(o, "failing");
    for (size_t i = 0; i < s->ng; i++) {
        const group *g = &s->g[i];
        cJSON *e = cJSON_CreateObject();
        char sb[32]; /* exact: a double would round seeds past 2^53 */
        snprintf(sb, sizeof sb, "%" PRIu64, g->seed);
        cJSON_AddRawToObject(e, "seed", sb);
        cJSON *k = cJSON_AddArrayToObject(e, "kinds");
        char buf[256];
        snprintf(buf, sizeof buf, "%s", g->kinds);
        for (char *p = buf, *tok; (tok = strsep(&p, ",")); )
            if (*tok) cJSON_AddItemToArray(k, cJSON_CreateString(tok));
        cJSON_AddStringToObject(e, "title", g->title);
        cJSON_AddNumberToObject(e, "count", (double)g->count);
        if (g->flag != 'E') {
            char keep[PATH_MAX + 64];
            kept_path(s, g->seed, keep, sizeof keep);
            cJSON_AddStringToObject(e, "trace", keep);
        } else {
            cJSON_AddNullToObject(e, "trace");
        }
        cJSON_AddItemToArray(fa, e);
    }
    return o;
}

static void print_text(const state *s, const config *c, const char *words, double secs) {
    printf("explore: %s: %lu schedule%s (%s, seeds %" PRIu64 "..%" PRIu64 ") in %.1f s, "
           "%.0f/s\n",
           words, s->done, s->done == 1 ? "" : "s", c->strategy, c->first,
           c->first + (s->done ? s->done - 1 : 0), secs, secs > 0 ? s->done / secs : 0.0);
    printf("  clean: %lu of %lu\n", s->clean, s->done);
    for (size_t i = 0; i < s->ng; i++) {
        const group *g = &s->g[i];
        printf("\n  %zu. %s: %s\n", i + 1, g->kinds, g->title);
        printf("     %ld of %lu schedules, first seed %" PRIu64 "\n", g->count, s->done, g->seed);
        if (g->flag == 'E') continue;
        char keep[PATH_MAX + 64];
        kept_path(s, g->seed, keep, sizeof keep);
        char strat[64] = "";
        if (strcmp(c->strategy, "random")) snprintf(strat, sizeof strat, " --strategy %s",
                                                    c->strategy);
        printf("     replay: chanscope run --seed %" PRIu64 "%s %s\n", g->seed, strat, words);
        printf("     view:   chanscope view %s\n", keep);
    }
    if (s->ng) printf("\n  all groups: chanscope view %s\n", s->dir);
}

/* DIR is ours to fill: missing (created), empty, or an earlier explore
 * folder (its seed-*.db and index are removed).  Anything else is refused. */
static int prepare_dir(const char *dir) {
    struct stat st;
    if (stat(dir, &st) != 0) {
        if (mkdir(dir, 0777) != 0)
            return cs_bad_input("explore: cannot create folder %s: %s", dir, strerror(errno));
        return 0;
    }
    if (!S_ISDIR(st.st_mode)) return cs_bad_input("explore: %s is not a folder", dir);
    char idx[PATH_MAX + 32];
    snprintf(idx, sizeof idx, "%s/%s", dir, EXPLORE_INDEX);
    bool ours = access(idx, F_OK) == 0;
    int nonempty = 0;
    {
        DIR *d = opendir(dir);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            nonempty = 1;
            if (ours && (!strncmp(e->d_name, "seed-", 5) || !strcmp(e->d_name, EXPLORE_INDEX))) {
                char f[PATH_MAX + 300];
                snprintf(f, sizeof f, "%s/%s", dir, e->d_name);
                unlink(f);
            }
        }
        if (d) closedir(d);
    }
    if (nonempty && !ours)
        return cs_bad_input("explore: %s is a folder that explore did not make (choose another "
                            "with -o)", dir);
    return 0;
}

static bool parse_double(const char *s, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v > 0) || v > 1e7) return false;
    *out = v;
    return true;
}

static bool parse_u64(const char *s, uint64_t *out) {
    char *end;
    errno = 0;
    if (!*s || *s == '-') return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) return false;
    *out = v;
    return true;
}

static bool valid_strategy(const char *s) {
    if (!strcmp(s, "random") || !strcmp(s, "pct")) return true;
    if (strncmp(s, "pct:", 4)) return false;
    uint64_t d;
    return parse_u64(s + 4, &d) && d >= 1 && d <= 64;
}

/* explore-<pattern>[-<variant>] or explore-<basename> */
static void default_dir(const char *target, bool is_name, char *out, size_t n) {
    char base[NAME_MAX + 1];
    const char *b = is_name ? target : strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
    snprintf(base, sizeof base, "%s", b);
    char *slash = strchr(base, '/');
    if (slash) {
        if (!strcmp(slash + 1, "main")) *slash = 0;
        else *slash = '-';
    }
    snprintf(out, n, "explore-%s", base);
}

/* The progress line: on a terminal only, after the first second (issue 16's
 * convention), redrawn at most 10 times a second, erased at the end. */
static void progress(const state *s, const config *c, double t0, bool final) {
    static double last;
    static bool shown;
    double t = now_s();
    if (final) {
        if (shown) fputs("\r\033[K", stderr);
        shown = false;
        return;
    }
    if (t - t0 < 1.0 || t - last < 0.1) return;
    last = t;
    shown = true;
    char total[32] = "";
    if (c->runs != ULONG_MAX) snprintf(total, sizeof total, "/%lu", c->runs);
    fprintf(stderr, "\r\033[Kexplore: %lu%s schedules, %lu with findings (%zu group%s), %.0f/s",
            s->done, total, s->done - s->clean, s->ng, s->ng == 1 ? "" : "s",
            t > t0 ? s->done / (t - t0) : 0.0);
}


enum { OPT_SEED = 256, OPT_TIMEOUT, OPT_JSON };

typedef struct options {
    config *c;
    bool have_runs, json;
    double budget;
    long jobs;
    const char *dir;
} options;

/* one parsed option into o; -1 to go on, else the status to return */
static int set_option(int opt, const char *arg, char **argv, options *o) {
    uint64_t u;
    switch (opt) {
    case 'n':
        if (!parse_u64(arg, &u) || u < 1 || u > 100000000)
            return usage_error("--runs wants a number of schedules from 1, not '%s'", arg);
        o->c->runs = (unsigned long)u, o->have_runs = true;
        return -1;
    case 't':
        if (!parse_double(arg, &o->budget))
            return usage_error("--time wants seconds (> 0), not '%s'", arg);
        return -1;
    case 's':
        if (!valid_strategy(arg))
            return usage_error("--strategy is random, pct or pct:DEPTH (1-64), not '%s'", arg);
        o->c->strategy = arg;
        return -1;
    case OPT_SEED:
        if (!parse_u64(arg, &o->c->first))
            return usage_error("--seed wants a decimal number (0 to 2^64-1), not '%s'", arg);
        return -1;
    case 'j':
        if (!parse_u64(arg, &u) || u < 1 || u > 256)
            return usage_error("--jobs wants 1 to 256, not '%s'", arg);
        o->jobs = (long)u;
        return -1;
    case OPT_TIMEOUT:
        if (!parse_double(arg, &o->c->timeout))
            return usage_error("--timeout wants seconds (> 0), not '%s'", arg);
        return -1;
    case 'o': o->dir = arg; return -1;
    case OPT_JSON: o->json = true; return -1;
    case 'h': fputs(explore_usage, stdout); return 0;
    case ':': return usage_error("%s needs a value", argv[optind - 1]);
    default: return usage_error("unknown option '%s'", argv[optind - 1]);
    }
}

int cmd_explore(int argc, char **argv) {
    static const struct option longopts[] = {
        {"runs", required_argument, NULL, 'n'},     {"time", required_argument, NULL, 't'},
        {"strategy", required_argument, NULL, 's'}, {"seed", required_argument, NULL, OPT_SEED},
        {"jobs", required_argument, NULL, 'j'},     {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"output", required_argument, NULL, 'o'},   {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    static config c;
    memset(&c, 0, sizeof c);
    c.strategy = "random";
    c.first = 1;
    c.runs = ULONG_MAX;
    c.timeout = 10;
    options o = {.c = &c, .jobs = sysconf(_SC_NPROCESSORS_ONLN)};
    optind = 0;
    opterr = 0;
    int opt;
    /* '+': stop at the first operand, so PROGRAM's own options stay its own */
    while ((opt = getopt_long(argc, argv, "+:n:t:s:j:o:h", longopts, NULL)) != -1) {
        int rc = set_option(opt, optarg, argv, &o);
        if (rc >= 0) return rc;
    }
    if (optind >= argc) return usage_error("%s", "which program?");
    const char *target = argv[optind++];
    /* options may also follow PROGRAM; then -- ARGS */
    char **extra = NULL;
    int nextra = 0;
    if (optind < argc) {
        int rest = argc - optind + 1;
        char **sub = argv + optind - 1; /* sub[0] is the program: getopt skips it */
        optind = 0;
        while ((opt = getopt_long(rest, sub, "+:n:t:s:j:o:h", longopts, NULL)) != -1) {
            int rc = set_option(opt, optarg, sub, &o);
            if (rc >= 0) return rc;
        }
        if (optind < rest && !strcmp(sub[optind - 1], "--")) {
            extra = sub + optind;
            nextra = rest - optind;
        } else if (optind < rest) {
            return usage_error("unexpected argument '%s' (program arguments go after --)",
                               sub[optind]);
        }
        /* getopt_long consumed "--" itself: it is sub[optind-1] when present */
    }
    if (!o.have_runs) c.runs = o.budget > 0 ? ULONG_MAX : 100;
    if (c.runs != ULONG_MAX && c.first > UINT64_MAX - (c.runs - 1))
        return usage_error("%s", "--seed FIRST plus --runs goes past the last seed (2^64-1)");
    long jobs = o.jobs < 1 ? 1 : o.jobs;
    if (c.runs != ULONG_MAX && (unsigned long)jobs > c.runs) jobs = (long)c.runs;
    const char *dir = o.dir;
    bool json = o.json;
    double budget = o.budget;

    /* the program, as `chanscope run` resolves it */
    bool is_name;
    char **catalog_args;
    catalog cat = {0};
    int bad = catalog_program("explore", target, !extra, c.prog, sizeof c.prog, &is_name,
                              &catalog_args, &cat);
    if (bad) return bad;
    int ncat = 0;
    while (catalog_args && catalog_args[ncat]) ncat++;
    int nargs = extra ? nextra : ncat;
    c.pargv = calloc((size_t)nargs + 2, sizeof *c.pargv);
    if (!c.pargv) return cs_bad_input("explore: out of memory");
    c.pargv[0] = c.prog;
    for (int i = 0; i < nargs; i++) c.pargv[i + 1] = extra ? extra[i] : catalog_args[i];

    char dirbuf[PATH_MAX];
    if (!dir) {
        default_dir(target, is_name, dirbuf, sizeof dirbuf);
        dir = dirbuf;
    }
    bad = prepare_dir(dir);
    if (bad) {
        free(c.pargv);
        catalog_free(&cat);
        return bad;
    }
    /* scratch traces: $TMPDIR if set, else in memory (/dev/shm) when there
     * is one — a run's SQLite file is written and deleted in a few ms —
     * else inside DIR */
    const char *tmpenv = getenv("TMPDIR");
    const char *scratch = tmpenv && *tmpenv && access(tmpenv, W_OK) == 0 ? tmpenv
                          : access("/dev/shm", W_OK) == 0            ? "/dev/shm"
                                                                     : dir;
    if (snprintf(c.tmpdir, sizeof c.tmpdir, "%s/chanscope-explore-XXXXXX", scratch) >=
            (int)sizeof c.tmpdir || !mkdtemp(c.tmpdir)) {
        if (snprintf(c.tmpdir, sizeof c.tmpdir, "%s/.runs-XXXXXX", dir) >= (int)sizeof c.tmpdir ||
            !mkdtemp(c.tmpdir)) {
            free(c.pargv);
            catalog_free(&cat);
            return cs_bad_input("explore: cannot create a scratch folder: %s", strerror(errno));
        }
    }

    sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int pfd[2];
    if (sh == MAP_FAILED || pipe(pfd) != 0) {
        rmdir(c.tmpdir);
        free(c.pargv);
        catalog_free(&cat);
        return cs_bad_input("explore: %s", strerror(errno));
    }
    struct sigaction sa = {0}, old_int, old_term;
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    c.int_ignored = old_int.sa_handler == SIG_IGN;
    fflush(NULL);
    double t0 = now_s();
    pid_t *workers = calloc((size_t)jobs, sizeof *workers);
    long started = 0;
    for (long i = 0; workers && i < jobs; i++) {
        pid_t p = fork();
        if (p == 0) {
            close(pfd[0]);
            free(workers);
            worker(&c, pfd[1]);
        }
        if (p > 0) workers[started++] = p;
    }
    close(pfd[1]);

    state s = {.dir = dir};
    bool tty = isatty(2) && !json;
    char buf[8192];
    size_t have = 0;
    for (;;) {
        struct pollfd pf = {pfd[0], POLLIN, 0};
        int pr = poll(&pf, 1, 100);
        if (budget > 0 && now_s() - t0 >= budget) __atomic_store_n(&sh->stop, 1, __ATOMIC_RELAXED);
        if (tty) progress(&s, &c, t0, false);
        if (pr <= 0) continue;
        ssize_t n = read(pfd[0], buf + have, sizeof buf - have - 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        have += (size_t)n;
        buf[have] = 0;
        char *start = buf, *nl;
        while ((nl = memchr(start, '\n', have - (size_t)(start - buf)))) {
            *nl = 0;
            if (!interrupted) take_line(&s, &c, start);
            start = nl + 1;
        }
        have -= (size_t)(start - buf);
        memmove(buf, start, have);
    }
    close(pfd[0]);
    for (long i = 0; i < started; i++) waitpid(workers[i], NULL, 0);
    free(workers);
    double secs = now_s() - t0;
    if (tty) progress(&s, &c, t0, true);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    /* leftovers (runs cut short by an interrupt) */
    DIR *d = opendir(c.tmpdir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char f[PATH_MAX + 300];
        snprintf(f, sizeof f, "%s/%s", c.tmpdir, e->d_name);
        unlink(f);
    }
    if (d) closedir(d);
    rmdir(c.tmpdir);

    qsort(s.g, s.ng, sizeof *s.g, cmp_group);
    char words[PATH_MAX * 2];
    program_words(words, sizeof words, target, extra, nextra);
    cJSON *rep = report_json(&s, &c, words);
    char *text = cJSON_Print(rep);
    char idx[PATH_MAX + 32];
    snprintf(idx, sizeof idx, "%s/%s", dir, EXPLORE_INDEX);
    FILE *f = fopen(idx, "w");
    if (!f || !text || fprintf(f, "%s\n", text) < 0 || fclose(f) != 0)
        fprintf(stderr, "chanscope: explore: cannot write %s: %s\n", idx, strerror(errno));
    if (json) {
        cJSON_DeleteItemFromObject(rep, "program");
        cJSON_DeleteItemFromObject(rep, "first_seed");
        char *out = cJSON_Print(rep);
        if (out) puts(out);
        free(out);
    } else {
        print_text(&s, &c, words, secs);
    }
    if (interrupted)
        fprintf(stderr, "chanscope: explore: interrupted after %lu schedules\n", s.done);
    free(text);
    cJSON_Delete(rep);
    bool all_errors = s.ng > 0;
    for (size_t i = 0; i < s.ng; i++) all_errors &= s.g[i].flag == 'E';
    /* interrupted (SIGINT/SIGTERM): the report of what was done, then 130
     * as a shell says for Ctrl-C — never "all clean" for a cut-short run */
    int status = interrupted ? 130 : s.done == 0 || (all_errors && s.clean == 0) ? 2 : s.ng ? 1 : 0;
    if (s.done == 0) fprintf(stderr, "chanscope: explore: no schedule was run\n");
    for (size_t i = 0; i < s.ng; i++) free(s.g[i].kinds), free(s.g[i].title);
    free(s.g);
    free(c.pargv);
    catalog_free(&cat);
    munmap(sh, sizeof *sh);
    sh = NULL;
    return status;
}

