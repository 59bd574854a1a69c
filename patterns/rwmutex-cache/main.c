/*
 * rwmutex-cache — a read-mostly cache: many readers share an RWMutex, a
 * writer takes it alone, and a miss loads each key once.
 *
 * The Go program this one follows:
 *
 *   type Cache struct {
 *       mu    sync.RWMutex
 *       items map[int]int
 *       loads int
 *   }
 *
 *   func (c *Cache) Get(key int) (int, bool) {
 *       c.mu.RLock()
 *       defer c.mu.RUnlock()
 *       v, ok := c.items[key]
 *       return v, ok
 *   }
 *
 *   func (c *Cache) Set(key, v int) {
 *       c.mu.Lock()
 *       defer c.mu.Unlock()
 *       c.items[key] = v
 *   }
 *
 *   func (c *Cache) GetOrLoad(key int) int {
 *       if v, ok := c.Get(key); ok {      // fast path: shared lock
 *           return v
 *       }
 *       c.mu.Lock()                      // slow path: exclusive lock
 *       defer c.mu.Unlock()
 *       if v, ok := c.items[key]; ok {   // loaded while we waited for the lock
 *           return v
 *       }
 *       v := load(key)                   // slow; done once per key
 *       c.items[key] = v
 *       c.loads++
 *       return v
 *   }
 *
 *   func main() {
 *       c := &Cache{items: map[int]int{}}
 *       var wg sync.WaitGroup
 *       for r := 0; r < readers; r++ {
 *           wg.Add(1)
 *           go func(r int) {
 *               defer wg.Done()
 *               for k := 0; k < 6; k++ { c.GetOrLoad((r + k) % keys) }
 *           }(r)
 *       }
 *       wg.Add(1)
 *       go func() {                       // refresher
 *           defer wg.Done()
 *           time.Sleep(30 * time.Millisecond)
 *           c.Set(0, 1000); c.Set(1, 1001)
 *       }()
 *       wg.Wait()
 *   }
 *
 * What it shows: readers hold the lock together, so hits do not queue behind
 * each other; a writer waits for the readers to leave, and while it waits new
 * readers wait too (writer preference, as in Go).  GetOrLoad re-checks after
 * taking the write lock: another goroutine may have loaded the key while this
 * one was waiting, and each key is loaded exactly once.  No method takes the
 * lock while already holding it (see recursive-rlock.c for why).
 */
#include <stdio.h>

#include "chanscope.h"
#include "params.h"

#define MAXKEYS 16

typedef struct {
    rwmutex_t mu;
    int value[MAXKEYS];
    bool present[MAXKEYS];
    int loads;
} cache_t;

static cache_t cache;
static waitgroup_t wg;
static int nkeys;

static int load(int key) {
    time_sleep(2 * MILLISECOND); /* a slow backend */
    return 100 + key;
}

static bool cache_get(cache_t *c, int key, int *v) {
    rwmutex_rlock(&c->mu);
    SHARED_READ(c->present[key]);
    bool ok = c->present[key];
    if (ok) {
        SHARED_READ(c->value[key]);
        *v = c->value[key];
    }
    rwmutex_runlock(&c->mu);
    return ok;
}

static void cache_set(cache_t *c, int key, int v) {
    rwmutex_lock(&c->mu);
    SHARED_WRITE(c->value[key]);
    c->value[key] = v;
    SHARED_WRITE(c->present[key]);
    c->present[key] = true;
    rwmutex_unlock(&c->mu);
}

static int cache_get_or_load(cache_t *c, int key) {
    int v;
    if (cache_get(c, key, &v)) return v;
    rwmutex_lock(&c->mu);
    SHARED_READ(c->present[key]);
    if (c->present[key]) { /* loaded while we waited for the lock */
        SHARED_READ(c->value[key]);
        v = c->value[key];
        rwmutex_unlock(&c->mu);
        return v;
    }
    trace_log("miss: loading key %d", key);
    v = load(key);
    SHARED_WRITE(c->value[key]);
    c->value[key] = v;
    SHARED_WRITE(c->present[key]);
    c->present[key] = true;
    SHARED_READ(c->loads);
    SHARED_WRITE(c->loads);
    c->loads++;
    rwmutex_unlock(&c->mu);
    return v;
}

static void reader(void *arg) {
    int r = (int)(intptr_t)arg;
    for (int k = 0; k < 6; k++) cache_get_or_load(&cache, (r + k) % nkeys);
    wg_done(&wg);
}

static void refresher(void *arg) {
    (void)arg;
    time_sleep(30 * MILLISECOND); /* after the first round of loads */
    cache_set(&cache, 0, 1000);
    cache_set(&cache, 1, 1001);
    wg_done(&wg);
}

int main(int argc, char **argv) {
    int readers = param_int(argc, argv, "readers", 8);
    nkeys = param_int(argc, argv, "keys", 5);
    params_end(argc, argv);
    if (nkeys < 2 || nkeys > MAXKEYS) {
        fprintf(stderr, "%s: --keys must be between 2 and %d\n", argv[0], MAXKEYS);
        return 2;
    }

    rwmutex_set_name(&cache.mu, "cache.mu");
    for (int r = 0; r < readers; r++) {
        wg_add(&wg, 1);
        go(reader, (void *)(intptr_t)r);
    }
    wg_add(&wg, 1);
    go(refresher, NULL);
    wg_wait(&wg);

    rwmutex_rlock(&cache.mu);
    for (int k = 0; k < nkeys; k++) {
        SHARED_READ(cache.value[k]);
        printf("key %d = %d\n", k, cache.value[k]);
    }
    SHARED_READ(cache.loads);
    printf("%d readers, %d loads for %d keys (each key loaded once)\n", readers, cache.loads,
           nkeys);
    rwmutex_runlock(&cache.mu);
    return 0;
}
