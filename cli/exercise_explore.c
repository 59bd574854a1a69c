/* cli/exercise_explore.c — `exercise check` under exploration: after the
 * submission's ordinary runs pass, `chanscope explore` runs it under
 * CHANSCOPE_EXERCISE_SCHEDULES seeded schedules (default 50; 0 turns it
 * off).  A fix that works only by luck — a sleep that usually lets the
 * workers finish, an Add that usually comes before Wait — fails here, and the
 * feedback names the seed that breaks it, what it found, the replay command
 * and the kept trace.  Called from cli/exercise_check.c (explore.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "explore.h"

static char *slurp(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    char buf[4096];
    size_t k;
    while (m && (k = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, k, m);
    fclose(f);
    if (m) fclose(m);
    return text;
}

int explore_exercise(const char *self, const char *prog, char *const *args, const char *name,
                     const char *learner_file, const char *tmp) {
    const char *env = getenv("CHANSCOPE_EXERCISE_SCHEDULES");
    long n = env && *env ? strtol(env, NULL, 10) : 50;
    if (n <= 0) return 0;
    char nbuf[32], dir[PATH_MAX], json[PATH_MAX + 32], err[PATH_MAX + 32];
    snprintf(nbuf, sizeof nbuf, "%ld", n);
    snprintf(dir, sizeof dir, "traces/exercise-%s-explore", name);
    snprintf(json, sizeof json, "%s/explore.out", tmp);
    snprintf(err, sizeof err, "%s/explore.err", tmp);
    if (mkdir("traces", 0777) != 0 && errno != EEXIST) return 0;
    int nargs = 0;
    while (args && args[nargs]) nargs++;
    char **argv = calloc((size_t)nargs + 12, sizeof *argv);
    if (!argv) return 0;
    int a = 0;
    argv[a++] = (char *)self;
    argv[a++] = "explore";
    argv[a++] = (char *)prog;
    argv[a++] = "-n";
    argv[a++] = nbuf;
    argv[a++] = "--json";
    argv[a++] = "-o";
    argv[a++] = dir;
    if (nargs) {
        argv[a++] = "--";
        for (int i = 0; i < nargs; i++) argv[a++] = args[i];
    }
    argv[a] = NULL;
    printf("  exploring: %ld schedules (chanscope explore, docs/schedules.md) ...\n", n);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int o = open(json, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (o < 0 || e < 0) _exit(127);
        dup2(o, 1);
        dup2(e, 2);
        execv(self, argv);
        _exit(127);
    }
    free(argv);
    int st = 0;
    while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    int rc = pid > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : 2;
    char *text = slurp(json);
    cJSON *doc = text ? cJSON_Parse(text) : NULL;
    free(text);
    const cJSON *fa = cJSON_GetObjectItem(doc, "failing");
    int result = 0;
    if (rc == 1 && cJSON_IsArray(fa) && cJSON_GetArraySize(fa) > 0) {
        const cJSON *g = cJSON_GetArrayItem(fa, 0);
        const cJSON *seed = cJSON_GetObjectItem(g, "seed"), *title = cJSON_GetObjectItem(g, "title");
        const cJSON *count = cJSON_GetObjectItem(g, "count"), *trace = cJSON_GetObjectItem(g, "trace");
        const cJSON *clean = cJSON_GetObjectItem(doc, "clean");
        char kinds[128] = "";
        size_t kl = 0;
        const cJSON *k;
        cJSON_ArrayForEach(k, cJSON_GetObjectItem(g, "kinds")) if (cJSON_IsString(k) &&
                                                                    kl < sizeof kinds)
            kl += (size_t)snprintf(kinds + kl, sizeof kinds - kl, "%s%s", kl ? "," : "",
                                   k->valuestring);
        printf("FAIL (exploration): %d of %ld schedules clean; this fix works only by luck.\n",
               cJSON_IsNumber(clean) ? clean->valueint : 0, n);
        printf("  seed %.0f breaks it (%s, %d schedule%s): %s\n",
               cJSON_IsNumber(seed) ? seed->valuedouble : 0, kinds,
               cJSON_IsNumber(count) ? count->valueint : 0,
               cJSON_IsNumber(count) && count->valueint == 1 ? "" : "s",
               cJSON_IsString(title) ? title->valuestring : "");
        printf("  replay: chanscope run --seed %.0f %s\n",
               cJSON_IsNumber(seed) ? seed->valuedouble : 0, learner_file);
        if (cJSON_IsString(trace)) printf("  see it: chanscope view %s\n", trace->valuestring);
        printf("  every group: chanscope view %s --list\n", dir);
        result = 1;
    } else if (rc == 0) {
        printf("  exploring: all %ld schedules clean\n", n);
    } else {
        char *e = slurp(err);
        printf("  exploring: could not explore (%s); not counted\n",
               e && *e ? strtok(e, "\n") : "no report");
        free(e);
    }
    cJSON_Delete(doc);
    return result;
}
