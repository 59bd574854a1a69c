/*
 * mutex / copied-by-value — MISUSE: a struct holding a mutex is passed by
 * value, so every caller locks its own copy.
 *
 * The Go program this one follows (`go vet` warns: "passes lock by value"):
 *
 *   type Stats struct {
 *       mu   sync.Mutex
 *       hits []int            // shared by every copy: a slice header
 *   }
 *
 *   func (s Stats) Record(page int) {   // BUG: value receiver copies s.mu
 *       s.mu.Lock()
 *       defer s.mu.Unlock()
 *       s.hits[page]++
 *   }
 *
 *   func main() {
 *       stats := Stats{hits: make([]int, 3)}
 *       stats.Record(0)                  // first use of the mutex
 *       var wg sync.WaitGroup
 *       for w := 0; w < workers; w++ {
 *           wg.Add(1)
 *           go func(w int) {
 *               defer wg.Done()
 *               for k := 0; k < 4; k++ {
 *                   stats.Record((w + k) % 3)   // copies stats, mutex included
 *               }
 *           }(w)
 *       }
 *       wg.Wait()
 *       fmt.Println(stats.hits)
 *   }
 *
 * What goes wrong: the mutex is a value.  Each call of Record gets a fresh
 * copy of it, unlocked, that no other goroutine ever sees, while the hit
 * counters behind the slice are the same memory for everybody.  The lock
 * excludes nobody: the runtime notices the copy of a lock after its first use
 * (misuse) and the race analysis finds writes to the same counter with no
 * happens-before path between them (race).
 *
 * It fails on every run: the copies exist whatever the timing, and the
 * workers never synchronise with each other, so no ordering can hide the race.
 * The fix: a pointer receiver (func (s *Stats) Record), so there is one mutex.
 */
#include <stdio.h>

#include "chanscope.h"
#include "params.h"

#define NPAGES 3

typedef struct {
    mutex_t mu;
    int *hits; /* shared by every copy, like a slice */
} stats_t;

static int hits_storage[NPAGES];
static stats_t stats = {MUTEX_INIT, hits_storage};
static waitgroup_t wg;

/* BUG: s is a copy of the caller's stats_t, mutex included. */
static void stats_record(stats_t s, int page) {
    mutex_lock(&s.mu);
    SHARED_READ(s.hits[page]);
    SHARED_WRITE(s.hits[page]);
    s.hits[page]++;
    mutex_unlock(&s.mu);
}

static void worker(void *arg) {
    int w = (int)(intptr_t)arg;
    for (int k = 0; k < 4; k++) stats_record(stats, (w + k) % NPAGES); /* copies stats */
    wg_done(&wg);
}

int main(int argc, char **argv) {
    int workers = param_int(argc, argv, "workers", 5);
    params_end(argc, argv);

    mutex_set_name(&stats.mu, "stats.mu");
    /* First use of the mutex: from here on a copy of it is a misuse. */
    mutex_lock(&stats.mu);
    SHARED_WRITE(stats.hits[0]);
    stats.hits[0]++;
    mutex_unlock(&stats.mu);

    for (int w = 0; w < workers; w++) {
        wg_add(&wg, 1);
        go(worker, (void *)(intptr_t)w);
    }
    wg_wait(&wg);

    int total = 0;
    for (int p = 0; p < NPAGES; p++) {
        SHARED_READ(stats.hits[p]);
        total += stats.hits[p];
        printf("page %d: %d hits\n", p, stats.hits[p]);
    }
    printf("total %d hits recorded (want %d); the lock protected nothing\n", total,
           1 + 4 * workers);
    return 0;
}
