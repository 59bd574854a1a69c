/* cli/explore.h — what `chanscope explore` (cli/cmd_explore.c) shares with
 * other commands: the index file it writes into its output folder, which
 * `chanscope view DIR` reads (cli/cmd_view.c), and the run of one program
 * under N schedules that `exercise check` uses (cli/exercise_check.c). */
#ifndef CS_CLI_EXPLORE_H
#define CS_CLI_EXPLORE_H

#include <stdbool.h>
#include <stddef.h>

/* The index file in an explore folder: the --json report plus "program". */
#define EXPLORE_INDEX "explore.json"

/* If DIR holds an explore index, print its groups on stdout (one line each,
 * numbered from 1) and put the trace of group PICK (1-based; 0 = the first
 * failing group) into trace; returns the number of groups (0: all clean, no
 * trace), or -1 when DIR is no explore folder (err says why, when it was
 * meant to be one). */
int explore_index_pick(const char *dir, int pick, char *trace, size_t n, char *err,
                       size_t errlen);

/* `chanscope view ARGS` where an operand is a folder: the explore index's
 * groups are printed and that operand is replaced by the chosen group's
 * trace (--group N, default 1; --list: print only), --group/--list taken
 * out of argv.  Returns -1 to go on viewing (argv updated), else the exit
 * status (--list, every run clean, or bad input). */
int explore_view_args(int *argc, char **argv);

/* `exercise check`: explore the learner's compiled program PROG (ARGS,
 * NULL-terminated) under CHANSCOPE_EXERCISE_SCHEDULES schedules (default 50,
 * 0: off); on a finding print the failing seed, its replay command
 * (`chanscope run --seed S LEARNER_FILE`) and trace.  Returns 1 when a
 * schedule failed, 0 otherwise (also when exploring was impossible: said). */
int explore_exercise(const char *self, const char *prog, char *const *args, const char *name,
                     const char *learner_file, const char *tmp);

#endif
