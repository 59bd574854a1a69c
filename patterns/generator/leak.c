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
 *       time.Sleep(5 * time.Millisecond)  // the program goes on; the generator waits
 *   }
 *
 * On every run: the generator is already blocked on its 11th send.
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
    time_sleep(5 * MILLISECOND); /* the program goes on; the generator waits */
    return 0;
}
