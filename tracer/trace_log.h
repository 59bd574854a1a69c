/*
 * trace_log.h — the binary event log (TRACE.db.cslog): its layout, shared by
 * the producer (tracer/trace_buf.c, in the runtime) and the reader
 * (convert/log_read.c, in the CLI).  docs/trace-format.md, "The binary log",
 * describes it for people; this file is the definition.
 *
 *   offset 0                 cslog_header (one 64 KiB region: the fixed
 *                            header, then the meta text at CSLOG_META_OFF)
 *   CSLOG_HEADER_SIZE + k*C  chunk k (C = CSLOG_CHUNK bytes): cslog_chunk,
 *                            then records, `used` bytes of them
 *
 * A chunk belongs to one thread (one M) from the moment it takes it; the
 * thread appends records and after each one publishes the new `used` with a
 * release store, so a reader (or a kill -9 at any instant) sees only whole
 * records.  The file lives in the page cache through a MAP_SHARED mapping:
 * what a store put there survives the death of the process.
 *
 * Record (all integers little-endian varints; zz = zigzag varint):
 *   event   kind (1..111, | CSLOG_K_BEGUN), mask, zz time delta, zz (clock
 *           - time), then by mask:
 *           [zz g] [file index, zz line] [zz obj] [zz a] [zz b] [zz c] [zz d]
 *           [text length, text bytes]
 *   object  CSLOG_REC_OBJECT, mask (CSLOG_M_S, CSLOG_M_SITE only), zz id,
 *           zz type, zz a, zz b, [file index, zz line] [name length, name]
 *   file    CSLOG_REC_FILE, index, length, bytes: defines the chunk's file
 *           index `index` (sites name their file by this index; an index is
 *           defined before its first use, once per chunk)
 * Deltas are taken from the previous event record of the same chunk (the
 * first from the chunk's base_raw); g is written only when it differs from
 * the previous event's (initially 0).  The "seq" of a record is its clock
 * value (a hybrid logical clock, tracer/trace_buf.c): it grows along a
 * thread's records, and the converter orders all records by (clock, time,
 * thread).
 *
 * CSLOG_K_BEGUN on a chan_send or chan_recv: the operation completed in the
 * critical section it began in, so its chan_send_begin / chan_recv_begin
 * (same g, channel, site and time) was not written as a record of its own:
 * the converter writes that row just before this one.  Half the records of a
 * channel operation that does not block.
 */
#ifndef CS_TRACE_LOG_H
#define CS_TRACE_LOG_H

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#define CSLOG_MAGIC "CSCOPLOG"        /* 8 bytes, no NUL */
#define CSLOG_VERSION 2 /* 2: hybrid-logical-clock records, CSLOG_K_BEGUN */
#define CSLOG_HEADER_SIZE (64 * 1024) /* header + meta text */
#define CSLOG_META_OFF 4096           /* meta: "key\0value\0" pairs */
#define CSLOG_CHUNK (64 * 1024)       /* bytes per chunk, header included */
#define CSLOG_SEG_CHUNKS 128          /* chunks mapped at a time: 8 MiB (the file grows by 1 MiB) */
#define CSLOG_MAX_TEXT (CSLOG_CHUNK - 1024) /* longer text is cut to this */
#define CSLOG_MAX_FILE 1024           /* longer file names are cut to this */
#define CSLOG_CHUNK_MAGIC 0x4b4e4843u /* "CHNK" */
#define CSLOG_MAX_STUCK 8         /* threads stuck mid-record named in the header */
/* program_end's clock value: after every event's (trace_buf.c) */
#define CSLOG_SEQ_END (UINT64_C(1) << 62)

/* header.flags: what the records' time values are */
#define CSLOG_F_VIRTUAL 1 /* deterministic mode's virtual ns (no conversion) */
#define CSLOG_F_TSC 2     /* CPU time-stamp counter ticks (else CLOCK_MONOTONIC ns) */

#define CSLOG_K_BEGUN 0x80 /* event kind flag: its begin row is implied (above) */
#define CSLOG_REC_OBJECT 0xF0
#define CSLOG_REC_FILE 0xF1

/* event mask bits */
#define CSLOG_M_OBJ 0x01
#define CSLOG_M_A 0x02
#define CSLOG_M_B 0x04
#define CSLOG_M_C 0x08
#define CSLOG_M_D 0x10
#define CSLOG_M_S 0x20
#define CSLOG_M_SITE 0x40
#define CSLOG_M_G 0x80

typedef struct cslog_header {
    char magic[8];
    uint32_t version;
    uint32_t header_size;     /* CSLOG_HEADER_SIZE */
    uint32_t chunk_size;      /* CSLOG_CHUNK */
    uint32_t flags;           /* CSLOG_F_* */
    int64_t pid;
    int64_t start_mono;       /* ns: the trace's time 0 (virtual in deterministic mode) */
    int64_t start_raw;        /* the raw clock at start_mono */
    double ns_per_raw;        /* calibration (1.0 unless CSLOG_F_TSC) */
    uint32_t meta_len;        /* bytes of meta text at CSLOG_META_OFF */
    uint32_t pad0;
    _Atomic uint64_t nchunks; /* chunks handed out so far (informative) */
    /* The end, filled in by cs_trace_finish before `finished` is set. */
    int64_t end_raw, end_mono; /* a last calibration point */
    int64_t end_g;            /* meta end_goroutine */
    int32_t end_status;       /* meta exit_status */
    int32_t end_sig;          /* meta end_signal (0 none) */
    uint64_t end_seq;         /* seq of the program_end event */
    char end_reason[32];      /* meta end_reason */
    _Atomic uint32_t finished; /* 1: the fields above are valid (release) */
    /* Events the program completed but the log could not take (it could not
     * grow: a full disk), counted as they are lost, so a killed program's
     * log says so too; and a clock value no lost event is below (the
     * smallest such bound): the converter keeps only the events before it,
     * which are all there.  0, 0: nothing lost. */
    _Atomic uint64_t lost;
    _Atomic uint64_t lost_clock;
    /* Threads still in the middle of a record when finish stopped waiting
     * for them (2 s: a thread descheduled that long, or stopped), filled
     * in before `finished`: each one's number (cslog_chunk.thread) and the
     * events it had written by then.  Its record may still land before the
     * process ends; the converter counts the thread's events in the log,
     * and if the record is not there it counts it lost, below the clock of
     * the thread's last record + 1, as for `lost`.  nstuck counts them all;
     * the first CSLOG_MAX_STUCK are named (a thread not named: lost, with
     * no bound better than the start). */
    uint32_t nstuck;
    uint32_t pad1;
    struct {
        uint32_t thread, pad;
        uint64_t written;
    } stuck[CSLOG_MAX_STUCK];
} cslog_header;

typedef struct cslog_chunk {
    _Atomic uint32_t used;    /* record bytes after this header (release) */
    uint32_t magic;           /* CSLOG_CHUNK_MAGIC once taken */
    uint32_t thread;          /* the writing thread's number (1, 2, ...) */
    uint32_t thread_chunk;    /* this is that thread's n-th chunk (0, 1, ...) */
    uint64_t base_seq;        /* unused (0) */
    int64_t base_raw;         /* time delta of the first event is from this */
    int64_t base_mono;        /* CLOCK_MONOTONIC ns read with base_raw (calibration) */
    int64_t reserved[3];
} cslog_chunk;

_Static_assert(sizeof(cslog_header) <= CSLOG_META_OFF, "header too large");
_Static_assert(sizeof(cslog_chunk) == 64, "chunk header is one cache line");

/* ---- varints ------------------------------------------------------------ */

static inline uint8_t *cslog_put_u(uint8_t *p, uint64_t v) {
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

static inline uint64_t cslog_zz(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static inline int64_t cslog_unzz(uint64_t u) { return (int64_t)(u >> 1) ^ -(int64_t)(u & 1); }

static inline uint8_t *cslog_put_z(uint8_t *p, int64_t v) { return cslog_put_u(p, cslog_zz(v)); }

/* Read a varint from [*pp, end); 0 (and *pp = NULL) if it runs past end or
 * is longer than 10 bytes. */
static inline uint64_t cslog_get_u(const uint8_t **pp, const uint8_t *end) {
    const uint8_t *p = *pp;
    uint64_t v = 0;
    for (int shift = 0; shift < 70 && p < end; shift += 7) {
        uint8_t b = *p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *pp = p;
            return v;
        }
    }
    *pp = NULL;
    return 0;
}

#endif
