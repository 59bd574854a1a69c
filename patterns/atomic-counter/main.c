/*
 * atomic-counter — counters shared by many goroutines, with sync/atomic
 * instead of a mutex.
 *
 * The Go program this one follows:
 *
 *   var (
 *       requests atomic.Int64
 *       slowest  atomic.Int64   // the largest latency seen, in µs
 *   )
 *
 *   // storeMax raises a to v unless it is already larger: a CAS loop.
 *   func storeMax(a *atomic.Int64, v int64) {
 *       for {
 *           old := a.Load()
 *           if v <= old || a.CompareAndSwap(old, v) {
 *               return
 *           }
 *       }
 *   }
 *
 *   func main() {
 *       var wg sync.WaitGroup
 *       for w := 0; w < workers; w++ {
 *           wg.Add(1)
 *           go func(w int) {
 *               defer wg.Done()
 *               for k := 0; k < perWorker; k++ {
 *                   requests.Add(1)
 *                   storeMax(&slowest, int64((w*37+k*11)%500))
 *               }
 *           }(w)
 *       }
 *       wg.Wait()
 *       fmt.Println(requests.Load(), slowest.Load())
 *   }
 *
 * What it shows: Add is one indivisible read-modify-write, so no increment
 * is lost however the goroutines interleave; a compare-and-swap loop builds
 * any other update (here: a running maximum) from Load and CAS.  The result
 * is the same on every run.
 */
#include <stdio.h>

#include "chanscope.h"
#include "params.h"

static atomic_i64 requests;
static atomic_i64 slowest;
static waitgroup_t wg;
static int per_worker;

static void store_max(atomic_i64 *a, int64_t v) {
    for (;;) {
        int64_t old = atomic_i64_load(a);
        if (v <= old || atomic_i64_cas(a, old, v)) return;
    }
}

static void worker(void *arg) {
    int w = (int)(intptr_t)arg;
    for (int k = 0; k < per_worker; k++) {
        atomic_i64_add(&requests, 1);
        store_max(&slowest, (w * 37 + k * 11) % 500);
    }
    wg_done(&wg);
}

int main(int argc, char **argv) {
    int workers = param_int(argc, argv, "workers", 10);
    per_worker = param_int(argc, argv, "per-worker", 5);
    params_end(argc, argv);

    int64_t want_max = 0;
    for (int w = 0; w < workers; w++)
        for (int k = 0; k < per_worker; k++)
            if ((w * 37 + k * 11) % 500 > want_max) want_max = (w * 37 + k * 11) % 500;

    for (int w = 0; w < workers; w++) {
        wg_add(&wg, 1);
        go(worker, (void *)(intptr_t)w);
    }
    wg_wait(&wg);
    printf("requests: %lld (want %d)\n", (long long)atomic_i64_load(&requests),
           workers * per_worker);
    printf("slowest: %lld us (want %lld)\n", (long long)atomic_i64_load(&slowest),
           (long long)want_max);
    return 0;
}
