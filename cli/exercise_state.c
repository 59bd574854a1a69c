/*
 * cli/exercise_state.c — which exercises this learner has passed.
 *
 * One small text file, $XDG_STATE_HOME/chanscope/exercises-passed (default
 * ~/.local/state/chanscope/exercises-passed), one line per passed exercise:
 *     NAME<TAB>YYYY-MM-DDTHH:MM:SSZ<TAB>FILE
 * written by `chanscope exercise check` when a learner's own file passes
 * (never by `exercise grade`, which judges other people's files).  Read by
 * `exercise list` (the "passed" column) and `exercise show` (the "What it
 * teaches" section is shown once passed).  Deleting the file forgets it all.
 * The file is replaced atomically (write a temporary, rename) under an
 * exclusive flock on exercises-passed.lock, so two checks that pass at once
 * both keep their line and a reader never sees half a file.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "exercise.h"

int ex_state_path(char *out, size_t n) {
    const char *xdg = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    if (xdg && xdg[0] == '/') snprintf(out, n, "%s/chanscope/exercises-passed", xdg);
    else if (home && *home) snprintf(out, n, "%s/.local/state/chanscope/exercises-passed", home);
    else return -1;
    return 0;
}

bool ex_state_passed(const char *name) {
    char path[PATH_MAX];
    if (ex_state_path(path, sizeof path) != 0) return false;
    char *text = ex_read_file(path, NULL);
    if (!text) return false;
    bool found = false;
    size_t len = strlen(name);
    for (char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (!strncmp(l, name, len) && l[len] == '\t') {
            found = true;
            break;
        }
    free(text);
    return found;
}

/* mkdir -p for the state folder (0700: it is the learner's own). */
static int mkdirs(char *dir) {
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        int r = mkdir(dir, 0700);
        *p = '/';
        if (r != 0 && errno != EEXIST) return -1;
    }
    return mkdir(dir, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

static int record_locked(const char *path, const char *name, const char *file);

int ex_state_record(const char *name, const char *file) {
    char path[PATH_MAX], dir[PATH_MAX];
    if (ex_state_path(path, sizeof path) != 0) return -1;
    snprintf(dir, sizeof dir, "%s", path);
    *strrchr(dir, '/') = 0;
    if (mkdirs(dir) != 0) return -1;
    char lockp[PATH_MAX + 8];
    snprintf(lockp, sizeof lockp, "%s.lock", path);
    int lk = open(lockp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lk < 0 || flock(lk, LOCK_EX) != 0) {
        if (lk >= 0) close(lk);
        return -1;
    }
    int rc = record_locked(path, name, file);
    close(lk); /* releases the lock */
    return rc;
}

static int record_locked(const char *path, const char *name, const char *file) {
    char tmp[PATH_MAX + 32];
    char *old = ex_read_file(path, NULL);
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        free(old);
        return -1;
    }
    size_t len = strlen(name);
    /* keep every other exercise's line; this one's is replaced (latest pass) */
    for (char *l = old, *next; l && *l; l = next) {
        char *nl = strchr(l, '\n');
        next = nl ? nl + 1 : NULL;
        size_t ll = nl ? (size_t)(nl - l) : strlen(l);
        if (ll && !(ll > len && !strncmp(l, name, len) && l[len] == '\t'))
            fprintf(f, "%.*s\n", (int)ll, l);
    }
    free(old);
    char when[32];
    time_t now = time(NULL);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    fprintf(f, "%s\t%s\t%s\n", name, when, file);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}
