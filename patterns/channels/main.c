/*
 * channels/main.c — the channel basics, one after another: an unbuffered
 * rendezvous, a buffered FIFO, close and range, the ok flag after close, a
 * nil channel in select, and a non-blocking select with default.
 *
 * Go:
 *   func main() {
 *       // 1. unbuffered: the send waits for the receive
 *       ping := make(chan string)
 *       go func() { ping <- "ping" }()
 *       fmt.Println("1. received", <-ping)
 *
 *       // 2. buffered: sends do not wait until the buffer is full; FIFO
 *       buf := make(chan int, 3)
 *       buf <- 1; buf <- 2; buf <- 3
 *       fmt.Println("2. len", len(buf), "cap", cap(buf), "first", <-buf)
 *
 *       // 3. close and range: the receiver stops when the sender closes
 *       nums := make(chan int)
 *       go func() {
 *           defer close(nums)
 *           for i := 1; i <= 5; i++ { nums <- i * i }
 *       }()
 *       sum := 0
 *       for n := range nums { sum += n }
 *       fmt.Println("3. sum of squares", sum)
 *
 *       // 4. after close (and drain): zero value, ok == false
 *       close(buf)
 *       a, ok1 := <-buf; b, ok2 := <-buf; c, ok3 := <-buf
 *       fmt.Println("4.", a, ok1, b, ok2, c, ok3)
 *
 *       // 5. a nil channel is never ready: select ignores that case
 *       var off chan int
 *       on := make(chan int, 1); on <- 42
 *       select {
 *       case v := <-off: fmt.Println("5. impossible", v)
 *       case v := <-on:  fmt.Println("5. from the live channel", v)
 *       }
 *
 *       // 6. select with default: try without blocking
 *       select {
 *       case v := <-on: fmt.Println("6. got", v)
 *       default:        fmt.Println("6. nothing ready, moving on")
 *       }
 *   }
 */
#include <stdio.h>
#include <string.h>

#include "chanscope.h"
#include "params.h"

typedef struct {
    char s[16];
} msg_t;

static void pinger(void *arg) {
    chan_t *ping = arg;
    msg_t m;
    strcpy(m.s, "ping");
    chan_send(ping, &m);
}

static void squares(void *arg) {
    chan_t *nums = arg;
    for (int i = 1; i <= 5; i++) chan_send_v(nums, int, i * i);
    chan_close(nums);
}

int main(int argc, char **argv) {
    params_end(argc, argv);

    /* 1. unbuffered */
    chan_t *ping = chan_make_named("ping", msg_t, 0);
    go(pinger, ping);
    msg_t m;
    chan_recv(ping, &m);
    printf("1. received %s\n", m.s);

    /* 2. buffered */
    chan_t *buf = chan_make_named("buf", int, 3);
    chan_send_v(buf, int, 1);
    chan_send_v(buf, int, 2);
    chan_send_v(buf, int, 3);
    int first;
    long len = (long)chan_len(buf), cap = (long)chan_cap(buf);
    chan_recv(buf, &first);
    printf("2. len %ld cap %ld first %d\n", len, cap, first);

    /* 3. close and range */
    chan_t *nums = chan_make_named("nums", int, 0);
    go(squares, nums);
    int sum = 0, n;
    while (chan_recv(nums, &n)) sum += n;
    printf("3. sum of squares %d\n", sum);

    /* 4. after close and drain */
    chan_close(buf);
    int a, b, c;
    bool ok1 = chan_recv(buf, &a), ok2 = chan_recv(buf, &b), ok3 = chan_recv(buf, &c);
    printf("4. %d %s %d %s %d %s\n", a, ok1 ? "true" : "false", b, ok2 ? "true" : "false", c,
           ok3 ? "true" : "false");

    /* 5. nil channel in select */
    chan_t *off = NULL;
    chan_t *on = chan_make_named("on", int, 1);
    chan_send_v(on, int, 42);
    int v;
    switch (chan_select(select_recv(off, &v, NULL), select_recv(on, &v, NULL))) {
    case 0:
        printf("5. impossible %d\n", v);
        break;
    case 1:
        printf("5. from the live channel %d\n", v);
        break;
    }

    /* 6. select with default */
    switch (chan_select(select_recv(on, &v, NULL), select_default())) {
    case 0:
        printf("6. got %d\n", v);
        break;
    default:
        printf("6. nothing ready, moving on\n");
    }
    return 0;
}
