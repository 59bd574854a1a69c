/*
 * errgroup/append-race.c — MISUSE: the tasks of an errgroup append to one
 * shared slice without a lock.  errgroup.Wait orders every task before main,
 * but nothing orders the tasks among themselves: their appends race (lost
 * results, or a corrupted slice).
 *
 * Go:
 *   func fetchAll(ctx context.Context, urls []string) ([]string, error) {
 *       g, ctx := errgroup.WithContext(ctx)
 *       var results []string
 *       for _, url := range urls {
 *           g.Go(func() error {
 *               resp, err := fetch(ctx, url)
 *               if err != nil {
 *                   return err
 *               }
 *               results = append(results, url+": "+resp)   // BUG: unsynchronised
 *               return nil
 *           })
 *       }
 *       return results, g.Wait()
 *   }
 *
 * On every run: the appends are concurrent (no happens-before between the
 * tasks), whatever order they happen to run in.
 * Fix: give each task its own slot (results[i] = ..., main.c) or lock a mutex.
 */
#include <stdio.h>
#include <string.h>

#include "chanscope.h"
#include "params.h"

typedef struct {
    ctx_t *ctx;
    const char *url;
} task_t;

static char results[8][64];
static int nresults; /* len(results): shared by every task, unprotected */

static err_t fetch(ctx_t *ctx, const char *url) {
    switch (chan_select(select_recv(time_after((duration_t)strlen(url) * MILLISECOND), NULL, NULL),
                        select_recv(ctx_done(ctx), NULL, NULL))) {
    case 1:
        return ctx_err(ctx);
    }
    return NULL;
}

static err_t fetch_task(void *arg) {
    task_t *t = arg;
    err_t err = fetch(t->ctx, t->url);
    if (err) return err;
    int n = nresults; /* BUG: results = append(results, ...) without a lock */
    snprintf(results[n % 8], sizeof results[0], "%s: 200 OK", t->url);
    nresults = n + 1;
    return NULL;
}

int main(int argc, char **argv) {
    params_end(argc, argv);
    static const char *const urls[] = {"a", "bb", "ccc", "dddd", "e"};
    int n = 5;
    ctx_t *ctx;
    errgroup_t *g = errgroup_with_context(ctx_background(), &ctx);
    task_t tasks[5];
    for (int i = 0; i < n; i++) {
        tasks[i] = (task_t){ctx, urls[i]};
        errgroup_go(g, fetch_task, &tasks[i]);
    }
    err_t err = errgroup_wait(g);
    printf("%d of %d results, err = %s\n", nresults, n, err_msg(err));
    for (int i = 0; i < nresults && i < 8; i++) printf("  %s\n", results[i]);
    return 0;
}
