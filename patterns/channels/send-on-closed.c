/*
 * channels/send-on-closed.c — MISUSE: the receiver closes the channel while a
 * sender is still sending.  Only the sender knows when sending is over, so
 * only the sender may close: here the next send panics with
 * "panic: send on closed channel".
 *
 * Go:
 *   func main() {
 *       ch := make(chan int)
 *       go func() {
 *           for i := 1; ; i++ {
 *               ch <- i                   // panics once main has closed ch
 *               time.Sleep(2 * time.Millisecond)
 *           }
 *       }()
 *       for v := range ch {
 *           fmt.Println("got", v)
 *           if v == 3 {
 *               close(ch)                 // BUG: the receiver closes
 *               break
 *           }
 *       }
 *       time.Sleep(500 * time.Millisecond) // main carries on; the sender sends again
 *   }
 *
 * On every run: the sender's next send comes 2 ms after the third (or it is
 * already waiting in that send when main closes, and the close wakes it into
 * the panic), long before main's 500 ms are up — a margin that holds on a
 * loaded machine; the panic ends the program, so the sleep costs nothing.
 * Fix: tell the sender to stop (a done channel or a context) and let it close.
 */
#include <stdio.h>

#include "chanscope.h"
#include "params.h"

static void sender(void *arg) {
    chan_t *ch = arg;
    for (int i = 1;; i++) {
        chan_send(ch, &i); /* panics once main has closed ch */
        time_sleep(2 * MILLISECOND);
    }
}

int main(int argc, char **argv) {
    params_end(argc, argv);
    chan_t *ch = chan_make_named("ch", int, 0);
    go(sender, ch);
    int v;
    while (chan_recv(ch, &v)) {
        printf("got %d\n", v);
        fflush(stdout);
        if (v == 3) {
            chan_close(ch); /* BUG: the receiver closes */
            break;
        }
    }
    /* Forced interleaving: main carries on long enough for the sender's
     * next send, even on a busy machine (the panic ends the program). */
    time_sleep(500 * MILLISECOND);
    printf("not reached\n");
    return 0;
}
