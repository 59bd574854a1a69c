/* cli/catalog.c — load patterns/<name>/pattern.json (see patterns/README.md). */
#include "catalog.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"

unsigned catalog_kind_bit(const char *kind) {
    int i = an_kind_index(kind);
    return i < 0 || i >= 32 ? 0 : 1u << i;
}

const char *catalog_kinds_str(unsigned kinds, char *buf, size_t n) {
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; i < CATALOG_NKINDS; i++)
        if (kinds & (1u << i))
            used += (size_t)snprintf(buf + used, used < n ? n - used : 0, "%s%s",
                                     used ? "," : "", catalog_kind_name(i));
    if (!buf[0]) snprintf(buf, n, "-");
    return buf;
}

static bool name_ok(const char *s, size_t len) {
    if (len == 0 || len > 64) return false;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return false;
    return true;
}

bool catalog_is_spec(const char *spec) {
    const char *slash = strchr(spec, '/');
    if (!slash) return name_ok(spec, strlen(spec));
    return name_ok(spec, (size_t)(slash - spec)) && name_ok(slash + 1, strlen(slash + 1));
}

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static char *str_field(const cJSON *obj, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) && v->valuestring[0] ? strdup(v->valuestring) : NULL;
}

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 8192, len = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (cap - len < 2) buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    if (buf) buf[len] = 0;
    return buf;
}

static void variant_free(catalog_variant *v) {
    free(v->name);
    free(v->file);
    free(v->summary);
    for (char **a = v->args; a && *a; a++) free(*a);
    free(v->args);
    free(v->demo_seed);
    free(v->demo_strategy);
}

static void pattern_free(catalog_pattern *p) {
    for (int i = 0; i < p->nvariants; i++) variant_free(&p->variants[i]);
    free(p->variants);
    free(p->name);
    free(p->title);
    free(p->summary);
}

/* Parse one variant object; rel is "patterns/<name>/pattern.json" for messages. */
static int load_variant(const cJSON *jv, const char *dir, const char *rel, catalog_variant *v,
                        char *err, size_t errlen) {
    memset(v, 0, sizeof *v);
    v->name = str_field(jv, "name");
    v->file = str_field(jv, "file");
    v->summary = str_field(jv, "summary");
    if (!v->name || !name_ok(v->name, strlen(v->name)))
        return fail(err, errlen, "%s: a variant needs a \"name\" of [a-z0-9-]", rel);
    if (!v->file) {
        size_t n = strlen(v->name) + 3;
        v->file = malloc(n);
        snprintf(v->file, n, "%s.c", v->name);
    }
    char want[80];
    snprintf(want, sizeof want, "%s.c", v->name);
    if (strcmp(v->file, want))
        return fail(err, errlen, "%s: variant '%s' must be in file '%s'", rel, v->name, want);
    char path[PATH_MAX + 160];
    snprintf(path, sizeof path, "%s/%s", dir, v->file);
    if (access(path, R_OK))
        return fail(err, errlen, "%s: variant '%s': no file %s", rel, v->name, v->file);
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(jv, "expect");
    if (!cJSON_IsArray(ex))
        return fail(err, errlen, "%s: variant '%s' needs an \"expect\" array", rel, v->name);
    const cJSON *k;
    cJSON_ArrayForEach(k, ex) {
        unsigned bit = cJSON_IsString(k) ? catalog_kind_bit(k->valuestring) : 0;
        if (!bit)
            return fail(err, errlen, "%s: variant '%s': unknown finding kind in \"expect\"",
                        rel, v->name);
        v->expect |= bit;
    }
    v->showcase = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(jv, "showcase"));
    const cJSON *bld = cJSON_GetObjectItemCaseSensitive(jv, "build");
    if (bld && !(cJSON_IsString(bld) && !strcmp(bld->valuestring, "race")))
        return fail(err, errlen, "%s: variant '%s': \"build\" can only be \"race\"", rel, v->name);
    v->race_build = bld != NULL;
    const cJSON *xp = cJSON_GetObjectItemCaseSensitive(jv, "explore");
    const cJSON *ds = cJSON_GetObjectItemCaseSensitive(xp, "demo_seed");
    const cJSON *dst = cJSON_GetObjectItemCaseSensitive(xp, "strategy");
    if (cJSON_IsNumber(ds) && ds->valuedouble >= 0) {
        char b[32];
        snprintf(b, sizeof b, "%.0f", ds->valuedouble);
        v->demo_seed = strdup(b);
        v->demo_strategy = strdup(cJSON_IsString(dst) ? dst->valuestring : "random");
    }
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(jv, "args");
    int nargs = cJSON_IsArray(args) ? cJSON_GetArraySize(args) : 0;
    v->args = calloc((size_t)nargs + 1, sizeof *v->args);
    for (int i = 0; i < nargs; i++) {
        const cJSON *a = cJSON_GetArrayItem(args, i);
        if (!cJSON_IsString(a))
            return fail(err, errlen, "%s: variant '%s': \"args\" must be strings", rel, v->name);
        v->args[i] = strdup(a->valuestring);
    }
    return 0;
}

static int load_pattern(const char *home, const char *name, catalog_pattern *p, char *err,
                        size_t errlen) {
    char dir[PATH_MAX], path[PATH_MAX + 16], rel[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/patterns/%s", home, name);
    snprintf(path, sizeof path, "%s/pattern.json", dir);
    snprintf(rel, sizeof rel, "patterns/%s/pattern.json", name);
    memset(p, 0, sizeof *p);
    char *text = read_file(path);
    if (!text) return fail(err, errlen, "%s: cannot read", rel);
    cJSON *root = cJSON_Parse(text);
    free(text);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return fail(err, errlen, "%s: not a JSON object", rel);
    }
    int rc = 0;
    p->name = str_field(root, "name");
    p->title = str_field(root, "title");
    p->summary = str_field(root, "summary");
    const cJSON *vs = cJSON_GetObjectItemCaseSensitive(root, "variants");
    if (!p->name || strcmp(p->name, name))
        rc = fail(err, errlen, "%s: \"name\" must be \"%s\"", rel, name);
    else if (!p->title || !p->summary)
        rc = fail(err, errlen, "%s: needs \"title\" and \"summary\"", rel);
    else if (!cJSON_IsArray(vs) || cJSON_GetArraySize(vs) == 0)
        rc = fail(err, errlen, "%s: needs a non-empty \"variants\" array", rel);
    if (rc == 0) {
        int n = cJSON_GetArraySize(vs);
        p->variants = calloc((size_t)n, sizeof *p->variants);
        for (int i = 0; i < n && rc == 0; i++) {
            rc = load_variant(cJSON_GetArrayItem(vs, i), dir, rel, &p->variants[i], err, errlen);
            p->nvariants = i + 1;
            for (int j = 0; j < i && rc == 0; j++)
                if (!strcmp(p->variants[j].name, p->variants[i].name))
                    rc = fail(err, errlen, "%s: variant '%s' twice", rel, p->variants[i].name);
        }
    }
    if (rc == 0 && (strcmp(p->variants[0].name, "main") || p->variants[0].expect))
        rc = fail(err, errlen, "%s: the first variant must be \"main\" with \"expect\": []", rel);
    cJSON_Delete(root);
    if (rc) pattern_free(p);
    return rc;
}

static int by_name(const void *a, const void *b) {
    return strcmp(((const catalog_pattern *)a)->name, ((const catalog_pattern *)b)->name);
}

int catalog_load(const char *home, catalog *cat, char *err, size_t errlen) {
    memset(cat, 0, sizeof *cat);
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/patterns", home);
    DIR *d = opendir(dir);
    /* No catalog is an error, never "0 patterns": a wrong CHANSCOPE_HOME or a
     * broken install must not look like an empty catalog. */
    const char *env = getenv("CHANSCOPE_HOME");
    const char *hint = env && *env ? " (check CHANSCOPE_HOME)"
                                   : " (set CHANSCOPE_HOME to the chanscope source tree or "
                                     "PREFIX/share/chanscope)";
    if (!d) return fail(err, errlen, "no pattern catalog: %s: %s%s", dir, strerror(errno), hint);
    int cap = 0, rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d))) {
        if (e->d_name[0] == '.' || !strcmp(e->d_name, "common")) continue;
        char pj[PATH_MAX + 300];
        snprintf(pj, sizeof pj, "%s/%s/pattern.json", dir, e->d_name);
        if (access(pj, F_OK)) continue; /* a folder without pattern.json is work in progress */
        if (!name_ok(e->d_name, strlen(e->d_name))) {
            rc = fail(err, errlen, "patterns/%s: folder names are [a-z0-9-]", e->d_name);
            break;
        }
        if (cat->npatterns == cap) {
            cap = cap ? cap * 2 : 32;
            cat->patterns = realloc(cat->patterns, (size_t)cap * sizeof *cat->patterns);
        }
        rc = load_pattern(home, e->d_name, &cat->patterns[cat->npatterns], err, errlen);
        if (rc == 0) cat->npatterns++;
    }
    closedir(d);
    if (rc) {
        catalog_free(cat);
        return rc;
    }
    if (!cat->npatterns)
        return fail(err, errlen, "no pattern catalog: %s holds no pattern (no */pattern.json)%s",
                    dir, hint);
    qsort(cat->patterns, (size_t)cat->npatterns, sizeof *cat->patterns, by_name);
    return 0;
}

void catalog_free(catalog *cat) {
    for (int i = 0; i < cat->npatterns; i++) pattern_free(&cat->patterns[i]);
    free(cat->patterns);
    memset(cat, 0, sizeof *cat);
}

const catalog_variant *catalog_find(const catalog *cat, const char *spec,
                                    const catalog_pattern **pat) {
    const char *slash = strchr(spec, '/');
    size_t plen = slash ? (size_t)(slash - spec) : strlen(spec);
    const char *vname = slash ? slash + 1 : "main";
    for (int i = 0; i < cat->npatterns; i++) {
        const catalog_pattern *p = &cat->patterns[i];
        if (strlen(p->name) != plen || strncmp(p->name, spec, plen)) continue;
        for (int j = 0; j < p->nvariants; j++)
            if (!strcmp(p->variants[j].name, vname)) {
                if (pat) *pat = p;
                return &p->variants[j];
            }
    }
    return NULL;
}

static bool is_executable(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int catalog_resolve(const char *spec, char *path, size_t n, char *err, size_t errlen) {
    if (!catalog_is_spec(spec))
        return fail(err, errlen, "'%s' is not a pattern name (NAME or NAME/VARIANT)", spec);
    char rel[160];
    snprintf(rel, sizeof rel, "%s%s", spec, strchr(spec, '/') ? "" : "/main");
    /* Where the built programs are, first found wins:
     *   <bin>/../patterns            a build tree (BUILD/bin/chanscope)
     *   <bin>/../lib/chanscope/patterns   an installed copy (make install)
     *   <cs_home()>/build/patterns   CHANSCOPE_HOME naming a source tree */
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = 0;
        const char *bin = dirname(exe);
        snprintf(path, n, "%s/../patterns/%s", bin, rel);
        if (is_executable(path)) return 0;
        snprintf(path, n, "%s/../lib/chanscope/patterns/%s", bin, rel);
        if (is_executable(path)) return 0;
    }
    snprintf(path, n, "%s/build/patterns/%s", cs_home(), rel);
    if (is_executable(path)) return 0;
    return fail(err, errlen, "no built program for '%s' (run 'make patterns'; "
                "'chanscope list' shows the catalog)", spec);
}

int catalog_program(const char *verb, const char *target, bool want_args, char *prog, size_t n,
                    bool *is_name, char ***args, catalog *cat) {
    *is_name = false;
    *args = NULL;
    struct stat st;
    bool exists = stat(target, &st) == 0;
    if (exists && S_ISREG(st.st_mode)) {
        if (access(target, X_OK) != 0)
            return cs_bad_input("%s: %s is not an executable program", verb, target);
        snprintf(prog, n, "%s", target);
        return 0;
    }
    if (!catalog_is_spec(target) || (exists && S_ISDIR(st.st_mode) && strchr(target, '/'))) {
        if (exists) return cs_bad_input("%s: %s is not an executable program", verb, target);
        return cs_bad_input("%s: no such program or pattern '%s' (see 'chanscope list')", verb,
                            target);
    }
    char err[512];
    if (catalog_resolve(target, prog, n, err, sizeof err) != 0)
        return cs_bad_input("%s: %s", verb, err);
    char canon[PATH_MAX]; /* <build>/bin/../patterns/x/main -> <build>/patterns/x/main */
    if (realpath(prog, canon)) snprintf(prog, n, "%s", canon);
    *is_name = true;
    if (want_args && catalog_load(cs_home(), cat, err, sizeof err) == 0) {
        const catalog_variant *v = catalog_find(cat, target, NULL);
        if (v) *args = v->args;
    }
    return 0;
}
