/*
 * cancellation/lost-cancel.c — MISUSE: the cancel function is thrown away
 * (go vet calls it "lostcancel").  The context can then never be cancelled,
 * so the goroutine that waits for it to end — to clean up — waits forever.
 *
 * Go:
 *   func startSession(parent context.Context, name string) context.Context {
 *       ctx, _ := context.WithCancel(parent)      // BUG: cancel discarded
 *       watching := make(chan struct{})
 *       go func() {
 *           close(watching)
 *           <-ctx.Done()                          // never happens
 *           fmt.Println("session", name, "cleaned up")
 *       }()
 *       <-watching                                // the cleanup goroutine is up
 *       return ctx
 *   }
 *   func main() {
 *       for _, name := range []string{"alice", "bob"} {
 *           ctx := startSession(context.Background(), name)
 *           fmt.Println("session", name, "served; err =", ctx.Err())
 *       }
 *   }
 *
 * On every run: nothing can cancel the sessions, so both cleanup goroutines
 * are alive at exit, blocked on ctx.Done() (or about to be).  startSession
 * waits until its goroutine is up (`watching`); no sleep forces the rest:
 * `chanscope explore cancellation/lost-cancel` finds the leak in almost every
 * schedule it tries (pattern.json declares it; `make demo` runs seed
 * "demo_seed").
 * Fix: return the cancel func too and defer it in the caller, or derive the
 * session from a context that is cancelled when the work is done.
 */
#include <stdio.h>
#include <stdlib.h>

#include "chanscope.h"
#include "params.h"

typedef struct {
    ctx_t *ctx;
    const char *name;
    chan_t *watching; /* chan struct{}: closed once the goroutine is up */
} session_t;

static void cleanup_when_done(void *arg) {
    session_t *s = arg;
    chan_close(s->watching);
    chan_recv(ctx_done(s->ctx), NULL); /* never happens */
    printf("session %s cleaned up\n", s->name);
}

static ctx_t *start_session(ctx_t *parent, const char *name) {
    cancel_func lost;
    session_t *s = malloc(sizeof *s);
    *s = (session_t){ctx_with_cancel(parent, &lost), name, NULL}; /* BUG: cancel discarded */
    s->watching = chan_make_named("watching", char, 0);
    go(cleanup_when_done, s);
    chan_recv(s->watching, NULL); /* forced interleaving: the cleanup goroutine is up */
    return s->ctx;
}

int main(int argc, char **argv) {
    params_end(argc, argv);
    static const char *const names[] = {"alice", "bob"};
    for (int i = 0; i < 2; i++) {
        ctx_t *ctx = start_session(ctx_background(), names[i]);
        printf("session %s served; err = %s\n", names[i], err_msg(ctx_err(ctx)));
    }
    return 0;
}
