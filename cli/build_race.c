/*
 * cli/build_race.c — `chanscope build --race`: the race build of a program
 * (docs/races.md), like `go build -race`.
 *
 * Three steps, in a private temporary folder for the objects:
 *   1. compile each FILE.c instrumented (clang's ThreadSanitizer
 *      instrumentation) into an object:
 *        clang -std=c11 -D_GNU_SOURCE -g -gdwarf-aranges -O0
 *            -fno-omit-frame-pointer -fsanitize=thread -Wall $CFLAGS
 *            -I<include> -c FILE.c -o TMP/N.o
 *      (-O0: every access stays at its source line, and -O1 may fold a
 *      static pointer into a bool; -gdwarf-aranges: the race report finds
 *      each pc's line at once);
 *   2. rename the program's memory intrinsics to the detector's checked
 *      copies (clang 14 lowers them to plain memcpy/memmove/memset calls,
 *      which libtsan would intercept; race/build.mk, RACE_OBJCOPY):
 *        objcopy --redefine-sym memcpy=__tsan_memcpy ... TMP/N.o
 *   3. link WITHOUT -fsanitize=thread (no libtsan) against chanscope's own
 *      detector and report:
 *        clang -o OUT TMP/N.o... <lib>/libchanscope-race.a
 *            -Wl,-u,cs_race_report_symbolized -ldw -lelf -lm -pthread
 * The compiler's messages go to stderr unchanged.  0 built, 1 does not
 * compile, 2 a tool is missing (said on stderr).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"

/* Run av (av[0] found in PATH); its exit status, 127 when it cannot start
 * (said on stderr), -1 when fork fails. */
static int run(char **av, bool verbose) {
    if (verbose) {
        for (int i = 0; av[i]; i++) fprintf(stderr, "%s%s", i ? " " : "", av[i]);
        fputc('\n', stderr);
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        execvp(av[0], av);
        fprintf(stderr, "chanscope: build: cannot run '%s': %s\n", av[0], strerror(errno));
        _exit(127);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void cleanup(const char *tmp, int nobj) {
    char p[PATH_MAX + 32];
    for (int i = 0; i < nobj; i++) {
        snprintf(p, sizeof p, "%s/%d.o", tmp, i);
        unlink(p);
    }
    rmdir(tmp);
}

int cs_build_race(char *const *files, int nfiles, const char *out, bool verbose,
                  const char *inc, const char *libdir) {
    char incflag[PATH_MAX + 4], racelib[PATH_MAX + 32], tmp[PATH_MAX];
    snprintf(incflag, sizeof incflag, "-I%s", inc);
    snprintf(racelib, sizeof racelib, "%s/libchanscope-race.a", libdir);
    const char *tb = getenv("TMPDIR");
    snprintf(tmp, sizeof tmp, "%.2000s/chanscope-build-XXXXXX", tb && *tb ? tb : "/tmp");
    if (!mkdtemp(tmp)) return cs_bad_input("build: cannot create a temporary folder: %s", strerror(errno));
    char *cflags = strdup(getenv("CFLAGS") ? getenv("CFLAGS") : "");
    int max = nfiles + 48 + (int)strlen(cflags ? cflags : "") / 2;
    char **av = calloc((size_t)max, sizeof *av);
    char (*objs)[PATH_MAX + 32] = calloc((size_t)nfiles, sizeof *objs);
    int rc = 0, nobj = 0;
    if (!cflags || !av || !objs) {
        rc = cs_bad_input("build: out of memory");
        goto out;
    }
    /* 1, 2: each source into its object, renamed */
    for (int i = 0; i < nfiles && rc == 0; i++) {
        snprintf(objs[i], sizeof objs[i], "%s/%d.o", tmp, i);
        int n = 0;
        av[n++] = "clang";
        av[n++] = "-std=c11";
        av[n++] = "-D_GNU_SOURCE";
        av[n++] = "-g";
        av[n++] = "-gdwarf-aranges";
        av[n++] = "-O0";
        av[n++] = "-fno-omit-frame-pointer";
        av[n++] = "-fsanitize=thread";
        av[n++] = "-Wall";
        char *copy = strdup(cflags), *save = NULL;
        for (char *t = copy ? strtok_r(copy, " \t\n", &save) : NULL; t;
             t = strtok_r(NULL, " \t\n", &save))
            av[n++] = t;
        av[n++] = incflag;
        av[n++] = "-c";
        av[n++] = files[i];
        av[n++] = "-o";
        av[n++] = objs[i];
        av[n] = NULL;
        int st = run(av, verbose);
        free(copy);
        nobj = i + 1;
        if (st == 127 || st < 0) rc = 2;
        else if (st != 0) {
            fprintf(stderr, "chanscope: build: %s does not compile (the compiler's messages are "
                            "above)\n", files[i]);
            rc = 1;
        } else {
            char *oc[] = {"objcopy", "--redefine-sym", "memcpy=__tsan_memcpy", "--redefine-sym",
                          "memmove=__tsan_memmove", "--redefine-sym", "memset=__tsan_memset",
                          objs[i], NULL};
            if (run(oc, verbose) != 0) rc = cs_bad_input("build: objcopy failed on %s", files[i]);
        }
    }
    if (rc == 0) { /* 3: link, no -fsanitize: chanscope's detector, not libtsan */
        int n = 0;
        av[n++] = "clang";
        av[n++] = "-o";
        av[n++] = (char *)out;
        for (int i = 0; i < nfiles; i++) av[n++] = objs[i];
        av[n++] = racelib;
        av[n++] = "-Wl,-u,cs_race_report_symbolized"; /* race/race_report.c */
        av[n++] = "-ldw";
        av[n++] = "-lelf";
        av[n++] = "-lm";
        av[n++] = "-pthread";
        av[n] = NULL;
        int st = run(av, verbose);
        if (st == 127 || st < 0) rc = 2;
        else if (st != 0) {
            fprintf(stderr, "chanscope: build: %s does not link (the linker's messages are "
                            "above)\n", files[0]);
            rc = 1;
        }
    }
out:
    cleanup(tmp, nobj);
    free(objs);
    free(av);
    free(cflags);
    return rc;
}
