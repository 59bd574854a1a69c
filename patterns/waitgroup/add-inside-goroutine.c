/*
 * waitgroup / add-inside-goroutine — MISUSE: wg.Add is called by the
 * goroutine itself, so Wait can run before any Add.
 *
 * The Go program this one follows:
 *
 *   func main() {
 *       var wg sync.WaitGroup
 *       results := make([]int, n)
 *       for i := 0; i < n; i++ {
 *           go func(i int) {
 *               wg.Add(1)             // BUG: too late, main may be in Wait already
 *               defer wg.Done()
 *               results[i] = work(i)
 *           }(i)
 *       }
 *       wg.Wait()                     // counter is 0: returns at once
 *       fmt.Println("sum after Wait:", sum(results))
 *       for runtime.NumGoroutine() > 1 {    // the rest of the program: it runs
 *           time.Sleep(5 * time.Millisecond) // until the workers happen to be gone
 *       }
 *       fmt.Println("sum a bit later:", sum(results))
 *   }
 *
 * What goes wrong: Wait returns as soon as the counter is zero, and nothing
 * has been added yet.  main reads `results` while the workers have not
 * written them (a data race, and a wrong sum), and the workers' Add(1) calls
 * come while the counter is zero without happening before the Wait: Go's
 * rule for WaitGroup is broken ("Add calls with a positive delta that occur
 * when the counter is zero must happen before a Wait").  The analyzer
 * reports the race and the Add concurrent with Wait (misuse).
 *
 * It fails whenever main reaches Wait before some worker has run its Add —
 * a goroutine simply not scheduled yet.  No sleep forces that: `chanscope
 * explore waitgroup/add-inside-goroutine --strategy pct` finds the schedules
 * where it happens (pattern.json declares it; `make demo` runs one of them,
 * its "demo_seed"; docs/schedules.md).  The polling loop in main only
 * keeps the program alive until the workers have finished, so the trace
 * shows what they did (without it they would be killed mid-way when main
 * returns); it is not synchronization — NumGoroutine orders nothing — so
 * main's second read still races with the workers' writes.  (A fixed sleep
 * there was not enough on a loaded machine: the workers were sometimes still
 * running when main returned.)
 * The fix is main.c: wg.Add(1) in the parent, before the go statement.
 */
#include <stdio.h>
#include <stdlib.h>

#include "chanscope.h"
#include "params.h"

static int *results;
static waitgroup_t wg;

static int work(int i) {
    time_sleep((1 + i % 3) * MILLISECOND);
    return i * i;
}

static void worker(void *arg) {
    int i = (int)(intptr_t)arg;
    wg_add(&wg, 1); /* BUG: Add inside the goroutine */
    int r = work(i);
    results[i] = r;
    wg_done(&wg);
}

static int sum_results(int n) {
    int sum = 0;
    for (int i = 0; i < n; i++) {
        sum += results[i];
    }
    return sum;
}

int main(int argc, char **argv) {
    int n = param_int(argc, argv, "n", 10);
    params_end(argc, argv);
    if (n < 1 || n > 1000) {
        fprintf(stderr, "%s: --n must be between 1 and 1000\n", argv[0]);
        return 2;
    }

    results = calloc((size_t)n, sizeof *results);
    wg_set_name(&wg, "wg");
    int want = 0;
    for (int i = 0; i < n; i++) {
        want += i * i;
        go(worker, (void *)(intptr_t)i);
    }
    wg_wait(&wg); /* returns at once: nobody has called Add yet */
    printf("sum after Wait: %d (want %d)\n", sum_results(n), want);

    /* The rest of the program: it lasts until the workers are gone (not
     * synchronization: no happens-before edge, see above). */
    while (goroutine_count() > 1) time_sleep(5 * MILLISECOND);
    printf("sum a bit later: %d: the work was done, but Wait did not wait for it\n",
           sum_results(n));
    return 0;
}
