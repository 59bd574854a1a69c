/*
 * common-mistakes / race — MISUSE: goroutines increment a shared variable
 * without synchronisation.
 *
 * The Go program this one follows:
 *
 *   func main() {
 *       counter := 0
 *       var wg sync.WaitGroup
 *       for i := 0; i < n; i++ {
 *           wg.Add(1)
 *           go func() {
 *               defer wg.Done()
 *               counter++             // BUG: DATA RACE
 *           }()
 *       }
 *       wg.Wait()
 *       fmt.Println(counter)
 *   }
 *
 * What goes wrong: the goroutines read and write `counter` with nothing
 * ordering one goroutine's access before another's.  `go run -race` stops
 * on it, and so does the race build here (chanscope build --race: this
 * variant is built with it, no marks): it names the two accesses, the
 * two goroutines and their sites.  The printed value may even be right; the
 * program is wrong anyway.
 *
 * It fails on every run: the goroutines never synchronise with each other,
 * so every run has unordered accesses (the WaitGroup orders them only before
 * main's final read).
 * The fix (main.c, part 2): atomic.Int64, or a mutex around counter++.
 */
#include <stdio.h>

#include "chanscope.h"
#include "params.h"

static int counter; /* BUG: shared, unsynchronised */
static waitgroup_t wg;

static void incrementer(void *arg) {
    (void)arg;
    int v = counter;
    counter = v + 1; /* counter++ */
    wg_done(&wg);
}

int main(int argc, char **argv) {
    int n = param_int(argc, argv, "n", 20);
    params_end(argc, argv);

    for (int i = 0; i < n; i++) {
        wg_add(&wg, 1);
        go(incrementer, NULL);
    }
    wg_wait(&wg);
    printf("counter = %d (want %d), but the program has a data race\n", counter, n);
    return 0;
}
