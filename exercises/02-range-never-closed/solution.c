/*
 * Exercise 02 — a range that never ends: reference solution.
 *
 * read_lines() plays the part of a file reader: it sends every line of a
 * small log on a channel.  main counts the lines that mention "error" by
 * ranging over that channel.  It counts right — and then never finishes.
 *
 * Check your fix:  chanscope exercise check 02 --file THIS_FILE.c
 */
#include <stdio.h>
#include <string.h>

#include "chanscope.h"

static const char *log_lines[] = {
    "09:00 start",           "09:01 error: disk full", "09:02 retry",
    "09:03 error: timeout",  "09:04 ok",               "09:05 error: refused",
};
#define NLINES ((int)(sizeof log_lines / sizeof log_lines[0]))

static void read_lines(void *arg) {
    chan_t *lines = arg;
    for (int i = 0; i < NLINES; i++) chan_send(lines, &log_lines[i]);
    /* The sender says "no more lines": the range in main ends after the
     * last line instead of waiting for one that never comes. */
    chan_close(lines);
}

int main(void) {
    chan_t *lines = chan_make_named("lines", const char *, 0);
    go(read_lines, lines);

    int errors = 0;
    const char *line;
    while (chan_recv(lines, &line)) { /* for line := range lines */
        if (strstr(line, "error")) errors++;
    }
    printf("errors: %d\n", errors);
    return 0;
}
