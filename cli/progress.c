/* cli/progress.c — one progress line on stderr for a long command (check,
 * export, report, ...): shown only on a terminal, only once the command has
 * run for about a second, redrawn at most ten times a second, erased at the
 * end.  The analyzer reports through an_set_progress (analyzer.h).
 * CHANSCOPE_PROGRESS_AFTER_MS overrides the one-second delay (tests). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "analyzer.h"
#include "commands.h"

static struct {
    const char *cmd;
    int64_t t0_ms, last_ms, after_ms;
    bool shown;
} pg;

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "9.0 M", "120 k", "512" */
static void count_str(uint64_t n, char *buf, size_t len) {
    if (n >= 1000000) snprintf(buf, len, "%.1f M", (double)n / 1e6);
    else if (n >= 10000) snprintf(buf, len, "%.0f k", (double)n / 1e3);
    else snprintf(buf, len, "%llu", (unsigned long long)n);
}

static void show(const char *phase, uint64_t done, uint64_t total) {
    int64_t t = now_ms();
    if (t - pg.t0_ms < pg.after_ms) return;
    if (pg.shown && t - pg.last_ms < 100 && done != total) return;
    pg.last_ms = t;
    pg.shown = true;
    char d[32], n[32];
    count_str(done, d, sizeof d);
    const char *what = phase[0] == 's' ? "rows" : "events"; /* storing: rows */
    if (total >= done && total > 0) {
        count_str(total, n, sizeof n);
        fprintf(stderr, "\r%s: %s %s of %s %s (%d%%), %llds\033[K", pg.cmd, phase, d, n, what,
                (int)(100 * done / total), (long long)((t - pg.t0_ms) / 1000));
    } else {
        fprintf(stderr, "\r%s: %s %s %s, %llds\033[K", pg.cmd, phase, d, what,
                (long long)((t - pg.t0_ms) / 1000));
    }
    fflush(stderr);
}

void cs_progress_begin(const char *cmd) {
    if (!isatty(2)) return;
    const char *env = getenv("CHANSCOPE_PROGRESS_AFTER_MS");
    pg.after_ms = env && *env ? atoll(env) : 1000;
    pg.cmd = cmd;
    pg.t0_ms = now_ms();
    pg.shown = false;
    an_set_progress(show);
}

void cs_progress_end(void) {
    an_set_progress(NULL);
    if (pg.shown) fputs("\r\033[K", stderr); /* erase the line: the report follows */
    pg.shown = false;
}
