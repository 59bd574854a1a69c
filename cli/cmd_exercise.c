/* cli/cmd_exercise.c — placeholder until its issue lands; answers honestly. */
#include <stdio.h>

#include "commands.h"

int cmd_exercise(int argc, char **argv) {
    (void)argc;
    (void)argv;
    return cs_bad_input("'exercise' is not implemented yet in this build");
}
