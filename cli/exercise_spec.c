/* cli/exercise_spec.c — find exercises and read their check.json (cJSON).
 * The fields are described in exercises/README.md. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "exercise.h"

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

char *ex_read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf) return NULL;
    buf[n] = 0;
    if (len) *len = n;
    return buf;
}

/* NN-name: two digits, '-', then [a-z0-9-]. */
static bool folder_name_ok(const char *s) {
    if (strlen(s) < 4 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' || s[2] != '-')
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-')) return false;
    return true;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int ex_list(const char *home, char ***names, size_t *n, char *err, size_t errlen) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/exercises", home);
    DIR *d = opendir(dir);
    if (!d) return fail(err, errlen, "no exercises folder at %s (set CHANSCOPE_HOME?)", dir);
    char **v = NULL;
    size_t cnt = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!folder_name_ok(e->d_name)) continue;
        char spec[4600];
        snprintf(spec, sizeof spec, "%s/%s/check.json", dir, e->d_name);
        if (access(spec, R_OK) != 0) continue;
        if (cnt == cap) {
            cap = cap ? cap * 2 : 32;
            char **nv = realloc(v, cap * sizeof *v);
            if (!nv) break;
            v = nv;
        }
        v[cnt++] = strdup(e->d_name);
    }
    closedir(d);
    if (cnt) qsort(v, cnt, sizeof *v, cmp_str);
    *names = v;
    *n = cnt;
    return 0;
}

void ex_names_free(char **names, size_t n) {
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
}

int ex_resolve(const char *home, const char *what, char *out, size_t outlen, char *err,
               size_t errlen) {
    char **names;
    size_t n;
    if (ex_list(home, &names, &n, err, errlen) != 0) return -1;
    const char *found = NULL;
    size_t wl = strlen(what);
    /* Trailing slash from shell completion of exercises/NN-name/ */
    while (wl > 0 && what[wl - 1] == '/') wl--;
    const char *base = what;
    for (size_t i = 0; i < wl; i++)
        if (what[i] == '/') base = what + i + 1;
    wl -= (size_t)(base - what);
    for (size_t i = 0; i < n && !found; i++) {
        const char *nm = names[i];
        if (strlen(nm) == wl && !strncmp(nm, base, wl)) found = nm;          /* 01-name */
        else if (wl == 2 && !strncmp(nm, base, 2)) found = nm;               /* 01 */
        else if (wl == 1 && base[0] == nm[1] && nm[0] == '0') found = nm;    /* 1 */
        else if (strlen(nm + 3) == wl && !strncmp(nm + 3, base, wl)) found = nm; /* name */
    }
    int rc = 0;
    if (found) snprintf(out, outlen, "%s", found);
    else
        rc = fail(err, errlen, "no exercise '%.*s' (see 'chanscope exercise list')", (int)wl,
                  base);
    ex_names_free(names, n);
    return rc;
}

static char *dup_str(const cJSON *o, const char *key) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(it) && it->valuestring ? strdup(it->valuestring) : NULL;
}

static int get_int(const cJSON *o, const char *key, int dflt) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(it) ? it->valueint : dflt;
}

/* A JSON array of strings as a NULL-terminated vector (NULL if absent). */
static int str_array(const cJSON *o, const char *key, char ***out, const char *file, char *err,
                     size_t errlen) {
    *out = NULL;
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!a) return 0;
    if (!cJSON_IsArray(a)) return fail(err, errlen, "%s: \"%s\" must be an array", file, key);
    int n = cJSON_GetArraySize(a);
    char **v = calloc((size_t)n + 1, sizeof *v);
    if (!v) return fail(err, errlen, "out of memory");
    int i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, a) {
        if (!cJSON_IsString(it)) {
            for (int j = 0; j < i; j++) free(v[j]);
            free(v);
            return fail(err, errlen, "%s: \"%s\" must hold strings", file, key);
        }
        v[i++] = strdup(it->valuestring);
    }
    *out = v;
    return 0;
}

static void strv_free(char **v) {
    for (size_t i = 0; v && v[i]; i++) free(v[i]);
    free(v);
}

static int count_hints(const char *dir) {
    int n = 0;
    for (;;) {
        char p[4200];
        snprintf(p, sizeof p, "%s/hints/%d.md", dir, n + 1);
        if (access(p, R_OK) != 0) return n;
        n++;
    }
}

int ex_load(const char *home, const char *name, ex_spec *s, char *err, size_t errlen) {
    memset(s, 0, sizeof *s);
    char dir[4096], file[4200];
    snprintf(dir, sizeof dir, "%s/exercises/%s", home, name);
    snprintf(file, sizeof file, "%s/check.json", dir);
    char *text = ex_read_file(file, NULL);
    if (!text) return fail(err, errlen, "cannot read %s", file);
    cJSON *root = cJSON_Parse(text);
    free(text);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return fail(err, errlen, "%s is not a JSON object", file);
    }
    int rc = 0;
    s->dir = strdup(dir);
    s->name = strdup(name);
    s->title = dup_str(root, "title");
    s->level = dup_str(root, "level");
    s->minutes = get_int(root, "minutes", 0);
    s->runs = get_int(root, "runs", 3);
    s->time_limit_ms = get_int(root, "time_limit_ms", 5000);
    s->exit_status = get_int(root, "exit_status", 0);
    const cJSON *bld = cJSON_GetObjectItemCaseSensitive(root, "build");
    if (bld && !(cJSON_IsString(bld) && !strcmp(bld->valuestring, "race"))) {
        rc = fail(err, errlen, "%s: \"build\" can only be \"race\"", file);
        goto out;
    }
    s->race_build = bld != NULL;
    s->nhints = count_hints(dir);
    if (!s->title) s->title = strdup(name);
    if (s->runs < 1 || s->runs > 100 || s->time_limit_ms < 100) {
        rc = fail(err, errlen, "%s: runs must be 1..100 and time_limit_ms at least 100", file);
        goto out;
    }
    if (str_array(root, "args", &s->args, file, err, errlen) ||
        str_array(root, "starter_expect", &s->starter_expect, file, err, errlen)) {
        rc = -1;
        goto out;
    }
    /* forbid: finding kinds that fail the check; default all of them. */
    char **forbid = NULL;
    if (str_array(root, "forbid", &forbid, file, err, errlen)) {
        rc = -1;
        goto out;
    }
    /* every kind but `signal`: a program stopped at the time limit is its own
     * problem ("timeout"), not a finding the learner must fix */
    if (!forbid) s->forbid = ((1u << CATALOG_NKINDS) - 1) & ~catalog_kind_bit("signal");
    for (size_t i = 0; forbid && forbid[i]; i++) {
        unsigned bit = catalog_kind_bit(forbid[i]);
        if (!bit) {
            rc = fail(err, errlen, "%s: unknown finding kind '%s' in forbid", file, forbid[i]);
            strv_free(forbid);
            goto out;
        }
        s->forbid |= bit;
    }
    strv_free(forbid);

    const cJSON *out = cJSON_GetObjectItemCaseSensitive(root, "stdout");
    if (out) {
        if (!cJSON_IsObject(out)) {
            rc = fail(err, errlen, "%s: \"stdout\" must be an object", file);
            goto out;
        }
        s->stdout_equals = dup_str(out, "equals");
        if (str_array(out, "match", &s->match, file, err, errlen) ||
            str_array(out, "reject", &s->reject, file, err, errlen)) {
            rc = -1;
            goto out;
        }
        const cJSON *nums = cJSON_GetObjectItemCaseSensitive(out, "numbers");
        if (cJSON_IsArray(nums)) {
            s->numbers = calloc((size_t)cJSON_GetArraySize(nums) + 1, sizeof *s->numbers);
            const cJSON *it;
            cJSON_ArrayForEach(it, nums) {
                ex_number *x = &s->numbers[s->nnumbers];
                x->regex = dup_str(it, "regex");
                x->label = dup_str(it, "label");
                const cJSON *mn = cJSON_GetObjectItemCaseSensitive(it, "min");
                const cJSON *mx = cJSON_GetObjectItemCaseSensitive(it, "max");
                if ((x->has_min = cJSON_IsNumber(mn))) x->min = mn->valuedouble;
                if ((x->has_max = cJSON_IsNumber(mx))) x->max = mx->valuedouble;
                s->nnumbers++;
                if (!x->regex) {
                    rc = fail(err, errlen, "%s: every stdout.numbers entry needs a regex", file);
                    goto out;
                }
            }
        }
    }
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(root, "source");
    if (src && (!cJSON_IsObject(src) ||
                str_array(src, "match", &s->source_match, file, err, errlen) ||
                str_array(src, "reject", &s->source_reject, file, err, errlen))) {
        if (!cJSON_IsObject(src)) fail(err, errlen, "%s: \"source\" must be an object", file);
        rc = -1;
        goto out;
    }
    const cJSON *qs = cJSON_GetObjectItemCaseSensitive(root, "questions");
    if (cJSON_IsObject(qs)) {
        s->questions = calloc((size_t)cJSON_GetArraySize(qs) + 1, sizeof *s->questions);
        const cJSON *it;
        cJSON_ArrayForEach(it, qs) {
            if (!cJSON_IsString(it)) continue;
            s->questions[s->nquestions].kind = strdup(it->string);
            s->questions[s->nquestions].text = strdup(it->valuestring);
            s->nquestions++;
        }
    }
out:
    cJSON_Delete(root);
    if (rc) ex_free(s);
    return rc;
}

void ex_free(ex_spec *s) {
    free(s->dir);
    free(s->name);
    free(s->title);
    free(s->level);
    free(s->stdout_equals);
    strv_free(s->args);
    strv_free(s->match);
    strv_free(s->reject);
    strv_free(s->source_match);
    strv_free(s->source_reject);
    strv_free(s->starter_expect);
    for (size_t i = 0; i < s->nnumbers; i++) {
        free(s->numbers[i].regex);
        free(s->numbers[i].label);
    }
    free(s->numbers);
    for (size_t i = 0; i < s->nquestions; i++) {
        free(s->questions[i].kind);
        free(s->questions[i].text);
    }
    free(s->questions);
    memset(s, 0, sizeof *s);
}

const char *ex_question_for(const ex_spec *s, const char *kind) {
    for (size_t i = 0; i < s->nquestions; i++)
        if (!strcmp(s->questions[i].kind, kind)) return s->questions[i].text;
    return NULL;
}
