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
 *   func (s *Stats) Record(page int) {
 *       s.mu.Lock()
 *       defer s.mu.Unlock()
 *       s.hits[page]++
 *   }
 *
 *   func worker(s Stats, w int, wg *sync.WaitGroup) {   // BUG: s is a copy, mutex included
 *       defer wg.Done()
 *       for k := 0; k < 4; k++ {
 *           s.Record((w + k) % 3)     // locks the copy's mutex
 *       }
 *   }
 *
 *   func main() {
 *       stats := Stats{hits: make([]int, 3)}
 *       stats.Record(0)                  // first use of the mutex
 *       var wg sync.WaitGroup
 *       for w := 0; w < workers; w++ {
 *           wg.Add(1)
 *           go worker(stats, w, &wg)     // copies stats for each worker
 *       }
 *       wg.Wait()
 *       fmt.Println(stats.hits)
 *   }
 *
 * What goes wrong: the mutex is a value.  Each worker gets its own copy of
 * it, that no other goroutine ever sees, while the hit counters behind the
 * slice are the same memory for everybody.  The lock
 * excludes nobody: the runtime notices the copy of a lock after its first use
 * (misuse) and the race build (no marks) finds writes to the same counter with no
 * happens-before path between them (race).
 *
 * It fails on every run: the copies exist whatever the timing, and the
 * workers never synchronise with each other, so no ordering can hide the race.
 * The fix: pass a pointer (func worker(s *Stats, ...)), so there is one mutex.
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

static void stats_record(stats_t *s, int page) {
    mutex_lock(&s->mu);
    s->hits[page]++;
    mutex_unlock(&s->mu);
}

typedef struct {
    stats_t s; /* BUG: a copy of stats, mutex included */
    int w;
} worker_args;

static void worker(void *arg) {
    worker_args *a = arg;
    for (int k = 0; k < 4; k++) stats_record(&a->s, (a->w + k) % NPAGES);
    wg_done(&wg);
}

int main(int argc, char **argv) {
    int workers = param_int_range(argc, argv, "workers", 5, 1, 1000);
    params_end(argc, argv);
    if (workers < 1 || workers > 100) {
        fprintf(stderr, "%s: --workers must be between 1 and 100\n", argv[0]);
        return 2;
    }

    mutex_set_name(&stats.mu, "stats.mu");
    /* First use of the mutex: from here on a copy of it is a misuse. */
    stats_record(&stats, 0);

    worker_args args[workers];
    for (int w = 0; w < workers; w++) {
        args[w] = (worker_args){stats, w}; /* go worker(stats, w, &wg): copies stats */
        wg_add(&wg, 1);
        go(worker, &args[w]);
    }
    wg_wait(&wg);

    int total = 0;
    for (int p = 0; p < NPAGES; p++) {
        total += stats.hits[p];
        printf("page %d: %d hits\n", p, stats.hits[p]);
    }
    printf("total %d hits recorded (want %d); each worker locked its own copy of the mutex\n",
           total, 1 + 4 * workers);
    return 0;
}
