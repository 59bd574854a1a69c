/*
 * waitgroup — wait for a group of goroutines: Add before go, Done when
 * finished, Wait for all.
 *
 * The Go program this one follows:
 *
 *   func work(i int) int {
 *       time.Sleep(time.Duration(1+i%3) * time.Millisecond)
 *       return i * i
 *   }
 *
 *   func main() {
 *       var wg sync.WaitGroup
 *       results := make([]int, n)
 *       for i := 0; i < n; i++ {
 *           wg.Add(1)                 // before the go statement
 *           go func(i int) {
 *               defer wg.Done()
 *               results[i] = work(i)  // each goroutine writes its own slot
 *           }(i)
 *       }
 *       wg.Wait()                     // every Done happens before Wait returns
 *       sum := 0
 *       for _, r := range results { sum += r }
 *       fmt.Println("sum of squares:", sum)
 *   }
 *
 * What it shows: Add(1) runs in the parent before the goroutine exists, so
 * the counter can never be zero while work is outstanding.  Each Done happens
 * before Wait returns, so main reads the results without a lock: the race
 * analysis sees the Done -> Wait edges.
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
    int r = work(i);
    SHARED_WRITE(results[i]);
    results[i] = r;
    wg_done(&wg);
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
    for (int i = 0; i < n; i++) {
        wg_add(&wg, 1);
        go(worker, (void *)(intptr_t)i);
    }
    wg_wait(&wg);

    int sum = 0, want = 0;
    for (int i = 0; i < n; i++) {
        SHARED_READ(results[i]);
        sum += results[i];
        want += i * i;
    }
    printf("sum of squares 0..%d: %d (want %d)\n", n - 1, sum, want);
    free(results);
    return 0;
}
