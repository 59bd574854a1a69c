/*
 * common-mistakes / leak — MISUSE: a producer with no way to stop.
 *
 * The Go program this one follows:
 *
 *   func main() {
 *       data := make(chan int)
 *       go func() {
 *           for i := 0; ; i++ {
 *               data <- i             // BUG: blocks forever once nobody receives
 *           }
 *       }()
 *       for i := 0; i < 3; i++ {
 *           fmt.Println(<-data)
 *       }
 *       // main is done with data, but the producer does not know
 *       time.Sleep(100 * time.Millisecond)   // the program goes on
 *   }
 *
 * What goes wrong: after the third value the producer blocks on `data <- 3`
 * and no one will ever receive it.  In a server this is one goroutine (and
 * everything it references) lost per request; here it is still blocked when
 * main returns, and the analyzer reports it as leaked, blocked forever on a
 * send, with the site of the send.
 *
 * It fails on every run: the producer never stops producing, so it is always
 * blocked on (or about to block on) its next send when main returns.  Forced
 * so that the trace shows it blocked: main goes on for 100 ms, ample for the
 * producer to get from its third send to its fourth even on a loaded machine
 * (with 5 ms it sometimes had not, and a goroutine whose last step was a
 * send looks like one on its way out).
 * The fix (main.c, part 1): select on ctx.Done() next to the send, cancel
 * when done, and wait until the producer has returned.
 */
#include <stdio.h>

#include "chanscope.h"
#include "params.h"

static void producer(void *arg) {
    chan_t *data = arg;
    for (int i = 0;; i++) chan_send(data, &i); /* BUG: no way out */
}

int main(int argc, char **argv) {
    params_end(argc, argv);

    chan_t *data = chan_make_named("data", int, 0);
    go(producer, data);
    int v;
    for (int i = 0; i < 3; i++) {
        chan_recv(data, &v);
        printf("got %d\n", v);
    }
    /* Forced: give the producer time to reach its next send, so the trace
     * shows it blocked there rather than on its way. */
    time_sleep(100 * MILLISECOND);
    printf("done; the producer is still blocked on its send\n");
    return 0;
}
