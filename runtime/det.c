/*
 * det.c — deterministic mode's settings, generator and PCT change points
 * (the scheduling itself is in proc.c; see det.h and docs/schedules.md).
 *
 * The generator is splitmix64 over one 64-bit state seeded from the run's
 * seed.  Only the M that holds the single P draws from it (at a scheduling
 * point, when it picks the next goroutine, when a goroutine is created), so
 * the sequence of draws is a function of the schedule alone.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "det.h"

bool cs_det_on;
uint64_t cs_det_seed;
int cs_det_strategy = CS_STRAT_RANDOM;
int cs_det_depth = 3;
_Atomic int64_t cs_det_vclock = CS_DET_VCLOCK_START;

static uint64_t rng_state;
static uint64_t step;                 /* scheduling points so far */
static uint64_t change_at[64];        /* PCT: sorted step numbers */
static int nchange, next_change;
static char strategy_name[32] = "random";
static pthread_once_t once = PTHREAD_ONCE_INIT;

static uint64_t splitmix64(uint64_t *s) {
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

uint64_t cs_det_rand(void) { return splitmix64(&rng_state); }

uint64_t cs_det_g_rng(int64_t gid) {
    uint64_t s = cs_det_seed ^ ((uint64_t)gid * UINT64_C(0xD1B54A32D192ED03));
    uint64_t r = splitmix64(&s);
    return r ? r : 1;
}

/* Initial PCT priorities are all above the d-1 change-point priorities
 * (1 .. d-1), so a goroutine that passed a change point runs only when no
 * other can. */
uint64_t cs_det_new_prio(void) {
    return (uint64_t)cs_det_depth + (cs_det_rand() >> 2);
}

uint64_t cs_det_step(void) {
    step++;
    uint64_t lowered = 0;
    while (next_change < nchange && change_at[next_change] <= step) {
        next_change++;
        /* the i-th change point (from 1) lowers to d - i */
        lowered = (uint64_t)(cs_det_depth - next_change);
    }
    return lowered;
}

const char *cs_det_strategy_name(void) { return strategy_name; }

/* A PCT change point in [1, k], k = CS_DET_PCT_STEPS.  PCT draws them
 * uniformly over the run's length n, which is not known before the run; a
 * uniform draw over a fixed k much larger than n would almost never fall
 * inside a short run.  So the draw is log-uniform: an octave [2^b, 2^(b+1))
 * chosen uniformly, then a step uniformly inside it.  A point falls within
 * the first n steps with probability about log2(n)/log2(k), whatever n is. */
static uint64_t change_point(void) {
    int octaves = 0;
    while ((UINT64_C(2) << octaves) <= CS_DET_PCT_STEPS) octaves++;
    octaves++; /* [1,2), [2,4), ..., up to the one holding k */
    int b = (int)(cs_det_rand() % (uint64_t)octaves);
    uint64_t lo = UINT64_C(1) << b, hi = (UINT64_C(1) << (b + 1)) - 1;
    if (hi > CS_DET_PCT_STEPS) hi = CS_DET_PCT_STEPS;
    return lo + cs_det_rand() % (hi - lo + 1);
}

static _Noreturn void bad(const char *var, const char *val, const char *want) {
    fprintf(stderr, "chanscope: %s=%s is not valid (%s)\n", var, val, want);
    _exit(2);
}

static void setup(void) {
    const char *s = getenv("CHANSCOPE_SEED");
    if (!s || !*s) return;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || errno || *s == '-' || *s == '+' || *s == ' ')
        bad("CHANSCOPE_SEED", s, "a decimal number from 0 to 18446744073709551615");
    cs_det_seed = v;
    const char *st = getenv("CHANSCOPE_STRATEGY");
    if (st && *st && strcmp(st, "random") != 0) {
        if (strncmp(st, "pct", 3) != 0 || (st[3] && st[3] != ':'))
            bad("CHANSCOPE_STRATEGY", st, "random, pct or pct:DEPTH");
        cs_det_strategy = CS_STRAT_PCT;
        if (st[3] == ':') {
            errno = 0;
            long d = strtol(st + 4, &end, 10);
            if (!st[4] || *end || errno || d < 1 || d > 64)
                bad("CHANSCOPE_STRATEGY", st, "pct:DEPTH with DEPTH from 1 to 64");
            cs_det_depth = (int)d;
        }
        snprintf(strategy_name, sizeof strategy_name, "pct:%d", cs_det_depth);
    }
    rng_state = cs_det_seed;
    if (cs_det_strategy == CS_STRAT_PCT) {
        nchange = cs_det_depth - 1;
        for (int i = 0; i < nchange; i++) change_at[i] = change_point();
        for (int i = 1; i < nchange; i++) /* sort (insertion; d is small) */
            for (int j = i; j > 0 && change_at[j - 1] > change_at[j]; j--) {
                uint64_t t = change_at[j];
                change_at[j] = change_at[j - 1];
                change_at[j - 1] = t;
            }
    }
    cs_det_on = true;
}

_Atomic bool cs_det_inited;

void cs_det_setup(void) {
    pthread_once(&once, setup);
    atomic_store_explicit(&cs_det_inited, true, memory_order_release);
}
