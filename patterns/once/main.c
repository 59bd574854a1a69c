/*
 * once — lazy initialisation that runs exactly once, however many
 * goroutines ask at the same time.
 *
 * The Go program this one follows:
 *
 *   type DB struct{ conn int }
 *
 *   var (
 *       instance *DB
 *       once     sync.Once
 *       connects atomic.Int64
 *   )
 *
 *   func GetDB() *DB {
 *       once.Do(func() {
 *           connects.Add(1)
 *           time.Sleep(5 * time.Millisecond)     // dialing
 *           instance = &DB{conn: 42}
 *       })
 *       return instance
 *   }
 *
 *   var getConfig = sync.OnceValue(func() *Config {
 *       return &Config{poolSize: 4}
 *   })
 *
 *   func main() {
 *       var wg sync.WaitGroup
 *       got := make([]*DB, callers)
 *       for i := 0; i < callers; i++ {
 *           wg.Add(1)
 *           go func(i int) {
 *               defer wg.Done()
 *               got[i] = GetDB()
 *               _ = getConfig()
 *           }(i)
 *       }
 *       wg.Wait()
 *       // every caller got the same instance; connect ran once
 *   }
 *
 * What it shows: once.Do runs the function in the first caller; every other
 * caller waits until it has finished, then returns.  The write of `instance`
 * inside Do happens before every return from Do, so reading it afterwards
 * needs no lock (the race analysis sees the Once edge).  sync.OnceValue is the
 * same with the result kept for you.
 */
#include <stdio.h>
#include <stdlib.h>

#include "chanscope.h"
#include "params.h"

typedef struct {
    int conn;
} db_t;

typedef struct {
    int pool_size;
} config_t;

static db_t *instance;
static once_t once;
static atomic_i64 connects;
static once_value_t config_once;

static void connect_db(void *arg) {
    (void)arg;
    atomic_i64_add(&connects, 1);
    trace_log("dialing the database");
    time_sleep(5 * MILLISECOND);
    db_t *db = malloc(sizeof *db);
    db->conn = 42;
    SHARED_WRITE(instance);
    instance = db;
}

static db_t *get_db(void) {
    once_do(&once, connect_db, NULL);
    SHARED_READ(instance);
    return instance;
}

static void *load_config(void *arg) {
    (void)arg;
    static config_t cfg = {4};
    return &cfg;
}

typedef struct {
    db_t *db;
    config_t *cfg;
} caller_result;

static caller_result *got;
static waitgroup_t wg;

static void caller(void *arg) {
    int i = (int)(intptr_t)arg;
    db_t *db = get_db();
    config_t *cfg = once_value(&config_once, load_config, NULL);
    SHARED_WRITE(got[i]);
    got[i] = (caller_result){db, cfg};
    wg_done(&wg);
}

int main(int argc, char **argv) {
    int callers = param_int(argc, argv, "callers", 10);
    params_end(argc, argv);
    if (callers < 1 || callers > 1000) {
        fprintf(stderr, "%s: --callers must be between 1 and 1000\n", argv[0]);
        return 2;
    }

    got = calloc((size_t)callers, sizeof *got);
    for (int i = 0; i < callers; i++) {
        wg_add(&wg, 1);
        go(caller, (void *)(intptr_t)i);
    }
    wg_wait(&wg);

    int same = 0;
    for (int i = 0; i < callers; i++) {
        SHARED_READ(got[i]);
        if (got[i].db == got[0].db && got[i].cfg == got[0].cfg) same++;
    }
    printf("%d callers, %d got the same DB (conn %d) and config (pool %d)\n", callers, same,
           got[0].db->conn, got[0].cfg->pool_size);
    printf("connect ran %lld time(s)\n", (long long)atomic_i64_load(&connects));
    free(got);
    return 0;
}
