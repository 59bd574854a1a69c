/*
 * pubsub — a broker fans each message out to the subscribers of its topic;
 * a slow subscriber loses messages instead of stalling everyone.
 *
 * The Go program this one follows:
 *
 *   type Sub struct {
 *       topic   string
 *       C       chan string
 *       dropped atomic.Int64
 *   }
 *
 *   type Broker struct {
 *       mu   sync.RWMutex
 *       subs map[string][]*Sub
 *   }
 *
 *   func (b *Broker) Subscribe(topic string, buf int) *Sub {
 *       s := &Sub{topic: topic, C: make(chan string, buf)}
 *       b.mu.Lock()
 *       b.subs[topic] = append(b.subs[topic], s)
 *       b.mu.Unlock()
 *       return s
 *   }
 *
 *   // Publish never blocks: a full subscriber misses the message.
 *   func (b *Broker) Publish(topic, msg string) {
 *       b.mu.RLock()
 *       defer b.mu.RUnlock()
 *       for _, s := range b.subs[topic] {
 *           select {
 *           case s.C <- msg:
 *           default:
 *               s.dropped.Add(1)
 *           }
 *       }
 *   }
 *
 *   // Unsubscribe removes s, then closes its channel: under the write lock
 *   // no Publish is sending, so the close cannot race with a send.
 *   func (b *Broker) Unsubscribe(s *Sub) {
 *       b.mu.Lock()
 *       defer b.mu.Unlock()
 *       b.subs[s.topic] = remove(b.subs[s.topic], s)
 *       close(s.C)
 *   }
 *
 *   func (b *Broker) Close() { ... }     // unsubscribe everybody
 *
 *   func main() {
 *       b := NewBroker()
 *       // orders: two fast subscribers, a slow one (buffer 2), and one that
 *       // leaves after 3 messages; alerts: one subscriber
 *       for _, s := range subs {
 *           wg.Add(1)
 *           go func(s *Sub) {
 *               defer wg.Done()
 *               for msg := range s.C { handle(s, msg) }   // ends at close
 *           }(s)
 *       }
 *       for i := 0; i < 8; i++ {
 *           b.Publish("orders", fmt.Sprintf("order-%d", i))
 *           if i%2 == 0 { b.Publish("alerts", ...) }
 *           time.Sleep(time.Millisecond)
 *       }
 *       b.Close()
 *       wg.Wait()
 *   }
 *
 * What it shows: the publisher holds a read lock while it hands a message
 * to each subscriber's buffered channel, and never waits for a subscriber;
 * every subscriber goroutine ranges over its own channel and ends when the
 * broker closes it.  One goroutine per subscriber, however many messages
 * (compare goroutine-per-send.c).
 */
#include <stdio.h>
#include <string.h>

#include "chanscope.h"
#include "params.h"

#define MAXSUBS 16

typedef struct {
    char text[24];
} msg_t;

typedef struct {
    const char *name;
    const char *topic;
    chan_t *C; /* chan msg_t */
    atomic_i64 dropped;
    duration_t handle_time; /* how slow this subscriber is */
    int leave_after;        /* unsubscribe after this many messages (0: never) */
    int received;           /* written by its own goroutine only */
} sub_t;

typedef struct {
    rwmutex_t mu;
    sub_t *subs[MAXSUBS];
    int nsubs;
} broker_t;

static broker_t broker;
static waitgroup_t wg;

static void subscribe(broker_t *b, sub_t *s, int buf) {
    s->C = chan_make_named(s->name, msg_t, buf);
    rwmutex_lock(&b->mu);
    SHARED_WRITE(b->nsubs);
    b->subs[b->nsubs++] = s;
    rwmutex_unlock(&b->mu);
}

static void publish(broker_t *b, const char *topic, const char *text) {
    msg_t m;
    snprintf(m.text, sizeof m.text, "%s", text);
    rwmutex_rlock(&b->mu);
    SHARED_READ(b->nsubs);
    for (int i = 0; i < b->nsubs; i++) {
        sub_t *s = b->subs[i];
        if (strcmp(s->topic, topic) != 0) continue;
        switch (chan_select(select_send(s->C, &m), select_default())) {
        case 0:
            break;
        default:
            atomic_i64_add(&s->dropped, 1); /* full: this subscriber misses it */
            trace_log("%s is full: dropped %s", s->name, m.text);
        }
    }
    rwmutex_runlock(&b->mu);
}

/* Remove s (if still subscribed) and close its channel, under the write lock. */
static void unsubscribe(broker_t *b, sub_t *s) {
    rwmutex_lock(&b->mu);
    SHARED_READ(b->nsubs);
    for (int i = 0; i < b->nsubs; i++) {
        if (b->subs[i] != s) continue;
        SHARED_WRITE(b->nsubs);
        b->subs[i] = b->subs[--b->nsubs];
        chan_close(s->C);
        break;
    }
    rwmutex_unlock(&b->mu);
}

static void broker_close(broker_t *b) {
    rwmutex_lock(&b->mu);
    SHARED_WRITE(b->nsubs);
    for (int i = 0; i < b->nsubs; i++) chan_close(b->subs[i]->C);
    b->nsubs = 0;
    rwmutex_unlock(&b->mu);
}

static void subscriber(void *arg) {
    sub_t *s = arg;
    msg_t m;
    while (chan_recv(s->C, &m)) { /* ends when the broker closes s->C */
        s->received++;
        if (s->handle_time) time_sleep(s->handle_time);
        if (s->received == s->leave_after) unsubscribe(&broker, s); /* keeps draining */
    }
    wg_done(&wg);
}

int main(int argc, char **argv) {
    int messages = param_int(argc, argv, "messages", 8);
    params_end(argc, argv);

    rwmutex_set_name(&broker.mu, "broker.mu");
    sub_t subs[] = {
        {.name = "billing", .topic = "orders"},
        {.name = "shipping", .topic = "orders"},
        {.name = "analytics(slow)", .topic = "orders", .handle_time = 4 * MILLISECOND},
        {.name = "audit(leaves)", .topic = "orders", .leave_after = 3},
        {.name = "pager", .topic = "alerts"},
    };
    int nsubs = (int)(sizeof subs / sizeof subs[0]);
    for (int i = 0; i < nsubs; i++) {
        /* The slow subscriber gets a small buffer, so it will fall behind. */
        subscribe(&broker, &subs[i], subs[i].handle_time ? 2 : messages);
        wg_add(&wg, 1);
        go_named(subs[i].name, subscriber, &subs[i]);
    }

    int alerts = 0;
    for (int i = 0; i < messages; i++) {
        char text[24];
        snprintf(text, sizeof text, "order-%d", i);
        publish(&broker, "orders", text);
        if (i % 2 == 0) {
            snprintf(text, sizeof text, "alert-%d", alerts++);
            publish(&broker, "alerts", text);
        }
        time_sleep(1 * MILLISECOND);
    }
    broker_close(&broker);
    wg_wait(&wg);

    printf("published %d orders and %d alerts\n", messages, alerts);
    for (int i = 0; i < nsubs; i++)
        printf("  %-16s %-6s received %d, dropped %lld\n", subs[i].name, subs[i].topic,
               subs[i].received, (long long)atomic_i64_load(&subs[i].dropped));
    return 0;
}
