/*
 * rate-limiter/main.c — a token bucket fed by a ticker: the bucket is a
 * buffered channel of capacity `burst`, a goroutine adds one token per tick
 * (dropping it when the bucket is full), and each request takes a token.
 * A full bucket lets a burst through at once; after that, requests go at
 * the ticker's pace.  Stop() ends the refilling goroutine and waits for it.
 *
 * Go:
 *   type Limiter struct {
 *       Tokens chan time.Time
 *       cancel context.CancelFunc
 *       wg     sync.WaitGroup
 *   }
 *   func NewLimiter(every time.Duration, burst int) *Limiter {
 *       ctx, cancel := context.WithCancel(context.Background())
 *       l := &Limiter{Tokens: make(chan time.Time, burst), cancel: cancel}
 *       for i := 0; i < burst; i++ {
 *           l.Tokens <- time.Now()                // start full
 *       }
 *       ticker := time.NewTicker(every)
 *       l.wg.Add(1)
 *       go func() {
 *           defer l.wg.Done()
 *           defer ticker.Stop()
 *           for {
 *               select {
 *               case t := <-ticker.C:
 *                   select {
 *                   case l.Tokens <- t:           // one more token
 *                   default:                      // bucket full: drop it
 *                   }
 *               case <-ctx.Done():
 *                   return
 *               }
 *           }
 *       }()
 *       return l
 *   }
 *   func (l *Limiter) Stop() { l.cancel(); l.wg.Wait() }
 *
 *   func main() {
 *       start := time.Now()
 *       lim := NewLimiter(10*time.Millisecond, 3)
 *       for i := 1; i <= 7; i++ {
 *           t := <-lim.Tokens                     // when the token was added
 *           if t.Sub(start) < 5*time.Millisecond {
 *               fmt.Println("request", i, "burst")
 *           } else {
 *               fmt.Println("request", i, "paced")
 *           }
 *       }
 *       lim.Stop()
 *   }
 */
#include <stdio.h>
#include <stdlib.h>

#include "chanscope.h"
#include "params.h"

typedef struct {
    chan_t *tokens; /* chan int64 (the tick's time), capacity burst */
    ctx_t *ctx;
    cancel_func cancel;
    waitgroup_t wg;
    time_ticker *ticker;
} limiter_t;

static void refill(void *arg) {
    limiter_t *l = arg;
    for (;;) {
        int64_t t;
        switch (chan_select(select_recv(l->ticker->C, &t, NULL),
                            select_recv(ctx_done(l->ctx), NULL, NULL))) {
        case 0:
            if (chan_select(select_send(l->tokens, &t), select_default()) == 1)
                trace_log("bucket full: token dropped");
            break;
        case 1:
            time_ticker_stop(l->ticker);
            wg_done(&l->wg);
            return;
        }
    }
}

static limiter_t *new_limiter(duration_t every, int burst) {
    limiter_t *l = calloc(1, sizeof *l);
    l->ctx = ctx_with_cancel(ctx_background(), &l->cancel);
    l->tokens = chan_make_named("tokens", int64_t, burst);
    for (int i = 0; i < burst; i++) chan_send_v(l->tokens, int64_t, time_now()); /* start full */
    l->ticker = time_new_ticker(every);
    wg_add(&l->wg, 1);
    go(refill, l);
    return l;
}

static void limiter_stop(limiter_t *l) {
    ctx_cancel(l->cancel);
    wg_wait(&l->wg);
}

int main(int argc, char **argv) {
    int every_ms = param_int(argc, argv, "every-ms", 10);
    int burst = param_int(argc, argv, "burst", 3);
    int requests = param_int(argc, argv, "requests", 7);
    params_end(argc, argv);

    int64_t start = time_now();
    limiter_t *lim = new_limiter(every_ms * MILLISECOND, burst);
    for (int i = 1; i <= requests; i++) {
        int64_t token; /* when the token was put in the bucket */
        chan_recv(lim->tokens, &token);
        printf("request %d %s\n", i,
               token - start < every_ms * MILLISECOND / 2 ? "burst" : "paced");
    }
    limiter_stop(lim);
    return 0;
}
