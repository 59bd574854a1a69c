/*
 * errgroup/main.c — run tasks in parallel with errgroup.WithContext: Wait
 * returns the first error, and that error cancels the group's context, so
 * the tasks still running give up early.  Each task writes only its own
 * slot of the results, and main reads them after Wait.
 *
 * Go:
 *   func fetch(ctx context.Context, url string) (string, error) {
 *       if strings.HasPrefix(url, "bad") {
 *           time.Sleep(10 * time.Millisecond)
 *           return "", errors.New("503 service unavailable")
 *       }
 *       select {
 *       case <-time.After(latency(url)):
 *           return "200 OK", nil
 *       case <-ctx.Done():
 *           return "", ctx.Err()
 *       }
 *   }
 *   func fetchAll(ctx context.Context, urls []string) ([]string, error) {
 *       g, ctx := errgroup.WithContext(ctx)
 *       results := make([]string, len(urls))
 *       for i, url := range urls {
 *           g.Go(func() error {
 *               resp, err := fetch(ctx, url)
 *               if err != nil {
 *                   results[i] = err.Error()
 *                   return fmt.Errorf("fetch %s: %w", url, err)
 *               }
 *               results[i] = resp                // own slot: no lock needed
 *               return nil
 *           })
 *       }
 *       err := g.Wait()                          // all done; first error, if any
 *       return results, err
 *   }
 *   func main() {
 *       for _, urls := range [][]string{{"a", "b", "c", "d"}, {"a", "bad", "slow", "d"}} {
 *           results, err := fetchAll(context.Background(), urls)
 *           fmt.Println(urls, "->", err)
 *           for i, r := range results { fmt.Println("  ", urls[i], r) }
 *       }
 *   }
 */
#include <stdio.h>
#include <string.h>

#include "chanscope.h"
#include "params.h"

typedef struct {
    ctx_t *ctx;
    const char *url;
    char result[64]; /* this task's slot: written by the task, read after Wait */
} task_t;

static duration_t latency(const char *url) {
    return strcmp(url, "slow") == 0 ? 40 * MILLISECOND : (duration_t)(strlen(url) + 1) * MILLISECOND;
}

static err_t fetch(ctx_t *ctx, const char *url) {
    if (strncmp(url, "bad", 3) == 0) {
        time_sleep(10 * MILLISECOND);
        return error_new("503 service unavailable");
    }
    switch (chan_select(select_recv(time_after(latency(url)), NULL, NULL),
                        select_recv(ctx_done(ctx), NULL, NULL))) {
    case 1:
        return ctx_err(ctx);
    }
    return NULL;
}

static err_t fetch_task(void *arg) {
    task_t *t = arg;
    err_t err = fetch(t->ctx, t->url);
    SHARED_WRITE(t->result);
    if (err) {
        snprintf(t->result, sizeof t->result, "%s", err_msg(err));
        return errorf("fetch %s: %s", t->url, err_msg(err));
    }
    snprintf(t->result, sizeof t->result, "200 OK");
    return NULL;
}

static err_t fetch_all(ctx_t *parent, task_t *tasks, const char *const *urls, int n) {
    ctx_t *ctx;
    errgroup_t *g = errgroup_with_context(parent, &ctx);
    for (int i = 0; i < n; i++) {
        tasks[i] = (task_t){.ctx = ctx, .url = urls[i]};
        errgroup_go(g, fetch_task, &tasks[i]);
    }
    return errgroup_wait(g); /* all done; the first error, if any */
}

int main(int argc, char **argv) {
    params_end(argc, argv);
    static const char *const runs[2][4] = {{"a", "b", "c", "d"}, {"a", "bad", "slow", "d"}};
    for (int r = 0; r < 2; r++) {
        task_t tasks[4];
        err_t err = fetch_all(ctx_background(), tasks, runs[r], 4);
        printf("[%s %s %s %s] -> %s\n", runs[r][0], runs[r][1], runs[r][2], runs[r][3],
               err_msg(err));
        for (int i = 0; i < 4; i++) {
            SHARED_READ(tasks[i].result);
            printf("  %-5s %s\n", tasks[i].url, tasks[i].result);
        }
    }
    return 0;
}
