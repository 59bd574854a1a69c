/*
 * tracer.h — the tracer's own interface (internal to chanscope: tests, the
 * benchmark and `chanscope run` use it; pattern programs never do).
 *
 * The runtime-facing half is runtime/trace_hooks.h.  How the pieces fit:
 *
 *   trace_log.h     the binary log's layout (shared with the converter)
 *   trace_buf.c     cs_trace_event() & co.: records into per-thread chunks of
 *                   the log, a MAP_SHARED mapping of TRACE.db.cslog
 *   trace_start.c   CHANSCOPE_TRACE constructor, start, finish, exit paths,
 *                   and the conversion at exit (runs `chanscope import`)
 *   convert/        NOT in the runtime library (libchanscope-convert.a, the
 *                   CLI's side, the one that links SQLite): log -> SQLite
 *                   trace, and "is this file a chanscope trace?"
 *
 * docs/trace-format.md is the contract for what ends up in the file.
 * CS_TRACE_DEBUG=1 in the environment makes the converter print its
 * timings (rows, index build) on stderr.
 */
#ifndef CS_TRACER_H
#define CS_TRACER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace_hooks.h" /* CS_TRACE_SCHEMA_VERSION: format/trace.def */

/* ---- trace_files.c (runtime library; the converter uses them too) ----- */

/* 1 if someone holds a flock on `path` (a program recording it, or a
 * conversion writing it), 0 if not or no such file, -1 if it cannot be
 * told. */
int cs_file_flocked(const char *path);
/* The pid in the header of the event log at lp, 0 if it is not one. */
long long cs_log_pid(const char *lp);
/* 1 if the event log at lp says its program finished (its conversion may
 * be running), else 0. */
int cs_log_finished(const char *lp);
/* The folder that will hold trace `path` must exist and be writable (the
 * trace is created there, with its companions): 0, or -1 with one line. */
int cs_trace_check_folder(const char *path, char *err, size_t errlen);

/* ---- convert/trace_file.c (libchanscope-convert.a: the CLI's side) ----- */

/* Can `path` become a trace?  0 when it does not exist (and its folder is
 * writable), is empty, is half-created (see cs_trace_is_trace) or is a
 * finished or killed chanscope trace (which a new trace replaces).
 * Otherwise -1 with one human line (no trailing newline) in err: unwritable
 * folder, a file that is not a chanscope trace, a directory, a trace that a
 * running program is still recording (cs_trace_live) ... */
int cs_trace_check_output(const char *path, char *err, size_t errlen);

/* 1 if `path` is a SQLite file with meta.schema_version, 2 if it is an SQLite
 * file without any table (a trace whose creation was interrupted: the
 * program was killed before its schema committed), 0 if neither, -1 if it
 * cannot be read at all. */
int cs_trace_is_trace(const char *path);

/* 1 if a running program is recording into `path` (it holds flock LOCK_EX
 * on its log `path`.cslog, or on the file itself, see trace_file.c) or a
 * converter is writing it, 0 if not (or no such file), -1 if it cannot be
 * told.  Never call it on a file this process has open in SQLite. */
int cs_trace_live(const char *path);

/* pid of the program recording `path` (its log's header) or that recorded
 * it (meta.pid), 0 if unknown. */
long long cs_trace_pid(const char *path);

/* If `path-journal` exists (a write into the trace was interrupted: killed
 * `chanscope check`), let SQLite roll it back now, so that read-only opens
 * see the trace exactly as it was before that write.  0 when there was
 * nothing to do or the rollback worked; -1 with one line in err when it
 * needs write access it does not have. */
int cs_trace_recover(const char *path, char *err, size_t errlen);

/* Remove path and its -wal/-shm/-journal companions (ignores ENOENT). */
void cs_trace_unlink(const char *path);

/* ---- trace_start.c ----------------------------------------------------- */

/* Start recording into `path` (what the CHANSCOPE_TRACE constructor does;
 * tests call it directly).  0 on success; -1 with one line in err if the
 * output is refused (see cs_trace_check_output) or cannot be created.
 * Only one trace per process; a second start fails. */
int cs_trace_start(const char *path, char *err, size_t errlen);

/* Counters for tests and the benchmark. */
typedef struct cs_trace_stats {
    uint64_t emitted;  /* events accepted (begun before the log closed) */
    uint64_t stored;   /* events written into the log so far */
    uint64_t commits;  /* log chunks handed out */
    uint64_t dropped;  /* events offered after finish (not recorded) */
    int64_t writer_cpu_ns;        /* CPU time spent converting (0: the
                                   * conversion runs in another process) */
    int64_t writer_cpu_finish_ns;
} cs_trace_stats;
void cs_trace_get_stats(cs_trace_stats *st);

/* The log of trace `path`: `path`.cslog in a malloc'd string. */
char *cs_trace_log_path(const char *path);

/* ---- shared between trace_buf.c and trace_start.c ---------------------- */

struct cslog_header;
/* trace_buf.c: use `fd` (the log, flock'ed) whose header is mapped at hdr:
 * fills the header's clock fields. */
void cs_log_setup(int fd, struct cslog_header *hdr);
struct cslog_header *cs_log_header(void);
void cs_log_fork_child(void);
/* Stop taking events and wait (2 s at most) for those being written; the
 * number of those still unwritten then (a thread stuck or killed), whose
 * threads the header names (cslog_header.stuck). */
unsigned cs_log_close(void);
/* Tests only: the calling thread stays "in the middle of a record" from now
 * on, as a thread stopped there would be; it must record nothing more. */
void cs_log_test_stall(void);
/* Write program_end (finish, after cs_log_close): clock CSLOG_SEQ_END,
 * after every other event. */
void cs_log_emit_end(int64_t gid, int status, int sig, const char *reason);
/* Events written by every thread; *begun (if not NULL): plus those being
 * written now (while the log is open). */
uint64_t cs_log_written(uint64_t *begun);
uint64_t cs_log_chunks(void);  /* chunks handed out */

/* Deterministic mode's logical clock: one global counter (trace_buf.c). */
extern _Atomic uint64_t cs_trace_seq;
/* 1 once the log is closed (finish, or a forked child): events are dropped. */
extern _Atomic int cs_trace_closed;
extern _Atomic uint64_t cs_trace_dropped;

int64_t cs_trace_now(void); /* CLOCK_MONOTONIC ns */
/* An event's timestamp: cs_trace_now(), or the virtual clock in
 * deterministic mode (runtime/det.h). */
int64_t cs_trace_event_now(void);
/* The raw time stamp a record stores (TSC ticks, or ns): for the bench. */
int64_t cs_trace_raw_now(void);

#endif
