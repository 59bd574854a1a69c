/*
 * cli/cmd_build.c — `chanscope build [--race] [-o OUT] FILE.c...`: compile a
 * program against the chanscope runtime, the way `go build` does for Go.
 *
 * The compiler line is the one the README gives by hand:
 *   $CC -std=c11 -D_GNU_SOURCE -g -Wall $CFLAGS -I<include> FILE.c...
 *       -o OUT <lib>/libchanscope.a -lm -pthread
 * with the header and the library found next to this chanscope binary
 * (cs_toolchain).  With gcc, -ftrack-macro-expansion=0 makes every message
 * about a misused macro (chan_send(c, 5)) name the learner's file:line and
 * show the learner's line, not the insides of chanscope.h.
 *
 * --race (docs/races.md), like `go build -race`: cli/build_race.c.
 *
 * The compiler's messages go to stderr unchanged; a failed compile is
 * status 1 (the learner's error, like a check finding), bad usage or a
 * missing toolchain status 2.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"

static const char build_usage[] =
    "usage: chanscope build [-o OUT] [-v] [--race] FILE.c...\n"
    "\n"
    "Compile a C program against the chanscope runtime (header and library found\n"
    "next to this chanscope: the build tree or the installed PREFIX).\n"
    "\n"
    "  -o, --output OUT   the program to write (default: the first FILE without .c,\n"
    "                     in the current folder)\n"
    "  -v, --verbose      print the compiler command on stderr first\n"
    "      --race         the race build: every memory access of the program is\n"
    "                     checked by chanscope's race detector, like go build -race\n"
    "                     (needs clang; see docs/races.md)\n"
    "  -h, --help         this help\n"
    "\n"
    "Environment: CC the compiler (default cc; clang with --race), CFLAGS extra\n"
    "compiler flags.\n"
    "Exit status: 0 built, 1 the program does not compile (the compiler's\n"
    "messages are on stderr), 2 bad usage or no runtime found.\n";

/* The folder holding this chanscope binary. */
static int self_dir(char *out, size_t n) {
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0) return -1;
    exe[len] = 0;
    snprintf(out, n, "%s", dirname(exe));
    return 0;
}

static bool readable(const char *dir, const char *file) {
    char p[PATH_MAX + NAME_MAX + 2];
    snprintf(p, sizeof p, "%s/%s", dir, file);
    return access(p, R_OK) == 0;
}

int cs_toolchain(char *inc, size_t incn, char *lib, size_t libn) {
    char bin[PATH_MAX], cand[PATH_MAX + 32];
    if (self_dir(bin, sizeof bin) != 0) return -1;
    /* the library: <build>/bin/../lib (build tree) or PREFIX/bin/../lib */
    snprintf(cand, sizeof cand, "%s/../lib", bin);
    if (!readable(cand, "libchanscope.a") || !realpath(cand, lib) || strlen(lib) >= libn)
        return -1;
    /* the header: <tree>/build/bin/../../runtime, PREFIX/include, or the
     * source tree cs_home() names (a build folder outside the tree) */
    const char *tries[] = {"%s/../../runtime", "%s/../include"};
    for (size_t i = 0; i < sizeof tries / sizeof tries[0]; i++) {
        snprintf(cand, sizeof cand, tries[i], bin);
        if (readable(cand, "chanscope.h") && realpath(cand, inc) && strlen(inc) < incn)
            return 0;
    }
    snprintf(cand, sizeof cand, "%s/runtime", cs_home());
    if (readable(cand, "chanscope.h") && realpath(cand, inc) && strlen(inc) < incn) return 0;
    return -1;
}

/* 1 when CC is clang (its own flags), 0 otherwise (gcc). */
static int is_clang(const char *cc) {
    int fd[2];
    if (pipe(fd) != 0) return 0;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        freopen("/dev/null", "w", stderr);
        execlp(cc, cc, "--version", (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    char buf[512] = "";
    size_t got = 0;
    ssize_t r;
    while (got < sizeof buf - 1 && (r = read(fd[0], buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)r;
    buf[got] = 0;
    while (read(fd[0], (char[64]){0}, 64) > 0) {
    }
    close(fd[0]);
    int st;
    if (pid > 0) waitpid(pid, &st, 0);
    return strstr(buf, "clang") != NULL;
}

int cs_build_program(char *const *files, int nfiles, const char *out, bool verbose) {
    return cs_build_program_race(files, nfiles, out, verbose, false);
}

int cs_build_program_race(char *const *files, int nfiles, const char *out, bool verbose,
                          bool race) {
    char inc[PATH_MAX], lib[PATH_MAX];
    if (cs_toolchain(inc, sizeof inc, lib, sizeof lib) != 0)
        return cs_bad_input("build: cannot find chanscope.h and libchanscope.a next to this "
                            "chanscope (build them with 'make', or reinstall)");
    if (race && !readable(lib, "libchanscope-race.a"))
        return cs_bad_input("build: --race: cannot find libchanscope-race.a in %s (build it "
                            "with 'make', or reinstall)", lib);
    for (int i = 0; i < nfiles; i++) {
        struct stat st;
        if (stat(files[i], &st) != 0)
            return cs_bad_input("build: cannot read %s: %s", files[i], strerror(errno));
        if (!S_ISREG(st.st_mode)) return cs_bad_input("build: %s is not a file", files[i]);
        size_t l = strlen(files[i]);
        if (l < 3 || strcmp(files[i] + l - 2, ".c"))
            return cs_bad_input("build: %s is not a C source (FILE.c)", files[i]);
    }
    if (race) return cs_build_race(files, nfiles, out, verbose, inc, lib);
    const char *cc = getenv("CC");
    if (!cc || !*cc) cc = "cc";
    char *cflags = strdup(getenv("CFLAGS") ? getenv("CFLAGS") : "");
    char libpath[PATH_MAX + 32], incflag[PATH_MAX + 4];
    snprintf(libpath, sizeof libpath, "%s/libchanscope.a", lib);
    snprintf(incflag, sizeof incflag, "-I%s", inc);
    int max = nfiles + 32 + (int)strlen(cflags ? cflags : "") / 2;
    char **av = calloc((size_t)max, sizeof *av);
    if (!cflags || !av) {
        free(cflags);
        free(av);
        return cs_bad_input("build: out of memory");
    }
    int n = 0;
    av[n++] = (char *)cc;
    av[n++] = "-std=c11";
    av[n++] = "-D_GNU_SOURCE";
    av[n++] = "-g";
    av[n++] = "-Wall";
    /* Diagnostics at the learner's line: gcc otherwise walks every macro
     * expansion into chanscope.h (clang's first line is already the
     * learner's). */
    if (!is_clang(cc)) av[n++] = "-ftrack-macro-expansion=0";
    for (char *save = NULL, *t = strtok_r(cflags, " \t\n", &save); t;
         t = strtok_r(NULL, " \t\n", &save))
        av[n++] = t;
    av[n++] = incflag;
    for (int i = 0; i < nfiles; i++) av[n++] = files[i];
    av[n++] = "-o";
    av[n++] = (char *)out;
    av[n++] = libpath;
    av[n++] = "-lm";
    av[n++] = "-pthread";
    av[n] = NULL;
    if (verbose) {
        for (int i = 0; i < n; i++) fprintf(stderr, "%s%s", i ? " " : "", av[i]);
        fputc('\n', stderr);
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        execvp(cc, av);
        fprintf(stderr, "chanscope: build: cannot run the compiler '%s': %s\n", cc,
                strerror(errno));
        _exit(127);
    }
    int st = 0;
    if (pid < 0) st = -1;
    else
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
        }
    free(av);
    free(cflags);
    if (pid < 0) return cs_bad_input("build: cannot start the compiler: %s", strerror(errno));
    if (WIFEXITED(st) && WEXITSTATUS(st) == 127) return 2; /* already said */
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "chanscope: build: %s does not compile (the compiler's messages are "
                        "above)\n", files[0]);
        return 1;
    }
    return 0;
}

int cmd_build(int argc, char **argv) {
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"verbose", no_argument, NULL, 'v'},
        {"race", no_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *out = NULL;
    bool verbose = false, race = false;
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":o:vh", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'v': verbose = true; break;
        case 'r': race = true; break;
        case 'h': fputs(build_usage, stdout); return 0;
        default: return cs_option_error("build", c, argv);
        }
    }
    if (optind >= argc) return cs_usage_error("build", "which FILE.c?");
    char def[PATH_MAX];
    if (!out) { /* go build's default: the first file's name, here */
        const char *b = strrchr(argv[optind], '/');
        snprintf(def, sizeof def, "%s", b ? b + 1 : argv[optind]);
        char *dot = strrchr(def, '.');
        if (dot && !strcmp(dot, ".c") && dot != def) *dot = 0;
        else return cs_usage_error("build", "%s is not a C source (FILE.c)", argv[optind]);
        out = def;
    }
    return cs_build_program_race(argv + optind, argc - optind, out, verbose, race);
}
