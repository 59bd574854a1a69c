/*
 * generator/leak.c — MISUSE: a generator with no way to stop.  The consumer
 * takes what it needs and moves on; the generator's goroutine waits forever
 * to hand over the next value.
 *
 * Go:
 *   func fibonacci() <-chan int {
 *       out := make(chan int)
 *       go func() {
 *           a, b := 0, 1
 *           for {
 *               out <- a                  // BUG: blocks forever once nobody receives
 *               a, b = b, a+b
 *           }
 *       }()
 *       return out
 *   }
 *   func main() {
 *       fib := fibonacci()
 *       for i := 0; i < 10; i++ {
 *           fmt.Print(<-fib, " ")
 *       }
 *       fmt.Println()
 *       time.Sleep(100 * time.Millisecond) // the program goes on; the generator waits
 *   }
 *
 * On every run: the generator is already blocked on its 11th send — main
 * carries on for 100 ms, ample time even on a loaded machine for it to get
 * from its 10th send to the 11th (with 5 ms it was sometimes still on its
 * way, and a goroutine that just made a send looks like one finishing).
 * Fix: pass a context and select on ctx.Done() beside the send (main.c).
 */
#include <stdio.h>

#include "chanscope.h"
#include "params.h"

static void fibonacci_gen(void *arg) {
    chan_t *out = arg;
    long a = 0, b = 1;
    for (;;) {
        chan_send(out, &a); /* BUG: blocks forever once nobody receives */
        long t = a + b;
        a = b;
        b = t;
    }
}

static chan_t *fibonacci(void) {
    chan_t *out = chan_make_named("fib", long, 0);
    go(fibonacci_gen, out);
    return out;
}

int main(int argc, char **argv) {
    int count = param_int(argc, argv, "count", 10);
    params_end(argc, argv);

    chan_t *fib = fibonacci();
    for (int i = 0; i < count; i++) {
        long v;
        chan_recv(fib, &v);
        printf("%ld ", v);
    }
    printf("\n");
    /* Forced interleaving: the program goes on long enough for the generator
     * to be waiting in its next send. */
    time_sleep(100 * MILLISECOND);
    return 0;
}
