/* cli/commands.h — one function per `chanscope` subcommand, each in its own
 * cli/cmd_<name>.c.  argv[0] is the subcommand name.  Return the exit status:
 * 0 success, 1 a negative answer (findings, failed check), 2 bad input. */
#ifndef CS_CLI_COMMANDS_H
#define CS_CLI_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>

int cmd_import(int argc, char **argv); /* cli/cmd_import.c (convert/)  */
int cmd_run(int argc, char **argv);      /* cli/cmd_run.c      (tracer)    */
int cmd_list(int argc, char **argv);     /* cli/cmd_list.c     (catalog)   */
int cmd_check(int argc, char **argv);    /* cli/cmd_check.c    (analyzer)  */
int cmd_export(int argc, char **argv);   /* cli/cmd_export.c   (analyzer)  */
int cmd_view(int argc, char **argv);     /* cli/cmd_view.c     (viewer)    */
int cmd_exercise(int argc, char **argv); /* cli/cmd_exercise.c (exercises) */
int cmd_demo(int argc, char **argv);     /* cli/cmd_demo.c     (catalog)   */
int cmd_build(int argc, char **argv);    /* cli/cmd_build.c    (runtime)   */
int cmd_report(int argc, char **argv);   /* cli/cmd_report.c   (analyzer)  */
int cmd_explore(int argc, char **argv);  /* cli/cmd_explore.c  (schedules) */

/* Where chanscope's own files are (patterns/, viewer/, exercises/): the
 * source tree when run from build/bin, else PREFIX/share/chanscope. */
const char *cs_home(void);
/* One clear line on stderr ("chanscope: ...") and return 2. */
int cs_bad_input(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The CLI convention (docs/cli.md, "Options"), followed by every cmd_X:
 *  - options are parsed with getopt_long.  Set `optind = 0` first (a command
 *    may run another one in the same process: `run --check` runs check) and
 *    `opterr = 0`, and start the option string with ':' so that a missing
 *    argument returns ':' and an unknown option '?': hand both to
 *    cs_option_error.
 *  - `-h`/`--help` prints the command's own usage (its options, one line
 *    each) on stdout and returns 0; `chanscope help X` runs `X --help`.
 *  - a usage error (unknown option, missing or extra operand) goes through
 *    cs_usage_error: one line on stderr, status 2.  Other bad input (a
 *    missing file, a non-trace) stays one line through cs_bad_input. */

/* One line on stderr, "chanscope: CMD: MESSAGE (try 'chanscope CMD --help')"
 * (the charter: bad input is one clear line); returns 2. */
int cs_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* After getopt_long returned C == '?' (unknown option) or ':' (missing
 * argument, option string starting with ':'): the usage error naming the
 * option as the user typed it; returns 2. */
int cs_option_error(const char *cmd, int c, char **argv);

/* The runtime's header folder and library folder for compiling a learner's
 * program, found relative to this chanscope binary: the build tree
 * (<tree>/build/bin -> <tree>/runtime, <tree>/build/lib) or an installed
 * copy (PREFIX/bin -> PREFIX/include, PREFIX/lib).  0, or -1 if missing. */
int cs_toolchain(char *inc, size_t incn, char *lib, size_t libn);
/* `chanscope build`'s compile (cli/cmd_build.c): FILES into OUT; 0 built,
 * 1 compile errors (the compiler's messages on stderr), 2 bad input. */
int cs_build_program(char *const *files, int nfiles, const char *out, bool verbose);
/* The same; race: the race build (clang -fsanitize=thread, libchanscope-race.a). */
int cs_build_program_race(char *const *files, int nfiles, const char *out, bool verbose,
                          bool race);
/* The race build's steps (cli/build_race.c), with the toolchain found. */
int cs_build_race(char *const *files, int nfiles, const char *out, bool verbose,
                  const char *inc, const char *libdir);

/* A progress line on stderr while the analyzer loads, analyzes or stores
 * (cli/progress.c): only on a terminal, only after about a second, erased
 * by cs_progress_end.  CMD names the command ("chanscope check"). */
void cs_progress_begin(const char *cmd);
void cs_progress_end(void);

#endif
