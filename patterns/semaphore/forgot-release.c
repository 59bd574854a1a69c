/*
 * semaphore/forgot-release.c — MISUSE: the error path returns without
 * releasing the semaphore.  Every failed fetch keeps its slot forever; with
 * more failures than slots, the semaphore fills up for good and the
 * remaining goroutines wait forever in Acquire — and wg.Wait() with them:
 * "fatal error: all goroutines are asleep - deadlock!".
 *
 * Go (main.c's fetchMany, releasing by hand):
 *   go func() {
 *       defer wg.Done()
 *       if err := sem.Acquire(ctx); err != nil { return }
 *       r, err := fetch(id)
 *       if err != nil {
 *           errs <- err
 *           return                           // BUG: the slot is never released
 *       }
 *       sem.Release()
 *       ...
 *   }()
 *
 * On every run: 4 of the 9 fetches fail and there are only 3 slots: once
 * three failures hold the three slots, the fourth failing fetch (at least)
 * can never acquire one, whatever the order.
 * Fix: defer sem.Release() right after a successful Acquire.
 */
#include <stdio.h>

#include "chanscope.h"
#include "params.h"

typedef struct {
    chan_t *slots;
} sem_t;

static err_t sem_acquire(sem_t *s, ctx_t *ctx) {
    char token = 0;
    switch (chan_select(select_send(s->slots, &token), select_recv(ctx_done(ctx), NULL, NULL))) {
    case 0:
        return NULL;
    default:
        return ctx_err(ctx);
    }
}

static void sem_release(sem_t *s) { chan_recv(s->slots, NULL); }

static err_t fetch(int id) {
    if (id % 2 == 0) return errorf("fetch %d: not found", id); /* 2, 4, 6, 8 fail at once */
    time_sleep(5 * MILLISECOND);
    return NULL;
}

typedef struct {
    ctx_t *ctx;
    sem_t *sem;
    chan_t *errs;
    waitgroup_t *wg;
    int id;
} fetch_args;

static void fetcher(void *arg) {
    fetch_args *a = arg;
    if (sem_acquire(a->sem, a->ctx) != NULL) {
        wg_done(a->wg);
        return;
    }
    err_t err = fetch(a->id);
    if (err) {
        chan_select(select_send(a->errs, &err), select_default());
        wg_done(a->wg);
        return; /* BUG: the slot is never released */
    }
    sem_release(a->sem);
    wg_done(a->wg);
}

int main(int argc, char **argv) {
    int nids = param_int(argc, argv, "ids", 9);
    int limit = param_int(argc, argv, "limit", 3);
    params_end(argc, argv);
    if (nids < 1) nids = 1;

    sem_t sem = {chan_make_named("slots", char, limit)};
    chan_t *errs = chan_make_named("errs", err_t, 1);
    waitgroup_t wg = WAITGROUP_INIT;
    fetch_args fa[nids];
    for (int i = 0; i < nids; i++) {
        fa[i] = (fetch_args){ctx_background(), &sem, errs, &wg, i + 1};
        wg_add(&wg, 1);
        go(fetcher, &fa[i]);
    }
    wg_wait(&wg);
    err_t err = NULL;
    chan_select(select_recv(errs, &err, NULL), select_default());
    printf("fetchMany: %s\n", err_msg(err));
    return 0;
}
