/*
 * graceful-shutdown / errgroup-services — several services in one process,
 * started and stopped together: an API server, a metrics server and a
 * background worker under one errgroup and one signal context.
 *
 * The Go program this one follows:
 *
 *   func runHTTP(ctx context.Context, srv *http.Server, ln net.Listener) error {
 *       errc := make(chan error, 1)
 *       go func() { errc <- srv.Serve(ln) }()
 *       select {
 *       case err := <-errc:
 *           return err                    // Serve failed: the group cancels the rest
 *       case <-ctx.Done():
 *       }
 *       shutdownCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
 *       defer cancel()
 *       if err := srv.Shutdown(shutdownCtx); err != nil {
 *           return err
 *       }
 *       if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
 *           return err
 *       }
 *       return nil
 *   }
 *
 *   func runWorker(ctx context.Context) error {
 *       ticker := time.NewTicker(20 * time.Millisecond)
 *       defer ticker.Stop()
 *       for {
 *           select {
 *           case <-ticker.C:
 *               jobs.Add(1)                   // some background job
 *           case <-ctx.Done():
 *               return nil                    // asked to stop: not an error
 *           }
 *       }
 *   }
 *
 *   func main() {
 *       ctx, stop := signal.NotifyContext(context.Background(),
 *           syscall.SIGINT, syscall.SIGTERM)
 *       defer stop()
 *       apiLn, _ := net.Listen("tcp", "127.0.0.1:0")
 *       metricsLn, _ := net.Listen("tcp", "127.0.0.1:0")
 *       g, ctx := errgroup.WithContext(ctx)
 *       g.Go(func() error { return runHTTP(ctx, api, apiLn) })
 *       g.Go(func() error { return runHTTP(ctx, metrics, metricsLn) })
 *       g.Go(func() error { return runWorker(ctx) })
 *       if err := g.Wait(); err != nil {
 *           log.Fatal(err)
 *       }
 *       log.Println("all services stopped")
 *   }
 *
 * As in main.c the program plays the outside world too: clients call both
 * servers, and while two slow API requests are in flight it sends itself
 * SIGINT.  The signal cancels one context; every service sees it and stops
 * in its own way (the servers drain, the worker just returns), and g.Wait
 * returns when the last one has.  Had one service failed instead, the
 * errgroup would have cancelled the same context and stopped the others.
 */
#include <signal.h>
#include <stdio.h>

#include "chanscope.h"
#include "httpserver.h"
#include "params.h"

static atomic_i64 api_requests;
static atomic_i64 worker_jobs;

static void api_routes(const char *method, const char *path, http_response *w) {
    (void)method;
    atomic_i64_add(&api_requests, 1);
    if (strcmp(path, "/slow") == 0) time_sleep(100 * MILLISECOND);
    snprintf(w->body, sizeof w->body, "api: %s done\n", path);
}

static void metrics_routes(const char *method, const char *path, http_response *w) {
    (void)method;
    (void)path;
    snprintf(w->body, sizeof w->body, "api_requests %lld\nworker_jobs %lld\n",
             (long long)atomic_i64_load(&api_requests), (long long)atomic_i64_load(&worker_jobs));
}

/* ---- signal.NotifyContext ------------------------------------------------- */

typedef struct {
    ctx_t *ctx;
    chan_t *sigs;
    cancel_func cancel;
} notify_args;

static void notify_cancel(void *arg) {
    notify_args *n = arg;
    int sig = 0;
    if (chan_select(select_recv(n->sigs, &sig, NULL),
                    select_recv(ctx_done(n->ctx), NULL, NULL)) == 0)
        trace_log("got signal %d: cancelling every service", sig);
    signal_stop(n->sigs);
    ctx_cancel(n->cancel);
}

/* ctx is cancelled at SIGINT/SIGTERM or by ctx_cancel(*stop). */
static ctx_t *notify_context(ctx_t *parent, cancel_func *stop) {
    notify_args *n = malloc(sizeof *n);
    n->ctx = ctx_with_cancel(parent, &n->cancel);
    *stop = n->cancel;
    n->sigs = chan_make_named("signals", int, 1);
    signal_notify(n->sigs, SIGINT, SIGTERM);
    go(notify_cancel, n);
    return n->ctx;
}

/* ---- the services ------------------------------------------------------------ */

typedef struct {
    ctx_t *ctx;
    http_server *srv;
    chan_t *errc; /* chan err_t, capacity 1 */
} http_service;

static void serve(void *arg) {
    http_service *s = arg;
    err_t err = http_serve(s->srv);
    chan_send(s->errc, &err);
}

static err_t run_http(void *arg) {
    http_service *s = arg;
    s->errc = chan_make_named("errc", err_t, 1);
    go_named(s->srv->name, serve, s);
    err_t err;
    if (chan_select(select_recv(s->errc, &err, NULL),
                    select_recv(ctx_done(s->ctx), NULL, NULL)) == 0)
        return err; /* Serve failed: the group cancels the others */

    cancel_func cancel;
    ctx_t *sctx = ctx_with_timeout(ctx_background(), 2 * SECOND, &cancel);
    err = http_shutdown(s->srv, sctx);
    ctx_cancel(cancel);
    if (err) return err;
    chan_recv(s->errc, &err);
    if (!err_is(err, ERR_SERVER_CLOSED)) return err;
    printf("%s: drained and stopped\n", s->srv->name);
    return NULL;
}

static err_t run_worker(void *arg) {
    ctx_t *ctx = arg;
    time_ticker *ticker = time_new_ticker(20 * MILLISECOND);
    for (;;) {
        int64_t tick;
        switch (chan_select(select_recv(ticker->C, &tick, NULL),
                            select_recv(ctx_done(ctx), NULL, NULL))) {
        case 0:
            atomic_i64_add(&worker_jobs, 1); /* some background job */
            continue;
        default:
            time_ticker_stop(ticker);
            printf("worker: stopped\n");
            return NULL; /* asked to stop: not an error */
        }
    }
}

/* ---- the outside world ------------------------------------------------------- */

typedef struct {
    http_server *api, *metrics;
    int slow;
    waitgroup_t wg;
    chan_t *draining; /* closed by the API server's on_shutdown hook */
    chan_t *done;     /* closed when every client has its answer */
    char lines[16][160];
    int nlines;
    mutex_t mu; /* guards lines */
} world_t;

typedef struct {
    world_t *w;
    http_server *srv;
    const char *path;
    const char *when;
} client_args;

static void client(void *arg) {
    client_args *a = arg;
    http_response resp;
    err_t err = http_get(a->srv->port, a->path, &resp);
    mutex_lock(&a->w->mu);
    if (a->w->nlines < 16) {
        char *line = a->w->lines[a->w->nlines++];
        if (err)
            snprintf(line, 160, "  %-7s GET %-8s %-22s -> %s\n", a->srv->name, a->path, a->when,
                     strstr(err_msg(err), "refused") ? "connection refused" : err_msg(err));
        else
            snprintf(line, 160, "  %-7s GET %-8s %-22s -> %d\n", a->srv->name, a->path, a->when,
                     resp.status);
    }
    mutex_unlock(&a->w->mu);
    wg_done(&a->w->wg);
}

static void start_client(world_t *w, http_server *srv, const char *path, const char *when) {
    client_args *a = malloc(sizeof *a);
    *a = (client_args){w, srv, path, when};
    wg_add(&w->wg, 1);
    go(client, a);
}

static void on_api_shutdown(void *arg) {
    world_t *w = arg;
    chan_close(w->draining);
}

static void drive(void *arg) {
    world_t *w = arg;
    start_client(w, w->api, "/", "before the signal");
    start_client(w, w->metrics, "/metrics", "before the signal");
    wg_wait(&w->wg);

    for (int i = 0; i < w->slow; i++) start_client(w, w->api, "/slow", "in flight at signal");
    for (int ms = 0; atomic_i64_load(&w->api->active) < w->slow && ms < 5000; ms++)
        time_sleep(1 * MILLISECOND);
    trace_log("sending SIGINT to ourselves");
    raise(SIGINT);

    chan_recv(w->draining, NULL);
    start_client(w, w->api, "/", "during the drain");
    wg_wait(&w->wg);
    chan_close(w->done);
}

int main(int argc, char **argv) {
    int slow = param_int(argc, argv, "slow", 2);
    params_end(argc, argv);
    if (slow < 1 || slow > 10) {
        fprintf(stderr, "%s: --slow must be between 1 and 10\n", argv[0]);
        return 2;
    }

    cancel_func stop;
    ctx_t *ctx = notify_context(ctx_background(), &stop);

    static http_server api = {.name = "api", .handler = api_routes};
    static http_server metrics = {.name = "metrics", .handler = metrics_routes};
    mutex_set_name(&api.mu, "api.mu");
    wg_set_name(&api.conns, "api.conns");
    mutex_set_name(&metrics.mu, "metrics.mu");
    wg_set_name(&metrics.conns, "metrics.conns");
    err_t err = http_listen(&api, 0);
    if (!err) err = http_listen(&metrics, 0);
    if (err) {
        fprintf(stderr, "%s: %s\n", argv[0], err_msg(err));
        return 1;
    }
    printf("api and metrics listening on 127.0.0.1 (ephemeral ports), worker running\n");

    static world_t world;
    world.api = &api;
    world.metrics = &metrics;
    world.slow = slow;
    wg_set_name(&world.wg, "clients");
    mutex_set_name(&world.mu, "world.mu");
    world.draining = chan_make_named("draining", char, 0);
    world.done = chan_make_named("done", char, 0);
    api.on_shutdown = on_api_shutdown;
    api.on_shutdown_arg = &world;

    ctx_t *gctx;
    errgroup_t *g = errgroup_with_context(ctx, &gctx);
    static http_service api_svc, metrics_svc;
    api_svc = (http_service){gctx, &api, NULL};
    metrics_svc = (http_service){gctx, &metrics, NULL};
    errgroup_go(g, run_http, &api_svc);
    errgroup_go(g, run_http, &metrics_svc);
    errgroup_go(g, run_worker, gctx);

    go(drive, &world);

    err = errgroup_wait(g);
    ctx_cancel(stop); /* defer stop() */
    chan_recv(world.done, NULL);
    printf("all services stopped: %s\n", err ? err_msg(err) : "clean");
    printf("requests:\n");
    for (int i = 0; i < world.nlines; i++) fputs(world.lines[i], stdout);
    return err ? 1 : 0;
}
