/*
 * rwmutex-cache / recursive-rlock — MISUSE: a method holding the read lock
 * calls another method that read-locks again, while a writer is waiting.
 *
 * The Go program this one follows:
 *
 *   func (c *Cache) Len() int {
 *       c.mu.RLock()
 *       defer c.mu.RUnlock()
 *       return len(c.items)
 *   }
 *
 *   var reading = make(chan struct{})   // (for the demo) closed once Report holds the read lock
 *
 *   func (c *Cache) Report() string {
 *       c.mu.RLock()
 *       defer c.mu.RUnlock()
 *       close(reading)
 *       summary := summarize(c.items)        // takes a moment
 *       return fmt.Sprintf("%s, %d items", summary, c.Len())   // BUG: RLock again
 *   }
 *
 *   func main() {
 *       c := &Cache{items: map[int]int{1: 101, 2: 102}}
 *       var wg sync.WaitGroup
 *       wg.Add(2)
 *       go func() { defer wg.Done(); fmt.Println(c.Report()) }()
 *       go func() {
 *           defer wg.Done()
 *           <-reading                         // arrives while Report holds the read lock
 *           c.Set(3, 103)
 *       }()
 *       wg.Wait()
 *   }
 *
 * What goes wrong: RWMutex prefers writers.  Once Set is waiting in Lock, no
 * new reader may enter, not even one that already holds a read lock, because
 * the mutex does not know who its readers are.  Report's second RLock waits
 * for the writer, the writer waits for Report's first read lock to be
 * released, and main waits for both: every goroutine is blocked and the
 * runtime stops the program with Go's
 * "fatal error: all goroutines are asleep - deadlock!" (exit status 2).
 *
 * It fails whenever the writer gets from `<-reading` into Lock before the
 * second RLock: the writer sets off only once Report holds the read lock (the
 * `reading` channel).  No sleep forces the rest: `chanscope explore
 * rwmutex-cache/recursive-rlock` finds it in almost every schedule
 * (pattern.json declares it; `make demo` runs seed "demo_seed").  Without a writer the same
 * code works, which is why this bug survives testing.  The fix: never lock recursively; have an
 * unexported len() that expects the lock to be held.
 */
#include <stdio.h>

#include "chanscope.h"
#include "params.h"

#define MAXKEYS 8

typedef struct {
    rwmutex_t mu;
    bool present[MAXKEYS];
    int value[MAXKEYS];
} cache_t;

static cache_t cache;
static waitgroup_t wg;
static chan_t *reading; /* chan struct{}: closed once the reporter holds the read lock */

static int cache_len(cache_t *c) {
    rwmutex_rlock(&c->mu);
    int n = 0;
    for (int k = 0; k < MAXKEYS; k++) {
        SHARED_READ(c->present[k]);
        n += c->present[k];
    }
    rwmutex_runlock(&c->mu);
    return n;
}

static int summarize(cache_t *c) {
    int sum = 0;
    for (int k = 0; k < MAXKEYS; k++) {
        SHARED_READ(c->value[k]);
        sum += c->value[k];
    }
    return sum;
}

static void cache_report(cache_t *c, char *out, size_t n) {
    rwmutex_rlock(&c->mu);
    chan_close(reading); /* forced interleaving: now the writer may come */
    int sum = summarize(c);
    int len = cache_len(c); /* BUG: second RLock while holding the first */
    snprintf(out, n, "sum %d, %d items", sum, len);
    rwmutex_runlock(&c->mu);
}

static void cache_set(cache_t *c, int key, int v) {
    rwmutex_lock(&c->mu);
    SHARED_WRITE(c->value[key]);
    c->value[key] = v;
    SHARED_WRITE(c->present[key]);
    c->present[key] = true;
    rwmutex_unlock(&c->mu);
}

static void reporter(void *arg) {
    (void)arg;
    char line[64];
    cache_report(&cache, line, sizeof line);
    printf("report: %s\n", line);
    wg_done(&wg);
}

static void writer(void *arg) {
    (void)arg;
    chan_recv(reading, NULL); /* arrives while the reporter holds the read lock */
    cache_set(&cache, 3, 103);
    wg_done(&wg);
}

int main(int argc, char **argv) {
    params_end(argc, argv);

    rwmutex_set_name(&cache.mu, "cache.mu");
    reading = chan_make_named("reading", char, 0);
    cache_set(&cache, 1, 101);
    cache_set(&cache, 2, 102);

    wg_add(&wg, 2);
    go(reporter, NULL);
    go(writer, NULL);
    wg_wait(&wg); /* never returns: the runtime reports the deadlock */
    printf("done\n");
    return 0;
}
