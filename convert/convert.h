/*
 * convert.h — the binary event log -> the SQLite trace (the CLI's side:
 * libchanscope-convert.a; the runtime never links it).  `chanscope import`,
 * `chanscope run` and the tests use it; docs/trace-format.md describes both
 * formats.
 */
#ifndef CS_CONVERT_H
#define CS_CONVERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cs_convert_info {
    uint64_t events;       /* rows written into events */
    bool finished;         /* the program recorded its end (else: killed) */
    bool replaced;         /* an older trace was replaced */
    size_t bad_chunks;     /* chunks whose end could not be decoded */
    uint64_t events_lost;  /* events the log could not take (a full disk), or
                            * that a thread never finished writing, and those
                            * after the first of them, which the trace leaves
                            * out: it stops early (meta events_lost) */
    uint64_t events_stuck; /* of which records finish left half-written
                            * (a thread stuck for 2 s: cslog_header.stuck) */
    long long pid;         /* the recording program */
    double seconds;        /* wall time of the conversion */
    double index_seconds;  /* of which building the indexes */
} cs_convert_info;

/* Convert the log at `log` into the trace `trace`.  The trace is written
 * under a temporary name in its folder and renamed into place: an old trace
 * there is replaced atomically, and a failed conversion leaves everything
 * as it was.  Refused (one line in err, -1): a log that is not one or that a
 * running program still records, an output that is not a chanscope trace
 * (cs_trace_check_output).  With remove_log, the log is deleted once the
 * trace is in place. */
int cs_convert(const char *log, const char *trace, bool remove_log, cs_convert_info *info,
               char *err, size_t errlen);

/* For what `run` and `import` say after a conversion: ", incomplete: N
 * events were not recorded (...)" when the log could not take every event
 * (info.events_lost), else ""; and, when chunks of `log` were damaged, the
 * sentence that says so (else NULL). */
const char *cs_convert_incomplete(const cs_convert_info *info, char *buf, size_t n);
const char *cs_convert_damage(const cs_convert_info *info, const char *log, char *buf, size_t n);

/* After a program traced into `trace` with CHANSCOPE_TRACE_NOCONVERT=1 has
 * ended: convert its log (if it left one) and delete it.  0 when there was
 * none or it was converted; -1 with one line in err. */
int cs_convert_after_run(const char *trace, char *err, size_t errlen);

/* What the log of a running program holds so far, as a trace at `out` (a
 * scratch file: no checks, no locks; the program goes on recording).  For
 * `chanscope check` of a live trace. */
int cs_convert_snapshot(const char *log, const char *out, cs_convert_info *info, char *err,
                        size_t errlen);

/* For a command that reads `trace` while its program still records it:
 * convert a snapshot of its log into a scratch file (name in snap, n bytes;
 * the caller unlinks it) and return 1; 0 when the trace is not live (snap
 * empty); -1 with one line in err. */
int cs_live_snapshot(const char *trace, char *snap, size_t n, char *err, size_t errlen);

/* 1 if `path` starts like a chanscope event log, 0 if not, -1 unreadable. */
int cs_is_event_log(const char *path);

#endif
