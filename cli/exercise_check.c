/*
 * cli/exercise_check.c — `chanscope exercise check NAME [--file F]`.
 *
 *   1. copy the learner's file into a private temporary folder (a snapshot:
 *      editing it during the check changes nothing);
 *   2. compile it there with `cc` against the runtime (header and library
 *      next to this chanscope: cs_toolchain); the compiler's messages reach
 *      the learner unchanged, and with gcc a misused macro is reported at
 *      the learner's line (-ftrack-macro-expansion=0), not in chanscope.h.  __FILE__ is mapped
 *      back to the learner's real path, so traces, panics and findings name
 *      the learner's file and the viewer can show its source;
 *   3. run it `runs` times traced into traces/exercise-<name>-<tag>-run<K>.db
 *      (tag: the file's name without .c, or the one grade gives; so two
 *      submissions never overwrite each other's traces), each under the time limit (SIGTERM, then SIGKILL 2 s later);
 *   4. analyze each trace with `<this chanscope> check TRACE --json`;
 *   5. judge: forbidden findings, exit status, stdout properties; stop at
 *      the first failing run and explain it, finding by finding, with the
 *      exercise's own question for that kind of finding and the command
 *      that opens the failing trace in the viewer.
 * The last line is always "result: pass" or "result: fail (WHAT, ...)" where
 * WHAT is a finding kind, source, build, exit, timeout or output (tests read it).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"
#include "commands.h"
#include "convert.h"
#include "exercise.h"
#include "explore.h"
#include "tracer.h"

/* What went wrong in one run; "kinds" in report order, deduplicated. */
typedef struct problems {
    char what[16][24];
    int n;
} problems;

static void add_problem(problems *p, const char *what) {
    for (int i = 0; i < p->n; i++)
        if (!strcmp(p->what[i], what)) return;
    if (p->n < 16) snprintf(p->what[p->n++], sizeof p->what[0], "%s", what);
}

/* "FAIL (run k of n):" once, before the first failure line of a run. */
static struct {
    bool printed;
    int k, runs;
} fail_hdr;
static void fail_header(void) {
    if (!fail_hdr.printed) printf("FAIL (run %d of %d):\n", fail_hdr.k, fail_hdr.runs);
    fail_hdr.printed = true;
}

static void rm_rf_tmp(const char *dir) {
    /* Only our own mkdtemp folder, which holds plain files we named. */
    char path[PATH_MAX + 300];
    static const char *files[] = {"prog", "compile.err", NULL};
    for (int i = 0; files[i]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    for (int k = 1; k <= 100; k++) {
        static const char *pat[] = {"out-%d.txt", "err-%d.txt", "check-%d.json", "check-%d.err",
                                    NULL};
        for (int i = 0; pat[i]; i++) {
            char f[64];
            snprintf(f, sizeof f, pat[i], k);
            snprintf(path, sizeof path, "%s/%s", dir, f);
            unlink(path);
        }
    }
}

/* Run the program `path` (NULL: argv[0], searched in PATH) with argv and
 * stdout/stderr redirected (NULL: inherit) in cwd (NULL: ours),
 * environment additions env_k=env_v (NULL: none).  Waits at most limit_ms
 * (0: forever): SIGTERM at the limit, SIGKILL 2 s later.  Returns the wait
 * status; *timed_out set when the limit hit.  -1 if it could not start. */
static int run_child(const char *path, char *const argv[], const char *cwd, const char *out,
                     const char *errf, const char *env_k, const char *env_v, int limit_ms,
                     bool *timed_out) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        if (cwd && chdir(cwd) != 0) _exit(126);
        int in = open("/dev/null", O_RDONLY);
        if (in >= 0) dup2(in, 0);
        if (out) {
            int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd < 0) _exit(126);
            dup2(fd, 1);
        }
        if (errf) {
            int fd = open(errf, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd < 0) _exit(126);
            dup2(fd, 2);
        }
        if (env_k) setenv(env_k, env_v, 1);
        else unsetenv("CHANSCOPE_TRACE");
        if (env_k && !strcmp(env_k, "CHANSCOPE_TRACE")) /* we convert (cs_convert_after_run) */
            setenv("CHANSCOPE_TRACE_NOCONVERT", "1", 1);
        if (path) execv(path, argv);
        else execvp(argv[0], argv);
        fprintf(stderr, "chanscope: cannot execute %s: %s\n", path ? path : argv[0],
                strerror(errno));
        _exit(127);
    }
    if (timed_out) *timed_out = false;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int st = 0;
    bool termed = false, killed = false;
    for (;;) {
        pid_t r = waitpid(pid, &st, limit_ms > 0 ? WNOHANG : 0);
        if (r == pid) return st;
        if (r < 0 && errno != EINTR) return -1;
        if (limit_ms <= 0) continue;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long ms = (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
        if (!termed && ms >= limit_ms) {
            kill(pid, SIGTERM); /* the tracer flushes the trace on SIGTERM */
            termed = true;
            if (timed_out) *timed_out = true;
        } else if (termed && !killed && ms >= limit_ms + 2000) {
            kill(pid, SIGKILL);
            killed = true;
        }
        nanosleep(&(struct timespec){0, 5 * 1000 * 1000}, NULL);
    }
}

/* Where the library and headers are, from the running binary (the build
 * tree or PREFIX: cs_toolchain); lib is the library file. */
static int find_toolchain(char *lib, size_t libn, char *inc, size_t incn) {
    char libdir[PATH_MAX];
    if (cs_toolchain(inc, incn, libdir, sizeof libdir) != 0) return -1;
    if (strlen(libdir) + sizeof "/libchanscope.a" > libn) return -1;
    snprintf(lib, libn, "%.*s/libchanscope.a", (int)(libn - sizeof "/libchanscope.a"), libdir);
    return 0;
}

/* Is CC clang?  gcc gets -ftrack-macro-expansion=0 (a misused macro is
 * reported at the learner's line, not inside chanscope.h), clang rejects it. */
static bool cc_is_clang(const char *cc) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "'%s' --version 2>/dev/null", cc);
    if (strchr(cc, '\'')) return false;
    FILE *p = popen(cmd, "r");
    if (!p) return false;
    char buf[512] = "";
    size_t n = fread(buf, 1, sizeof buf - 1, p);
    buf[n] = 0;
    pclose(p);
    return strstr(buf, "clang") != NULL;
}

/* A race exercise's build, in tmp, as chanscope build --race does it
 * (cli/build_race.c): compile base instrumented at -O0 into prog.o, rename
 * its memory intrinsics to the detector's, link prog without libtsan.  The
 * wait status of the first step that fails (its messages in errf), else 0. */
static int race_compile(char *incflag, char *mapflag, char *base, char *racelib,
                        const char *tmp, const char *errf) {
    char *cc[] = {"clang", "-std=c11", "-D_GNU_SOURCE", "-Wall", "-O0", "-g", "-gdwarf-aranges",
                  "-fno-omit-frame-pointer", "-fsanitize=thread", "-pthread", incflag, mapflag,
                  "-c", base, "-o", "prog.o", NULL};
    char *oc[] = {"objcopy", "--redefine-sym", "memcpy=__tsan_memcpy", "--redefine-sym",
                  "memmove=__tsan_memmove", "--redefine-sym", "memset=__tsan_memset", "prog.o",
                  NULL};
    char *ld[] = {"clang", "-o", "prog", "prog.o", racelib,
                  "-Wl,-u,cs_race_report_symbolized", "-ldw", "-lelf", "-lm", "-pthread", NULL};
    char *const *steps[] = {cc, oc, ld};
    for (size_t i = 0; i < 3; i++) {
        int st = run_child(NULL, steps[i], tmp, NULL, errf, NULL, NULL, 120000, NULL);
        if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) return st;
    }
    return 0;
}

static int copy_file(const char *from, const char *to) {
    size_t len;
    char *buf = ex_read_file(from, &len);
    if (!buf) return -1;
    FILE *f = fopen(to, "wb");
    int rc = f && fwrite(buf, 1, len, f) == len ? 0 : -1;
    if (f && fclose(f) != 0) rc = -1;
    free(buf);
    return rc;
}

/* Copy s into out with every occurrence of prefix removed (absolute
 * folders of the learner's file make lines too long to read). */
static void strip_prefix(const char *s, const char *prefix, char *out, size_t n) {
    size_t pl = strlen(prefix), o = 0;
    while (*s && o + 1 < n) {
        if (pl && !strncmp(s, prefix, pl)) {
            s += pl;
            continue;
        }
        out[o++] = *s++;
    }
    out[o] = 0;
}

/* Print up to max lines of a file, each indented with "    | ". */
static void show_lines(const char *path, int max, const char *heading) {
    char *text = ex_read_file(path, NULL);
    if (!text || !*text) {
        free(text);
        return;
    }
    printf("  %s\n", heading);
    int shown = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (shown++ == max) {
            printf("    | ...\n");
            break;
        }
        printf("    | %s\n", line);
    }
    free(text);
}

/* Replace {goroutine}, {object}, {site} in a question with the finding's first
 * goroutine name, object name, and site (file:line, prefix-stripped). */
static void expand_question(const char *q, const cJSON *f, const char *prefix, char *out,
                            size_t n) {
    char g[160] = "the goroutine", obj[160] = "the channel", site[600] = "that line";
    const cJSON *gs = cJSON_GetObjectItemCaseSensitive(f, "goroutines");
    const cJSON *g0 = cJSON_IsArray(gs) ? cJSON_GetArrayItem(gs, 0) : NULL;
    const cJSON *gname = g0 ? cJSON_GetObjectItemCaseSensitive(g0, "name") : NULL;
    if (cJSON_IsString(gname)) snprintf(g, sizeof g, "%s", gname->valuestring);
    const cJSON *os = cJSON_GetObjectItemCaseSensitive(f, "objects");
    const cJSON *o0 = cJSON_IsArray(os) ? cJSON_GetArrayItem(os, 0) : NULL;
    const cJSON *oname = o0 ? cJSON_GetObjectItemCaseSensitive(o0, "name") : NULL;
    if (cJSON_IsString(oname)) snprintf(obj, sizeof obj, "%s", oname->valuestring);
    const cJSON *ss = cJSON_GetObjectItemCaseSensitive(f, "sites");
    const cJSON *s0 = cJSON_IsArray(ss) ? cJSON_GetArrayItem(ss, 0) : NULL;
    const cJSON *sf = s0 ? cJSON_GetObjectItemCaseSensitive(s0, "file") : NULL;
    const cJSON *sl = s0 ? cJSON_GetObjectItemCaseSensitive(s0, "line") : NULL;
    if (cJSON_IsString(sf) && cJSON_IsNumber(sl)) {
        char tmp[600];
        snprintf(tmp, sizeof tmp, "%s:%d", sf->valuestring, sl->valueint);
        strip_prefix(tmp, prefix, site, sizeof site);
    }
    size_t o = 0;
    while (*q && o + 1 < n) {
        const char *rep = NULL;
        size_t skip = 0;
        if (!strncmp(q, "{goroutine}", 11)) rep = g, skip = 11;
        else if (!strncmp(q, "{object}", 8)) rep = obj, skip = 8;
        else if (!strncmp(q, "{site}", 6)) rep = site, skip = 6;
        if (rep) {
            o += (size_t)snprintf(out + o, n - o, "%s", rep);
            if (o >= n) o = n - 1;
            q += skip;
        } else {
            out[o++] = *q++;
        }
    }
    out[o] = 0;
}

/* Print text wrapped at ~78 columns, every line indented by `indent`. */
static void print_wrapped(const char *text, int indent) {
    int col = 0;
    const char *p = text;
    while (*p) {
        while (*p == ' ') p++;
        const char *w = p;
        while (*p && *p != ' ') p++;
        int len = (int)(p - w);
        if (!len) break;
        if (col && col + 1 + len > 78) {
            putchar('\n');
            col = 0;
        }
        if (!col) col = printf("%*s", indent, "");
        else col += printf(" ");
        col += printf("%.*s", len, w);
    }
    if (col) putchar('\n');
}

/* Explain every forbidden finding of one analysis; returns how many.  The
 * exercise's question for a kind is asked once, after that kind's first
 * finding; kinds without a question get the analyzer's fix direction. */
static int explain_findings(const ex_spec *s, const cJSON *doc, const char *prefix,
                            problems *p) {
    const cJSON *fs = cJSON_GetObjectItemCaseSensitive(doc, "findings");
    int bad = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, fs) {
        const cJSON *kind = cJSON_GetObjectItemCaseSensitive(f, "kind");
        if (!cJSON_IsString(kind)) continue;
        unsigned bit = catalog_kind_bit(kind->valuestring);
        if (!bit || !(s->forbid & bit)) continue;
        bad++;
        fail_header();
        bool first_of_kind = true;
        for (int i = 0; i < p->n; i++)
            if (!strcmp(p->what[i], kind->valuestring)) first_of_kind = false;
        add_problem(p, kind->valuestring);
        const cJSON *title = cJSON_GetObjectItemCaseSensitive(f, "title");
        const cJSON *expl = cJSON_GetObjectItemCaseSensitive(f, "explanation");
        const cJSON *fix = cJSON_GetObjectItemCaseSensitive(f, "fix");
        char line[4096];
        strip_prefix(cJSON_IsString(title) ? title->valuestring : "(no title)", prefix, line,
                     sizeof line);
        printf("  %s: %s\n", kind->valuestring, line);
        /* A deadlock's title is generic; its explanation names who waits for whom. */
        if (cJSON_IsString(expl) && (!strcmp(kind->valuestring, "deadlock") ||
                                     !strcmp(kind->valuestring, "partial_deadlock") ||
                                     !strcmp(kind->valuestring, "lock_order"))) {
            strip_prefix(expl->valuestring, prefix, line, sizeof line);
            print_wrapped(line, 4);
        }
        if (!first_of_kind) continue;
        const char *q = ex_question_for(s, kind->valuestring);
        if (q) {
            char qq[1024];
            expand_question(q, f, prefix, qq, sizeof qq);
            printf("    -> %s\n", qq);
        } else if (cJSON_IsString(fix)) {
            strip_prefix(fix->valuestring, prefix, line, sizeof line);
            printf("    -> %s\n", line);
        }
    }
    return bad;
}

/* Judge stdout against the spec; prints each failure. */
static void judge_output(const ex_spec *s, const char *outpath, problems *p) {
    char *out = ex_read_file(outpath, NULL);
    if (!out) out = strdup("");
    const char *q = ex_question_for(s, "output");
    bool failed = false;
    if (s->stdout_equals && strcmp(out, s->stdout_equals) != 0) {
        fail_header();
        printf("  output: the program's output differs from the expected output:\n");
        char *exp = strdup(s->stdout_equals), *save = NULL;
        for (char *l = strtok_r(exp, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
            printf("    expected | %s\n", l);
        free(exp);
        failed = true;
    }
    for (size_t i = 0; s->match && s->match[i]; i++) {
        regex_t re;
        if (regcomp(&re, s->match[i], REG_EXTENDED | REG_NEWLINE | REG_NOSUB) != 0) continue;
        if (regexec(&re, out, 0, NULL, 0) != 0) {
            fail_header();
        printf("  output: no line matches /%s/\n", s->match[i]);
            failed = true;
        }
        regfree(&re);
    }
    for (size_t i = 0; s->reject && s->reject[i]; i++) {
        regex_t re;
        regmatch_t m[1];
        if (regcomp(&re, s->reject[i], REG_EXTENDED | REG_NEWLINE) != 0) continue;
        if (regexec(&re, out, 1, m, 0) == 0) {
            const char *ls = out + m[0].rm_so;
            while (ls > out && ls[-1] != '\n') ls--;
            const char *le = strchr(ls, '\n');
            fail_header();
        printf("  output: this line should not be there: %.*s\n",
                   (int)(le ? le - ls : (long)strlen(ls)), ls);
            failed = true;
        }
        regfree(&re);
    }
    for (size_t i = 0; i < s->nnumbers; i++) {
        const ex_number *x = &s->numbers[i];
        regex_t re;
        regmatch_t m[2];
        if (regcomp(&re, x->regex, REG_EXTENDED | REG_NEWLINE) != 0) continue;
        const char *label = x->label ? x->label : x->regex;
        if (regexec(&re, out, 2, m, 0) != 0 || m[1].rm_so < 0) {
            fail_header();
        printf("  output: no line gives %s (a line matching /%s/)\n", label, x->regex);
            failed = true;
        } else {
            double v = strtod(out + m[1].rm_so, NULL);
            bool low = x->has_min && v < x->min, high = x->has_max && v > x->max;
            if (low || high) {
                fail_header();
                if (x->has_min && x->has_max && x->min == x->max)
                    printf("  output: %s: got %g, expected %g\n", label, v, x->min);
                else if (x->has_min && x->has_max)
                    printf("  output: %s: got %g, expected %g to %g\n", label, v, x->min,
                           x->max);
                else if (low)
                    printf("  output: %s: got %g, expected at least %g\n", label, v, x->min);
                else
                    printf("  output: %s: got %g, expected at most %g\n", label, v, x->max);
                failed = true;
            }
        }
        regfree(&re);
    }
    if (failed) {
        add_problem(p, "output");
        if (q) printf("    -> %s\n", q);
    }
    free(out);
}

/* The learner's source against the spec's source.match / source.reject
 * (POSIX ERE, line by line).  Prints each failure; true when it passes. */
static bool judge_source(const ex_spec *s, const char *path, const char *base) {
    char *text = ex_read_file(path, NULL);
    if (!text) return false;
    bool ok = true;
    for (int pass = 0; pass < 2; pass++) {
        char **v = pass ? s->source_reject : s->source_match;
        for (size_t i = 0; v && v[i]; i++) {
            regex_t re;
            if (regcomp(&re, v[i], REG_EXTENDED | REG_NEWLINE | REG_NOSUB) != 0) continue;
            bool found = regexec(&re, text, 0, NULL, 0) == 0;
            regfree(&re);
            if (found == (pass == 0)) continue;
            if (ok) printf("FAIL: %s must keep the parts the exercise depends on:\n", base);
            ok = false;
            printf(pass ? "  source: %s must not contain /%s/\n"
                        : "  source: %s no longer contains /%s/ (keep it: the check relies on it)\n",
                   base, v[i]);
        }
    }
    free(text);
    return ok;
}

void ex_tag_from_path(const char *path, char *out, size_t n) {
    size_t o = 0;
    for (const char *p = path; *p && o + 1 < n; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '-' || c == '_';
        if (!(o == 0 && (c == '.' || c == '/'))) out[o++] = ok ? c : '_';
    }
    out[o] = 0;
    if (o > 2 && !strcmp(out + o - 2, ".c")) out[o - 2] = 0;
    if (!out[0]) snprintf(out, n, "file");
}

/* The trace file for run k: traces/exercise-<name>-<tag>-run<k>.db under the
 * current folder, else under the system's temporary folder. */
static void trace_path(const ex_spec *s, const char *tag, int k, char *out, size_t n) {
    char err[512];
    if (mkdir("traces", 0777) == 0 || errno == EEXIST) {
        snprintf(out, n, "traces/exercise-%.200s-%.200s-run%d.db", s->name, tag, k);
        if (cs_trace_check_output(out, err, sizeof err) == 0) return;
    }
    const char *tmp = getenv("TMPDIR");
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/chanscope-traces", tmp && *tmp ? tmp : "/tmp");
    mkdir(dir, 0777);
    snprintf(out, n, "%.3400s/exercise-%.200s-%.200s-run%d.db", dir, s->name, tag, k);
}

int ex_check(const ex_spec *s, const ex_check_opts *o) {
    char learner[PATH_MAX], given[PATH_MAX];
    if (o->file) snprintf(given, sizeof given, "%s", o->file);
    else snprintf(given, sizeof given, "%s/starter.c", s->dir);
    struct stat st;
    if (stat(given, &st) != 0 || !S_ISREG(st.st_mode))
        return cs_bad_input("exercise check: cannot read %s", given);
    if (!realpath(given, learner)) return cs_bad_input("exercise check: cannot resolve %s", given);
    char lib[PATH_MAX], inc[PATH_MAX];
    if (find_toolchain(lib, sizeof lib, inc, sizeof inc) != 0)
        return cs_bad_input("exercise check: cannot find libchanscope.a next to this chanscope "
                            "(build it with 'make')");
    char self[PATH_MAX];
    ssize_t sn = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sn <= 0) return cs_bad_input("exercise check: cannot find the chanscope binary");
    self[sn] = 0;

    const char *tmpbase = getenv("TMPDIR");
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s/chanscope-ex-XXXXXX", tmpbase && *tmpbase ? tmpbase : "/tmp");
    if (!mkdtemp(tmp)) return cs_bad_input("exercise check: cannot create a temporary folder");

    /* Paths in findings are the learner's real path; show them from its folder. */
    char prefix[PATH_MAX + 1], base[NAME_MAX + 1];
    {
        char t1[PATH_MAX], t2[PATH_MAX];
        snprintf(t1, sizeof t1, "%s", learner);
        snprintf(t2, sizeof t2, "%s", learner);
        snprintf(prefix, sizeof prefix, "%s/", dirname(t1));
        snprintf(base, sizeof base, "%s", basename(t2));
    }
    int runs = o->runs > 0 ? o->runs : s->runs;
    char tag[256];
    if (o->trace_tag) snprintf(tag, sizeof tag, "%s", o->trace_tag);
    else ex_tag_from_path(base, tag, sizeof tag);
    if (o->result) memset(o->result, 0, sizeof *o->result);
    printf("exercise %s: checking %s (%d run%s, %d ms each at most)\n", s->name, given, runs,
           runs == 1 ? "" : "s", s->time_limit_ms);

    problems p = {0};
    char copy[PATH_MAX + NAME_MAX + 2], prog[PATH_MAX + 8], cerr[PATH_MAX + 16];
    snprintf(copy, sizeof copy, "%s/%s", tmp, base);
    snprintf(prog, sizeof prog, "%s/prog", tmp);
    snprintf(cerr, sizeof cerr, "%s/compile.err", tmp);
    int rc = 1;
    if (copy_file(learner, copy) != 0) {
        rm_rf_tmp(tmp);
        rmdir(tmp);
        return cs_bad_input("exercise check: cannot copy %s", given);
    }

    /* 0. the parts of the program the check relies on are still there */
    if (!judge_source(s, copy, base)) {
        add_problem(&p, "source");
        goto done;
    }

    /* 1. build (a race exercise: the race build, as chanscope build --race) */
    const char *cc = getenv("CC");
    if (!cc || !*cc) cc = "cc";
    if (s->race_build) cc = "clang";
    char incflag[PATH_MAX + 4], mapflag[2 * PATH_MAX + 40];
    snprintf(incflag, sizeof incflag, "-I%s", inc);
    snprintf(mapflag, sizeof mapflag, "-fmacro-prefix-map=%s=%s", base, learner);
    char racelib[PATH_MAX + 32];
    snprintf(racelib, sizeof racelib, "%.*s/libchanscope-race.a",
             (int)(strrchr(lib, '/') ? strrchr(lib, '/') - lib : 0), lib);
    if (s->race_build && access(racelib, R_OK) != 0) {
        rm_rf_tmp(tmp);
        rmdir(tmp);
        return cs_bad_input("exercise check: %s is a race exercise and needs %s (build it "
                            "with 'make')", s->name, racelib);
    }
    int cst;
    if (s->race_build) {
        cst = race_compile(incflag, mapflag, base, racelib, tmp, cerr);
    } else {
        char *ccargv[] = {(char *)cc, "-std=c11", "-D_GNU_SOURCE", "-Wall", "-O1", "-g",
                          "-pthread", incflag, mapflag, "-o", "prog", base, lib, "-lm",
                          "-pthread", NULL, NULL};
        if (!cc_is_clang(cc)) { /* after the file names: order does not matter to cc */
            size_t k = 0;
            while (ccargv[k]) k++;
            ccargv[k] = "-ftrack-macro-expansion=0";
        }
        cst = run_child(NULL, ccargv, tmp, NULL, cerr, NULL, NULL, 120000, NULL);
    }
    {
        /* The compiler's own words, with its own file names (the copy is
         * named like the learner's file). */
        char *msgs = ex_read_file(cerr, NULL);
        if (msgs && *msgs) fputs(msgs, stdout);
        free(msgs);
    }
    if (cst < 0 || !WIFEXITED(cst) || WEXITSTATUS(cst) != 0) {
        printf("FAIL: %s does not compile (the compiler's messages are above).\n", base);
        add_problem(&p, "build");
        goto done;
    }
    printf("  built %s\n", base);
    char progname[PATH_MAX];
    snprintf(progname, sizeof progname, "%s", learner);
    char *dot = strrchr(progname, '.');
    if (dot && !strcmp(dot, ".c")) *dot = 0;

    /* 2..5: runs */
    for (int k = 1; k <= runs; k++) {
        char trace[PATH_MAX], outf[PATH_MAX + 32], errf[PATH_MAX + 32], jsonf[PATH_MAX + 32],
            jerrf[PATH_MAX + 32];
        trace_path(s, tag, k, trace, sizeof trace);
        cs_trace_unlink(trace);
        snprintf(outf, sizeof outf, "%s/out-%d.txt", tmp, k);
        snprintf(errf, sizeof errf, "%s/err-%d.txt", tmp, k);
        snprintf(jsonf, sizeof jsonf, "%s/check-%d.json", tmp, k);
        snprintf(jerrf, sizeof jerrf, "%s/check-%d.err", tmp, k);
        int nargs = 0;
        while (s->args && s->args[nargs]) nargs++;
        char **pargv = calloc((size_t)nargs + 2, sizeof *pargv);
        if (!pargv) break;
        /* argv[0] (the trace's meta.program) names the learner's program,
         * not the temporary binary. */
        pargv[0] = progname;
        for (int i = 0; i < nargs; i++) pargv[i + 1] = s->args[i];
        bool timed_out = false;
        char abs_trace[PATH_MAX];
        if (trace[0] == '/') snprintf(abs_trace, sizeof abs_trace, "%s", trace);
        else {
            char cwd[PATH_MAX];
            if (!getcwd(cwd, sizeof cwd)) snprintf(cwd, sizeof cwd, ".");
            snprintf(abs_trace, sizeof abs_trace, "%.*s/%.*s", PATH_MAX / 2 - 1, cwd,
                     PATH_MAX / 2 - 1, trace);
        }
        int pst = run_child(prog, pargv, NULL, outf, errf, "CHANSCOPE_TRACE", abs_trace,
                            s->time_limit_ms, &timed_out);
        free(pargv);
        int status = pst < 0 ? -1
                     : WIFEXITED(pst) ? WEXITSTATUS(pst)
                     : WIFSIGNALED(pst) ? 128 + WTERMSIG(pst)
                                        : -1;
        /* The race build turns a clean exit into 66 when it found a race:
         * the race finding says so; judge the program's own status. */
        if (s->race_build && status == 66 && s->exit_status != 66) status = 0;
        /* The program's event log -> the trace, however it ended. */
        char cerr[512];
        if (cs_convert_after_run(abs_trace, cerr, sizeof cerr) != 0)
            fprintf(stderr, "chanscope: exercise: %s\n", cerr);
        /* Analyze. */
        char *cargv[] = {self, "check", abs_trace, "--json", NULL};
        int ast = access(abs_trace, R_OK) == 0
                      ? run_child(NULL, cargv, NULL, jsonf, jerrf, NULL, NULL, 120000, NULL)
                      : -1;
        char *json = ast >= 0 ? ex_read_file(jsonf, NULL) : NULL;
        cJSON *doc = json ? cJSON_Parse(json) : NULL;
        free(json);
        const cJSON *fs = doc ? cJSON_GetObjectItemCaseSensitive(doc, "findings") : NULL;
        int nfind = cJSON_IsArray(fs) ? cJSON_GetArraySize(fs) : 0;
        printf("  run %d/%d: exit status %d%s, %d finding%s\n", k, runs, status,
               timed_out ? " (stopped at the time limit)" : "", nfind, nfind == 1 ? "" : "s");

        problems rp = {0};
        fail_hdr.printed = false;
        fail_hdr.k = k;
        fail_hdr.runs = runs;
        if (!doc || !cJSON_IsArray(fs)) {
            fail_header();
            printf("  the trace could not be analyzed");
            char *e = ex_read_file(jerrf, NULL);
            if (e && *e) printf(": %s", e);
            else printf(" (did the program start? is it built against chanscope.h?)\n");
            free(e);
            add_problem(&rp, "exit");
        } else {
            /* Findings first: they say why the rest went wrong. */
            explain_findings(s, doc, prefix, &rp);
        }
        if (timed_out) {
            fail_header();
            printf("  timeout: the program was still running after %d ms and was stopped\n",
                   s->time_limit_ms);
            const char *q = ex_question_for(s, "timeout");
            if (q) printf("    -> %s\n", q);
            add_problem(&rp, "timeout");
        } else if (status != s->exit_status) {
            fail_header();
            printf("  exit: the program exited with status %d (expected %d)\n", status,
                   s->exit_status);
            const char *q = ex_question_for(s, "exit");
            if (q) printf("    -> %s\n", q);
            add_problem(&rp, "exit");
        } else {
            /* Output is judged only for a run that ended normally. */
            judge_output(s, outf, &rp);
        }
        if (o->result) {
            snprintf(o->result->trace, sizeof o->result->trace, "%s", trace);
            cJSON_Delete(o->result->findings);
            o->result->findings = cJSON_IsArray(fs) ? cJSON_Duplicate(fs, 1) : NULL;
        }
        if (rp.n) {
            if (!o->quiet) {
                show_lines(outf, 15, "program output:");
                if (status != s->exit_status || timed_out) show_lines(errf, 15, "program errors:");
            }
            printf("  see it: chanscope view %s\n", trace);
            printf("  stuck? chanscope exercise hint %s\n", s->name);
            for (int i = 0; i < rp.n; i++) add_problem(&p, rp.what[i]);
            cJSON_Delete(doc);
            goto done;
        }
        cJSON_Delete(doc);
        if (k == runs && explore_exercise(self, prog, s->args, s->name, given, tmp)) {
            add_problem(&p, "schedule"); /* lucky: some schedule breaks it (explore.h) */
            goto done;
        }
        if (k == runs) {
            printf("PASS: %d of %d runs clean (no findings), output as expected.\n", runs, runs);
            printf("  see it: chanscope view %s\n", trace);
            rc = 0;
        }
    }
done:
    if (rc != 0) {
        char list[512] = "";
        size_t used = 0;
        for (int i = 0; i < p.n; i++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                                     p.what[i]);
        printf("result: fail (%s)\n", p.n ? list : "unknown");
        if (o->result) snprintf(o->result->reason, sizeof o->result->reason, "%s",
                                p.n ? list : "unknown");
    } else {
        printf("result: pass\n");
        if (o->result) {
            o->result->passed = true;
            snprintf(o->result->reason, sizeof o->result->reason, "pass");
        }
    }
    unlink(copy);
    rm_rf_tmp(tmp);
    rmdir(tmp);
    return rc;
}
