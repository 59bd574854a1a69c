/*
 * errors.c — errors.New, fmt.Errorf (without %w), errors.Is, and the
 * context package's sentinel errors.  Errors are immutable and never freed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "chanscope.h"
#include "sync_internal.h"

static const struct cs_error canceled = {"context canceled", NULL};
static const struct cs_error deadline_exceeded = {"context deadline exceeded", NULL};
const err_t ERR_CANCELED = &canceled;
const err_t ERR_DEADLINE_EXCEEDED = &deadline_exceeded;

err_t error_new(const char *msg) {
    struct cs_error *e = cs_alloc_kept(sizeof *e);
    e->msg = cs_strdup_kept(msg ? msg : "");
    return e;
}

err_t errorf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return error_new(fmt);
    char *buf = cs_alloc_kept((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(buf, (size_t)n + 1, fmt, ap);
    va_end(ap);
    struct cs_error *e = cs_alloc_kept(sizeof *e);
    e->msg = buf;
    return e;
}

const char *err_msg(err_t e) { return e ? e->msg : "<nil>"; }

bool err_is(err_t e, err_t target) {
    if (!target) return e == NULL;
    for (; e; e = e->wrapped)
        if (e == target) return true;
    return false;
}
