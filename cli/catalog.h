/* cli/catalog.h — the pattern catalog: patterns/<name>/pattern.json read with
 * cJSON, and where each variant's binary is.  Used by list, demo and run.
 * Conventions: patterns/README.md. */
#ifndef CS_CLI_CATALOG_H
#define CS_CLI_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "finding_kinds.h"

/* Finding kinds a variant may expect: the analyzer's table of kinds
 * (analyzer/finding_kinds.h), in report order; a kind's bit is 1 << its index. */
#define CATALOG_NKINDS ((int)an_nfinding_kinds)
#define catalog_kind_name(k) (an_finding_kinds[(k)].name)
/* Bit for a kind name (1 << index in an_finding_kinds), or 0 if unknown. */
unsigned catalog_kind_bit(const char *kind);
/* "leak,race" (or "-" when empty) into buf. */
const char *catalog_kinds_str(unsigned kinds, char *buf, size_t n);

typedef struct catalog_variant {
    char *name;    /* "main", "leak-on-error" */
    char *file;    /* "main.c" */
    char *summary;
    unsigned expect; /* kind bits */
    bool showcase;
    bool race_build; /* "build": "race": built with the race build (docs/races.md) */
    char **args;   /* extra program arguments, NULL-terminated */
    /* "explore": {"demo_seed": N, "strategy": S}: a variant whose bug shows
     * only under some schedules runs in demo under this seed (deterministic
     * mode, docs/schedules.md); NULL: demo runs it as is. */
    char *demo_seed, *demo_strategy;
} catalog_variant;

typedef struct catalog_pattern {
    char *name, *title, *summary;
    catalog_variant *variants; /* variants[0] is "main" */
    int nvariants;
} catalog_pattern;

typedef struct catalog {
    catalog_pattern *patterns; /* sorted by name */
    int npatterns;
} catalog;

/* Load every <home>/patterns/<name>/pattern.json.  On a malformed file,
 * returns -1 with one line in err ("patterns/x/pattern.json: ...").
 * An empty catalog is not an error. */
int catalog_load(const char *home, catalog *cat, char *err, size_t errlen);
void catalog_free(catalog *cat);

/* Find "name" (= name/main) or "name/variant" in a loaded catalog. */
const catalog_variant *catalog_find(const catalog *cat, const char *spec,
                                    const catalog_pattern **pat);

/* Does spec look like a catalog name ("name" or "name/variant", [a-z0-9-])? */
bool catalog_is_spec(const char *spec);

/* Path of the built binary for spec: <dir of this executable>/../patterns/
 * NAME/VARIANT (a build tree), else <that dir>/../lib/chanscope/patterns/...
 * (an installed copy), else <cs_home()>/build/patterns/NAME/VARIANT.  Returns 0 and
 * fills path when the file exists; -1 with a message in err otherwise. */
int catalog_resolve(const char *spec, char *path, size_t n, char *err, size_t errlen);

/* The program `chanscope run` and `explore` start (verb names the command
 * in messages).  TARGET is a path when it names an existing regular file
 * (which must be executable), else a catalog name (an existing folder
 * whose name has a '/' is not one: it gets "not an executable program").
 * Fills prog (n bytes, a canonical path for a name) and *is_name; for a
 * name, unless the caller has its own arguments (want_args false), *args
 * is the catalog's argument list for that variant (NULL: none), which
 * lives in *cat: catalog_free it.  Returns 0, or 2 after one line on
 * stderr. */
int catalog_program(const char *verb, const char *target, bool want_args, char *prog, size_t n,
                    bool *is_name, char ***args, catalog *cat);

#endif
