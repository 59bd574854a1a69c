/* cli/cmd_demo.c — `chanscope demo`: run every catalog variant traced, check
 * each trace, print one table (pattern, variant, expected, found, ✓/✗).
 *
 *   chanscope demo [--no-view] [-j N] [-o DIR] [--timeout SECONDS] [NAME[/VARIANT]...]
 *
 * Rows are printed in catalog order as soon as they are known.
 *
 * Each variant goes through the same path a user takes:
 *   chanscope run NAME/VARIANT -o DIR/NAME-VARIANT.db [-- ARGS]   (output in .out)
 *   chanscope check DIR/NAME-VARIANT.db --json                     (into .json)
 * N variants run at a time (default 2); a program that outlives the timeout
 * (default 20 s) gets SIGTERM (the tracer flushes), then SIGKILL.
 * With a DISPLAY (and no --no-view, no CHANSCOPE_NO_VIEW) the viewer opens on
 * the most instructive bug; headless the command to view it is printed.
 * Exit 0 only when every variant's findings are exactly its declared kinds.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"
#include "commands.h"

/* Job runner exit codes (the forked child that runs one variant). */
enum { JOB_OK = 0, JOB_TIMEOUT = 3, JOB_NOEXEC = 4 };

typedef struct job {
    const catalog_pattern *pat;
    const catalog_variant *var;
    char trace[PATH_MAX + 160], out[PATH_MAX + 160], json[PATH_MAX + 160];
    pid_t pid;
    int status;      /* job runner exit code */
    unsigned found;  /* kind bits from check --json */
    char problem[160]; /* why no findings could be read, or "" */
    bool done;       /* its runner has ended */
} job;

static char self_exe[PATH_MAX];

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) && errno == EINTR) {}
}

/* In the job runner: run argv with stdout+stderr to out_path (append), in its
 * own process group; kill it after timeout_s.  Returns 0, or JOB_TIMEOUT. */
static int run_with_timeout(char **argv, const char *out_path, int timeout_s) {
    pid_t pid = fork();
    if (pid < 0) return JOB_NOEXEC;
    if (pid == 0) {
        setpgid(0, 0);
        int fd = open(out_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        int devnull = open("/dev/null", O_RDONLY);
        if (fd < 0 || devnull < 0) _exit(127);
        dup2(devnull, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        execv(self_exe, argv);
        _exit(127);
    }
    setpgid(pid, pid);
    long waited = 0, limit = (long)timeout_s * 1000;
    int st;
    for (;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) return 0;
        if (r < 0 && errno != EINTR) return 0;
        if (waited >= limit) break;
        sleep_ms(10);
        waited += 10;
    }
    kill(-pid, SIGTERM);
    for (int i = 0; i < 300; i++) { /* 3 s for the tracer to flush */
        if (waitpid(pid, &st, WNOHANG) == pid) return JOB_TIMEOUT;
        sleep_ms(10);
    }
    kill(-pid, SIGKILL);
    waitpid(pid, &st, 0);
    return JOB_TIMEOUT;
}

/* The job runner: a forked child of demo that runs and checks one variant. */
static void job_main(job *j, int timeout_s) {
    char spec[200];
    snprintf(spec, sizeof spec, "%s/%s", j->pat->name, j->var->name);
    unlink(j->out);
    unlink(j->json);
    char *argv[64];
    int n = 0;
    argv[n++] = "chanscope";
    argv[n++] = "run";
    argv[n++] = spec;
    argv[n++] = "-o";
    argv[n++] = j->trace;
    if (j->var->args && j->var->args[0]) {
        argv[n++] = "--";
        for (char **a = j->var->args; *a && n < 62; a++) argv[n++] = *a;
    }
    argv[n] = NULL;
    if (j->var->demo_seed) { /* a bug some schedules show: its declared seed */
        setenv("CHANSCOPE_SEED", j->var->demo_seed, 1);
        setenv("CHANSCOPE_STRATEGY", j->var->demo_strategy, 1);
    }
    int rc = run_with_timeout(argv, j->out, timeout_s);
    /* check writes JSON on stdout; keep its stderr apart in the .out file */
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(j->json, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = open(j->out, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd < 0 || err < 0) _exit(127);
        dup2(fd, 1);
        dup2(err, 2);
        execl(self_exe, "chanscope", "check", j->trace, "--json", (char *)NULL);
        _exit(127);
    }
    int st;
    if (pid > 0) waitpid(pid, &st, 0);
    _exit(rc);
}

static void remove_trace(const char *trace) {
    char p[PATH_MAX + 8];
    unlink(trace);
    snprintf(p, sizeof p, "%s-wal", trace);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", trace);
    unlink(p);
    snprintf(p, sizeof p, "%s-journal", trace);
    unlink(p);
}

/* After the runner: read the kinds from check --json ({"findings":[{"kind"}]}). */
static void read_findings(job *j) {
    if (j->status == JOB_TIMEOUT) {
        snprintf(j->problem, sizeof j->problem, "timeout");
        /* still read what check found in the flushed trace, for the report */
    }
    FILE *f = fopen(j->json, "rb");
    char *buf = NULL;
    size_t len = 0;
    if (f) {
        struct stat st;
        if (fstat(fileno(f), &st) == 0 && st.st_size > 0) {
            buf = malloc((size_t)st.st_size + 1);
            len = fread(buf, 1, (size_t)st.st_size, f);
            buf[len] = 0;
        }
        fclose(f);
    }
    cJSON *root = buf ? cJSON_Parse(buf) : NULL;
    free(buf);
    const cJSON *fs = cJSON_GetObjectItemCaseSensitive(root, "findings");
    if (!cJSON_IsArray(fs)) {
        if (!j->problem[0])
            snprintf(j->problem, sizeof j->problem, "no check result");
        cJSON_Delete(root);
        return;
    }
    const cJSON *fnd;
    cJSON_ArrayForEach(fnd, fs) {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(fnd, "kind");
        unsigned bit = cJSON_IsString(k) ? catalog_kind_bit(k->valuestring) : 0;
        if (bit) j->found |= bit;
        else if (!j->problem[0]) snprintf(j->problem, sizeof j->problem, "unknown kind");
    }
    cJSON_Delete(root);
}

static bool job_ok(const job *j) { return !j->problem[0] && j->found == j->var->expect; }

/* Path as the user should type it: relative to the working directory when inside it. */
static const char *display_path(const char *abs, char *buf, size_t n) {
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof cwd)) {
        size_t l = strlen(cwd);
        if (!strncmp(abs, cwd, l) && abs[l] == '/') {
            snprintf(buf, n, "%s", abs + l + 1);
            return buf;
        }
    }
    snprintf(buf, n, "%s", abs);
    return buf;
}

/* The bug worth opening first: a declared showcase, else by kind. */
static const job *most_instructive(const job *jobs, int n) {
    static const char *const order[] = {"partial_deadlock", "leak", "race", "deadlock",
                                        "lock_order", "work_after_cancel", "misuse", "panic"};
    for (int i = 0; i < n; i++)
        if (jobs[i].var->showcase && jobs[i].var->expect && job_ok(&jobs[i])) return &jobs[i];
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++)
        for (int i = 0; i < n; i++)
            if ((jobs[i].found & catalog_kind_bit(order[k])) && job_ok(&jobs[i])) return &jobs[i];
    return NULL;
}

static bool selected(const catalog_pattern *p, const catalog_variant *v, char **names, int nn) {
    if (nn == 0) return true;
    for (int i = 0; i < nn; i++) {
        const char *slash = strchr(names[i], '/');
        size_t plen = slash ? (size_t)(slash - names[i]) : strlen(names[i]);
        if (strlen(p->name) == plen && !strncmp(p->name, names[i], plen) &&
            (!slash || !strcmp(slash + 1, v->name)))
            return true;
    }
    return false;
}

static const char demo_usage[] =
    "usage: chanscope demo [--no-view] [-j N] [-o DIR] [--timeout SECONDS]\n"
    "                      [NAME[/VARIANT]...]\n"
    "\n"
    "Run every catalog variant (or the ones named) traced, check each trace, and\n"
    "print one row per variant as it finishes: expected and found finding kinds.\n"
    "\n"
    "  -j, --jobs N         variants run at a time (default 2)\n"
    "  -o, --output DIR     where the traces go (default traces)\n"
    "  -t, --timeout S      a program running longer gets SIGTERM (default 20)\n"
    "      --no-view        do not open the viewer on the most instructive bug\n"
    "  -h, --help           this help\n"
    "\n"
    "Exit status: 0 when every variant's findings are exactly its declared kinds,\n"
    "1 otherwise, 2 bad input.\n";

/* A whole number in 1..3600 for option NAME, else a usage error. */
static int demo_number(const char *name, const char *v, int *out) {
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || end == v || *end || x < 1 || x > 3600)
        return cs_usage_error("demo", "%s wants a number from 1 to 3600, got '%s'", name, v);
    *out = (int)x;
    return 0;
}

/* One table row. */
static void print_row(job *j, int *ok) {
    char eb[128], fb[400];
    read_findings(j);
    bool good = job_ok(j);
    *ok += good;
    catalog_kinds_str(j->found, fb, sizeof fb);
    if (j->problem[0]) {
        size_t used = strlen(fb);
        snprintf(fb + used, sizeof fb - used, " (%s)", j->problem);
    }
    printf("%-22s %-24s %-22s %-22s %s\n", j->pat->name, j->var->name,
           catalog_kinds_str(j->var->expect, eb, sizeof eb), fb, good ? "✓" : "✗");
    fflush(stdout);
}

int cmd_demo(int argc, char **argv) {
    static const struct option longopts[] = {
        {"no-view", no_argument, NULL, 'N'},
        {"jobs", required_argument, NULL, 'j'},
        {"output", required_argument, NULL, 'o'},
        {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool no_view = getenv("CHANSCOPE_NO_VIEW") && *getenv("CHANSCOPE_NO_VIEW");
    int par = 2, timeout_s = 20, nn = 0;
    const char *outdir = "traces";
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":j:o:t:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'N': no_view = true; break;
        case 'j':
            if (demo_number("-j", optarg, &par)) return 2;
            break;
        case 't':
            if (demo_number("--timeout", optarg, &timeout_s)) return 2;
            break;
        case 'o': outdir = optarg; break;
        case 'h': fputs(demo_usage, stdout); return 0;
        default: return cs_option_error("demo", c, argv);
        }
    }
    char **names = calloc((size_t)argc + 1, sizeof *names);
    if (!names) return cs_bad_input("demo: out of memory");
    for (int i = optind; i < argc; i++) {
        if (!catalog_is_spec(argv[i])) {
            free(names);
            return cs_usage_error("demo", "'%s' is not a pattern name (NAME or NAME/VARIANT)",
                                  argv[i]);
        }
        names[nn++] = argv[i];
    }
    ssize_t l = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
    if (l <= 0) { free(names); return cs_bad_input("demo: cannot find my own executable"); }
    self_exe[l] = 0;

    catalog cat;
    char err[512];
    if (catalog_load(cs_home(), &cat, err, sizeof err)) { free(names); return cs_bad_input("%s", err); }
    if (mkdir(outdir, 0755) && errno != EEXIST) {
        catalog_free(&cat);
        free(names);
        return cs_bad_input("demo: cannot create '%s': %s", outdir, strerror(errno));
    }
    char absdir[PATH_MAX];
    if (!realpath(outdir, absdir)) snprintf(absdir, sizeof absdir, "%s", outdir);

    int total = 0;
    for (int i = 0; i < cat.npatterns; i++) total += cat.patterns[i].nvariants;
    job *jobs = calloc((size_t)total + 1, sizeof *jobs);
    int nj = 0;
    for (int i = 0; i < cat.npatterns; i++)
        for (int k = 0; k < cat.patterns[i].nvariants; k++) {
            const catalog_pattern *p = &cat.patterns[i];
            const catalog_variant *v = &p->variants[k];
            if (!selected(p, v, names, nn)) continue;
            job *j = &jobs[nj++];
            j->pat = p;
            j->var = v;
            snprintf(j->trace, sizeof j->trace, "%s/%s-%s.db", absdir, p->name, v->name);
            snprintf(j->out, sizeof j->out, "%s/%s-%s.out", absdir, p->name, v->name);
            snprintf(j->json, sizeof j->json, "%s/%s-%s.json", absdir, p->name, v->name);
        }
    free(names);
    if (nj == 0) {
        catalog_free(&cat);
        free(jobs);
        return cs_bad_input("demo: nothing to run (see 'chanscope list')");
    }

    int npat = 0;
    for (int i = 0; i < nj; i++) npat += i == 0 || jobs[i].pat != jobs[i - 1].pat;
    printf("chanscope demo: %d variants of %d patterns, %d at a time, traces in %s/\n\n", nj,
           npat, par, outdir);
    printf("%-22s %-24s %-22s %-22s\n", "PATTERN", "VARIANT", "EXPECTED", "FOUND");
    fflush(stdout);
    /* Rows appear in catalog order, each as soon as it and every row above
     * it have finished (a stable table that still shows progress). */
    int next = 0, running = 0, shown = 0, ok = 0;
    while (next < nj || running > 0) {
        while (running < par && next < nj) {
            job *j = &jobs[next++];
            remove_trace(j->trace);
            j->pid = fork();
            if (j->pid == 0) job_main(j, timeout_s);
            if (j->pid < 0) { j->status = JOB_NOEXEC; j->done = true; continue; }
            running++;
        }
        int st;
        pid_t pid = wait(&st);
        if (pid < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < next; i++)
            if (jobs[i].pid == pid) {
                jobs[i].status = WIFEXITED(st) ? WEXITSTATUS(st) : JOB_NOEXEC;
                jobs[i].pid = 0;
                jobs[i].done = true;
                running--;
            }
        while (shown < nj && jobs[shown].done) print_row(&jobs[shown++], &ok);
    }
    while (shown < nj) { /* a job that could not start, or a wait that failed */
        jobs[shown].done = true;
        print_row(&jobs[shown++], &ok);
    }

    char eb[128], pb[PATH_MAX + 160];
    printf("\n%d/%d variants match their declaration.\n", ok, nj);
    if (ok < nj) {
        printf("Mismatches: the program's output is in %s/NAME-VARIANT.out, "
               "the findings in NAME-VARIANT.json.\n", outdir);
    }
    const job *best = most_instructive(jobs, nj);
    char exe_shown[PATH_MAX];
    display_path(self_exe, exe_shown, sizeof exe_shown);
    if (best) {
        display_path(best->trace, pb, sizeof pb);
        printf("\nView any trace: %s view %s/PATTERN-VARIANT.db\n", exe_shown, outdir);
        printf("Most instructive bug: %s/%s (%s)\n  %s view %s\n", best->pat->name,
               best->var->name, catalog_kinds_str(best->found, eb, sizeof eb), exe_shown, pb);
        const char *display = getenv("DISPLAY");
        if (!no_view && display && *display) {
            printf("Opening the viewer on it (--no-view to skip).\n");
            fflush(stdout);
            pid_t pid = fork();
            if (pid == 0) {
                setsid();
                int devnull = open("/dev/null", O_RDWR);
                if (devnull >= 0) { dup2(devnull, 0); dup2(devnull, 1); }
                execl(self_exe, "chanscope", "view", best->trace, (char *)NULL);
                _exit(127);
            }
        }
    } else {
        printf("\nView any trace: %s view %s/PATTERN-VARIANT.db\n", exe_shown, outdir);
    }
    int rc = ok == nj ? 0 : 1;
    free(jobs);
    catalog_free(&cat);
    return rc;
}
