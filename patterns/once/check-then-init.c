/*
 * once / check-then-init — MISUSE: lazy initialisation with a plain nil
 * check instead of sync.Once.
 *
 * The Go program this one follows:
 *
 *   var instance *DB
 *
 *   func GetDB() *DB {
 *       if instance == nil {          // BUG: unsynchronised read...
 *           instance = connect()      // ...and write, from every caller
 *       }
 *       return instance
 *   }
 *
 *   func connect() *DB {
 *       connects.Add(1)
 *       time.Sleep(5 * time.Millisecond)   // dialing
 *       return &DB{conn: int(connects.Load())}
 *   }
 *
 *   func main() {
 *       var wg sync.WaitGroup
 *       for i := 0; i < callers; i++ {
 *           wg.Add(1)
 *           go func() { defer wg.Done(); GetDB() }()
 *       }
 *       wg.Wait()
 *       fmt.Println("connect ran", connects.Load(), "times")
 *   }
 *
 * What goes wrong: every caller reads `instance`, sees nil, and dials.  The
 * reads and writes of `instance` in different goroutines have no
 * happens-before path between them (a data race: Go's -race flags it, and so does
 * the race build this variant is built with), and
 * the "singleton" is created several times, each caller keeping its own.
 *
 * It fails on every run: dialing takes 5 ms, far longer than it takes every
 * caller to reach the nil check, and the race analysis does not depend on
 * timing at all: no synchronisation orders these accesses.
 * The fix is main.c: sync.Once (or a mutex around check and set).
 */
#include <stdio.h>
#include <stdlib.h>

#include "chanscope.h"
#include "params.h"

typedef struct {
    int conn;
} db_t;

static db_t *instance;
static atomic_i64 connects;
static waitgroup_t wg;

static db_t *connect_db(void) {
    int64_t n = atomic_i64_add(&connects, 1);
    trace_log("dialing the database (attempt %lld)", (long long)n);
    time_sleep(5 * MILLISECOND);
    db_t *db = malloc(sizeof *db);
    db->conn = (int)n;
    return db;
}

static db_t *get_db(void) {
    if (instance == NULL) { /* BUG: check and set are not atomic, not ordered */
        db_t *db = connect_db();
        instance = db;
    }
    return instance;
}

static void caller(void *arg) {
    (void)arg;
    get_db();
    wg_done(&wg);
}

int main(int argc, char **argv) {
    int callers = param_int(argc, argv, "callers", 10);
    params_end(argc, argv);

    for (int i = 0; i < callers; i++) {
        wg_add(&wg, 1);
        go(caller, NULL);
    }
    wg_wait(&wg);
    printf("%d callers; connect ran %lld time(s) (want 1)\n", callers,
           (long long)atomic_i64_load(&connects));
    return 0;
}
