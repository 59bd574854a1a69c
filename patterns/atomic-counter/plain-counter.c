/*
 * atomic-counter / plain-counter — MISUSE: a plain integer incremented by
 * many goroutines.
 *
 * The Go program this one follows:
 *
 *   var requests int64              // BUG: no atomic, no mutex
 *
 *   func main() {
 *       var wg sync.WaitGroup
 *       for w := 0; w < workers; w++ {
 *           wg.Add(1)
 *           go func() {
 *               defer wg.Done()
 *               for k := 0; k < perWorker; k++ {
 *                   requests++      // read, add, write: three steps
 *               }
 *           }()
 *       }
 *       wg.Wait()
 *       fmt.Println(requests)       // sometimes less than workers*perWorker
 *   }
 *
 * What goes wrong: `requests++` reads the counter, adds one and writes it
 * back.  Two goroutines can read the same value and both write value+1: one
 * increment is lost.  Whether that happens on a given run depends on timing,
 * but the data race does not: the increments of different goroutines have no
 * happens-before path between them, and the race build (chanscope build
 * --race, no marks in this file) reports the pair of accesses with both
 * sites, as Go's -race does.
 *
 * It fails on every run: the workers never synchronise with each other (the
 * WaitGroup only orders them before main's final read), so every run has
 * unordered writes to `requests`.
 * The fix is main.c: atomic.Int64 (or a mutex around the increment).
 */
#include <stdio.h>

#include "chanscope.h"
#include "params.h"

static int64_t requests; /* BUG: shared, unsynchronised */
static waitgroup_t wg;
static int per_worker;

static void worker(void *arg) {
    (void)arg;
    for (int k = 0; k < per_worker; k++) {
        int64_t v = requests;
        go_yield(); /* between the read and the write: where updates get lost */
        requests = v + 1;
    }
    wg_done(&wg);
}

int main(int argc, char **argv) {
    int workers = param_int(argc, argv, "workers", 10);
    per_worker = param_int(argc, argv, "per-worker", 5);
    params_end(argc, argv);

    for (int w = 0; w < workers; w++) {
        wg_add(&wg, 1);
        go(worker, NULL);
    }
    wg_wait(&wg);
    printf("requests: %lld (want %d)\n", (long long)requests, workers * per_worker);
    return 0;
}
