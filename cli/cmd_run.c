/* cli/cmd_run.c — placeholder until its issue lands; answers honestly. */
#include <stdio.h>

#include "commands.h"

int cmd_run(int argc, char **argv) {
    (void)argc;
    (void)argv;
    return cs_bad_input("'run' is not implemented yet in this build");
}
