/*
 * semaphore/main.c — limit how many goroutines use a resource at once.
 * A buffered channel is a counting semaphore: send to acquire, receive to
 * release, select with default to try.  For weighted limits (a budget that
 * tasks take unequal shares of) there is semaphore.Weighted.
 *
 * Go:
 *   type Semaphore struct{ slots chan struct{} }
 *   func NewSemaphore(n int) *Semaphore { return &Semaphore{make(chan struct{}, n)} }
 *   func (s *Semaphore) Acquire(ctx context.Context) error {
 *       select {
 *       case s.slots <- struct{}{}:
 *           return nil
 *       case <-ctx.Done():
 *           return ctx.Err()
 *       }
 *   }
 *   func (s *Semaphore) Release() { <-s.slots }
 *   func (s *Semaphore) TryAcquire() bool {
 *       select {
 *       case s.slots <- struct{}{}:
 *           return true
 *       default:
 *           return false
 *       }
 *   }
 *
 *   func fetchMany(ctx context.Context, ids []int) []string {
 *       sem := NewSemaphore(3)                 // at most 3 fetches at once
 *       var mu sync.Mutex
 *       var wg sync.WaitGroup
 *       results := make([]string, len(ids))
 *       for i, id := range ids {
 *           wg.Add(1)
 *           go func() {
 *               defer wg.Done()
 *               if err := sem.Acquire(ctx); err != nil { return }
 *               defer sem.Release()
 *               r := fetch(id)                 // 5 ms
 *               mu.Lock(); results[i] = r; mu.Unlock()
 *           }()
 *       }
 *       wg.Wait()
 *       return results
 *   }
 *
 *   func main() {
 *       fmt.Println(fetchMany(context.Background(), []int{1, 2, 3, 4, 5, 6, 7, 8, 9}))
 *       sem := NewSemaphore(1)
 *       fmt.Println(sem.TryAcquire(), sem.TryAcquire())     // true false
 *       budget := semaphore.NewWeighted(8)                  // 8 units of memory
 *       for _, w := range []int64{4, 4, 2, 6, 3} {
 *           wg.Add(1)
 *           go func() { defer wg.Done(); budget.Acquire(ctx, w); use(w); budget.Release(w) }()
 *       }
 *       wg.Wait()
 *   }
 */
#include <stdio.h>

#include "chanscope.h"
#include "params.h"

typedef struct {
    chan_t *slots; /* chan struct{} with capacity n */
} sem_t;

static sem_t new_semaphore(int n) { return (sem_t){chan_make_named("slots", char, n)}; }

static err_t sem_acquire(sem_t *s, ctx_t *ctx) {
    char token = 0;
    switch (chan_select(select_send(s->slots, &token), select_recv(ctx_done(ctx), NULL, NULL))) {
    case 0:
        return NULL;
    default:
        return ctx_err(ctx);
    }
}

static void sem_release(sem_t *s) { chan_recv(s->slots, NULL); }

static bool sem_try_acquire(sem_t *s) {
    char token = 0;
    return chan_select(select_send(s->slots, &token), select_default()) == 0;
}

static atomic_i64 in_use = ATOMIC_I64_INIT, peak = ATOMIC_I64_INIT;

static void track(int64_t delta) {
    int64_t now = atomic_i64_add(&in_use, delta);
    for (int64_t m = atomic_i64_load(&peak); now > m; m = atomic_i64_load(&peak))
        if (atomic_i64_cas(&peak, m, now)) break;
}

typedef struct {
    ctx_t *ctx;
    sem_t *sem;
    mutex_t *mu;
    waitgroup_t *wg;
    int id;
    int *result;
} fetch_args;

static void fetcher(void *arg) {
    fetch_args *a = arg;
    if (sem_acquire(a->sem, a->ctx) == NULL) {
        track(1);
        time_sleep(5 * MILLISECOND); /* fetch(id) */
        track(-1);
        mutex_lock(a->mu);
        SHARED_WRITE(*a->result);
        *a->result = a->id * 100;
        mutex_unlock(a->mu);
        sem_release(a->sem);
    }
    wg_done(a->wg);
}

typedef struct {
    ctx_t *ctx;
    semaphore_t *budget;
    waitgroup_t *wg;
    int64_t w;
} weighted_args;

static void weighted_user(void *arg) {
    weighted_args *a = arg;
    if (semaphore_acquire(a->budget, a->ctx, a->w) == NULL) {
        track(a->w);
        time_sleep(3 * MILLISECOND); /* use(w) */
        track(-a->w);
        semaphore_release(a->budget, a->w);
    }
    wg_done(a->wg);
}

int main(int argc, char **argv) {
    int nids = param_int(argc, argv, "ids", 9);
    int limit = param_int(argc, argv, "limit", 3);
    params_end(argc, argv);
    if (nids < 1) nids = 1;

    ctx_t *ctx = ctx_background();
    /* 1. a channel semaphore around fetches */
    sem_t sem = new_semaphore(limit);
    mutex_t mu = MUTEX_INIT;
    waitgroup_t wg = WAITGROUP_INIT;
    int results[nids];
    fetch_args fa[nids];
    for (int i = 0; i < nids; i++) {
        fa[i] = (fetch_args){ctx, &sem, &mu, &wg, i + 1, &results[i]};
        wg_add(&wg, 1);
        go(fetcher, &fa[i]);
    }
    wg_wait(&wg);
    printf("fetched:");
    for (int i = 0; i < nids; i++) {
        SHARED_READ(results[i]);
        printf(" %d", results[i]);
    }
    printf("\nat most %d fetches at once: %s\n", limit, atomic_i64_load(&peak) <= limit ? "true" : "false");

    /* 2. TryAcquire never blocks */
    sem_t one = new_semaphore(1);
    bool first = sem_try_acquire(&one), second = sem_try_acquire(&one);
    printf("TryAcquire: %s %s\n", first ? "true" : "false", second ? "true" : "false");
    sem_release(&one);

    /* 3. a weighted semaphore: a budget of 8 units */
    atomic_i64_store(&peak, 0);
    semaphore_t *budget = semaphore_new(8);
    static const int64_t weights[] = {4, 4, 2, 6, 3};
    weighted_args wa[5];
    for (int i = 0; i < 5; i++) {
        wa[i] = (weighted_args){ctx, budget, &wg, weights[i]};
        wg_add(&wg, 1);
        go(weighted_user, &wa[i]);
    }
    wg_wait(&wg);
    printf("weighted: never more than 8 units in use: %s\n",
           atomic_i64_load(&peak) <= 8 ? "true" : "false");
    return 0;
}
