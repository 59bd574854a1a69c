/*
 * error-handling / separate-channels — MISUSE: values and errors on two
 * unbuffered channels, read one after the other.
 *
 * The Go program this one follows:
 *
 *   func checkAll(items int) (<-chan int, <-chan error) {
 *       values := make(chan int)
 *       errs := make(chan error)
 *       go func() {
 *           defer close(values)
 *           defer close(errs)
 *           for it := 1; it <= items; it++ {
 *               v, err := check(it)
 *               if err != nil {
 *                   errs <- err       // blocks: nobody reads errs yet
 *                   continue
 *               }
 *               values <- v
 *           }
 *       }()
 *       return values, errs
 *   }
 *
 *   func main() {
 *       values, errs := checkAll(16)
 *       sum := 0
 *       for v := range values {        // blocks: the producer is stuck on errs
 *           sum += v
 *       }
 *       for err := range errs {
 *           fmt.Println(err)
 *       }
 *       fmt.Println("sum", sum)
 *   }
 *
 * What goes wrong: the consumer reads the channels in a fixed order, the
 * producer writes them in data order.  At the first error the producer waits
 * for someone to take it from `errs` while main waits for the next value on
 * `values`: each waits for the other.  No goroutine can move and no timer is
 * pending, so the runtime stops the program with Go's
 * "fatal error: all goroutines are asleep - deadlock!" (exit status 2).
 *
 * It fails on every run: item 7 always fails and nothing else reads `errs`.
 * The fix is main.c's single stream of results (or a select over both).
 */
#include <stdio.h>

#include "chanscope.h"
#include "params.h"

typedef struct {
    int items;
    chan_t *values; /* chan int */
    chan_t *errs;   /* chan err_t */
} streams_t;

/* check(it): a slow validation that fails for every 7th item. */
static err_t check(int item, int *value) {
    time_sleep((1 + item % 3) * MILLISECOND);
    if (item % 7 == 0) return errorf("item %d: checksum mismatch", item);
    *value = item * 10;
    return NULL;
}

static void producer(void *arg) {
    streams_t *s = arg;
    for (int it = 1; it <= s->items; it++) {
        int v = 0;
        err_t err = check(it, &v);
        if (err) {
            chan_send(s->errs, &err); /* blocks forever: main is in the values loop */
            continue;
        }
        chan_send(s->values, &v);
    }
    chan_close(s->errs);
    chan_close(s->values);
}

int main(int argc, char **argv) {
    int items = param_int(argc, argv, "items", 16);
    params_end(argc, argv);

    streams_t s = {
        .items = items,
        .values = chan_make_named("values", int, 0),
        .errs = chan_make_named("errs", err_t, 0),
    };
    go(producer, &s);

    int sum = 0, v;
    while (chan_recv(s.values, &v)) sum += v;
    err_t err;
    while (chan_recv(s.errs, &err)) printf("%s\n", err_msg(err));
    printf("sum %d\n", sum);
    return 0;
}
