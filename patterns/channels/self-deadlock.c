/*
 * channels/self-deadlock.c — MISUSE: a send on an unbuffered channel with no
 * receiver anywhere.  An unbuffered send waits for its receiver; main is the
 * only goroutine, so nothing can ever receive: "fatal error: all goroutines
 * are asleep - deadlock!".
 *
 * Go:
 *   func main() {
 *       results := make(chan int)         // unbuffered
 *       results <- 42                     // BUG: waits for a receiver that never comes
 *       fmt.Println(<-results)
 *   }
 *
 * On every run: nothing else exists to receive.
 * Fix: make(chan int, 1), or receive in another goroutine.
 */
#include <stdio.h>

#include "chanscope.h"
#include "params.h"

int main(int argc, char **argv) {
    params_end(argc, argv);
    chan_t *results = chan_make_named("results", int, 0);
    chan_send_v(results, int, 42); /* BUG: waits for a receiver that never comes */
    int v;
    chan_recv(results, &v);
    printf("%d\n", v);
    return 0;
}
