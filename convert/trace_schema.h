/*
 * trace_schema.h — THE ONE PLACE in the converter that knows the SQLite
 * trace's schema and the names of event kinds and object types.
 *
 * INTEGRATION NOTE: issue 13's trace contract (format/, generated C) is to
 * replace this file: swap these tables for the generated ones and
 * nothing else in convert/ has to change.  schema_version is written by
 * convert.c from CS_TRACE_SCHEMA_VERSION (tracer/tracer.h).
 */
#ifndef CS_TRACE_SCHEMA_H
#define CS_TRACE_SCHEMA_H

#include "trace_hooks.h"

static const char *const kind_names[] = {
    [EV_GO_CREATE] = "go_create",         [EV_GO_START] = "go_start",
    [EV_GO_BLOCK] = "go_block",           [EV_GO_UNBLOCK] = "go_unblock",
    [EV_GO_END] = "go_end",               [EV_GO_SLEEP] = "go_sleep",
    [EV_CHAN_MAKE] = "chan_make",         [EV_CHAN_SEND_BEGIN] = "chan_send_begin",
    [EV_CHAN_SEND] = "chan_send",         [EV_CHAN_RECV_BEGIN] = "chan_recv_begin",
    [EV_CHAN_RECV] = "chan_recv",         [EV_CHAN_CLOSE] = "chan_close",
    [EV_SELECT_BEGIN] = "select_begin",   [EV_SELECT_END] = "select_end",
    [EV_MUTEX_WAIT] = "mutex_wait",       [EV_MUTEX_ACQUIRE] = "mutex_acquire",
    [EV_MUTEX_RELEASE] = "mutex_release", [EV_RW_RWAIT] = "rw_rwait",
    [EV_RW_RACQUIRE] = "rw_racquire",     [EV_RW_RRELEASE] = "rw_rrelease",
    [EV_WG_ADD] = "wg_add",               [EV_WG_WAIT] = "wg_wait",
    [EV_WG_WAIT_DONE] = "wg_wait_done",   [EV_ONCE_BEGIN] = "once_begin",
    [EV_ONCE_END] = "once_end",           [EV_COND_WAIT] = "cond_wait",
    [EV_COND_SIGNAL] = "cond_signal",     [EV_COND_BROADCAST] = "cond_broadcast",
    [EV_ATOMIC] = "atomic",               [EV_SEM_ACQUIRE] = "sem_acquire",
    [EV_SEM_RELEASE] = "sem_release",     [EV_CTX_CREATE] = "ctx_create",
    [EV_CTX_CANCEL] = "ctx_cancel",       [EV_TIMER_START] = "timer_start",
    [EV_TIMER_FIRE] = "timer_fire",       [EV_TIMER_STOP] = "timer_stop",
    [EV_VAR_READ] = "var_read",           [EV_VAR_WRITE] = "var_write",
    [EV_LOG] = "log",                     [EV_PANIC] = "panic",
    [EV_DEADLOCK] = "deadlock",           [EV_PROGRAM_END] = "program_end",
    [EV_MISUSE] = "misuse",               [EV_SIGNAL] = "signal",
};

static const char *const type_names[] = {
    [OBJ_CHAN] = "chan",           [OBJ_MUTEX] = "mutex",     [OBJ_RWMUTEX] = "rwmutex",
    [OBJ_WAITGROUP] = "waitgroup", [OBJ_ONCE] = "once",       [OBJ_COND] = "cond",
    [OBJ_CONTEXT] = "context",     [OBJ_TIMER] = "timer",     [OBJ_VAR] = "var",
    [OBJ_ATOMIC] = "atomic",       [OBJ_SEMAPHORE] = "semaphore",
    [OBJ_ERRGROUP] = "errgroup",   [OBJ_SOCKET] = "socket",
};

static const char schema_sql[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE sites(id INTEGER PRIMARY KEY, file TEXT, line INTEGER);"
    "CREATE TABLE goroutines(id INTEGER PRIMARY KEY, name TEXT, parent INTEGER,"
    " site INTEGER, create_seq INTEGER, end_seq INTEGER);"
    "CREATE TABLE objects(id INTEGER PRIMARY KEY, type INTEGER, type_name TEXT, name TEXT,"
    " site INTEGER, a INTEGER, b INTEGER, create_seq INTEGER);"
    "CREATE TABLE events(seq INTEGER PRIMARY KEY, t_ns INTEGER, g INTEGER, kind INTEGER,"
    " obj INTEGER, a INTEGER, b INTEGER, c INTEGER, d INTEGER, site INTEGER, s TEXT);"
    "CREATE TABLE event_kinds(id INTEGER PRIMARY KEY, name TEXT);";

/* Built after the rows (seq is the rowid: an index on (g) is ordered by
 * (g, seq) and serves "WHERE g=? AND seq ... ORDER BY seq"; likewise obj). */
static const char index_sql[] =
    "CREATE INDEX IF NOT EXISTS events_g_seq ON events(g);"
    "CREATE INDEX IF NOT EXISTS events_obj_seq ON events(obj);"
    "CREATE INDEX IF NOT EXISTS events_kind ON events(kind);";

#endif
