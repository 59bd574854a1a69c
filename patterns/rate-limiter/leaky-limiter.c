/*
 * rate-limiter/leaky-limiter.c — MISUSE: the refilling goroutine has no way
 * to stop.  `for t := range ticker.C` never ends, because Stop never closes
 * the channel and nothing else stops the ticker — its deferred Stop can
 * never run.  Every limiter made this way leaks a goroutine and a ticker.
 *
 * Go:
 *   func rateLimiter(every time.Duration, burst int) <-chan time.Time {
 *       ticker := time.NewTicker(every)
 *       tokens := make(chan time.Time, burst)
 *       go func() {
 *           defer ticker.Stop()                   // never runs
 *           for t := range ticker.C {             // BUG: never ends
 *               select {
 *               case tokens <- t:
 *               default:
 *               }
 *           }
 *       }()
 *       return tokens
 *   }
 *   func main() {
 *       tokens := rateLimiter(10*time.Millisecond, 3)
 *       for i := 1; i <= 4; i++ {
 *           <-tokens
 *           fmt.Println("request", i)
 *       }
 *   }
 *
 * On every run: the goroutine is alive at exit, waiting for the next tick.
 * Fix: a context (or done channel) the goroutine selects on, and a Stop
 * that cancels it and waits (main.c).
 */
#include <stdio.h>
#include <stdlib.h>

#include "chanscope.h"
#include "params.h"

typedef struct {
    time_ticker *ticker;
    chan_t *tokens;
} refill_args;

static void refill(void *arg) {
    refill_args *a = arg;
    int64_t t;
    while (chan_recv(a->ticker->C, &t)) /* BUG: never ends */
        chan_select(select_send(a->tokens, &t), select_default());
    time_ticker_stop(a->ticker); /* never reached */
}

static chan_t *rate_limiter(duration_t every, int burst) {
    refill_args *a = malloc(sizeof *a);
    a->ticker = time_new_ticker(every);
    a->tokens = chan_make_named("tokens", int64_t, burst);
    go(refill, a);
    return a->tokens;
}

int main(int argc, char **argv) {
    int every_ms = param_int(argc, argv, "every-ms", 10);
    int burst = param_int(argc, argv, "burst", 3);
    int requests = param_int(argc, argv, "requests", 4);
    params_end(argc, argv);

    chan_t *tokens = rate_limiter(every_ms * MILLISECOND, burst);
    for (int i = 1; i <= requests; i++) {
        chan_recv(tokens, NULL);
        printf("request %d\n", i);
    }
    return 0;
}
