/* cli/cmd_export.c — placeholder until its issue lands; answers honestly. */
#include <stdio.h>

#include "commands.h"

int cmd_export(int argc, char **argv) {
    (void)argc;
    (void)argv;
    return cs_bad_input("'export' is not implemented yet in this build");
}
