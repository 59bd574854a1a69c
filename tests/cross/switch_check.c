/*
 * switch_check.c — what depends on the context switch (runtime/switch.c) and
 * the goroutine stacks (runtime/stack.c), checked on any architecture: built
 * natively and cross-built for aarch64 (`make cross-aarch64`, run under
 * qemu-aarch64 by tests/cross/run.sh).  Plain C, no Criterion (a cross
 * build has no Criterion): one check per process,
 *
 *   switch_check NAME      runs check NAME; exit 0 and "ok NAME: ..." on
 *                          success, exit 1 and "FAIL NAME: ..." otherwise
 *
 * Every check arms alarm() first, so a hang ends the process (SIGALRM) and
 * never the run; the driver also runs each under timeout(1).  Checks that
 * want an environment (CHANSCOPE_MAXPROCS, CHANSCOPE_STACK, CHANSCOPE_SEED)
 * get it from the driver: the runtime reads it at its first call.
 *
 *   pingpong   100 000 round trips over an unbuffered channel, value checked
 *   many       10 000 goroutines parked at once, woken, their stacks intact
 *   select     select over two producers, nil-ing closed cases; send cases;
 *              default
 *   timers     sleep, time_after in a select, a stopped timer never fires
 *   mutex      8 goroutines on CHANSCOPE_MAXPROCS threads, one counter
 *   deep       recursion to ~200 KiB of a 256 KiB stack, switching at the
 *              bottom, every frame checked on the way back up
 *   regs       callee-saved integer and FP registers and the FP rounding
 *              mode (FPCR / MXCSR) kept across switches between goroutines
 *   overflow   unbounded recursion in a goroutine: Go's "fatal error: stack
 *              overflow", exit 2 (the driver checks that)
 *   det        output of a racy-looking program; the driver runs it twice
 *              with CHANSCOPE_SEED and compares
 */
#include <fenv.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chanscope.h"

static const char *check_name = "?";

static void fail(const char *fmt, ...) CS_PRINTF(1, 2);
static void fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stdout, "FAIL %s: ", check_name);
    vfprintf(stdout, fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
    fflush(stdout);
    exit(1);
}

/* ---- pingpong -------------------------------------------------------------- */

#define PINGPONG_ROUNDS 100000
static chan_t *ping, *pong;
static void ponger(void *arg) {
    (void)arg;
    long v;
    while (chan_recv(ping, &v)) {
        v = v * 2 + 1;
        chan_send(pong, &v);
    }
}
static void check_pingpong(void) {
    ping = chan_make(long, 0);
    pong = chan_make(long, 0);
    go(ponger, NULL);
    for (long i = 0; i < PINGPONG_ROUNDS; i++) {
        long v = i, back = -1;
        chan_send(ping, &v);
        if (!chan_recv(pong, &back)) fail("pong closed at round %ld", i);
        if (back != i * 2 + 1) fail("round %ld: got %ld, want %ld", i, back, i * 2 + 1);
    }
    chan_close(ping);
    printf("ok pingpong: %d round trips\n", PINGPONG_ROUNDS);
}

/* ---- many parked goroutines ------------------------------------------------ */

#define MANY 10000
static chan_t *gate;
static waitgroup_t started = WAITGROUP_INIT, finished = WAITGROUP_INIT;
static atomic_long many_sum, many_bad;
static void parked(void *arg) {
    long id = (long)(intptr_t)arg;
    volatile long mine[4] = {id, id * 7919, ~id, id ^ 0x5a5a5a5aL}; /* on its stack */
    wg_done(&started);
    int v;
    chan_recv(gate, &v); /* parks until the gate closes */
    if (mine[0] != id || mine[1] != id * 7919 || mine[2] != ~id || mine[3] != (id ^ 0x5a5a5a5aL))
        atomic_fetch_add(&many_bad, 1);
    atomic_fetch_add(&many_sum, mine[0]);
    wg_done(&finished);
}
static void check_many(void) {
    gate = chan_make(int, 0);
    wg_add(&started, MANY);
    wg_add(&finished, MANY);
    for (long i = 1; i <= MANY; i++) go(parked, (void *)(intptr_t)i);
    wg_wait(&started);
    int live = goroutine_count();
    if (live != MANY + 1) fail("%d goroutines alive, want %d", live, MANY + 1);
    chan_close(gate);
    wg_wait(&finished);
    if (many_bad) fail("%ld goroutines found their stack changed", (long)many_bad);
    long want = (long)MANY * (MANY + 1) / 2;
    if (many_sum != want) fail("sum of ids %ld, want %ld", (long)many_sum, want);
    printf("ok many: %d goroutines parked and woken, stacks intact\n", MANY);
}

/* ---- select ---------------------------------------------------------------- */

#define SEL_N 2000
static void produce(void *arg) {
    chan_t *c = arg;
    for (long i = 1; i <= SEL_N; i++) chan_send(c, &i);
    chan_close(c);
}
static chan_t *sink_ch, *sink_done;
static void consume(void *arg) {
    long *got = arg, v;
    while (chan_recv(sink_ch, &v)) *got += v;
    chan_send(sink_done, got); /* after the close: *got is final */
}
static void check_select(void) {
    chan_t *a = chan_make(long, 0), *b = chan_make(long, 3), *none = chan_make(long, 0);
    long v = 0, sum_a = 0, sum_b = 0, n_a = 0, n_b = 0, sent = 0, consumed = 0;
    bool ok;
    int idx = chan_select(select_recv(none, &v, &ok), select_default());
    if (idx != 1) fail("select with only default ready chose case %d", idx);
    sink_ch = chan_make(long, 0);
    sink_done = chan_make(long, 0);
    go(consume, &consumed);
    go(produce, a);
    go(produce, b);
    chan_t *ca = a, *cb = b; /* NULL (nil channel) once closed */
    long next_send = 1;
    while (ca || cb) {
        idx = chan_select(select_recv(ca, &v, &ok), select_recv(cb, &v, &ok),
                          select_send(sink_ch, &next_send));
        if (idx == 0) {
            if (!ok) ca = NULL;
            else sum_a += v, n_a++;
        } else if (idx == 1) {
            if (!ok) cb = NULL;
            else sum_b += v, n_b++;
        } else if (idx == 2) {
            sent += next_send++;
        } else {
            fail("select returned %d", idx);
        }
    }
    chan_close(sink_ch);
    long want = (long)SEL_N * (SEL_N + 1) / 2;
    if (n_a != SEL_N || sum_a != want) fail("from a: %ld values, sum %ld (want %d, %ld)", n_a, sum_a, SEL_N, want);
    if (n_b != SEL_N || sum_b != want) fail("from b: %ld values, sum %ld (want %d, %ld)", n_b, sum_b, SEL_N, want);
    long final;
    chan_recv(sink_done, &final);
    if (final != sent || consumed != sent) fail("consumer got %ld, select sent %ld", consumed, sent);
    printf("ok select: 2 x %d received, %ld sent through select\n", SEL_N, next_send - 1);
}

/* ---- timers ---------------------------------------------------------------- */

static void check_timers(void) {
    int64_t t0 = time_now();
    time_sleep(20 * MILLISECOND);
    int64_t slept = time_since(t0);
    if (slept < 20 * MILLISECOND) fail("time_sleep(20ms) returned after %lld ns", (long long)slept);

    chan_t *never = chan_make(int, 0);
    int x;
    t0 = time_now();
    int64_t when;
    int idx = chan_select(select_recv(never, &x, NULL), select_recv(time_after(30 * MILLISECOND), &when, NULL));
    if (idx != 1) fail("select chose %d, not the time_after case", idx);
    if (time_since(t0) < 30 * MILLISECOND) fail("time_after(30ms) fired after %lld ns", (long long)time_since(t0));

    time_timer *t = time_new_timer(20 * MILLISECOND);
    if (!time_timer_stop(t)) fail("stopping a pending timer returned false");
    time_sleep(60 * MILLISECOND);
    idx = chan_select(select_recv(t->C, &when, NULL), select_default());
    if (idx != 1) fail("a stopped timer fired");
    time_timer_reset(t, 10 * MILLISECOND);
    t0 = time_now();
    if (!chan_recv(t->C, &when)) fail("reset timer's channel closed");
    if (time_since(t0) < 5 * MILLISECOND) fail("reset timer fired after %lld ns", (long long)time_since(t0));
    printf("ok timers: sleep, time_after, stop, reset\n");
}

/* ---- mutex under contention ------------------------------------------------ */

#define MUTEX_G 8
#define MUTEX_ITERS 5000
static mutex_t mu = MUTEX_INIT;
static long counter; /* guarded by mu */
static atomic_int inside, overlap;
static waitgroup_t mutex_wg = WAITGROUP_INIT;
static void locker(void *arg) {
    (void)arg;
    for (int i = 0; i < MUTEX_ITERS; i++) {
        mutex_lock(&mu);
        if (atomic_fetch_add(&inside, 1) != 0) atomic_fetch_add(&overlap, 1);
        long c = counter;
        if (i % 64 == 0) go_yield(); /* switch out while holding it */
        counter = c + 1;
        atomic_fetch_sub(&inside, 1);
        mutex_unlock(&mu);
    }
    wg_done(&mutex_wg);
}
static void check_mutex(void) {
    wg_add(&mutex_wg, MUTEX_G);
    for (int i = 0; i < MUTEX_G; i++) go(locker, NULL);
    wg_wait(&mutex_wg);
    if (overlap) fail("%d times two goroutines were inside the lock", (int)overlap);
    if (counter != (long)MUTEX_G * MUTEX_ITERS) fail("counter %ld, want %d", counter, MUTEX_G * MUTEX_ITERS);
    const char *p = getenv("CHANSCOPE_MAXPROCS");
    printf("ok mutex: %d x %d increments on %s threads\n", MUTEX_G, MUTEX_ITERS, p ? p : "default");
}

/* ---- deep recursion -------------------------------------------------------- */

#define DEEP_FRAMES 200 /* x ~1.1 KiB: ~220 KiB of the 256 KiB the driver sets */
static chan_t *deep_ch;
static long deep_bad;
static __attribute__((noinline)) long descend(int depth) {
    volatile unsigned char pad[1024];
    for (int i = 0; i < (int)sizeof pad; i += 64) pad[i] = (unsigned char)(depth * 31 + i);
    long r;
    if (depth == DEEP_FRAMES) {
        long v = depth;
        chan_send(deep_ch, &v); /* switch out at the bottom ... */
        chan_recv(deep_ch, &v); /* ... and back */
        r = v;
    } else {
        r = descend(depth + 1) + 1;
    }
    for (int i = 0; i < (int)sizeof pad; i += 64)
        if (pad[i] != (unsigned char)(depth * 31 + i)) deep_bad++;
    return r;
}
static void deep_goroutine(void *arg) {
    long *out = arg;
    *out = descend(0);
    long done = -1;
    chan_send(deep_ch, &done);
}
static void check_deep(void) {
    deep_ch = chan_make(long, 0);
    long result = 0, v;
    go(deep_goroutine, &result);
    chan_recv(deep_ch, &v);
    if (v != DEEP_FRAMES) fail("bottom reported depth %ld", v);
    v = 1000;
    chan_send(deep_ch, &v);
    chan_recv(deep_ch, &v);
    if (deep_bad) fail("%ld stack bytes changed across the switch", deep_bad);
    if (result != 1000 + DEEP_FRAMES) fail("recursion returned %ld, want %d", result, 1000 + DEEP_FRAMES);
    printf("ok deep: %d frames of 1 KiB, switched at the bottom\n", DEEP_FRAMES);
}

/* ---- registers across switches --------------------------------------------- */

/* Many values live across calls: the compiler keeps them in callee-saved
 * registers (x19..x28 and d8..d15 on aarch64; rbx, rbp, r12..r15 on x86-64)
 * or spills them to the stack.  Two goroutines run this at once, switching
 * at every barrier; the results must equal a run without switches. */
typedef struct {
    double seed;
    long iseed;
    int rounds;
    chan_t *mine, *theirs; /* barrier: receive on mine, send on theirs */
    bool first;
    double dres;
    long lres;
} regs_arg;

static __attribute__((noinline)) void no_barrier(regs_arg *a) { __asm__ volatile("" ::"r"(a) : "memory"); }
static __attribute__((noinline)) void chan_barrier(regs_arg *a) {
    long tok = 0;
    if (a->first) {
        chan_send(a->theirs, &tok);
        chan_recv(a->mine, &tok);
    } else {
        chan_recv(a->mine, &tok);
        chan_send(a->theirs, &tok);
    }
}
static __attribute__((noinline)) void regs_work(regs_arg *a, void (*barrier)(regs_arg *)) {
    double d0 = a->seed, d1 = d0 * 1.5, d2 = d0 + 0.25, d3 = d0 * d0, d4 = d0 - 3.0, d5 = 1.0 / d0,
           d6 = d0 * 0.125, d7 = d0 + 7.5;
    long l0 = a->iseed, l1 = l0 * 3, l2 = l0 ^ 0x1234, l3 = l0 + 99, l4 = ~l0, l5 = l0 << 3, l6 = l0 - 5;
    for (int i = 0; i < a->rounds; i++) {
        barrier(a);
        d0 = d0 * 1.0000001 + d7 * 1e-9;
        d1 += d0 * 0.5;
        d2 = d2 * 0.999 + d1 * 1e-6;
        d3 -= d2 * 1e-7;
        d4 += d3 * 1e-8;
        d5 = d5 * 0.9999 + d4 * 1e-9;
        d6 += d5;
        d7 = d7 * 0.99 + d6 * 1e-3;
        l0 = l0 * 6364136223846793005L + 1442695040888963407L;
        l1 ^= l0 >> 7;
        l2 += l1 * 31;
        l3 = (l3 << 5) ^ l2;
        l4 -= l3;
        l5 ^= l4 + i;
        l6 += l5 >> 3;
    }
    a->dres = d0 + d1 + d2 + d3 + d4 + d5 + d6 + d7;
    a->lres = l0 ^ l1 ^ l2 ^ l3 ^ l4 ^ l5 ^ l6;
}

static waitgroup_t regs_wg = WAITGROUP_INIT;
static void regs_goroutine(void *arg) {
    regs_work(arg, chan_barrier);
    wg_done(&regs_wg);
}

/* The rounding mode is per context (the switch saves FPCR / MXCSR and the
 * x87 control word): a goroutine rounding upward keeps doing so across
 * switches, its partner keeps rounding to nearest. */
static chan_t *fp_a, *fp_b;
/* (a call: the division happens in the rounding mode of the moment; the
 * file is also compiled with -frounding-math) */
static __attribute__((noinline)) double third(void) {
    volatile double one = 1.0, three = 3.0;
    return one / three;
}
static long fp_bad;
static void round_up(void *arg) {
    (void)arg;
    fesetround(FE_UPWARD);
    double up = third();
    for (int i = 0; i < 1000; i++) {
        int t = i;
        chan_send(fp_a, &t);
        chan_recv(fp_b, &t);
        if (fegetround() != FE_UPWARD || third() != up) fp_bad++;
    }
    fesetround(FE_TONEAREST);
    wg_done(&regs_wg);
}
static void round_near(void *arg) {
    (void)arg;
    double near = third();
    for (int i = 0; i < 1000; i++) {
        int t;
        chan_recv(fp_a, &t);
        if (fegetround() != FE_TONEAREST || third() != near) fp_bad++;
        chan_send(fp_b, &t);
    }
    wg_done(&regs_wg);
}

static void check_regs(void) {
    enum { ROUNDS = 20000 };
    regs_arg want1 = {.seed = 1.75, .iseed = 12345, .rounds = ROUNDS};
    regs_arg want2 = {.seed = -0.3, .iseed = -987654321, .rounds = ROUNDS};
    regs_work(&want1, no_barrier);
    regs_work(&want2, no_barrier);
    chan_t *c1 = chan_make(long, 0), *c2 = chan_make(long, 0);
    regs_arg got1 = want1, got2 = want2;
    got1.mine = c1, got1.theirs = c2, got1.first = true;
    got2.mine = c2, got2.theirs = c1, got2.first = false;
    got1.dres = got2.dres = 0, got1.lres = got2.lres = 0;
    wg_add(&regs_wg, 2);
    go(regs_goroutine, &got1);
    go(regs_goroutine, &got2);
    wg_wait(&regs_wg);
    if (memcmp(&got1.dres, &want1.dres, sizeof(double)) || got1.lres != want1.lres)
        fail("goroutine 1: %.17g %ld, want %.17g %ld", got1.dres, got1.lres, want1.dres, want1.lres);
    if (memcmp(&got2.dres, &want2.dres, sizeof(double)) || got2.lres != want2.lres)
        fail("goroutine 2: %.17g %ld, want %.17g %ld", got2.dres, got2.lres, want2.dres, want2.lres);

    fesetround(FE_UPWARD);
    double up = third();
    fesetround(FE_TONEAREST);
    if (up == third()) fail("this machine does not round 1/3 differently upward");
    fp_a = chan_make(int, 0);
    fp_b = chan_make(int, 0);
    wg_add(&regs_wg, 2);
    go(round_up, NULL);
    go(round_near, NULL);
    wg_wait(&regs_wg);
    if (fp_bad) fail("%ld times a goroutine saw the other's rounding mode", fp_bad);
    if (fegetround() != FE_TONEAREST) fail("main's rounding mode changed");
    printf("ok regs: 2 x %d rounds bit-identical, rounding mode per goroutine\n", ROUNDS);
}

/* ---- stack overflow (the driver checks the message and status 2) ----------- */

static volatile int ov_sink;
static volatile int forever = 1; /* (so the compiler sees a way out) */
static int recurse(int depth) {
    volatile char pad[512];
    pad[0] = (char)depth;
    ov_sink = pad[0];
    if (!forever) return 0;
    return recurse(depth + 1) + pad[0];
}
static void overflow(void *arg) {
    (void)arg;
    ov_sink = recurse(0);
}
static void check_overflow(void) {
    go_named("deep", overflow, NULL);
    time_sleep(30 * SECOND);
    fail("no stack overflow within 30 s");
}

/* ---- deterministic mode (the driver compares two runs) --------------------- */

static chan_t *det_ch;
static waitgroup_t det_wg = WAITGROUP_INIT;
static void det_worker(void *arg) {
    int id = (int)(intptr_t)arg;
    for (int step = 0; step < 8; step++) {
        int v = id * 100 + step;
        if (step % 3 == 0) go_yield();
        if (step == 4) time_sleep((duration_t)(id % 3) * MILLISECOND);
        chan_send(det_ch, &v);
    }
    wg_done(&det_wg);
}
static void check_det(void) {
    det_ch = chan_make(int, 2);
    wg_add(&det_wg, 5);
    for (int i = 1; i <= 5; i++) go(det_worker, (void *)(intptr_t)i);
    for (int i = 0; i < 40; i++) {
        int v;
        chan_recv(det_ch, &v);
        printf("%d%c", v, i % 10 == 9 ? '\n' : ' ');
    }
    wg_wait(&det_wg);
    printf("ok det: 40 values\n");
}

/* ---------------------------------------------------------------------------- */

static const struct {
    const char *name;
    void (*fn)(void);
    unsigned timeout; /* seconds, generous: qemu is 5-20x slower */
} checks[] = {
    {"pingpong", check_pingpong, 120}, {"many", check_many, 120},     {"select", check_select, 60},
    {"timers", check_timers, 60},      {"mutex", check_mutex, 120},   {"deep", check_deep, 30},
    {"regs", check_regs, 60},          {"overflow", check_overflow, 60}, {"det", check_det, 30},
};

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 2)
        for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++)
            if (strcmp(argv[1], checks[i].name) == 0) {
                check_name = checks[i].name;
                alarm(checks[i].timeout);
                checks[i].fn();
                return 0;
            }
    fprintf(stderr, "usage: switch_check NAME (");
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++)
        fprintf(stderr, "%s%s", i ? " " : "", checks[i].name);
    fprintf(stderr, ")\n");
    return 2;
}
