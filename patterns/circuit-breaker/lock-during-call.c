/*
 * circuit-breaker / lock-during-call — MISUSE: the breaker holds its mutex
 * for the whole protected call, so every caller waits for every other.
 *
 * The Go program this one follows (Breaker, State and ErrOpen as in main.c):
 *
 *   func (b *Breaker) Call(fn func() error) error {
 *       b.mu.Lock()
 *       defer b.mu.Unlock()              // BUG: held until fn has returned
 *       if b.state == Open {
 *           if time.Since(b.openedAt) < b.cooldown {
 *               return ErrOpen
 *           }
 *           b.state = HalfOpen
 *       }
 *       err := fn()                      // every other caller queues behind this
 *       if err != nil {
 *           b.failures++
 *           if b.state == HalfOpen || b.failures >= b.maxFailures {
 *               b.state, b.openedAt = Open, time.Now()
 *           }
 *           return err
 *       }
 *       b.state, b.failures = Closed, 0
 *       return nil
 *   }
 *
 *   func main() {
 *       b := &Breaker{maxFailures: 3, cooldown: time.Second}
 *       replies := make(chan int, callers)
 *       for i := 0; i < callers; i++ {
 *           go func(i int) {
 *               b.Call(slowButHealthy)   // 40 ms each
 *               replies <- i
 *           }(i)
 *       }
 *       deadline := time.After(100 * time.Millisecond)   // the callers' budget
 *       for answered := 0; answered < callers; answered++ {
 *           select {
 *           case <-replies:
 *           case <-deadline:
 *               fmt.Println("gave up waiting")
 *               return
 *           }
 *       }
 *   }
 *
 * What goes wrong: the mutex is meant to protect a few counters, but Call
 * keeps it while the service works.  Four calls that could run side by side
 * in 40 ms run one after another: 40, 80, 120, 160 ms.  A breaker exists to
 * keep callers fast when a service is slow; this one makes every caller as
 * slow as all the calls before it, and a lock cannot be given up when the
 * caller's budget runs out.  When main stops waiting after 100 ms, two
 * callers are still in line (one in the call, one waiting for the lock): the
 * analyzer reports them as leaked, and the trace shows the staircase of lock
 * waits on breaker.mu.
 *
 * It fails on every run: 4 x 40 ms of serialised calls cannot fit in 100 ms.
 * The fix is main.c: lock only to read and update the state, never during
 * the call.
 */
#include <stdio.h>

#include "chanscope.h"
#include "params.h"

typedef enum { CLOSED, OPEN, HALF_OPEN } state_t;

static struct cs_error err_open_value = {"circuit open", NULL};
static const err_t ERR_OPEN = &err_open_value;

typedef struct {
    mutex_t mu;
    state_t state;
    int failures;
    int max_failures;
    int64_t opened_at;
    duration_t cooldown;
} breaker_t;

static err_t breaker_call(breaker_t *b, err_t (*fn)(void)) {
    mutex_lock(&b->mu); /* BUG: held until fn has returned */
    SHARED_READ(b->state);
    if (b->state == OPEN) {
        if (time_since(b->opened_at) < b->cooldown) {
            mutex_unlock(&b->mu);
            return ERR_OPEN;
        }
        SHARED_WRITE(b->state);
        b->state = HALF_OPEN;
    }
    err_t err = fn(); /* every other caller queues behind this */
    SHARED_WRITE(b->state);
    if (err) {
        b->failures++;
        if (b->state == HALF_OPEN || b->failures >= b->max_failures) {
            b->state = OPEN;
            b->opened_at = time_now();
        }
    } else {
        b->state = CLOSED;
        b->failures = 0;
    }
    mutex_unlock(&b->mu);
    return err;
}

static err_t slow_but_healthy(void) {
    time_sleep(40 * MILLISECOND);
    return NULL;
}

static breaker_t breaker = {.max_failures = 3, .cooldown = SECOND};
static chan_t *replies; /* chan int, capacity callers */

static void caller(void *arg) {
    int i = (int)(intptr_t)arg;
    int64_t start = time_now();
    breaker_call(&breaker, slow_but_healthy);
    trace_log("caller %d answered after %lld ms", i,
              (long long)(time_since(start) / MILLISECOND));
    chan_send(replies, &i);
}

int main(int argc, char **argv) {
    int callers = param_int(argc, argv, "callers", 4);
    params_end(argc, argv);

    mutex_set_name(&breaker.mu, "breaker.mu");
    replies = chan_make_named("replies", int, callers);
    for (int i = 0; i < callers; i++) go(caller, (void *)(intptr_t)i);

    chan_t *deadline = time_after(100 * MILLISECOND); /* the callers' budget */
    int answered = 0, who;
    while (answered < callers) {
        if (chan_select(select_recv(replies, &who, NULL),
                        select_recv(deadline, NULL, NULL)) == 1)
            break; /* out of budget */
        answered++;
    }
    printf("%d of %d callers answered within 100 ms (each call takes 40 ms)\n", answered,
           callers);
    printf("still waiting behind the breaker's lock: %d\n", callers - answered);
    return 0;
}
