/* finding_kinds.c — the table of finding kinds (see finding_kinds.h). */
#include "finding_kinds.h"

#include <string.h>

const an_kind_info an_finding_kinds[] = {
    {"deadlock", "DEADLOCK", "error",
     "every goroutine was blocked and nothing could wake any of them: the program stopped", 1},
    {"partial_deadlock", "PARTIAL DEADLOCK", "error",
     "some goroutines wait for each other (or for nobody alive) and can never go on", 1},
    {"leak", "LEAK", "error",
     "a goroutine never finished: the program ended, or was stopped, with it still there", 1},
    {"race", "RACE", "error",
     "two goroutines touched the same variable, at least one writing, with nothing ordering them",
     0},
    {"panic", "PANIC", "error", "a panic nobody recovered ended the program", 0},
    {"misuse", "MISUSE", "error",
     "a primitive used against its contract (close twice, unlock unlocked, negative WaitGroup...)",
     0},
    {"lock_order", "LOCK ORDER", "warning",
     "two goroutines took the same locks in opposite orders: a deadlock waiting to happen", 0},
    {"work_after_cancel", "WORK AFTER CANCEL", "error",
     "a loop went on starting work after the context it was given had been cancelled", 0},
    {"signal", "SIGNAL", "warning", "the program was ended by a signal (Ctrl-C, kill, a crash)", 1},
};
const size_t an_nfinding_kinds = sizeof an_finding_kinds / sizeof an_finding_kinds[0];

int an_kind_index(const char *name) {
    for (size_t i = 0; name && i < an_nfinding_kinds; i++)
        if (!strcmp(an_finding_kinds[i].name, name)) return (int)i;
    return -1;
}

const an_kind_info *an_kind_find(const char *name) {
    int i = an_kind_index(name);
    return i < 0 ? 0 : &an_finding_kinds[i];
}
