/* cli/cmd_view.c — placeholder until its issue lands; answers honestly. */
#include <stdio.h>

#include "commands.h"

int cmd_view(int argc, char **argv) {
    (void)argc;
    (void)argv;
    return cs_bad_input("'view' is not implemented yet in this build");
}
