/*
 * common-mistakes / unclosed-range — MISUSE: ranging over a channel that the
 * sender never closes.
 *
 * The Go program this one follows:
 *
 *   func main() {
 *       ch := make(chan int)
 *       go func() {
 *           for i := 0; i < 10; i++ {
 *               ch <- i
 *           }
 *           // BUG: forgot close(ch)
 *       }()
 *       sum := 0
 *       for v := range ch {           // never ends: waits for an 11th value
 *           sum += v
 *       }
 *       fmt.Println(sum)
 *   }
 *
 * What goes wrong: `for v := range ch` ends only when ch is closed.  After
 * the tenth value the sender returns without closing, and main waits for a
 * value that will never come.  main is the only goroutine left and it is
 * blocked: the runtime stops the program with Go's
 * "fatal error: all goroutines are asleep - deadlock!" (exit status 2).
 * (In a server, where other goroutines keep running, the same bug is a
 * silent leak instead.)
 *
 * It fails on every run: nothing ever closes ch.
 * The fix (main.c, part 3): the sender closes: defer close(ch).
 */
#include <stdio.h>

#include "chanscope.h"
#include "params.h"

static void sender(void *arg) {
    chan_t *ch = arg;
    for (int i = 0; i < 10; i++) chan_send(ch, &i);
    /* BUG: no chan_close(ch) */
}

int main(int argc, char **argv) {
    params_end(argc, argv);

    chan_t *ch = chan_make_named("ch", int, 0);
    go(sender, ch);
    int v, sum = 0;
    while (chan_recv(ch, &v)) sum += v; /* blocks forever after the tenth value */
    printf("sum %d\n", sum);
    return 0;
}
