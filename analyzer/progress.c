/* analyzer/progress.c — the progress hook (analyzer.h, an_set_progress).
 * One process-wide pointer: the CLI sets it before a long command; the
 * analyzer's long loops report through an_progress every AN_PROGRESS_EVERY
 * items.  Not thread-safe to change while an analysis runs. */
#include "analyzer.h"

static an_progress_fn hook;

void an_set_progress(an_progress_fn fn) { hook = fn; }

void an_progress(const char *phase, uint64_t done, uint64_t total) {
    if (hook) hook(phase, done, total);
}
