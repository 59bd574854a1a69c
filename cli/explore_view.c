/* cli/explore_view.c — `chanscope view DIR` on a folder written by
 * `chanscope explore`: DIR/explore.json lists the groups of schedules; view
 * prints them (one numbered line each, the chosen one marked '>') and opens
 * the trace of the first group (the most frequent finding), or of group N
 * with --group N; --list prints the groups and opens nothing.  Everything
 * else of `view` (--screenshot, --finding, ...) applies to the chosen trace. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "commands.h"
#include "explore.h"

int explore_index_pick(const char *dir, int pick, char *trace, size_t n, char *err,
                       size_t errlen) {
    char idx[PATH_MAX + 32];
    snprintf(idx, sizeof idx, "%s/%s", dir, EXPLORE_INDEX);
    FILE *f = fopen(idx, "r");
    if (!f) {
        snprintf(err, errlen, "%s is a folder, not a trace (and holds no %s from 'chanscope "
                 "explore')", dir, EXPLORE_INDEX);
        return -1;
    }
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    char buf[4096];
    size_t k;
    while (m && (k = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, k, m);
    fclose(f);
    if (m) fclose(m);
    cJSON *o = text ? cJSON_Parse(text) : NULL;
    free(text);
    cJSON *fa = cJSON_GetObjectItem(o, "failing");
    if (!cJSON_IsArray(fa)) {
        snprintf(err, errlen, "%s is not a valid explore index", idx);
        cJSON_Delete(o);
        return -1;
    }
    int ng = cJSON_GetArraySize(fa), runs = cJSON_GetObjectItem(o, "runs")
                                                ? cJSON_GetObjectItem(o, "runs")->valueint : 0;
    const cJSON *prog = cJSON_GetObjectItem(o, "program");
    printf("%s: %d schedule%s of %s, %d clean, %d group%s\n", dir, runs, runs == 1 ? "" : "s",
           cJSON_IsString(prog) ? prog->valuestring : "?",
           cJSON_GetObjectItem(o, "clean") ? cJSON_GetObjectItem(o, "clean")->valueint : 0, ng,
           ng == 1 ? "" : "s");
    if (pick < 1) pick = 1;
    trace[0] = 0;
    for (int i = 0; i < ng; i++) {
        const cJSON *g = cJSON_GetArrayItem(fa, i);
        const cJSON *tr = cJSON_GetObjectItem(g, "trace"), *ti = cJSON_GetObjectItem(g, "title");
        const cJSON *cnt = cJSON_GetObjectItem(g, "count"), *sd = cJSON_GetObjectItem(g, "seed");
        char kinds[256] = "";
        size_t kl = 0;
        const cJSON *kv;
        cJSON_ArrayForEach(kv, cJSON_GetObjectItem(g, "kinds")) if (cJSON_IsString(kv) &&
                                                                     kl < sizeof kinds)
            kl += (size_t)snprintf(kinds + kl, sizeof kinds - kl, "%s%s", kl ? "," : "",
                                   kv->valuestring);
        printf("  %c %d. %s: %s (%d schedules, seed %.0f)%s%s\n", i + 1 == pick ? '>' : ' ',
               i + 1, kinds, cJSON_IsString(ti) ? ti->valuestring : "",
               cJSON_IsNumber(cnt) ? cnt->valueint : 0, cJSON_IsNumber(sd) ? sd->valuedouble : 0,
               cJSON_IsString(tr) ? "  " : "", cJSON_IsString(tr) ? tr->valuestring : "");
        if (i + 1 == pick && cJSON_IsString(tr)) snprintf(trace, n, "%s", tr->valuestring);
    }
    if (ng > 1)
        printf("  (another group: chanscope view %s --group N)\n", dir);
    cJSON_Delete(o);
    if (pick > ng && ng > 0) {
        snprintf(err, errlen, "%s has %d group%s, not %d", dir, ng, ng == 1 ? "" : "s", pick);
        return -1;
    }
    return ng;
}

int explore_view_args(int *argc, char **argv) {
    int dir_i = 0, group = 0, list = 0;
    for (int i = 1; i < *argc; i++) {
        struct stat st;
        if (!strcmp(argv[i], "--group") && i + 1 < *argc) {
            i++;
        } else if (argv[i][0] != '-' && !dir_i && stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            dir_i = i;
        }
    }
    if (!dir_i) return -1; /* not an explore folder: view as usual */
    /* take out --group N and --list; the rest stays view's */
    int w = 1;
    for (int i = 1; i < *argc; i++) {
        if (!strcmp(argv[i], "--list")) {
            list = 1;
        } else if (!strcmp(argv[i], "--group")) {
            char *end;
            long g = i + 1 < *argc ? strtol(argv[i + 1], &end, 10) : 0;
            if (i + 1 >= *argc || *end || g < 1)
                return cs_bad_input("view: --group needs a group number from 1 (see 'chanscope "
                                    "view %s --list')", argv[dir_i]);
            group = (int)g;
            i++;
        } else {
            if (i == dir_i) dir_i = w;
            argv[w++] = argv[i];
        }
    }
    *argc = w;
    argv[w] = NULL;
    static char trace[PATH_MAX];
    char err[PATH_MAX + 128];
    int ng = explore_index_pick(argv[dir_i], group, trace, sizeof trace, err, sizeof err);
    if (ng < 0) return cs_bad_input("view: %s", err);
    if (list) return 0;
    if (ng == 0) {
        printf("nothing to view: every schedule was clean\n");
        return 0;
    }
    /* the index names traces as explore printed them (relative to where it
     * ran); from elsewhere, the same file name inside DIR */
    struct stat st;
    if (stat(trace, &st) != 0) {
        const char *base = strrchr(trace, '/');
        static char alt[PATH_MAX + NAME_MAX + 2];
        snprintf(alt, sizeof alt, "%s/%s", argv[dir_i], base ? base + 1 : trace);
        argv[dir_i] = alt;
    } else {
        argv[dir_i] = trace;
    }
    fflush(stdout);
    return -1;
}
