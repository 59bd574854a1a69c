/*
 * finding_kinds.h — the one table of finding kinds, shared by the analyzer
 * (report labels, JSON summary, the derived table finding_kinds), the CLI
 * (pattern.json expectations, demo summaries, exercise checks) and, through
 * the derived table, the viewer.  The rows are the FINDING rows of
 * format/trace.def.  Adding a kind: one row there, its finding code, and
 * docs/analyzer.md.
 */
#ifndef CS_FINDING_KINDS_H
#define CS_FINDING_KINDS_H

#include <stddef.h>

typedef struct an_kind_info {
    const char *name;        /* findings.kind, JSON "kind", pattern.json "expect" */
    const char *label;       /* the human report's label: "PARTIAL DEADLOCK" */
    const char *severity;    /* the default: "error" or "warning" */
    const char *description; /* one line, for summaries and help */
    int blocking;            /* 1: about goroutines that wait (a wait-for graph) */
} an_kind_info;

/* In report order (the JSON summary and the text summary line use it). */
extern const an_kind_info an_finding_kinds[];
extern const size_t an_nfinding_kinds;

/* The row for a kind name, NULL if unknown. */
const an_kind_info *an_kind_find(const char *name);
/* Its index in an_finding_kinds, -1 if unknown. */
int an_kind_index(const char *name);

#endif
