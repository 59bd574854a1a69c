/* cli/commands.h — one function per `chanscope` subcommand, each in its own
 * cli/cmd_<name>.c.  argv[0] is the subcommand name.  Return the exit status:
 * 0 success, 1 a negative answer (findings, failed check), 2 bad input. */
#ifndef CS_CLI_COMMANDS_H
#define CS_CLI_COMMANDS_H

int cmd_run(int argc, char **argv);      /* cli/cmd_run.c      (tracer)    */
int cmd_list(int argc, char **argv);     /* cli/cmd_list.c     (catalog)   */
int cmd_check(int argc, char **argv);    /* cli/cmd_check.c    (analyzer)  */
int cmd_export(int argc, char **argv);   /* cli/cmd_export.c   (analyzer)  */
int cmd_view(int argc, char **argv);     /* cli/cmd_view.c     (viewer)    */
int cmd_exercise(int argc, char **argv); /* cli/cmd_exercise.c (exercises) */
int cmd_demo(int argc, char **argv);     /* cli/cmd_demo.c     (catalog)   */
int cmd_explore(int argc, char **argv);  /* cli/cmd_explore.c  (schedules) */

/* Where chanscope's own files are (patterns/, viewer/, exercises/): the
 * source tree when run from build/bin, else PREFIX/share/chanscope. */
const char *cs_home(void);
/* One clear line on stderr ("chanscope: ...") and return 2. */
int cs_bad_input(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
