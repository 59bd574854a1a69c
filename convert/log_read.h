/*
 * log_read.h — reading a binary event log (tracer/trace_log.h): the header,
 * the meta text, the chunks grouped into one stream per writing thread, the
 * records of a stream in order, and raw time -> trace ns.
 *
 * Robust against what a kill -9 leaves (a chunk taken but never written, a
 * seq taken but its record never written) and against damaged input: every
 * read is bounds-checked; a record that does not decode ends its chunk (the
 * rest of that chunk is counted in lr_log.bad_chunks).
 */
#ifndef CS_LOG_READ_H
#define CS_LOG_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace_log.h"

typedef struct lr_file {
    const char *s;   /* into the mapping; not NUL-terminated */
    uint32_t n;
    int32_t id;      /* the converter's file id, -1 until it asks */
} lr_file;

/* One record.  Strings point into the mapping (length given). */
typedef struct lr_rec {
    int kind;        /* event kind (1..127) or CSLOG_REC_OBJECT */
    bool begun;      /* its begin row is implied (CSLOG_K_BEGUN, trace_log.h) */
    uint64_t seq;    /* events */
    int64_t raw;     /* events: raw time */
    int64_t g, obj, a, b, c, d; /* objects: obj = id, a = type, b/c = a/b */
    const char *s;   /* text or name, NULL if none */
    uint32_t slen;
    lr_file *file;   /* site file, NULL if none */
    int32_t line;
} lr_rec;

typedef struct lr_stream {
    const cslog_chunk **chunks; /* this thread's chunks, in its order */
    size_t nchunks, ci;
    const uint8_t *p, *end;     /* records left in chunks[ci] */
    int64_t prev_raw, prev_g;
    lr_file *files;             /* file indexes of the current chunk */
    size_t nfiles, files_cap;
    size_t seg;                 /* time conversion: cached segment */
} lr_stream;

typedef struct lr_point {
    int64_t raw, mono;
} lr_point;

typedef struct lr_log {
    const uint8_t *map;
    size_t size;
    const cslog_header *hdr;
    bool finished;              /* the program recorded its end */
    lr_stream *streams;
    size_t nstreams;
    lr_point *pts;              /* calibration points, by raw (CSLOG_F_TSC) */
    size_t npts;
    size_t bad_chunks;          /* chunks whose records stopped decoding */
} lr_log;

/* Check and index the log mapped at [map, map + size).  0, or -1 with one
 * line in err ("not a chanscope event log", "written by log format N"...). */
int lr_open(lr_log *log, const uint8_t *map, size_t size, char *err, size_t errlen);
void lr_close(lr_log *log);

/* Meta pairs: call with *pos = 0 until it returns 0. */
int lr_meta_next(const lr_log *log, size_t *pos, const char **key, const char **value);

/* The next record of stream st: 1, or 0 at its end. */
int lr_next(lr_log *log, lr_stream *st, lr_rec *r);

/* The events of thread `thread` (cslog_chunk.thread) in the log, and the
 * clock of its last one: 1, or 0 (both 0) when it wrote no chunk. */
int lr_thread_tail(lr_log *log, uint32_t thread, uint64_t *events, uint64_t *last_seq);

/* Raw time -> ns since the trace's start (st caches a segment). */
int64_t lr_time_ns(const lr_log *log, lr_stream *st, int64_t raw);

#endif
