/*
 * once / recursive-do — MISUSE: the function given to once.Do calls, through
 * a helper, the very getter that is running it.
 *
 * The Go program this one follows:
 *
 *   func GetDB() *DB {
 *       once.Do(func() {
 *           db := connect()
 *           migrate()                 // BUG: migrate calls GetDB
 *           instance = db
 *       })
 *       return instance
 *   }
 *
 *   func migrate() {
 *       db := GetDB()                 // once.Do again, from inside once.Do
 *       db.Exec("CREATE TABLE ...")
 *   }
 *
 *   func main() {
 *       var wg sync.WaitGroup
 *       for i := 0; i < callers; i++ {
 *           wg.Add(1)
 *           go func() { defer wg.Done(); GetDB() }()
 *       }
 *       wg.Wait()
 *   }
 *
 * What goes wrong: once.Do returns only after its function has finished, for
 * every caller, including the goroutine that is running the function.  The
 * inner GetDB waits for the outer one to finish, the outer one waits for
 * migrate, and the other callers wait for the Once: every goroutine is
 * blocked and the runtime stops the program with Go's
 * "fatal error: all goroutines are asleep - deadlock!" (exit status 2).
 *
 * It fails on every run: the recursion is in the code path, not in the timing.
 * The fix: give migrate the *DB it needs as an argument.
 */
#include <stdio.h>
#include <stdlib.h>

#include "chanscope.h"
#include "params.h"

typedef struct {
    int conn;
} db_t;

static db_t *instance;
static once_t once;
static waitgroup_t wg;

static db_t *get_db(void);

static void migrate(void) {
    db_t *db = get_db(); /* BUG: once_do inside the same once_do */
    printf("migrating with conn %d\n", db->conn);
}

static void init_db(void *arg) {
    (void)arg;
    db_t *db = malloc(sizeof *db);
    time_sleep(2 * MILLISECOND); /* dialing */
    db->conn = 42;
    migrate();
    SHARED_WRITE(instance);
    instance = db;
}

static db_t *get_db(void) {
    once_do(&once, init_db, NULL);
    SHARED_READ(instance);
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
    wg_wait(&wg); /* never returns: the runtime reports the deadlock */
    printf("db ready\n");
    return 0;
}
