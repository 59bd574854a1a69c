/* cli/cmd_check.c — placeholder until its issue lands; answers honestly. */
#include <stdio.h>

#include "commands.h"

int cmd_check(int argc, char **argv) {
    (void)argc;
    (void)argv;
    return cs_bad_input("'check' is not implemented yet in this build");
}
