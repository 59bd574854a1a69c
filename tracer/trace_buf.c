/*
 * trace_buf.c — the producer side: cs_trace_event() and friends append
 * records to this thread's chunk of the binary log (trace_log.h), a
 * MAP_SHARED mapping of TRACE.db.cslog.
 *
 * Hot path (tracing on, room left in the chunk, file name already defined
 * in it): one thread-local load, one logical-clock step (below), one
 * time-stamp read (rdtsc where the kernel trusts the TSC), ~10 bytes of
 * varints stored into the mapping and one release store of the chunk's
 * `used`.  No lock, no system call, no allocation, and no store to a cache
 * line another thread writes: a channel operation on 2 cores costs what it
 * costs untraced plus the thread's own writes.  Taking a new chunk (every
 * 64 KiB) takes a lock only when the file must grow (by 1 MiB, populated:
 * the page faults are taken there, in one call, not one per 4 KiB page in
 * the middle of events; chunk_memory).
 *
 * Order: a hybrid logical clock (Kulkarni et al., 2014), not a global
 * counter.  Each thread has a clock (cs_lc); each record stores the clock's
 * next value: max(clock + 1, the record's time stamp), so the clock follows
 * real time, and is pushed past it only where causality needs it.  Clocks
 * meet wherever the runtime synchronises, so that an event that happens
 * before another always has the smaller value:
 *  - a goroutine carries its thread's clock when it leaves a thread and
 *    joins it where it resumes (runtime/proc.c), a created goroutine starts
 *    at its creator's (goroutine.c), a woken one joins its waker's
 *    (cs_ready / cs_park_wait, sched.c);
 *  - a channel's lock carries the clock of its last holder (spinlock.h):
 *    every channel event takes its clock under that lock (a non-blocking
 *    operation's record is written just after it: done_kind below);
 *  - every other object (mutex, WaitGroup, Once, semaphore, atomic...)
 *    meets in obj_clock[], a table indexed by object id: an event on object
 *    o takes max(thread clock, obj_clock[o]) + 1 and raises obj_clock[o] to
 *    it with a CAS (concurrent readers of an RWMutex, Done calls of a
 *    WaitGroup are not serialised by a lock).  A shared slot (two ids, one
 *    slot) only adds order, never removes it.
 * The converter sorts records by (clock, time, thread): an order that
 * respects happens-before and is real-time order between events that are
 * not causally related (as far as the threads' time stamps agree), and
 * numbers them 1, 2, 3... (the trace's seq).
 * In deterministic mode, where speed does not matter and the order must be
 * the same on every run, the clock is the global counter cs_trace_seq.
 *
 * Invariants:
 *  - A record is visible (to a reader, or after a kill) only once `used`
 *    covers it; `used` is stored after the record's bytes (release).
 *  - Once finish has set cs_trace_closed, events are dropped (counted), and
 *    no chunk is handed out any more (a forked child sees it closed too).
 *    A thread is `busy` while it writes a record; finish waits for busy
 *    threads after a membarrier (so that a thread either saw the flag or
 *    is seen busy): a clean exit loses no event that began before it.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/membarrier.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define HAVE_TSC 1
#endif

#include "det.h"
#include "scheduler.h"
#include "trace_log.h"
#include "tracer.h"
#include "race_hooks.h"

_Atomic uint64_t cs_trace_seq = 1; /* deterministic mode's clock */
_Atomic uint64_t cs_trace_dropped;
/* Set once by finish (or a forked child).  Every event reads it; nobody
 * writes it while events flow (it starts a cache line of its own). */
_Alignas(64) _Atomic int cs_trace_closed;

/* This thread's clock (see the top).  Only functions of this file
 * touch it: a goroutine may resume on another thread after a switch, so no
 * code that can switch may keep its address (runtime/proc.h). */
static _Thread_local uint64_t cs_lc;

#define OBJ_CLOCKS 1024 /* obj_clock[] slots (power of two), one cache line each */
static struct {
    _Alignas(64) _Atomic uint64_t v;
} obj_clock[OBJ_CLOCKS];

#define SEG_BYTES ((size_t)CSLOG_SEG_CHUNKS * CSLOG_CHUNK)
#define GROW_CHUNKS 16 /* the file grows by 1 MiB at a time (chunk_memory) */
#define GROW_BYTES ((size_t)GROW_CHUNKS * CSLOG_CHUNK)
_Static_assert(CSLOG_SEG_CHUNKS % GROW_CHUNKS == 0, "a growth step stays inside one segment");
#define MAX_SEGS 16384 /* 128 GiB of log */
#define FCACHE 64      /* per-thread file-name cache slots (power of two) */
#define REC_FIXED 128  /* an event record without its text and file definition */

/* One writing thread's state.  Never freed (the registry keeps the counts of
 * threads that are gone for the statistics and finish's wait). */
typedef struct tl_thread {
    uint8_t *pos, *end;       /* next record byte in the chunk, end of the chunk */
    uint8_t *data;            /* first record byte of the chunk */
    cslog_chunk *chunk;       /* NULL before the first chunk */
    int64_t prev_raw, prev_g;
    uint32_t number;          /* cslog_chunk.thread */
    uint32_t nchunks;         /* chunks taken (the current one's thread_chunk + 1) */
    uint32_t nfiles;          /* file indexes defined in the current chunk */
    _Atomic uint64_t written; /* events written (owner stores, others load) */
    /* Odd while writing a record, +1 at its start and at its end (owner
     * stores, finish loads): a value finish saw odd has changed once that
     * record is done, even if the thread is writing (or dropping) another. */
    _Atomic uint32_t busy;
    /* A chan_send_begin / chan_recv_begin not written yet (pend_kind 0:
     * none): written with its completion as one record (CSLOG_K_BEGUN), or
     * on its own before the goroutine's next other event (a block, a
     * panic), in the channel's critical section. */
    int pend_kind;
    int64_t pend_g, pend_obj, pend_raw;
    cs_site pend_site;
    /* That operation, completed under the channel's lock, whose record is
     * not written yet (done_kind 0: none).  Its clock was taken under the
     * lock; the record is written once the lock is let go
     * (cs_trace_commit), or before this thread's next record, whichever
     * comes first: the lock is held for the clock step only, not for the
     * ~15 ns of the record.  `busy` stays odd from the clock step to the
     * write, so a clean exit waits for it.  Fields g, obj, site and raw are
     * pend_'s. */
    int done_kind;
    int64_t done_a, done_b, done_c, done_d;
    uint64_t done_clock;
    struct tl_thread *next;   /* registry */
    struct {
        const char *key;
        uint32_t gen;         /* nchunks when defined: older entries are stale */
        uint32_t idx;
    } fc[FCACHE];
} tl_thread;

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static tl_thread *reg_head;
static uint32_t next_thread = 1;
static _Thread_local tl_thread *my_t;

/* The log: its descriptor, header mapping and chunk segments. */
/* (atomics, read relaxed: set before tracing is switched on, read by every
 * producer; the relaxed load of cs_tracing gives no happens-before) */
static _Atomic int log_fd = -1;
static cslog_header *_Atomic log_hdr;
static _Atomic uint64_t next_chunk;
static uint8_t *_Atomic segs[MAX_SEGS];
static pthread_mutex_t seg_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic uint64_t grown; /* chunks the file covers, zeroed and populated (seg_lock) */
static _Atomic int log_failed; /* the file could not grow: say so once, drop */
static _Atomic int use_tsc;

/* ---- clocks ------------------------------------------------------------- */

int64_t cs_trace_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* An event's timestamp in ns: the monotonic clock, or in deterministic mode
 * the virtual one (det.h), so a trace shows the time the program saw. */
int64_t cs_trace_event_now(void) {
    if (__builtin_expect(cs_det_on, 0)) return atomic_load_explicit(&cs_det_vclock, memory_order_relaxed);
    return cs_trace_now();
}

/* The raw time a record stores (header.flags says which). */
static inline int64_t now_raw(void) {
    if (__builtin_expect(cs_det_on, 0)) return atomic_load_explicit(&cs_det_vclock, memory_order_relaxed);
#ifdef HAVE_TSC
    if (__builtin_expect(atomic_load_explicit(&use_tsc, memory_order_relaxed), 1))
        return (int64_t)__rdtsc();
#endif
    return cs_trace_now();
}

int64_t cs_trace_raw_now(void) { return now_raw(); }

/* The TSC is used only where the kernel itself uses it as its clock (it is
 * then invariant and synchronised across CPUs); CHANSCOPE_TRACE_CLOCK=mono
 * forces clock_gettime. */
static int tsc_usable(void) {
#ifdef HAVE_TSC
    const char *env = getenv("CHANSCOPE_TRACE_CLOCK");
    if (env && !strcmp(env, "mono")) return 0;
    int fd = open("/sys/devices/system/clocksource/clocksource0/current_clocksource",
                  O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char buf[16] = "";
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    return n >= 3 && !strncmp(buf, "tsc", 3) && (n == 3 || buf[3] == '\n');
#else
    return 0;
#endif
}

/* ---- the log file ------------------------------------------------------- */

void cs_log_setup(int fd, cslog_header *hdr) {
    /* for cs_log_close (fails harmlessly where membarrier is missing) */
    syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0);
    atomic_store(&cs_trace_closed, 0);
    atomic_store(&log_fd, fd);
    atomic_store(&log_hdr, hdr);
    atomic_store(&next_chunk, 0);
    atomic_store(&grown, 0);
    atomic_store(&use_tsc, !cs_det_on && tsc_usable());
    hdr->flags = cs_det_on ? CSLOG_F_VIRTUAL : use_tsc ? CSLOG_F_TSC : 0;
    hdr->ns_per_raw = 1.0;
    if (use_tsc) {
#ifdef HAVE_TSC
        /* ~200 us of calibration: only extrapolation past the last chunk's
         * calibration point uses it (convert/log_read.c) */
        int64_t m0 = cs_trace_now(), r0 = (int64_t)__rdtsc(), m1, r1;
        do {
            m1 = cs_trace_now();
            r1 = (int64_t)__rdtsc();
        } while (m1 - m0 < 200000);
        if (r1 > r0) hdr->ns_per_raw = (double)(m1 - m0) / (double)(r1 - r0);
#endif
    }
    hdr->start_mono = cs_trace_event_now();
    hdr->start_raw = now_raw();
}

cslog_header *cs_log_header(void) { return atomic_load(&log_hdr); }

/* After fork() in the child: no more chunks, and this thread forgets its
 * chunk (it is the parent's: the mapping is shared). */
void cs_log_fork_child(void) {
    pthread_mutex_init(&reg_lock, NULL);
    pthread_mutex_init(&seg_lock, NULL);
    my_t = NULL;
    atomic_store(&log_fd, -1);
    for (size_t i = 0; i < MAX_SEGS; i++) {
        uint8_t *b = atomic_load_explicit(&segs[i], memory_order_relaxed);
        if (b) munmap(b, SEG_BYTES);
        atomic_store_explicit(&segs[i], NULL, memory_order_relaxed);
    }
}

static inline bool seq_closed(void) {
    return atomic_load_explicit(&cs_trace_closed, memory_order_relaxed);
}

/* Write n zero bytes at off: 0 or an errno. */
static int write_zeros(int fd, off_t off, size_t n) {
    static const uint8_t zeros[256 * 1024];
    while (n) {
        size_t k = n < sizeof zeros ? n : sizeof zeros;
        ssize_t w = pwrite(fd, zeros, k, off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return w < 0 ? errno : ENOSPC;
        off += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Chunk k's memory: its segment mapped and the file grown over it first,
 * if that is not done yet; NULL when the log cannot grow.
 *
 * A segment is mapped whole (8 MiB of address space, past the end of the
 * file at first: only the part the file covers is ever touched), and the
 * file grows by GROW_CHUNKS chunks (1 MiB) at a time, in order: a program
 * that records a few events pays for 1 MiB of page cache, not 8 (a traced
 * process's start cost 13 ms with 8 MiB, docs/performance.md).  Each step
 * is written with zeros first: the blocks are reserved (a full disk says
 * ENOSPC here, where a store into a hole of the mapping would be SIGBUS),
 * and the pages are in the page cache already.  On ext4 this is 6x cheaper
 * than posix_fallocate's unwritten extents, whose first store per page
 * costs ~7 us.  Then its page tables are filled in one call, not one fault
 * per page in the middle of events. */
static uint8_t *chunk_memory(uint64_t k) {
    size_t s = (size_t)(k / CSLOG_SEG_CHUNKS);
    size_t at = (size_t)(k % CSLOG_SEG_CHUNKS) * CSLOG_CHUNK;
    uint8_t *base = atomic_load_explicit(&segs[s], memory_order_acquire);
    if (base && k < atomic_load_explicit(&grown, memory_order_acquire)) return base + at;
    uint8_t *mem = NULL;
    pthread_mutex_lock(&seg_lock);
    int fd = atomic_load_explicit(&log_fd, memory_order_relaxed);
    while (fd >= 0 && !atomic_load(&log_failed)) {
        uint64_t g = atomic_load_explicit(&grown, memory_order_relaxed);
        if (g > k) { /* (segment s was mapped when the growth entered it) */
            mem = atomic_load_explicit(&segs[s], memory_order_relaxed) + at;
            break;
        }
        size_t gs = (size_t)(g / CSLOG_SEG_CHUNKS);
        uint8_t *gb = atomic_load_explicit(&segs[gs], memory_order_relaxed);
        int rc = 0;
        if (!gb) {
            void *m = mmap(NULL, SEG_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                           (off_t)CSLOG_HEADER_SIZE + (off_t)gs * (off_t)SEG_BYTES);
            if (m == MAP_FAILED) rc = errno;
            else atomic_store_explicit(&segs[gs], gb = m, memory_order_release);
        }
        size_t step_at = (size_t)(g % CSLOG_SEG_CHUNKS) * CSLOG_CHUNK;
        if (!rc)
            rc = write_zeros(fd, (off_t)CSLOG_HEADER_SIZE + (off_t)gs * (off_t)SEG_BYTES +
                                     (off_t)step_at, GROW_BYTES);
        if (rc) {
            atomic_store(&log_failed, 1);
            fprintf(stderr, "chanscope: trace: cannot grow the event log: %s (later events are "
                            "not recorded)\n", strerror(rc));
            break;
        }
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
        madvise(gb + step_at, GROW_BYTES, MADV_POPULATE_WRITE);
        atomic_store_explicit(&grown, g + GROW_CHUNKS, memory_order_release);
    }
    pthread_mutex_unlock(&seg_lock);
    return mem;
}

/* Hand thread t a fresh chunk; false when tracing has ended (unless
 * `force`: finish writing program_end) or the log cannot grow. */
static bool new_chunk(tl_thread *t, bool force) {
    if (!force && seq_closed()) return false;
    if (atomic_load_explicit(&log_fd, memory_order_relaxed) < 0) return false;
    uint64_t k = atomic_fetch_add(&next_chunk, 1);
    if (k / CSLOG_SEG_CHUNKS >= MAX_SEGS) return false;
    cslog_chunk *c = (cslog_chunk *)chunk_memory(k);
    if (!c) return false;
    c->thread = t->number;
    c->thread_chunk = t->nchunks++;
    c->base_seq = 0;
    c->base_mono = cs_trace_now();
    c->base_raw = now_raw();
    if (cs_det_on) c->base_mono = c->base_raw;
    c->magic = CSLOG_CHUNK_MAGIC;
    atomic_store_explicit(&c->used, 0, memory_order_release);
    atomic_fetch_add_explicit(&atomic_load_explicit(&log_hdr, memory_order_relaxed)->nchunks, 1,
                              memory_order_relaxed);
    t->chunk = c;
    t->data = (uint8_t *)(c + 1);
    t->pos = t->data;
    t->end = (uint8_t *)c + CSLOG_CHUNK;
    t->prev_raw = c->base_raw;
    t->prev_g = 0;
    t->nfiles = 0;
    return true;
}

static tl_thread *thread_new(void) {
    tl_thread *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    pthread_mutex_lock(&reg_lock);
    t->number = next_thread++;
    t->next = reg_head;
    reg_head = t;
    pthread_mutex_unlock(&reg_lock);
    my_t = t;
    return t;
}

uint64_t cs_log_written(uint64_t *begun) {
    uint64_t n = 0, busy = 0;
    pthread_mutex_lock(&reg_lock);
    for (tl_thread *t = reg_head; t; t = t->next) {
        n += atomic_load_explicit(&t->written, memory_order_acquire);
        busy += atomic_load_explicit(&t->busy, memory_order_relaxed) & 1;
    }
    pthread_mutex_unlock(&reg_lock);
    if (begun) *begun = n + busy;
    return n;
}

uint64_t cs_log_chunks(void) { return atomic_load(&next_chunk); }

/* ---- records ------------------------------------------------------------ */

/* The chunk's index for file name `f`, or -1 if not defined in it yet. */
static inline int file_lookup(tl_thread *t, const char *f) {
    unsigned h = (unsigned)((uintptr_t)f >> 3) & (FCACHE - 1);
    if (t->fc[h].key == f && t->fc[h].gen == t->nchunks) return (int)t->fc[h].idx;
    return -1;
}

/* Append a definition of `f` at p; returns the new p and its index. */
static uint8_t *define_file(tl_thread *t, uint8_t *p, const char *f, int *idx) {
    size_t n = strnlen(f, CSLOG_MAX_FILE);
    unsigned h = (unsigned)((uintptr_t)f >> 3) & (FCACHE - 1);
    *idx = (int)t->nfiles++;
    t->fc[h].key = f;
    t->fc[h].gen = t->nchunks;
    t->fc[h].idx = (uint32_t)*idx;
    *p++ = CSLOG_REC_FILE;
    p = cslog_put_u(p, (uint64_t)*idx);
    p = cslog_put_u(p, n);
    memcpy(p, f, n);
    return p + n;
}

/* PREFETCH_AHEAD bytes past the write position are prefetched for writing:
 * the log's memory is cold (a new cache line every ~6 records), and a store
 * that misses, followed by the locked instruction of a channel's unlock,
 * stalls that unlock for a memory access (measured: 3x the pool's cost). */
#define PREFETCH_AHEAD 512

static inline void publish(tl_thread *t, uint8_t *p) {
    t->pos = p;
    atomic_store_explicit(&t->chunk->used, (uint32_t)(p - t->data), memory_order_release);
    if (p + PREFETCH_AHEAD < t->end) __builtin_prefetch(p + PREFETCH_AHEAD, 1, 3);
}

/* Make room for `need` bytes plus a definition of file (if not defined yet)
 * and write that definition; returns the write position (NULL: dropped) and
 * the file's index in *fidx. */
static inline uint8_t *reserve(tl_thread *t, size_t need, const char *file, int *fidx, bool force) {
    int fi = file ? file_lookup(t, file) : 0;
    if (fi < 0) need += CSLOG_MAX_FILE + 16;
    if (__builtin_expect(t->chunk == NULL || (size_t)(t->end - t->pos) < need, 0)) {
        if (!new_chunk(t, force)) return NULL;
        if (file) fi = -1;
    }
    uint8_t *p = t->pos;
    if (fi < 0) p = define_file(t, p, file, &fi);
    *fidx = fi;
    return p;
}

#define PUT_NZ(bit, v)                                                         \
    do {                                                                       \
        if (v) {                                                               \
            mask |= (bit);                                                     \
            p = cslog_put_z(p, (v));                                           \
        }                                                                      \
    } while (0)

/* ---- the clock ---------------------------------------------------------- */

/* Channel events are written under the channel's lock, whose clock orders
 * them (cs_lc_acquire / cs_lc_release below); every other event on an
 * object meets in obj_clock. */
static inline bool lock_ordered(int kind) {
    return kind == EV_CHAN_SEND || kind == EV_CHAN_RECV || kind == EV_CHAN_SEND_BEGIN ||
           kind == EV_CHAN_RECV_BEGIN || kind == EV_CHAN_CLOSE;
}

/* The clock value of this thread's next event (kind on object obj, at raw
 * time `raw`). */
static inline uint64_t next_clock(int kind, int64_t obj, int64_t raw) {
    if (__builtin_expect(cs_det_on, 0))
        return atomic_fetch_add_explicit(&cs_trace_seq, 1, memory_order_relaxed);
    uint64_t lc = cs_lc + 1;
    if ((uint64_t)raw > lc) lc = (uint64_t)raw; /* a hybrid logical clock: see the top */
    if (obj && !lock_ordered(kind)) {
        _Atomic uint64_t *oc = &obj_clock[(uint64_t)obj & (OBJ_CLOCKS - 1)].v;
        uint64_t o = atomic_load_explicit(oc, memory_order_relaxed);
        if (o >= lc) lc = o + 1;
        /* Raise the slot to lc unless a concurrent event raised it higher
         * (relaxed: the primitive's own release/acquire orders the slot's
         * store before a later event's load, as it orders the events). */
        while (o < lc && !atomic_compare_exchange_weak_explicit(oc, &o, lc, memory_order_relaxed,
                                                                memory_order_relaxed)) {
        }
    }
    cs_lc = lc;
    return lc;
}

void cs_lc_acquire(const uint64_t *lock_clock) {
    if (*lock_clock > cs_lc) cs_lc = *lock_clock;
}

void cs_lc_release(uint64_t *lock_clock) { *lock_clock = cs_lc; }

uint64_t cs_lc_now(void) {
    /* (called when a goroutine leaves the thread or readies another: every
     * record of an operation that completed under a lock is written) */
    assert(!my_t || !my_t->done_kind);
    return cs_lc;
}

void cs_lc_join(uint64_t clock) {
    if (clock > cs_lc) cs_lc = clock;
}

/* ---- events ------------------------------------------------------------- */

#define RAW_NOW INT64_MIN /* write_record's raw: read the clock now */

/* n events this thread completed are not in the log: it could not grow
 * (or a thread's state could not be allocated).  Counted in the header,
 * with a lower bound of their clock values: `clock` if it was taken (a
 * deferred record, program_end's CSLOG_SEQ_END), else the clock the thread
 * would have given the event.  The converter cuts the trace there
 * (trace_log.h). */
static __attribute__((noinline)) void note_lost(uint64_t n, uint64_t clock, int64_t raw) {
    cslog_header *h = atomic_load_explicit(&log_hdr, memory_order_relaxed);
    /* (after the end: late, not lost; a forked child: not its log) */
    if (!h || (!clock && seq_closed()) || atomic_load_explicit(&log_fd, memory_order_relaxed) < 0)
        return;
    if (!clock) {
        if (cs_det_on) {
            clock = atomic_load_explicit(&cs_trace_seq, memory_order_relaxed);
        } else {
            clock = cs_lc + 1;
            if (raw == RAW_NOW) raw = now_raw();
            if ((uint64_t)raw > clock) clock = (uint64_t)raw;
        }
    }
    atomic_fetch_add_explicit(&h->lost, n, memory_order_relaxed);
    uint64_t o = atomic_load_explicit(&h->lost_clock, memory_order_relaxed);
    while ((o == 0 || clock < o) &&
           !atomic_compare_exchange_weak_explicit(&h->lost_clock, &o, clock, memory_order_relaxed,
                                                  memory_order_relaxed)) {
    }
}

/* Write one record into t's chunk.  kind may carry CSLOG_K_BEGUN;
 * fixed_seq: 0 takes the next clock value; else that one, and the record is
 * written even once the log is closed (finish's program_end; a deferred
 * record whose clock was taken before the close); raw: the time stamp, or
 * RAW_NOW.  Inlined into emit: the
 * producer is one function (each call layer cost ~2 ns of the ~27). */
static inline __attribute__((always_inline)) void
write_record(tl_thread *t, int64_t gid, int kind, int64_t obj, int64_t a, int64_t b, int64_t c,
             int64_t d, const char *s, cs_site site, uint64_t fixed_seq, int64_t raw, bool held) {
    uint32_t busy = atomic_load_explicit(&t->busy, memory_order_relaxed);
    if (!held) {
        /* busy before the closed test (finish: closed, membarrier, then
         * waits for busy threads); the fence keeps the compiler from
         * swapping them.  held: busy is odd already, since a clock step
         * that passed this test (begin_done). */
        atomic_store_explicit(&t->busy, ++busy, memory_order_relaxed);
        atomic_signal_fence(memory_order_seq_cst);
        if (__builtin_expect(!fixed_seq && seq_closed(), 0)) goto drop_busy;
    }
    size_t slen = 0;
    if (__builtin_expect(s != NULL, 0)) slen = strnlen(s, CSLOG_MAX_TEXT);
    int fidx;
    uint8_t *p = reserve(t, REC_FIXED + slen, site.file, &fidx, fixed_seq != 0);
    if (!p) {
        note_lost(kind & CSLOG_K_BEGUN ? 2 : 1, fixed_seq, raw);
        goto drop_busy;
    }
    if (raw == RAW_NOW) raw = now_raw();
    uint64_t seq = fixed_seq ? fixed_seq : next_clock(kind & ~CSLOG_K_BEGUN, obj, raw);
    uint8_t *rec = p;
    p += 2; /* kind, mask */
    uint8_t mask = 0;
    p = cslog_put_z(p, raw - t->prev_raw);
    p = cslog_put_z(p, (int64_t)(seq - (uint64_t)raw)); /* 0 unless causality moved it */
    t->prev_raw = raw;
    if (gid != t->prev_g) {
        mask |= CSLOG_M_G;
        p = cslog_put_z(p, gid);
        t->prev_g = gid;
    }
    if (site.file) {
        mask |= CSLOG_M_SITE;
        p = cslog_put_u(p, (uint64_t)fidx);
        p = cslog_put_z(p, site.line);
    }
    PUT_NZ(CSLOG_M_OBJ, obj);
    PUT_NZ(CSLOG_M_A, a);
    PUT_NZ(CSLOG_M_B, b);
    PUT_NZ(CSLOG_M_C, c);
    PUT_NZ(CSLOG_M_D, d);
    if (s) {
        mask |= CSLOG_M_S;
        p = cslog_put_u(p, slen);
        memcpy(p, s, slen);
        p += slen;
    }
    rec[0] = (uint8_t)kind;
    rec[1] = mask;
    publish(t, p);
    atomic_store_explicit(&t->written, atomic_load_explicit(&t->written, memory_order_relaxed) +
                                           (kind & CSLOG_K_BEGUN ? 2 : 1),
                          memory_order_relaxed);
    atomic_store_explicit(&t->busy, busy + 1, memory_order_release);
    return;
drop_busy:
    atomic_store_explicit(&t->busy, busy + 1, memory_order_release);
    atomic_fetch_add_explicit(&cs_trace_dropped, kind & CSLOG_K_BEGUN ? 2 : 1,
                              memory_order_relaxed);
}

/* The completion a begin kind waits for (0: not a deferred begin). */
static inline int completion_of(int kind) {
    return kind == EV_CHAN_SEND_BEGIN ? EV_CHAN_SEND : kind == EV_CHAN_RECV_BEGIN ? EV_CHAN_RECV : 0;
}
_Static_assert(EV_CHAN_SEND < CSLOG_K_BEGUN && EV_CHAN_RECV < CSLOG_K_BEGUN &&
                   (EV_CHAN_SEND | CSLOG_K_BEGUN) < CSLOG_REC_OBJECT &&
                   (EV_CHAN_RECV | CSLOG_K_BEGUN) < CSLOG_REC_OBJECT,
               "a begun kind must stay below the other record types");

static __attribute__((noinline)) void flush_pending(tl_thread *t) {
    int k = t->pend_kind;
    t->pend_kind = 0;
    write_record(t, t->pend_g, k, t->pend_obj, 0, 0, 0, 0, NULL, t->pend_site, 0, t->pend_raw,
                 false);
}

/* Write the deferred record of a completed operation (done_kind: see
 * tl_thread).  done_kind is cleared first: a signal handler's record that
 * interrupts this one must not write it again. */
static __attribute__((noinline)) void commit_done(tl_thread *t) {
    int k = t->done_kind;
    t->done_kind = 0;
    write_record(t, t->pend_g, k, t->pend_obj, t->done_a, t->done_b, t->done_c, t->done_d, NULL,
                 t->pend_site, t->done_clock, t->pend_raw, true);
}

/* The completion of the pending begin, under the channel's lock: take the
 * clock now (the lock carries it to its next holder), defer the record. */
static inline __attribute__((always_inline)) void
begin_done(tl_thread *t, int kind, int64_t a, int64_t b, int64_t c, int64_t d) {
    uint32_t busy = atomic_load_explicit(&t->busy, memory_order_relaxed) + 1;
    atomic_store_explicit(&t->busy, busy, memory_order_relaxed);
    atomic_signal_fence(memory_order_seq_cst);
    if (__builtin_expect(seq_closed(), 0)) {
        atomic_store_explicit(&t->busy, busy + 1, memory_order_release);
        atomic_fetch_add_explicit(&cs_trace_dropped, 2, memory_order_relaxed);
        return;
    }
    t->done_clock = next_clock(kind, 0, t->pend_raw); /* (its channel's lock orders it) */
    t->done_a = a;
    t->done_b = b;
    t->done_c = c;
    t->done_d = d;
    t->done_kind = kind | CSLOG_K_BEGUN;
}

/* Is an event of the goroutine whose begin is pending (pend_g) the
 * completion of that operation: the same kind's completion, channel and
 * site? */
static inline __attribute__((always_inline)) bool
completes_pending(const tl_thread *t, int kind, int64_t obj, cs_site site) {
    return kind == completion_of(t->pend_kind) && obj == t->pend_obj &&
           site.file == t->pend_site.file && site.line == t->pend_site.line;
}

/* Keep a begin (chan_send_begin / chan_recv_begin) with its time stamp
 * until its operation completes or blocks (pend_kind was 0). */
static inline __attribute__((always_inline)) void
keep_pending(tl_thread *t, int64_t gid, int kind, int64_t obj, cs_site site) {
    t->pend_kind = kind;
    t->pend_g = gid;
    t->pend_obj = obj;
    t->pend_site = site;
    t->pend_raw = now_raw();
}

static inline __attribute__((always_inline)) void
emit(int64_t gid, int kind, int64_t obj, int64_t a, int64_t b, int64_t c, int64_t d, const char *s,
     cs_site site, uint64_t fixed_seq) {
    tl_thread *t = my_t;
    if (__builtin_expect(t == NULL, 0)) {
        if ((!fixed_seq && seq_closed()) || !(t = thread_new())) {
            note_lost(1, 0, RAW_NOW); /* (not after the end: it checks) */
            atomic_fetch_add_explicit(&cs_trace_dropped, 1, memory_order_relaxed);
            return;
        }
    }
    if (t->done_kind) commit_done(t); /* records stay in clock order */
    int64_t raw = RAW_NOW;
    if (t->pend_kind && t->pend_g == gid) {
        if (completes_pending(t, kind, obj, site)) {
            /* one record, at the begin's time (taken outside the channel's
             * lock: the completion follows within the operation), written
             * after the lock is let go (cs_trace_commit) */
            t->pend_kind = 0;
            if (__builtin_expect(!fixed_seq, 1)) {
                begin_done(t, kind, a, b, c, d);
                return;
            }
            kind |= CSLOG_K_BEGUN;
            raw = t->pend_raw;
        } else {
            flush_pending(t);
        }
    }
    if (completion_of(kind) && !fixed_seq) {
        if (t->pend_kind) flush_pending(t); /* (another goroutine's: not expected) */
        keep_pending(t, gid, kind, obj, site);
        return;
    }
    write_record(t, gid, kind, obj, a, b, c, d, s, site, fixed_seq, raw, false);
}

void cs_trace_commit(void) {
    tl_thread *t = my_t;
    if (t && t->done_kind) commit_done(t);
}

void cs_trace_event_g(int64_t gid, int kind, int64_t obj, int64_t a, int64_t b, int64_t c,
                      int64_t d, const char *s, cs_site site) {
#ifdef CS_RACE /* the race build: every event feeds the race detector (race/hb.c) */
    cs_race_event(gid, kind, obj, a, b, c, d);
    if (!atomic_load_explicit(&cs_tracing, memory_order_relaxed)) return;
#endif
    emit(gid, kind, obj, a, b, c, d, s, site, 0);
}

/* emit, out of line, for the channel hooks below: they try their common
 * case first, in a few instructions and without emit's register saves (a
 * pool job makes four channel operations: each instruction here is paid
 * four times per job). */
static __attribute__((noinline)) void emit_any(int64_t gid, int kind, int64_t obj, int64_t a,
                                               int64_t b, int64_t c, int64_t d, cs_site site) {
    emit(gid, kind, obj, a, b, c, d, NULL, site, 0);
}

void cs_trace_chan_done(int64_t gid, int kind, int64_t obj, int64_t a, int64_t b, int64_t c,
                        int64_t d, cs_site site) {
#ifdef CS_RACE
    cs_race_event(gid, kind, obj, a, b, c, d);
    if (!atomic_load_explicit(&cs_tracing, memory_order_relaxed)) return;
#endif
    tl_thread *t = my_t;
    /* The completion of the operation this thread's goroutine began, with
     * no record of the thread waiting: what emit does in that case. */
    if (__builtin_expect(t && !t->done_kind && t->pend_kind && t->pend_g == gid &&
                             completes_pending(t, kind, obj, site),
                         1)) {
        t->pend_kind = 0;
        begin_done(t, kind, a, b, c, d);
        return;
    }
    emit_any(gid, kind, obj, a, b, c, d, site);
}

void cs_trace_event(int kind, int64_t obj, int64_t a, int64_t b, int64_t c, int64_t d,
                    const char *s, cs_site site) {
    /* (emit drops late events).  The race build goes through
     * cs_trace_event_g: its detector sees every event. */
#ifdef CS_RACE
    cs_trace_event_g(cs_getg()->id, kind, obj, a, b, c, d, s, site);
#else
    emit(cs_getg()->id, kind, obj, a, b, c, d, s, site, 0);
#endif
}

void cs_trace_chan_begin(int64_t gid, int kind, int64_t chan, cs_site site) {
#ifdef CS_RACE
    cs_race_event(gid, kind, chan, 0, 0, 0, 0);
    if (!atomic_load_explicit(&cs_tracing, memory_order_relaxed)) return;
#endif
    tl_thread *t = my_t;
    if (__builtin_expect(t && !t->done_kind && !t->pend_kind, 1)) {
        keep_pending(t, gid, kind, chan, site); /* (what emit does when nothing waits) */
        return;
    }
    emit_any(gid, kind, chan, 0, 0, 0, 0, site);
}

void cs_log_emit_end(int64_t gid, int status, int sig, const char *reason) {
    emit(gid, EV_PROGRAM_END, 0, status, sig, 0, 0, reason, (cs_site){NULL, 0}, CSLOG_SEQ_END);
}

/* Tests: leave the calling thread in the middle of a record that it never
 * writes, as a thread stopped there would be (tracer.h). */
void cs_log_test_stall(void) {
    tl_thread *t = my_t ? my_t : thread_new();
    if (t)
        atomic_store_explicit(&t->busy, atomic_load_explicit(&t->busy, memory_order_relaxed) | 1,
                              memory_order_release);
}

/* Close the log to new events: after this returns, no thread writes an
 * event any more, except one stuck (or killed) in the middle of one for 2 s:
 * returns how many such records it stopped waiting for.
 * The membarrier makes every thread's `busy` store visible here, or this
 * store of the flag visible to it (a thread that saw it open is seen busy):
 * without it, a store-buffered busy flag could be missed. */
unsigned cs_log_close(void) {
    atomic_store(&cs_trace_closed, 1);
    if (syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0 &&
        syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) != 0) {
        struct timespec ts = {0, 1000000}; /* no membarrier: stores drain in far less */
        nanosleep(&ts, NULL);
    }
    /* Wait for the records being written now; not for later attempts
     * (they see the flag and drop): each thread's busy value must move on
     * from the odd value seen here. */
    int64_t until = cs_trace_now() + 2000000000LL;
    unsigned stuck = 0;
    cslog_header *h = atomic_load_explicit(&log_hdr, memory_order_relaxed);
    pthread_mutex_lock(&reg_lock);
    for (tl_thread *t = reg_head; t; t = t->next) {
        uint32_t seen = atomic_load_explicit(&t->busy, memory_order_acquire);
        if (t == my_t || !(seen & 1)) continue;
        while (atomic_load_explicit(&t->busy, memory_order_acquire) == seen &&
               cs_trace_now() < until) {
            struct timespec ts = {0, 50000};
            nanosleep(&ts, NULL);
        }
        if (atomic_load_explicit(&t->busy, memory_order_acquire) != seen) continue;
        /* Still in that record: the log's header names the thread, and how
         * many events it had written, for the converter (trace_log.h). */
        if (h && h->nstuck < CSLOG_MAX_STUCK) {
            h->stuck[h->nstuck].thread = t->number;
            h->stuck[h->nstuck].written = atomic_load_explicit(&t->written, memory_order_acquire);
        }
        if (h) h->nstuck++;
        stuck++;
    }
    pthread_mutex_unlock(&reg_lock);
    return stuck;
}

void cs_trace_object(int64_t id, int type, const char *name, cs_site site, int64_t a,
                     int64_t b) {
    if (!atomic_load_explicit(&cs_tracing, memory_order_relaxed) || seq_closed()) return;
    tl_thread *t = my_t;
    if (!t && !(t = thread_new())) return;
    size_t nlen = name ? strnlen(name, CSLOG_MAX_TEXT) : 0;
    int fidx;
    uint8_t *p = reserve(t, REC_FIXED + nlen, site.file, &fidx, false);
    if (!p) return;
    uint8_t *rec = p;
    p += 2;
    p = cslog_put_z(p, id);
    p = cslog_put_z(p, type);
    p = cslog_put_z(p, a);
    p = cslog_put_z(p, b);
    uint8_t mask = 0;
    if (site.file) {
        mask |= CSLOG_M_SITE;
        p = cslog_put_u(p, (uint64_t)fidx);
        p = cslog_put_z(p, site.line);
    }
    if (name) {
        mask |= CSLOG_M_S;
        p = cslog_put_u(p, nlen);
        memcpy(p, name, nlen);
        p += nlen;
    }
    rec[0] = CSLOG_REC_OBJECT;
    rec[1] = mask;
    publish(t, p);
}

void cs_trace_log(cs_site site, const char *fmt, ...) {
    if (!CS_TRACING()) return;
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        cs_trace_event(EV_LOG, 0, 0, 0, 0, 0, small, site);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) return;
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    cs_trace_event(EV_LOG, 0, 0, 0, 0, 0, big, site);
    free(big);
}
