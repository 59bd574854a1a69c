/*
 * graceful-shutdown — an HTTP server that, on SIGINT or SIGTERM, stops
 * accepting connections and lets the requests already in flight finish,
 * within a deadline.
 *
 * The Go program this one follows:
 *
 *   func main() {
 *       mux := http.NewServeMux()
 *       mux.HandleFunc("/", hello)
 *       mux.HandleFunc("/slow", slow)            // 150 ms of work
 *       srv := &http.Server{Handler: mux}
 *       ln, err := net.Listen("tcp", "127.0.0.1:0")
 *       if err != nil { log.Fatal(err) }
 *
 *       quit := make(chan os.Signal, 1)
 *       signal.Notify(quit, syscall.SIGINT, syscall.SIGTERM)
 *       defer signal.Stop(quit)
 *
 *       serveErr := make(chan error, 1)
 *       go func() { serveErr <- srv.Serve(ln) }()
 *
 *       sig := <-quit                            // wait for the signal
 *       log.Println("got", sig, "- shutting down")
 *       ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
 *       defer cancel()
 *       if err := srv.Shutdown(ctx); err != nil {   // stop accepting, drain
 *           log.Println("forced shutdown:", err)
 *       }
 *       log.Println("Serve returned:", <-serveErr)  // http.ErrServerClosed
 *   }
 *
 * With no arguments the program also plays the outside world, so that one
 * run shows the whole story: client goroutines send requests, and once three
 * slow requests are in flight the program sends itself SIGTERM
 * (raise(SIGTERM), as `kill -TERM <pid>` would).  A client that arrives
 * during the drain is refused; the three slow requests still get their 200.
 * With --serve [--port=N] it serves on 127.0.0.1 until SIGINT or SIGTERM,
 * logging each request, like a real server.
 *
 * What it shows: the order that makes a shutdown graceful.  The signal is a
 * channel receive like any other.  Shutdown closes the listener first, then
 * waits for the accept loop, then for the connections still being served
 * (a WaitGroup, waited on in a goroutine so that the wait can race the
 * deadline in a select).  main returns only after Shutdown and Serve have both
 * returned, so no request is cut off (compare return-before-drain.c).
 */
#include <signal.h>
#include <stdio.h>

#include "chanscope.h"
#include "httpserver.h"
#include "params.h"

static duration_t slow_time;

static void routes(const char *method, const char *path, http_response *w) {
    if (strcmp(method, "GET") != 0) {
        *w = (http_response){400, "GET only\n"};
    } else if (strcmp(path, "/") == 0) {
        snprintf(w->body, sizeof w->body, "hello\n");
    } else if (strcmp(path, "/slow") == 0) {
        time_sleep(slow_time); /* a request that takes a while */
        snprintf(w->body, sizeof w->body, "slow done\n");
    } else if (strcmp(path, "/health") == 0) {
        snprintf(w->body, sizeof w->body, "ok\n");
    } else {
        *w = (http_response){404, "not found\n"};
    }
}

/* ---- the outside world (only when run without --serve) ------------------ */

typedef struct {
    const char *path;
    err_t err;
    http_response resp;
} request_t;

typedef struct {
    http_server *srv;
    int fast, slow;
    request_t *reqs;  /* fast + slow + 1 (the late client) */
    waitgroup_t wg;   /* client goroutines; Add and Wait both in drive() */
    chan_t *draining; /* closed by the server's on_shutdown hook */
    chan_t *done;     /* closed by drive() once every client has its answer */
} world_t;

typedef struct {
    world_t *world;
    request_t *req;
} client_args;

static void client(void *arg) {
    client_args *a = arg;
    a->req->err = http_get(a->world->srv->port, a->req->path, &a->req->resp);
    wg_done(&a->world->wg);
}

static void start_client(world_t *w, int i, const char *path, const char *name) {
    client_args *a = malloc(sizeof *a);
    *a = (client_args){w, &w->reqs[i]};
    w->reqs[i].path = path;
    wg_add(&w->wg, 1);
    go_named(name, client, a);
}

/* Registered with the server (RegisterOnShutdown): runs once Shutdown has
 * closed the listener. */
static void on_shutdown(void *arg) {
    world_t *w = arg;
    chan_close(w->draining);
}

static void drive(void *arg) {
    world_t *w = arg;
    for (int i = 0; i < w->fast; i++) start_client(w, i, "/", "client");
    wg_wait(&w->wg); /* the quick requests are answered before the signal */

    for (int i = 0; i < w->slow; i++) start_client(w, w->fast + i, "/slow", "slow-client");
    /* Signal in the middle of the slow requests: wait until the server is
     * handling all of them (it counts requests inside handlers). */
    for (int ms = 0; atomic_i64_load(&w->srv->active) < w->slow && ms < 5000; ms++)
        time_sleep(1 * MILLISECOND);
    trace_log("sending SIGTERM to ourselves");
    raise(SIGTERM);

    /* A client that arrives while the server drains. */
    chan_recv(w->draining, NULL);
    start_client(w, w->fast + w->slow, "/", "late-client");
    wg_wait(&w->wg);
    chan_close(w->done);
}

static void print_requests(world_t *w) {
    int n = w->fast + w->slow + 1;
    for (int i = 0; i < n; i++) {
        request_t *r = &w->reqs[i];
        const char *when = i < w->fast ? "before the signal"
                           : i < n - 1 ? "in flight at the signal"
                                       : "during the drain";
        if (r->err)
            printf("  GET %-5s %-24s -> %s\n", r->path, when,
                   strstr(err_msg(r->err), "refused") ? "connection refused" : err_msg(r->err));
        else
            printf("  GET %-5s %-24s -> %d %s", r->path, when, r->resp.status, r->resp.body);
    }
}

/* ---- the server ------------------------------------------------------------ */

typedef struct {
    http_server *srv;
    chan_t *errc; /* chan err_t, capacity 1 */
} serve_args;

static void serve(void *arg) {
    serve_args *a = arg;
    err_t err = http_serve(a->srv);
    chan_send(a->errc, &err);
}

int main(int argc, char **argv) {
    bool serve_mode = param_bool(argc, argv, "serve");
    int port = param_int(argc, argv, "port", 0);
    int fast = param_int(argc, argv, "clients", 4);
    int slow = param_int(argc, argv, "slow", 3);
    int slow_ms = param_int(argc, argv, "slow-ms", 150);
    int drain_ms = param_int(argc, argv, "drain-ms", 2000);
    params_end(argc, argv);
    if (port < 0 || port > 65535 || fast < 0 || fast > 50 || slow < 1 || slow > 50 ||
        slow_ms < 0 || drain_ms < 1) {
        fprintf(stderr,
                "%s: want 0 <= port <= 65535, 0 <= clients <= 50, 1 <= slow <= 50, "
                "slow-ms >= 0, drain-ms >= 1\n",
                argv[0]);
        return 2;
    }
    slow_time = slow_ms * MILLISECOND;
    if (serve_mode) setvbuf(stdout, NULL, _IOLBF, 0); /* one log line at a time */

    static http_server srv = {.name = "server", .handler = routes};
    srv.access_log = serve_mode;
    mutex_set_name(&srv.mu, "server.mu");
    wg_set_name(&srv.conns, "server.conns");
    err_t err = http_listen(&srv, serve_mode ? port : 0);
    if (err) {
        fprintf(stderr, "%s: %s\n", argv[0], err_msg(err));
        return 1;
    }

    chan_t *quit = chan_make_named("quit", int, 1);
    signal_notify(quit, SIGINT, SIGTERM);

    serve_args sa = {&srv, chan_make_named("serveErr", err_t, 1)};
    go(serve, &sa);

    static world_t world;
    world = (world_t){.srv = &srv, .fast = fast, .slow = slow};
    if (serve_mode) {
        printf("listening on 127.0.0.1:%d (pid %d); SIGINT or SIGTERM to stop\n", srv.port,
               (int)getpid());
    } else {
        printf("server listening on 127.0.0.1 (an ephemeral port)\n");
        world.reqs = calloc((size_t)(fast + slow + 1), sizeof *world.reqs);
        wg_set_name(&world.wg, "clients");
        world.draining = chan_make_named("draining", char, 0);
        world.done = chan_make_named("done", char, 0);
        srv.on_shutdown = on_shutdown;
        srv.on_shutdown_arg = &world;
        go(drive, &world);
    }

    int sig;
    chan_recv(quit, &sig); /* sig := <-quit */
    int64_t t0 = time_now();
    printf("got %s: shutting down, %lld request(s) in flight\n",
           sig == SIGINT ? "SIGINT" : "SIGTERM", (long long)atomic_i64_load(&srv.active));

    cancel_func cancel;
    ctx_t *ctx = ctx_with_timeout(ctx_background(), drain_ms * MILLISECOND, &cancel);
    err = http_shutdown(&srv, ctx);
    if (err)
        printf("forced shutdown: %s\n", err_msg(err));
    else if (serve_mode)
        printf("drained in %lld ms\n", (long long)(time_since(t0) / MILLISECOND));
    else
        printf("drained every in-flight request within the %d ms deadline\n", drain_ms);
    err_t serve_err;
    chan_recv(sa.errc, &serve_err);
    printf("Serve returned: %s\n", err_msg(serve_err));
    ctx_cancel(cancel);
    signal_stop(quit);

    if (!serve_mode) {
        chan_recv(world.done, NULL); /* every client has its answer */
        printf("requests:\n");
        print_requests(&world);
    }
    return err ? 1 : 0;
}
