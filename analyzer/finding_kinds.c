/* finding_kinds.c — the table of finding kinds (see finding_kinds.h), from
 * the FINDING rows of the trace contract, format/trace.def. */
#include "finding_kinds.h"

#include <string.h>

const an_kind_info an_finding_kinds[] = {
#define FINDING(name, label, severity, blocking, description) \
    {#name, label, #severity, description, blocking},
#include "../format/trace.def"
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
