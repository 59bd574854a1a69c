/*
 * common-mistakes / deadlock — MISUSE: main sends every job before it reads
 * any result, over unbuffered channels.
 *
 * The Go program this one follows:
 *
 *   func main() {
 *       jobs, results := make(chan int), make(chan int)
 *       for w := 0; w < 3; w++ {
 *           go func() {
 *               for j := range jobs {
 *                   results <- j * j  // blocks: main is not reading yet
 *               }
 *           }()
 *       }
 *       for j := 1; j <= 10; j++ {
 *           jobs <- j                 // BUG: blocks once every worker is stuck
 *       }
 *       close(jobs)
 *       total := 0
 *       for i := 0; i < 10; i++ {
 *           total += <-results
 *       }
 *       fmt.Println(total)
 *   }
 *
 * What goes wrong: each worker takes one job and then waits to hand over its
 * result; main only reads results after it has sent all ten jobs.  With the
 * three workers stuck on `results <-` nobody takes job 4, so main is stuck on
 * `jobs <-`: a cycle of waits.  Every goroutine is blocked and the runtime
 * stops the program with Go's
 * "fatal error: all goroutines are asleep - deadlock!" (exit status 2).
 *
 * It fails on every run: ten jobs, three workers, no buffers; it cannot
 * finish in any order.
 * The fix (main.c, part 4): send the jobs from their own goroutine (or make
 * results large enough to hold every result).
 */
#include <stdio.h>

#include "chanscope.h"
#include "params.h"

typedef struct {
    chan_t *jobs, *results;
} pool_chans;

static void squarer(void *arg) {
    pool_chans *c = arg;
    int j;
    while (chan_recv(c->jobs, &j)) chan_send_v(c->results, int, j * j);
}

int main(int argc, char **argv) {
    params_end(argc, argv);

    pool_chans c = {chan_make_named("jobs", int, 0), chan_make_named("results", int, 0)};
    for (int w = 0; w < 3; w++) go(squarer, &c);
    for (int j = 1; j <= 10; j++) chan_send(c.jobs, &j); /* BUG: nobody reads results yet */
    chan_close(c.jobs);
    int r, total = 0;
    for (int i = 0; i < 10; i++) {
        chan_recv(c.results, &r);
        total += r;
    }
    printf("total %d\n", total);
    return 0;
}
