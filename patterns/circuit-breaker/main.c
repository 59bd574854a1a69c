/*
 * circuit-breaker — stop calling a failing service for a while, then let one
 * trial call decide whether it has recovered (closed -> open -> half-open).
 *
 * The Go program this one follows:
 *
 *   type State int
 *   const (Closed State = iota; Open; HalfOpen)
 *   var ErrOpen = errors.New("circuit open")
 *
 *   type Breaker struct {
 *       mu          sync.Mutex    // guards the fields below, never held during a call
 *       state       State
 *       failures    int
 *       maxFailures int
 *       openedAt    time.Time
 *       cooldown    time.Duration
 *       calls       sync.WaitGroup // calls still running, abandoned ones included
 *   }
 *
 *   func (b *Breaker) allow() error {
 *       b.mu.Lock()
 *       defer b.mu.Unlock()
 *       switch b.state {
 *       case Open:
 *           if time.Since(b.openedAt) < b.cooldown {
 *               return ErrOpen
 *           }
 *           b.state = HalfOpen            // this caller is the one trial call
 *           return nil
 *       case HalfOpen:
 *           return ErrOpen                // a trial call is already out
 *       }
 *       return nil
 *   }
 *
 *   func (b *Breaker) record(err error) {
 *       b.mu.Lock()
 *       defer b.mu.Unlock()
 *       if err == nil {
 *           b.state, b.failures = Closed, 0
 *           return
 *       }
 *       b.failures++
 *       if b.state == HalfOpen || b.failures >= b.maxFailures {
 *           b.state, b.openedAt = Open, time.Now()
 *       }
 *   }
 *
 *   func (b *Breaker) Call(ctx context.Context, timeout time.Duration,
 *       fn func(context.Context) (int, error)) (int, error) {
 *       if err := b.allow(); err != nil {
 *           return 0, err
 *       }
 *       ctx, cancel := context.WithTimeout(ctx, timeout)
 *       defer cancel()                    // also stops fn if we give up on it
 *       type result struct { v int; err error }
 *       done := make(chan result, 1)      // buffered: fn can always deliver and exit
 *       b.calls.Add(1)
 *       go func() {
 *           defer b.calls.Done()
 *           v, err := fn(ctx)
 *           done <- result{v, err}
 *       }()
 *       select {
 *       case r := <-done:
 *           b.record(r.err)
 *           return r.v, r.err
 *       case <-ctx.Done():
 *           b.record(ctx.Err())
 *           return 0, ctx.Err()
 *       }
 *   }
 *
 *   func main() {
 *       // 1. healthy: concurrent callers all succeed (closed)
 *       // 2. the service fails, then hangs: 3 failures open the breaker,
 *       //    the next calls are rejected at once without touching it
 *       // 3. after the cooldown, callers arrive together: one trial call goes
 *       //    through (half-open), the rest are rejected; it succeeds: closed
 *       // 4. healthy again: everybody succeeds
 *       breaker.calls.Wait()              // calls we gave up on finish too
 *   }
 *
 * What it shows: the breaker's mutex protects only its counters and is never
 * held while the service is called, so slow calls do not queue up behind
 * each other (compare lock-during-call.c).  A call that takes too long is
 * abandoned with its context cancelled and a buffered result channel, so the
 * goroutine running it always finishes (compare abandoned-call.c); main
 * waits for those stragglers (b.calls) before it returns.
 *
 * Clean on every run, also on a loaded machine: a call the breaker gave up
 * on (the hanging one, or a healthy one that a busy machine delayed past its
 * timeout) may still be finishing when the last wave is done — without
 * b.calls.Wait() main would sometimes return before it, a leak.  The timeout
 * (50 ms against 5 ms calls) and the cooldown (100 ms) are wide so that the
 * printed table stays the same under load too.
 */
#include <stdio.h>
#include <stdlib.h>

#include "chanscope.h"
#include "params.h"

typedef enum { CLOSED, OPEN, HALF_OPEN } state_t;
static const char *state_names[] = {"closed", "open", "half-open"};

static struct cs_error err_open_value = {"circuit open", NULL};
static const err_t ERR_OPEN = &err_open_value;

typedef struct {
    mutex_t mu; /* guards the fields below; never held during a call */
    state_t state;
    int failures;
    int max_failures;
    int64_t opened_at;
    duration_t cooldown;
    waitgroup_t calls; /* calls still running, abandoned ones included */
} breaker_t;

typedef err_t (*call_fn)(ctx_t *ctx, int *value);

static err_t breaker_allow(breaker_t *b) {
    mutex_lock(&b->mu);
    err_t err = NULL;
    SHARED_READ(b->state);
    switch (b->state) {
    case OPEN:
        if (time_since(b->opened_at) < b->cooldown) {
            err = ERR_OPEN;
            break;
        }
        SHARED_WRITE(b->state);
        b->state = HALF_OPEN; /* this caller is the one trial call */
        trace_log("breaker: half-open, letting one trial call through");
        break;
    case HALF_OPEN:
        err = ERR_OPEN; /* a trial call is already out */
        break;
    case CLOSED:
        break;
    }
    mutex_unlock(&b->mu);
    return err;
}

static void breaker_record(breaker_t *b, err_t err) {
    mutex_lock(&b->mu);
    SHARED_READ(b->state);
    SHARED_WRITE(b->state);
    SHARED_WRITE(b->failures);
    if (err == NULL) {
        if (b->state != CLOSED) trace_log("breaker: closed again");
        b->state = CLOSED;
        b->failures = 0;
    } else {
        b->failures++;
        if (b->state == HALF_OPEN || b->failures >= b->max_failures) {
            if (b->state != OPEN) trace_log("breaker: open after %d failure(s)", b->failures);
            b->state = OPEN;
            b->opened_at = time_now();
        }
    }
    mutex_unlock(&b->mu);
}

static state_t breaker_state(breaker_t *b) {
    mutex_lock(&b->mu);
    SHARED_READ(b->state);
    state_t s = b->state;
    mutex_unlock(&b->mu);
    return s;
}

typedef struct {
    int value;
    err_t err;
} result_t;

typedef struct {
    call_fn fn;
    ctx_t *ctx;
    chan_t *done; /* chan result_t, capacity 1 */
    waitgroup_t *calls;
} call_args;

static void run_call(void *arg) {
    call_args *a = arg;
    result_t r = {0, NULL};
    r.err = a->fn(a->ctx, &r.value);
    chan_send(a->done, &r); /* never blocks: capacity 1, one send */
    wg_done(a->calls);      /* Go: defer b.calls.Done() */
}

static err_t breaker_call(breaker_t *b, ctx_t *parent, duration_t timeout, call_fn fn,
                          int *value) {
    err_t err = breaker_allow(b);
    if (err) return err;
    cancel_func cancel;
    ctx_t *ctx = ctx_with_timeout(parent, timeout, &cancel);
    /* The goroutine may outlive this call; like a Go closure, its arguments
     * live on (never freed, as the runtime's own objects). */
    call_args *a = malloc(sizeof *a);
    *a = (call_args){fn, ctx, chan_make_named("done", result_t, 1), &b->calls};
    wg_add(&b->calls, 1);
    go(run_call, a);
    result_t r;
    switch (chan_select(select_recv(a->done, &r, NULL), select_recv(ctx_done(ctx), NULL, NULL))) {
    case 0:
        err = r.err;
        *value = r.value;
        break;
    case 1:
        err = ctx_err(ctx);
        break;
    }
    breaker_record(b, err);
    ctx_cancel(cancel); /* defer cancel(): stops fn if we gave up on it */
    return err;
}

/* ---- the protected service ---------------------------------------------- */

typedef enum { HEALTHY, FAILING, HANGING } service_mode;
static atomic_i64 mode; /* service_mode */
static atomic_i64 service_calls;

static err_t call_service(ctx_t *ctx, int *value) {
    int64_t n = atomic_i64_add(&service_calls, 1);
    switch ((service_mode)atomic_i64_load(&mode)) {
    case HEALTHY:
        time_sleep(5 * MILLISECOND);
        *value = (int)n;
        return NULL;
    case FAILING:
        time_sleep(1 * MILLISECOND);
        return error_new("503 service unavailable");
    case HANGING:
        /* Hangs until the caller gives up: honours its context. */
        chan_recv(ctx_done(ctx), NULL);
        return ctx_err(ctx);
    }
    return NULL;
}

/* ---- callers -------------------------------------------------------------- */

static breaker_t breaker = {.max_failures = 3, .cooldown = 100 * MILLISECOND};
static const duration_t call_timeout = 50 * MILLISECOND;

typedef struct {
    int calls;
    chan_t *start;    /* closed to release every caller at once */
    atomic_i64 ok, rejected, failed;
    waitgroup_t wg;
} wave_t;

static void tally(wave_t *w, err_t err) {
    if (err == NULL)
        atomic_i64_add(&w->ok, 1);
    else if (err_is(err, ERR_OPEN))
        atomic_i64_add(&w->rejected, 1);
    else
        atomic_i64_add(&w->failed, 1);
}

static void caller(void *arg) {
    wave_t *w = arg;
    chan_recv(w->start, NULL);
    for (int i = 0; i < w->calls; i++) {
        int v;
        tally(w, breaker_call(&breaker, ctx_background(), call_timeout, call_service, &v));
    }
    wg_done(&w->wg);
}

/* Run `callers` goroutines making `calls` calls each, all released at once. */
static void wave(const char *title, int callers, int calls) {
    wave_t w = {.calls = calls, .start = chan_make_named("start", char, 0)};
    for (int i = 0; i < callers; i++) {
        wg_add(&w.wg, 1);
        go(caller, &w);
    }
    chan_close(w.start);
    wg_wait(&w.wg);
    printf("%-34s ok %2lld, failed %lld, rejected %lld -> %s\n", title,
           (long long)atomic_i64_load(&w.ok), (long long)atomic_i64_load(&w.failed),
           (long long)atomic_i64_load(&w.rejected), state_names[breaker_state(&breaker)]);
}

int main(int argc, char **argv) {
    int callers = param_int(argc, argv, "callers", 4);
    params_end(argc, argv);

    mutex_set_name(&breaker.mu, "breaker.mu");
    wg_set_name(&breaker.calls, "breaker.calls");

    wave("1. healthy, concurrent callers:", callers, 1);

    atomic_i64_store(&mode, FAILING);
    wave("2a. service failing, 2 calls:", 1, 2);
    atomic_i64_store(&mode, HANGING);
    wave("2b. service hanging, 1 call:", 1, 1);
    wave("2c. while open, 3 calls:", 1, 3);

    atomic_i64_store(&mode, HEALTHY);
    time_sleep(breaker.cooldown + 5 * MILLISECOND);
    wave("3. after the cooldown, together:", callers, 1);

    wave("4. healthy again:", callers, 1);
    wg_wait(&breaker.calls); /* calls we gave up on finish too */
    printf("the service saw %lld calls\n", (long long)atomic_i64_load(&service_calls));
    return 0;
}
