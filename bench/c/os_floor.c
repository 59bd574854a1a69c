/*
 * os_floor — what the operating system charges, with no runtime at all.
 *
 * A runtime with one thread per goroutine (ours) pays the kernel whenever a
 * goroutine parks and is woken; Go pays nothing there, its scheduler switches
 * goroutines in user space.  These two C-only workloads (no Go column) measure
 * that floor on the machine at hand, so the table shows how much of a gap is
 * the runtime's and how much is the kernel's:
 *
 *   os-handoff  two threads bounce a counter through futex words, each one
 *               sleeping in FUTEX_WAIT until the other wakes it: one op = one
 *               round trip = two sleeps and two wake-ups.  pingpong pays this
 *               whenever spinning does not catch the partner; pool and spawn
 *               pay about one wake-up per job or goroutine.
 *   os-spawn    pthread_create + pthread_join in batches of 100, no cache:
 *               one op = one thread started and joined (our spawn reuses
 *               cached threads and pays a wake-up instead).
 */
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"

static void fwait(_Atomic uint32_t *w, uint32_t v) {
    syscall(SYS_futex, (uint32_t *)w, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
}
static void fwake(_Atomic uint32_t *w) {
    syscall(SYS_futex, (uint32_t *)w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* turn: 0 = main's move, 1 = the partner's; each side waits for its value. */
struct handoff {
    _Atomic uint32_t turn;
    int64_t n, counter;
};

static void pass_to(struct handoff *h, uint32_t who) {
    atomic_store_explicit(&h->turn, who, memory_order_release);
    fwake(&h->turn);
}
static void wait_for(struct handoff *h, uint32_t me) {
    uint32_t t;
    while ((t = atomic_load_explicit(&h->turn, memory_order_acquire)) != me) fwait(&h->turn, t);
}

static void *handoff_partner(void *arg) {
    struct handoff *h = arg;
    for (int64_t i = 0; i < h->n; i++) {
        wait_for(h, 1);
        h->counter++;
        pass_to(h, 0);
    }
    return NULL;
}

void wl_os_handoff(int64_t n) {
    struct handoff *h = bench_alloc(sizeof *h);
    h->n = n;
    pthread_t t;
    BENCH_CHECK(pthread_create(&t, NULL, handoff_partner, h) == 0, "os-handoff: pthread_create");
    for (int64_t i = 0; i < n; i++) {
        pass_to(h, 1);
        wait_for(h, 0);
    }
    pthread_join(t, NULL);
    BENCH_CHECK(h->counter == n, "os-handoff: counter %lld, want %lld", (long long)h->counter,
                (long long)n);
}

static _Atomic int64_t spawned;
static void *spawn_body(void *arg) {
    (void)arg;
    atomic_fetch_add_explicit(&spawned, 1, memory_order_relaxed);
    return NULL;
}

void wl_os_spawn(int64_t n) {
    pthread_t batch[100];
    atomic_store(&spawned, 0);
    for (int64_t done = 0; done < n;) {
        int k = n - done < 100 ? (int)(n - done) : 100;
        for (int i = 0; i < k; i++)
            BENCH_CHECK(pthread_create(&batch[i], NULL, spawn_body, NULL) == 0,
                        "os-spawn: pthread_create");
        for (int i = 0; i < k; i++) pthread_join(batch[i], NULL);
        done += k;
    }
    BENCH_CHECK(atomic_load(&spawned) == n, "os-spawn: %lld ran, want %lld",
                (long long)atomic_load(&spawned), (long long)n);
}
