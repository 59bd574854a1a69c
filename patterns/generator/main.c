/*
 * generator/main.c — a function that returns a channel and a goroutine that
 * feeds it: the consumer pulls values one at a time, and stops the producer
 * with a context when it has had enough.
 *
 * Go:
 *   func fibonacci(ctx context.Context) <-chan int {
 *       out := make(chan int)
 *       go func() {
 *           defer close(out)
 *           a, b := 0, 1
 *           for {
 *               select {
 *               case out <- a:
 *                   a, b = b, a+b
 *               case <-ctx.Done():
 *                   return
 *               }
 *           }
 *       }()
 *       return out
 *   }
 *   func main() {
 *       ctx, cancel := context.WithCancel(context.Background())
 *       fib := fibonacci(ctx)
 *       for i := 0; i < 10; i++ {
 *           fmt.Print(<-fib, " ")
 *       }
 *       cancel()                  // stop the generator ...
 *       for range fib {           // ... and wait until it has closed out
 *       }
 *       fmt.Println("\ngenerator stopped")
 *   }
 */
#include <stdio.h>

#include "chanscope.h"
#include "params.h"

typedef struct {
    ctx_t *ctx;
    chan_t *out;
} gen_args;

static void fibonacci_gen(void *arg) {
    gen_args *g = arg;
    long a = 0, b = 1;
    for (;;) {
        switch (chan_select(select_send(g->out, &a), select_recv(ctx_done(g->ctx), NULL, NULL))) {
        case 0: {
            long t = a + b;
            a = b;
            b = t;
            break;
        }
        case 1:
            chan_close(g->out);
            return;
        }
    }
}

static chan_t *fibonacci(ctx_t *ctx) {
    static gen_args g;
    g = (gen_args){ctx, chan_make_named("fib", long, 0)};
    go(fibonacci_gen, &g);
    return g.out;
}

int main(int argc, char **argv) {
    int count = param_int(argc, argv, "count", 10);
    params_end(argc, argv);

    cancel_func cancel;
    ctx_t *ctx = ctx_with_cancel(ctx_background(), &cancel);
    chan_t *fib = fibonacci(ctx);
    for (int i = 0; i < count; i++) {
        long v;
        chan_recv(fib, &v);
        printf("%ld ", v);
    }
    ctx_cancel(cancel);              /* stop the generator ... */
    while (chan_recv(fib, NULL)) {} /* ... and wait until it has closed out */
    printf("\ngenerator stopped\n");
    return 0;
}
