/* cli/cmd_build.c — `chanscope build [-o OUT] FILE.c...`: compile a program
 * against the chanscope runtime.  (Work in progress on branch cli.) */
#include <stdio.h>
#include <string.h>

#include "commands.h"

int cmd_build(int argc, char **argv) {
    if (argc == 2 && !strcmp(argv[1], "--help")) {
        puts("usage: chanscope build [--race] [-o OUT] FILE.c...");
        return 0;
    }
    return cs_usage_error("build", "not implemented yet");
}
