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
 *       time.Sleep(20 * time.Millisecond) // main carries on; the sender sends again
 *   }
 *
 * On every run: the sender's next send comes 2 ms after the third, long
 * before main's 20 ms are up.
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
    time_sleep(20 * MILLISECOND); /* main carries on; the sender sends again */
    printf("not reached\n");
    return 0;
}
