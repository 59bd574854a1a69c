/*
 * tracer.h — the tracer's own interface (internal to chanscope: tests, the
 * benchmark and `chanscope run` use it; pattern programs never do).
 *
 * The runtime-facing half is runtime/trace_hooks.h.  How the pieces fit:
 *
 *   trace_buf.c     per-thread SPSC rings; cs_trace_event() & co. (producers)
 *   trace_writer.c  the one background writer thread: rings -> SQLite
 *   trace_start.c   CHANSCOPE_TRACE constructor, start, finish, exit paths
 *   trace_file.c    "is this file a chanscope trace?" (no tracing state; the
 *                   CLI links it without pulling in the constructor)
 *
 * docs/trace-format.md is the contract for what ends up in the file.
 * CS_TRACE_DEBUG=1 in the environment makes finish print its timings
 * (checkpoint, index build, writer CPU per event) on stderr.
 */
#ifndef CS_TRACER_H
#define CS_TRACER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace_hooks.h" /* CS_TRACE_SCHEMA_VERSION: format/trace.def */

/* ---- trace_file.c ------------------------------------------------------ */

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
 * on the file, see trace_file.c), 0 if not (or no such file), -1 if it
 * cannot be told.  Never call it on a file this process has open in SQLite. */
int cs_trace_live(const char *path);

/* meta.pid of the trace at `path`, 0 if unknown. */
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
    uint64_t emitted;  /* seq numbers handed out (events accepted) */
    uint64_t stored;   /* event rows inserted so far (committed or not) */
    uint64_t commits;  /* transactions committed */
    uint64_t dropped;  /* events offered after finish (not recorded) */
    int64_t writer_cpu_ns;        /* CPU time of the writer thread so far */
    int64_t writer_cpu_finish_ns; /* of which finishing (indexes, checkpoint) */
} cs_trace_stats;
void cs_trace_get_stats(cs_trace_stats *st);

/* ---- shared between trace_buf.c, trace_writer.c, trace_start.c --------- */

/* One slot of a per-thread ring.  kind > 0: an event (seq > 0).
 * kind == REC_OBJECT: a cs_trace_object() registration (seq == 0; obj = id,
 * a = type, b/c = the object's a/b, s = name). */
#define REC_OBJECT 0
typedef struct cs_rec {
    uint64_t seq;
    int64_t t;          /* CLOCK_MONOTONIC ns (absolute) */
    int64_t g;
    int64_t obj, a, b, c, d;
    char *s;            /* owned copy, freed by the writer; NULL if none */
    const char *file;   /* site; static string from __FILE__ (not copied) */
    int32_t line;
    int32_t kind;
} cs_rec;

#define CS_RING_CAP 8192u /* slots per thread (power of two) */

/* A thread's ring.  Single producer (the owning thread) and single consumer
 * (the writer).  head is written only by the producer (release), tail only
 * by the consumer (release); slots in [tail, head) belong to the consumer,
 * the others to the producer.  The buffer outlives its thread: the thread's
 * exit only sets `dead`; the writer frees it once it is dead and empty. */
typedef struct cs_tbuf {
    _Alignas(64) _Atomic uint64_t head;
    uint64_t tail_cache;            /* producer's last view of tail */
    _Alignas(64) _Atomic uint64_t tail;
    _Atomic int dead;
    struct cs_tbuf *next;           /* registry list, guarded by cs_tbuf_lock */
    /* writer-only: an object registration waiting for the next event of this
     * thread to give it create_seq (see docs/trace-format.md, objects) */
    int64_t pending_obj[8];
    int npending;
    cs_rec ring[];
} cs_tbuf;

/* Registry of every ring not yet freed (newest first). */
void cs_tbuf_list_lock(void);
void cs_tbuf_list_unlock(void);
cs_tbuf *cs_tbuf_list_head(void);
/* Writer only, with the list lock held: unlink and free a dead, empty ring. */
void cs_tbuf_remove_locked(cs_tbuf *tb, cs_tbuf *prev);

/* Global sequence counter: the next seq to hand out; CS_SEQ_CLOSED is set
 * once finish has taken the last seq (program_end). */
#define CS_SEQ_CLOSED (UINT64_C(1) << 62)
extern _Atomic uint64_t cs_trace_seq;
extern _Atomic uint64_t cs_trace_dropped;
extern _Atomic int cs_trace_starved; /* a producer waits for ring space */
void cs_trace_space_freed(void);  /* writer: after releasing tails, wake waiters */

int64_t cs_trace_now(void); /* CLOCK_MONOTONIC ns */
/* An event's timestamp: cs_trace_now(), or the virtual clock in
 * deterministic mode (runtime/det.h). */
int64_t cs_trace_event_now(void);

/* trace_writer.c */
typedef struct cs_writer cs_writer;
/* Open the database (`path`, created empty and flock(LOCK_EX)ed by the caller
 * through `lock_fd`), write schema and meta, commit.  The writer owns lock_fd
 * from then on (also on failure) and closes it after its SQLite connection,
 * when the trace is finished.  NULL + err. */
cs_writer *cs_writer_open(const char *path, int lock_fd, const char *program,
                          const char *args_json, int64_t start_mono_ns, char *err,
                          size_t errlen);
int cs_writer_start(cs_writer *w); /* start the background thread */
/* Ask the thread to drain everything up to seq `last_seq` (the program_end
 * event, written by the writer itself), finish the file and exit; joins and
 * frees w.  Returns the number of event rows stored. */
uint64_t cs_writer_finish(cs_writer *w, uint64_t last_seq, int64_t end_t, const char *reason,
                          int status, int64_t end_g, int end_sig, int64_t *cpu_ns,
                          int64_t *cpu_before_finish);
/* After fork() in the child: forget the writer without touching SQLite. */
void cs_writer_abandon(cs_writer *w);
uint64_t cs_writer_stored(cs_writer *w);
uint64_t cs_writer_commits(cs_writer *w);
int64_t cs_writer_cpu_ns(cs_writer *w); /* writer thread CPU time so far */

#endif
