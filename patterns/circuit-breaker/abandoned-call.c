/*
 * circuit-breaker / abandoned-call — MISUSE: on timeout the breaker walks
 * away from the goroutine running the call, which then blocks forever.
 *
 * The Go program this one follows (allow and record as in main.c):
 *
 *   func (b *Breaker) Call(timeout time.Duration, fn func() (int, error)) (int, error) {
 *       if err := b.allow(); err != nil {
 *           return 0, err
 *       }
 *       type result struct { v int; err error }
 *       done := make(chan result)        // BUG: unbuffered...
 *       go func() {
 *           v, err := fn()               // ...and fn cannot be cancelled
 *           done <- result{v, err}       // blocks forever after a timeout
 *       }()
 *       select {
 *       case r := <-done:
 *           b.record(r.err)
 *           return r.v, r.err
 *       case <-time.After(timeout):
 *           b.record(ErrTimeout)
 *           return 0, ErrTimeout         // nobody will ever receive from done
 *       }
 *   }
 *
 *   func main() {
 *       b := &Breaker{maxFailures: 3, cooldown: 50 * time.Millisecond}
 *       for i := 0; i < 5; i++ {
 *           _, err := b.Call(10*time.Millisecond, slowService)   // takes 30 ms
 *           fmt.Println("call", i, err)
 *       }
 *       time.Sleep(40 * time.Millisecond)
 *   }
 *
 * What goes wrong: after a timeout the caller returns and no one is left to
 * receive from `done`.  The call itself keeps running (it was given no
 * context), finishes 20 ms later, and then blocks on `done <-` forever.  The
 * breaker does its job (it opens after three timeouts) while leaking one
 * goroutine per timed-out call: exactly when a service is slow, which is when
 * the breaker is busiest.  The analyzer reports each of them as leaked,
 * blocked forever on a send.
 *
 * It fails on every run: the service takes 30 ms and the timeout is 10 ms,
 * and main lives long enough for the abandoned calls to reach their send.
 * The fix is main.c: a buffered result channel (capacity 1) so the send
 * never blocks, and a context that tells the call to stop.
 */
#include <stdio.h>
#include <stdlib.h>

#include "chanscope.h"
#include "params.h"

typedef enum { CLOSED, OPEN, HALF_OPEN } state_t;
static const char *state_names[] = {"closed", "open", "half-open"};

static struct cs_error err_open_value = {"circuit open", NULL};
static const err_t ERR_OPEN = &err_open_value;
static struct cs_error err_timeout_value = {"call timed out", NULL};
static const err_t ERR_TIMEOUT = &err_timeout_value;

typedef struct {
    mutex_t mu;
    state_t state;
    int failures;
    int max_failures;
    int64_t opened_at;
    duration_t cooldown;
} breaker_t;

static err_t breaker_allow(breaker_t *b) {
    mutex_lock(&b->mu);
    err_t err = NULL;
    SHARED_READ(b->state);
    if (b->state == OPEN && time_since(b->opened_at) >= b->cooldown) {
        SHARED_WRITE(b->state);
        b->state = HALF_OPEN;
    } else if (b->state != CLOSED) {
        err = ERR_OPEN;
    }
    mutex_unlock(&b->mu);
    return err;
}

static void breaker_record(breaker_t *b, err_t err) {
    mutex_lock(&b->mu);
    SHARED_READ(b->state);
    SHARED_WRITE(b->state);
    if (err == NULL) {
        b->state = CLOSED;
        b->failures = 0;
    } else if (b->state == HALF_OPEN || ++b->failures >= b->max_failures) {
        b->state = OPEN;
        b->opened_at = time_now();
    }
    mutex_unlock(&b->mu);
}

typedef struct {
    int value;
    err_t err;
} result_t;

typedef struct {
    err_t (*fn)(int *value);
    chan_t *done; /* chan result_t, unbuffered: the bug */
} call_args;

static void run_call(void *arg) {
    call_args *a = arg;
    result_t r = {0, NULL};
    r.err = a->fn(&r.value);
    chan_send(a->done, &r); /* BUG: blocks forever once the caller has timed out */
}

static err_t breaker_call(breaker_t *b, duration_t timeout, err_t (*fn)(int *), int *value) {
    err_t err = breaker_allow(b);
    if (err) return err;
    call_args *a = malloc(sizeof *a); /* captured by the goroutine, like a closure */
    *a = (call_args){fn, chan_make_named("done", result_t, 0)};
    go(run_call, a);
    result_t r;
    switch (chan_select(select_recv(a->done, &r, NULL),
                        select_recv(time_after(timeout), NULL, NULL))) {
    case 0:
        breaker_record(b, r.err);
        *value = r.value;
        return r.err;
    default:
        breaker_record(b, ERR_TIMEOUT);
        return ERR_TIMEOUT; /* the goroutine is abandoned with nobody to receive */
    }
}

static err_t slow_service(int *value) {
    time_sleep(30 * MILLISECOND); /* longer than the caller's timeout */
    *value = 1;
    return NULL;
}

int main(int argc, char **argv) {
    int calls = param_int(argc, argv, "calls", 5);
    params_end(argc, argv);

    breaker_t b = {.max_failures = 3, .cooldown = 50 * MILLISECOND};
    mutex_set_name(&b.mu, "breaker.mu");
    for (int i = 0; i < calls; i++) {
        int v;
        err_t err = breaker_call(&b, 10 * MILLISECOND, slow_service, &v);
        mutex_lock(&b.mu);
        SHARED_READ(b.state);
        state_t st = b.state;
        mutex_unlock(&b.mu);
        printf("call %d: %s (breaker %s)\n", i, err_msg(err), state_names[st]);
    }
    /* The rest of the program: long enough for every abandoned call to
     * finish its work and block on its send. */
    time_sleep(40 * MILLISECOND);
    printf("goroutines blocked on a result nobody will read: %d\n", goroutine_count() - 1);
    return 0;
}
