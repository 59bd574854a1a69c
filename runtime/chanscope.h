/*
 * chanscope.h — Go-style concurrency for C, on pthreads.
 *
 * One header for pattern programs.  Names mirror Go:
 *
 *   Go                          chanscope
 *   go f(x)                     go(f, x)                 go_named("w1", f, x)
 *   ch := make(chan int, 3)     chan_t *ch = chan_make(int, 3)
 *   ch <- v                     chan_send(ch, &v)        chan_send_v(ch, int, 42)
 *   v, ok := <-ch               ok = chan_recv(ch, &v)
 *   for v := range ch           while (chan_recv(ch, &v))
 *   close(ch)                   chan_close(ch)
 *   select { ... }              switch (chan_select(select_recv(a, &v, &ok),
 *                                                   select_send(b, &w),
 *                                                   select_default())) { case 0: ... }
 *   var mu sync.Mutex           mutex_t mu = MUTEX_INIT;
 *   var wg sync.WaitGroup       waitgroup_t wg = WAITGROUP_INIT;
 *   ctx, cancel := ...          ctx_t *ctx = ctx_with_cancel(parent, &cancel)
 *   time.Sleep(10*time.Millisecond) time_sleep(10 * MILLISECOND)
 *   panic("boom")               go_panic("boom")
 *
 * Every call captures __FILE__/__LINE__ through a macro, so each traced event
 * and every panic or deadlock report names the line of the pattern program.
 *
 * Semantics are Go's (see docs/runtime.md): a nil channel blocks forever and
 * is a disabled select case; send on a closed channel, close of a closed or
 * nil channel, a negative WaitGroup counter and unlock of an unlocked mutex
 * end the program with a Go-shaped message and exit status 2; when every
 * goroutine is blocked on runtime primitives and no timer can fire, the
 * program prints "fatal error: all goroutines are asleep - deadlock!" and
 * exits 2.  Returning from main ends the program even with goroutines alive.
 *
 * Memory: like Go values that the garbage collector would reclaim, channels,
 * contexts, timers and errors are never freed implicitly.  Long-running code
 * (benchmarks) may call chan_free() etc. once no goroutine can touch them.
 */
#ifndef CHANSCOPE_H
#define CHANSCOPE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The one version source: the Makefile reads this line (make version). */
#define CHANSCOPE_VERSION "0.1.0"

/* Source site of a call: every public macro passes CS_SITE. */
typedef struct cs_site {
    const char *file;
    int line;
} cs_site;
#define CS_SITE ((cs_site){__FILE__, __LINE__})

#if defined(__GNUC__)
#define CS_NORETURN __attribute__((noreturn))
#define CS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CS_NORETURN
#define CS_PRINTF(a, b)
#endif

/* ------------------------------------------------------------------ */
/* Durations and time (package time)                                   */
/* ------------------------------------------------------------------ */

typedef int64_t duration_t; /* nanoseconds, like time.Duration */
#define NANOSECOND ((duration_t)1)
#define MICROSECOND ((duration_t)1000)
#define MILLISECOND ((duration_t)1000000)
#define SECOND ((duration_t)1000000000)

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

/* An error is a pointer to an immutable message; NULL is nil.
 * Compare sentinel errors by pointer, like errors.Is without wrapping. */
typedef const struct cs_error *err_t;
struct cs_error {
    const char *msg;
    err_t wrapped; /* errors.Unwrap, or NULL */
};
err_t errorf(const char *fmt, ...) CS_PRINTF(1, 2);
err_t error_new(const char *msg); /* errors.New */
const char *err_msg(err_t e);     /* "<nil>" for NULL */
bool err_is(err_t e, err_t target);
extern const err_t ERR_CANCELED;          /* context.Canceled */
extern const err_t ERR_DEADLINE_EXCEEDED; /* context.DeadlineExceeded */

/* ------------------------------------------------------------------ */
/* Goroutines                                                          */
/* ------------------------------------------------------------------ */

typedef void (*go_func)(void *arg);

/* go(fn, arg): start fn(arg) in a new goroutine named after fn.
 * Returns the new goroutine's id (main is 1). */
#define go(fn, arg) cs_go((fn), (arg), #fn, CS_SITE)
#define go_named(name, fn, arg) cs_go((fn), (arg), (name), CS_SITE)
int64_t cs_go(go_func fn, void *arg, const char *name, cs_site site);

int64_t goroutine_id(void);          /* current goroutine id */
const char *goroutine_name(void);    /* current goroutine name */
void goroutine_set_name(const char *name);
void go_yield(void);                 /* runtime.Gosched */
int goroutine_count(void);           /* runtime.NumGoroutine */

/* A call that may block its thread in the kernel (file I/O, waitpid, a C
 * library's blocking call): Go runs every system call between
 * entersyscall and exitsyscall, so that a goroutine blocked in one holds
 * no processor.  Here, wrap the call:
 *     ssize_t n = syscall_blocking(read(fd, buf, sizeof buf));
 * After ~20 µs in the call its processor goes to another thread, which runs
 * the other goroutines (an unwrapped blocking call is noticed only after
 * 10 ms).  The value and errno of the call are kept.  Not needed for
 * sockets (net_*), sleeps, or anything else of this header: they park only
 * the goroutine.  (A call returning void: cs_entersyscall(); f();
 * cs_exitsyscall();) */
#define syscall_blocking(call)                                                 \
    __extension__({                                                            \
        cs_entersyscall();                                                     \
        __typeof__(call) cs_sys_r_ = (call);                                   \
        int cs_sys_errno_ = errno;                                             \
        cs_exitsyscall();                                                      \
        errno = cs_sys_errno_;                                                 \
        cs_sys_r_;                                                             \
    })
void cs_entersyscall(void);
void cs_exitsyscall(void);

/* panic(msg): print "panic: msg", the goroutine and site, flush the trace,
 * exit 2.  A learner's panic is expected input: it never crashes chanscope. */
#define go_panic(...) cs_panic(CS_SITE, __VA_ARGS__)
CS_NORETURN void cs_panic(cs_site site, const char *fmt, ...) CS_PRINTF(2, 3);

/* trace_log(fmt, ...): a line on this goroutine's timeline in the trace
 * (nothing is printed; use printf for program output). */
#define trace_log(...) cs_trace_log(CS_SITE, __VA_ARGS__)
void cs_trace_log(cs_site site, const char *fmt, ...) CS_PRINTF(2, 3);

/* ------------------------------------------------------------------ */
/* Channels                                                            */
/* ------------------------------------------------------------------ */

typedef struct cs_chan chan_t;

/* chan_make(T, cap): make(chan T, cap).  A NULL chan_t* is a nil channel.
 * Go's chan struct{} is chan_make(struct {}, cap) (GNU C: size 0): its sends
 * and receives copy nothing, and the pointers may be NULL. */
#define chan_make(T, cap) cs_chan_make(sizeof(T), (cap), NULL, CS_SITE)
#define chan_make_named(name, T, cap) cs_chan_make(sizeof(T), (cap), (name), CS_SITE)
chan_t *cs_chan_make(size_t elemsize, int64_t cap, const char *name, cs_site site);

/* Size of the value a channel macro's pointer argument points at, checked
 * against the channel's element size (a mismatch panics instead of copying
 * too few or too many bytes): sizeof *p for a typed pointer, the whole
 * array for an array (`char name[32]` passed as `name`), and
 * CS_SIZE_UNKNOWN (no check) for void * and NULL.  GNU C (gcc, clang). */
#define CS_SIZE_UNKNOWN ((size_t)-1)
#define CS__NOVOID(p) _Generic((p), void *: (char *)0, const void *: (const char *)0, default: (p))
#define CS__IS_ARRAY(p)                                                        \
    (!__builtin_types_compatible_p(__typeof__(CS__NOVOID(p)), __typeof__(&*CS__NOVOID(p))))
#define CS_VALSIZE(p)                                                          \
    _Generic((p), void *: CS_SIZE_UNKNOWN, const void *: CS_SIZE_UNKNOWN,      \
             default: (CS__IS_ARRAY(p) ? sizeof(CS__NOVOID(p)) : sizeof(*CS__NOVOID(p))))

/* chan_send(ch, &v): ch <- v.  Copies elemsize bytes from the pointer. */
#define chan_send(ch, ptr) cs_chan_send((ch), (ptr), CS_VALSIZE(ptr), CS_SITE)
/* chan_send_v(ch, T, expr): ch <- expr, for a value of type T. */
#define chan_send_v(ch, T, v) cs_chan_send((ch), &(T){v}, sizeof(T), CS_SITE)
/* valsize: the size of *elem as the caller's macro saw it (CS_SIZE_UNKNOWN:
 * unchecked); a size other than the channel's element size panics. */
void cs_chan_send(chan_t *ch, const void *elem, size_t valsize, cs_site site);

/* ok = chan_recv(ch, &v): v, ok := <-ch.  ptr may be NULL (discard).
 * After close and drain: v is zeroed and the result is false. */
#define chan_recv(ch, ptr) cs_chan_recv((ch), (ptr), CS_VALSIZE(ptr), CS_SITE)
bool cs_chan_recv(chan_t *ch, void *elem, size_t valsize, cs_site site);

#define chan_close(ch) cs_chan_close((ch), CS_SITE)
void cs_chan_close(chan_t *ch, cs_site site);

int64_t chan_len(chan_t *ch); /* len(ch); 0 for nil */
int64_t chan_cap(chan_t *ch); /* cap(ch); 0 for nil */
int64_t chan_id(chan_t *ch);  /* object id in the trace; 0 for nil */
void chan_free(chan_t *ch);   /* release memory; no goroutine may use ch after */

/* select */
typedef enum { CS_CASE_RECV = 1, CS_CASE_SEND = 2, CS_CASE_DEFAULT = 3 } cs_case_dir;
typedef struct cs_case {
    cs_case_dir dir;
    chan_t *ch;  /* NULL: nil channel, a case that is never ready */
    void *elem;  /* send: value to send; recv: where to store (may be NULL) */
    bool *ok;    /* recv: receives ok (may be NULL) */
    size_t valsize; /* size of *elem (CS_VALSIZE), checked like chan_send's */
} cs_case;
#define select_recv(ch, ptr, okp) \
    ((cs_case){CS_CASE_RECV, (ch), (ptr), (okp), CS_VALSIZE(ptr)})
#define select_send(ch, ptr) \
    ((cs_case){CS_CASE_SEND, (ch), (void *)(ptr), NULL, CS_VALSIZE(ptr)})
#define select_default() ((cs_case){CS_CASE_DEFAULT, NULL, NULL, NULL, CS_SIZE_UNKNOWN})

/* chan_select(cases...): returns the index (in argument order) of the case
 * that ran; a default case returns its own index.  Among ready cases one is
 * chosen uniformly at random, as in Go. */
#define chan_select(...)                                                       \
    cs_chan_select((cs_case[]){__VA_ARGS__},                                   \
                   (int)(sizeof((cs_case[]){__VA_ARGS__}) / sizeof(cs_case)),  \
                   CS_SITE)
int cs_chan_select(cs_case *cases, int n, cs_site site);

/* ------------------------------------------------------------------ */
/* sync                                                                */
/* ------------------------------------------------------------------ */

/* Every sync type is usable zero-initialised (the *_INIT macros are {0}),
 * like Go's zero values.  Copying one after first use is a misuse that the
 * runtime notices (it keeps its own address) and the analyzer reports. */

typedef struct cs_mutex {
    _Atomic(int64_t) id;        /* trace object id, assigned on first use */
    _Atomic(void *) self;       /* address at first use: detects copies */
    _Atomic(int32_t) state;     /* 0 unlocked, 1 locked, 2 locked + waiters */
    struct cs_waitq *q;         /* parked goroutines (allocated on demand) */
    _Atomic(int64_t) holder;    /* goroutine id holding it (diagnostics) */
    const char *name;
} mutex_t;
#define MUTEX_INIT {0}
#define mutex_lock(m) cs_mutex_lock((m), CS_SITE)
#define mutex_unlock(m) cs_mutex_unlock((m), CS_SITE)
#define mutex_trylock(m) cs_mutex_trylock((m), CS_SITE)
void cs_mutex_lock(mutex_t *m, cs_site site);
void cs_mutex_unlock(mutex_t *m, cs_site site);
bool cs_mutex_trylock(mutex_t *m, cs_site site);
void mutex_set_name(mutex_t *m, const char *name);

typedef struct cs_rwmutex {
    _Atomic(int64_t) id;
    _Atomic(void *) self;
    struct cs_waitq *q;         /* guards everything below */
    int32_t readers;            /* active readers */
    int32_t writer;             /* 1 while a writer holds it */
    int32_t writers_waiting;    /* writers parked in Lock */
    const char *name;
} rwmutex_t;
#define RWMUTEX_INIT {0}
#define rwmutex_lock(m) cs_rwmutex_lock((m), CS_SITE)
#define rwmutex_unlock(m) cs_rwmutex_unlock((m), CS_SITE)
#define rwmutex_rlock(m) cs_rwmutex_rlock((m), CS_SITE)
#define rwmutex_runlock(m) cs_rwmutex_runlock((m), CS_SITE)
void cs_rwmutex_lock(rwmutex_t *m, cs_site site);
void cs_rwmutex_unlock(rwmutex_t *m, cs_site site);
void cs_rwmutex_rlock(rwmutex_t *m, cs_site site);
void cs_rwmutex_runlock(rwmutex_t *m, cs_site site);
void rwmutex_set_name(rwmutex_t *m, const char *name);

typedef struct cs_waitgroup {
    _Atomic(int64_t) id;
    _Atomic(void *) self;
    struct cs_waitq *q;         /* guards counter and waiters */
    int64_t counter;
    const char *name;
} waitgroup_t;
#define WAITGROUP_INIT {0}
#define wg_add(wg, n) cs_wg_add((wg), (n), CS_SITE)
#define wg_done(wg) cs_wg_add((wg), -1, CS_SITE)
#define wg_wait(wg) cs_wg_wait((wg), CS_SITE)
void cs_wg_add(waitgroup_t *wg, int64_t delta, cs_site site);
void cs_wg_wait(waitgroup_t *wg, cs_site site);
void wg_set_name(waitgroup_t *wg, const char *name);

typedef struct cs_once {
    _Atomic(int64_t) id;
    _Atomic(int32_t) done;
    mutex_t m;
} once_t;
#define ONCE_INIT {0}
/* once_do(&o, fn, arg): the first call runs fn(arg); every call returns after
 * it has finished. */
#define once_do(o, fn, arg) cs_once_do((o), (fn), (arg), CS_SITE)
void cs_once_do(once_t *o, go_func fn, void *arg, cs_site site);

/* sync.OnceValue: the first once_value(&ov, fn, arg) stores fn(arg); every
 * call returns the stored pointer. */
typedef void *(*once_value_func)(void *arg);
typedef struct cs_once_value {
    once_t once;
    void *value;
    once_value_func fn;
    void *arg;
} once_value_t;
#define ONCE_VALUE_INIT {0}
#define once_value(ov, fn, arg) cs_once_value((ov), (fn), (arg), CS_SITE)
void *cs_once_value(once_value_t *ov, once_value_func fn, void *arg, cs_site site);

typedef struct cs_cond {
    _Atomic(int64_t) id;
    mutex_t *L;                 /* the locker, as in sync.NewCond(&mu) */
    struct cs_waitq *q;
} cond_t;
#define COND_INIT(mu) {0, (mu), NULL}
#define cond_wait(c) cs_cond_wait((c), CS_SITE)
#define cond_signal(c) cs_cond_signal((c), CS_SITE)
#define cond_broadcast(c) cs_cond_broadcast((c), CS_SITE)
void cs_cond_wait(cond_t *c, cs_site site);
void cs_cond_signal(cond_t *c, cs_site site);
void cs_cond_broadcast(cond_t *c, cs_site site);

/* sync/atomic on int64 (traced as synchronisation for race analysis). */
/* (Names avoid <stdatomic.h>'s atomic_load/atomic_store macros.) */
typedef struct cs_atomic_i64 {
    _Atomic(int64_t) v;
    _Atomic(int64_t) id;
} atomic_i64;
#define ATOMIC_I64_INIT {0}
#define atomic_i64_add(a, d) cs_atomic_add((a), (d), CS_SITE)
#define atomic_i64_load(a) cs_atomic_load((a), CS_SITE)
#define atomic_i64_store(a, v) cs_atomic_store((a), (v), CS_SITE)
#define atomic_i64_cas(a, old, new) cs_atomic_cas((a), (old), (new), CS_SITE)
int64_t cs_atomic_add(atomic_i64 *a, int64_t delta, cs_site site); /* returns new value */
int64_t cs_atomic_load(atomic_i64 *a, cs_site site);
void cs_atomic_store(atomic_i64 *a, int64_t v, cs_site site);
bool cs_atomic_cas(atomic_i64 *a, int64_t old, int64_t new_, cs_site site);

/* ------------------------------------------------------------------ */
/* context                                                             */
/* ------------------------------------------------------------------ */

typedef struct cs_ctx ctx_t;
typedef struct cs_cancel_func *cancel_func; /* call with ctx_cancel(cancel) */

ctx_t *ctx_background(void);
#define ctx_todo() ctx_background()
#define ctx_with_cancel(parent, cancelp) cs_ctx_with_cancel((parent), (cancelp), CS_SITE)
#define ctx_with_timeout(parent, d, cancelp) cs_ctx_with_timeout((parent), (d), (cancelp), CS_SITE)
#define ctx_with_deadline(parent, mono_ns, cancelp) \
    cs_ctx_with_deadline((parent), (mono_ns), (cancelp), CS_SITE)
#define ctx_with_value(parent, key, val) cs_ctx_with_value((parent), (key), (val), CS_SITE)
ctx_t *cs_ctx_with_cancel(ctx_t *parent, cancel_func *cancel, cs_site site);
ctx_t *cs_ctx_with_timeout(ctx_t *parent, duration_t d, cancel_func *cancel, cs_site site);
ctx_t *cs_ctx_with_deadline(ctx_t *parent, int64_t deadline_mono_ns, cancel_func *cancel,
                            cs_site site);
ctx_t *cs_ctx_with_value(ctx_t *parent, const void *key, void *val, cs_site site);

/* cancel(): idempotent; cancels the context and all its children. */
#define ctx_cancel(cf) cs_ctx_cancel((cf), CS_SITE)
void cs_ctx_cancel(cancel_func cf, cs_site site);
chan_t *ctx_done(ctx_t *ctx);   /* NULL (nil channel) for background */
err_t ctx_err(ctx_t *ctx);      /* NULL, ERR_CANCELED or ERR_DEADLINE_EXCEEDED */
void *ctx_value(ctx_t *ctx, const void *key);
bool ctx_deadline(ctx_t *ctx, int64_t *deadline_mono_ns);

/* ------------------------------------------------------------------ */
/* errgroup and semaphore                                              */
/* ------------------------------------------------------------------ */

typedef err_t (*errgroup_func)(void *arg);
typedef struct cs_errgroup errgroup_t;
/* errgroup_new(): a zero Group.  errgroup_with_context(parent, &ctx): the
 * derived ctx is cancelled by the first error or when wait returns. */
#define errgroup_new() cs_errgroup_new(NULL, NULL, CS_SITE)
#define errgroup_with_context(parent, ctxp) cs_errgroup_new((parent), (ctxp), CS_SITE)
errgroup_t *cs_errgroup_new(ctx_t *parent, ctx_t **derived, cs_site site);
#define errgroup_go(g, fn, arg) cs_errgroup_go((g), (fn), (arg), #fn, CS_SITE)
void cs_errgroup_go(errgroup_t *g, errgroup_func fn, void *arg, const char *name, cs_site site);
#define errgroup_try_go(g, fn, arg) cs_errgroup_try_go((g), (fn), (arg), #fn, CS_SITE)
bool cs_errgroup_try_go(errgroup_t *g, errgroup_func fn, void *arg, const char *name,
                        cs_site site);
#define errgroup_wait(g) cs_errgroup_wait((g), CS_SITE)
err_t cs_errgroup_wait(errgroup_t *g, cs_site site);
void errgroup_set_limit(errgroup_t *g, int n); /* n < 0: no limit */

typedef struct cs_semaphore semaphore_t; /* golang.org/x/sync/semaphore.Weighted */
#define semaphore_new(n) cs_semaphore_new((n), CS_SITE)
semaphore_t *cs_semaphore_new(int64_t n, cs_site site);
#define semaphore_acquire(s, ctx, n) cs_semaphore_acquire((s), (ctx), (n), CS_SITE)
err_t cs_semaphore_acquire(semaphore_t *s, ctx_t *ctx, int64_t n, cs_site site);
#define semaphore_try_acquire(s, n) cs_semaphore_try_acquire((s), (n), CS_SITE)
bool cs_semaphore_try_acquire(semaphore_t *s, int64_t n, cs_site site);
#define semaphore_release(s, n) cs_semaphore_release((s), (n), CS_SITE)
void cs_semaphore_release(semaphore_t *s, int64_t n, cs_site site);

/* ------------------------------------------------------------------ */
/* time                                                                */
/* ------------------------------------------------------------------ */

int64_t time_now(void);               /* monotonic ns */
duration_t time_since(int64_t start); /* time_now() - start */
#define time_sleep(d) cs_time_sleep((d), CS_SITE)
void cs_time_sleep(duration_t d, cs_site site);
/* time.After: a channel of int64 (monotonic ns) that receives once. */
#define time_after(d) cs_time_after((d), CS_SITE)
chan_t *cs_time_after(duration_t d, cs_site site);

typedef struct cs_timer {
    chan_t *C; /* chan int64, capacity 1 */
} time_timer;
#define time_new_timer(d) cs_time_new_timer((d), CS_SITE)
time_timer *cs_time_new_timer(duration_t d, cs_site site);
#define time_timer_stop(t) cs_time_timer_stop((t), CS_SITE)
bool cs_time_timer_stop(time_timer *t, cs_site site);      /* true if it was active */
#define time_timer_reset(t, d) cs_time_timer_reset((t), (d), CS_SITE)
bool cs_time_timer_reset(time_timer *t, duration_t d, cs_site site);

typedef struct cs_ticker {
    chan_t *C; /* chan int64, capacity 1; ticks are dropped when full */
} time_ticker;
#define time_new_ticker(d) cs_time_new_ticker((d), CS_SITE)
time_ticker *cs_time_new_ticker(duration_t d, cs_site site);
/* Stop does not close C, exactly like Go: a goroutine still receiving from
 * it waits forever. */
#define time_ticker_stop(t) cs_time_ticker_stop((t), CS_SITE)
void cs_time_ticker_stop(time_ticker *t, cs_site site);

/* os/signal.Notify: deliver SIGINT/SIGTERM/... to ch (capacity >= 1,
 * element int).  While registered the program is not globally deadlocked
 * by waiting on ch, as in Go. */
#define signal_notify(ch, ...) cs_signal_notify((ch), (int[]){__VA_ARGS__, 0}, CS_SITE)
void cs_signal_notify(chan_t *ch, const int *sigs_zero_terminated, cs_site site);
void signal_stop(chan_t *ch);

/* ------------------------------------------------------------------ */
/* net: TCP over IPv4 (package net)                                    */
/* ------------------------------------------------------------------ */

/* Go                                       chanscope
 *   ln, err := net.Listen("tcp", "127.0.0.1:0")  ln = net_listen("tcp", "127.0.0.1:0", &err)
 *   conn, err := ln.Accept()                   c = net_accept(ln, &err)
 *   conn, err := net.Dial("tcp", addr)         c = net_dial("tcp", addr, &err)
 *   n, err := conn.Read(buf)                   n = net_read(c, buf, sizeof buf, &err)
 *   n, err := conn.Write(b)                    n = net_write(c, b, len, &err)
 *   conn.SetReadDeadline(t)                    net_set_read_deadline(c, time_now() + d)
 *   conn.Close() / ln.Close()                  net_close(c) / net_listener_close(ln)
 *
 * An operation that cannot go on parks only its goroutine (reason "IO wait")
 * until the socket is ready: a goroutine waiting for the network is never a
 * deadlock.  Closing a socket wakes the goroutines blocked on it with
 * ERR_NET_CLOSED: that is how an accept loop is stopped.  Addresses are
 * "host:port" with a numeric IPv4 host or "localhost" (no DNS lookups);
 * network is "tcp" or "tcp4".  err may be NULL; on success *err is NULL.
 * Handles stay valid (as closed) after close: like channels, they are never
 * freed. */
typedef struct cs_net_listener net_listener_t;
typedef struct cs_net_conn net_conn_t;
extern const err_t ERR_EOF;         /* io.EOF: the peer closed its side */
extern const err_t ERR_NET_CLOSED;  /* net.ErrClosed: "use of closed network connection" */
extern const err_t ERR_NET_TIMEOUT; /* os.ErrDeadlineExceeded: "i/o timeout" */
/* Errors other than ERR_EOF read like Go's, e.g. "read tcp 127.0.0.1:5000->
 * 127.0.0.1:41234: i/o timeout"; err_is(err, ERR_NET_TIMEOUT) sees through. */

#define net_listen(network, address, errp) cs_net_listen((network), (address), (errp), CS_SITE)
net_listener_t *cs_net_listen(const char *network, const char *address, err_t *err, cs_site site);
#define net_accept(ln, errp) cs_net_accept((ln), (errp), CS_SITE)
net_conn_t *cs_net_accept(net_listener_t *ln, err_t *err, cs_site site);
#define net_listener_close(ln) cs_net_listener_close((ln), CS_SITE)
err_t cs_net_listener_close(net_listener_t *ln, cs_site site);
const char *net_listener_addr(net_listener_t *ln); /* "127.0.0.1:41234" */
int net_listener_port(net_listener_t *ln);
/* Accept fails with ERR_NET_TIMEOUT after the deadline (0: none). */
err_t net_listener_set_deadline(net_listener_t *ln, int64_t deadline_mono_ns);

/* net_dial_timeout: net.DialTimeout (timeout <= 0: none). */
#define net_dial(network, address, errp) cs_net_dial((network), (address), 0, (errp), CS_SITE)
#define net_dial_timeout(network, address, d, errp) \
    cs_net_dial((network), (address), (d), (errp), CS_SITE)
net_conn_t *cs_net_dial(const char *network, const char *address, duration_t timeout, err_t *err,
                        cs_site site);
/* Read: up to len bytes, at least one unless an error; 0 and ERR_EOF at
 * the end.  Write: all len bytes unless an error (the count written). */
#define net_read(c, buf, len, errp) cs_net_read((c), (buf), (len), (errp), CS_SITE)
int64_t cs_net_read(net_conn_t *c, void *buf, size_t len, err_t *err, cs_site site);
#define net_write(c, buf, len, errp) cs_net_write((c), (buf), (len), (errp), CS_SITE)
int64_t cs_net_write(net_conn_t *c, const void *buf, size_t len, err_t *err, cs_site site);
#define net_close(c) cs_net_close((c), CS_SITE)
err_t cs_net_close(net_conn_t *c, cs_site site);
const char *net_conn_local_addr(net_conn_t *c);
const char *net_conn_remote_addr(net_conn_t *c);
/* Deadlines are monotonic times (time_now() + d), 0 for none.  Past the
 * deadline, operations fail with ERR_NET_TIMEOUT instead of blocking. */
err_t net_set_deadline(net_conn_t *c, int64_t deadline_mono_ns);
err_t net_set_read_deadline(net_conn_t *c, int64_t deadline_mono_ns);
err_t net_set_write_deadline(net_conn_t *c, int64_t deadline_mono_ns);

/* ------------------------------------------------------------------ */
/* Shared-variable annotations for race analysis                      */
/* ------------------------------------------------------------------ */

/* SHARED_READ(x) / SHARED_WRITE(x): record an access to x (by address) so
 * the analyzer can check happens-before between accesses.  No-ops unless
 * tracing.  SHARED_NAME(x, "counter") names the variable in reports. */
#define SHARED_READ(x) cs_shared_access((const void *)&(x), 0, #x, CS_SITE)
#define SHARED_WRITE(x) cs_shared_access((const void *)&(x), 1, #x, CS_SITE)
void cs_shared_access(const void *addr, int is_write, const char *name, cs_site site);

#ifdef __cplusplus
}
#endif
#endif /* CHANSCOPE_H */
