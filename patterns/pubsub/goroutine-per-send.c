/*
 * pubsub / goroutine-per-send — MISUSE: Publish starts one goroutine per
 * subscriber per message, so it never has to wait.
 *
 * The Go program this one follows:
 *
 *   type Broker struct {
 *       mu     sync.RWMutex
 *       topics map[string][]chan string
 *   }
 *
 *   func (b *Broker) Subscribe(topic string) <-chan string {
 *       sub := make(chan string, 1)
 *       b.mu.Lock()
 *       b.topics[topic] = append(b.topics[topic], sub)
 *       b.mu.Unlock()
 *       return sub
 *   }
 *
 *   // Publish "never blocks": each delivery gets its own goroutine.
 *   func (b *Broker) Publish(topic, msg string) {
 *       b.mu.RLock()
 *       defer b.mu.RUnlock()
 *       for _, sub := range b.topics[topic] {
 *           go deliver(sub, msg)         // BUG: a goroutine per subscriber per message
 *       }
 *   }
 *
 *   func deliver(sub chan<- string, msg string) {
 *       sub <- msg                       // waits for a reader that may never come
 *   }
 *
 *   func main() {
 *       b := NewBroker()
 *       // billing and shipping read every message; audit reads two and
 *       // then goes away (its handler returned on an error)
 *       for i := 0; i < 10; i++ {
 *           b.Publish("orders", fmt.Sprintf("order-%d", i))
 *       }
 *       // wait until billing and shipping have seen all ten, then exit
 *   }
 *
 * What goes wrong: Publish looks non-blocking, but the blocking has only
 * moved into goroutines.  Every message to a subscriber that has stopped
 * reading leaves one goroutine blocked on its send, forever: with S gone
 * subscribers and M messages that is S x M goroutines, without bound.  (The
 * goroutines also race each other, so even live subscribers can see messages
 * out of order.)  The analyzer reports every one of them as leaked, blocked
 * on a send to the gone subscriber's channel.
 *
 * It fails on every run: audit stops after two messages and its buffer holds
 * one more, so seven of the ten sends to it can never complete.
 * The fix is main.c: one goroutine per subscriber, a buffered channel, a
 * non-blocking send that drops (or a bounded wait), and Unsubscribe.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chanscope.h"
#include "params.h"

#define MAXSUBS 8

typedef struct {
    char text[24];
} msg_t;

typedef struct {
    rwmutex_t mu;
    const char *topic_of[MAXSUBS];
    chan_t *subs[MAXSUBS]; /* chan msg_t, capacity 1 */
    int nsubs;
} broker_t;

static broker_t broker;

static chan_t *subscribe(broker_t *b, const char *topic, const char *name) {
    chan_t *sub = chan_make_named(name, msg_t, 1);
    rwmutex_lock(&b->mu);
    SHARED_WRITE(b->nsubs);
    b->topic_of[b->nsubs] = topic;
    b->subs[b->nsubs++] = sub;
    rwmutex_unlock(&b->mu);
    return sub;
}

typedef struct {
    chan_t *sub;
    msg_t msg;
} delivery_t; /* deliver's arguments */

static void deliver(void *arg) {
    delivery_t *d = arg;
    chan_send(d->sub, &d->msg); /* waits for a reader that may never come */
}

static void publish(broker_t *b, const char *topic, const char *text) {
    rwmutex_rlock(&b->mu);
    SHARED_READ(b->nsubs);
    for (int i = 0; i < b->nsubs; i++) {
        if (strcmp(b->topic_of[i], topic) != 0) continue;
        delivery_t *d = malloc(sizeof *d);
        d->sub = b->subs[i];
        snprintf(d->msg.text, sizeof d->msg.text, "%s", text);
        go(deliver, d); /* BUG: a goroutine per subscriber per message */
    }
    rwmutex_runlock(&b->mu);
}

typedef struct {
    const char *name;
    chan_t *C;
    int stop_after; /* stop reading after this many messages (0: never) */
    int received;
    chan_t *finished; /* chan int: tells main how many it got */
} reader_t;

static void reader(void *arg) {
    reader_t *r = arg;
    msg_t m;
    while (chan_recv(r->C, &m)) {
        r->received++;
        if (r->received == r->stop_after) {
            trace_log("%s: handler failed, stop reading", r->name);
            break; /* gone: nobody reads r->C any more */
        }
        if (r->stop_after == 0 && r->received == 10) break;
    }
    chan_send(r->finished, &r->received);
}

int main(int argc, char **argv) {
    params_end(argc, argv);
    const int messages = 10;

    rwmutex_set_name(&broker.mu, "broker.mu");
    chan_t *finished = chan_make_named("finished", int, 3);
    reader_t readers[] = {
        {"billing", NULL, 0, 0, finished},
        {"shipping", NULL, 0, 0, finished},
        {"audit", NULL, 2, 0, finished},
    };
    for (int i = 0; i < 3; i++) {
        readers[i].C = subscribe(&broker, "orders", readers[i].name);
        go_named(readers[i].name, reader, &readers[i]);
    }

    for (int i = 0; i < messages; i++) {
        char text[24];
        snprintf(text, sizeof text, "order-%d", i);
        publish(&broker, "orders", text);
    }
    for (int i = 0; i < 3; i++) chan_recv(finished, NULL);
    /* Let the last deliveries reach their send, so the trace shows them
     * blocked there rather than on their way. */
    time_sleep(5 * MILLISECOND);

    for (int i = 0; i < 3; i++)
        printf("%-8s received %d of %d\n", readers[i].name, readers[i].received, messages);
    printf("delivery goroutines still blocked: %d\n", goroutine_count() - 1);
    return 0;
}
