/*
 * graceful-shutdown / return-before-drain — MISUSE: Shutdown runs in a
 * goroutine and nobody waits for it; the program ends while requests are
 * still being served.
 *
 * The Go program this one follows:
 *
 *   func server(ctx context.Context, srv *http.Server, ln net.Listener) error {
 *       go func() {
 *           <-ctx.Done()
 *           shutdownCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
 *           defer cancel()
 *           srv.Shutdown(shutdownCtx)    // drains... in the background
 *       }()
 *       return srv.Serve(ln)             // BUG: returns ErrServerClosed as soon as
 *   }                                    // Shutdown closes the listener
 *
 *   func main() {
 *       ctx, stop := signal.NotifyContext(context.Background(),
 *           syscall.SIGINT, syscall.SIGTERM)
 *       defer stop()
 *       err := server(ctx, srv, ln)
 *       log.Println("server stopped:", err)
 *   }                                    // returning from main ends everything
 *
 * What goes wrong: Serve returns the moment the listener is closed, which is
 * the *start* of the shutdown, not its end.  main logs "stopped" and returns,
 * and a Go program ends when main returns: the handlers still sleeping in
 * /slow, the goroutine draining them and the clients waiting for an answer
 * are all cut off.  Their clients see a reset connection instead of a 200.
 * The analyzer reports them as goroutines still alive when the program ended.
 *
 * It fails on every run: the program sends itself SIGTERM while three 150 ms
 * requests are in the handler, so they are always in flight when Serve
 * returns.  The fix is main.c: call Shutdown from main (or wait for its
 * result) before returning, and treat ErrServerClosed from Serve as "the
 * shutdown has begun".
 */
#include <signal.h>
#include <stdio.h>

#include "chanscope.h"
#include "httpserver.h"
#include "params.h"

static void routes(const char *method, const char *path, http_response *w) {
    (void)method;
    if (strcmp(path, "/slow") == 0) {
        time_sleep(150 * MILLISECOND); /* a request that takes a while */
        snprintf(w->body, sizeof w->body, "slow done\n");
    } else {
        snprintf(w->body, sizeof w->body, "hello\n");
    }
}

/* ---- signal.NotifyContext ------------------------------------------------- */

typedef struct {
    chan_t *sigs;
    cancel_func cancel;
} notify_args;

static void notify_cancel(void *arg) {
    notify_args *n = arg;
    int sig;
    chan_recv(n->sigs, &sig);
    trace_log("got signal %d: cancelling the context", sig);
    ctx_cancel(n->cancel);
}

static ctx_t *notify_context(ctx_t *parent) {
    notify_args *n = malloc(sizeof *n);
    ctx_t *ctx = ctx_with_cancel(parent, &n->cancel);
    n->sigs = chan_make_named("signals", int, 1);
    signal_notify(n->sigs, SIGINT, SIGTERM);
    go(notify_cancel, n);
    return ctx;
}

/* ---- the server, written as in the guide ----------------------------------- */

typedef struct {
    ctx_t *ctx;
    http_server *srv;
} shutdown_args;

static void shutdown_on_done(void *arg) {
    shutdown_args *a = arg;
    chan_recv(ctx_done(a->ctx), NULL);
    cancel_func cancel;
    ctx_t *sctx = ctx_with_timeout(ctx_background(), 2 * SECOND, &cancel);
    http_shutdown(a->srv, sctx); /* drains... in the background */
    ctx_cancel(cancel);
}

static err_t server(ctx_t *ctx, http_server *srv) {
    shutdown_args *a = malloc(sizeof *a);
    *a = (shutdown_args){ctx, srv};
    go(shutdown_on_done, a);
    return http_serve(srv); /* BUG: returns as soon as the listener is closed */
}

/* ---- the outside world: clients, and the signal ----------------------------- */

typedef struct {
    http_server *srv;
    int slow;
} world_t;

static void slow_client(void *arg) {
    world_t *w = arg;
    http_response resp;
    err_t err = http_get(w->srv->port, "/slow", &resp);
    /* Never printed: the program has ended before the answer comes. */
    printf("GET /slow -> %s\n", err ? err_msg(err) : resp.body);
}

static void drive(void *arg) {
    world_t *w = arg;
    for (int i = 0; i < w->slow; i++) go_named("slow-client", slow_client, w);
    for (int ms = 0; atomic_i64_load(&w->srv->active) < w->slow && ms < 5000; ms++)
        time_sleep(1 * MILLISECOND);
    trace_log("sending SIGTERM to ourselves");
    raise(SIGTERM);
}

int main(int argc, char **argv) {
    int slow = param_int(argc, argv, "slow", 3);
    params_end(argc, argv);

    ctx_t *ctx = notify_context(ctx_background());
    /* Heap or static, never main's stack: goroutines use it after main returns. */
    static http_server srv = {.name = "server", .handler = routes};
    mutex_set_name(&srv.mu, "server.mu");
    wg_set_name(&srv.conns, "server.conns");
    err_t err = http_listen(&srv, 0);
    if (err) {
        fprintf(stderr, "%s: %s\n", argv[0], err_msg(err));
        return 1;
    }
    printf("server listening on 127.0.0.1 (an ephemeral port)\n");

    static world_t world;
    world = (world_t){&srv, slow};
    go(drive, &world);

    err = server(ctx, &srv);
    printf("server stopped: %s\n", err_msg(err));
    printf("returning from main with %lld request(s) still in the handler\n",
           (long long)atomic_i64_load(&srv.active));
    return 0;
}
