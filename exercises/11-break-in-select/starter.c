/*
 * Exercise 11 — `break` inside a select (medium).
 *
 * submit_all() runs 20 uploads, at most 3 at a time (a channel of 3 slots is
 * the semaphore).  When an upload fails, its worker cancels the context so
 * that submit_all() stops submitting.  The loop does notice the
 * cancellation... and keeps submitting anyway.  In C, as in Go, `break`
 * inside a switch (our select) leaves only the switch.
 *
 * Check your fix:  chanscope exercise check 11 --file THIS_FILE.c
 */
#include <stdio.h>

#include "chanscope.h"

#define UPLOADS 20
#define LIMIT 3
#define BAD_UPLOAD 3 /* this one fails */

typedef struct upload {
    int id;
    ctx_t *ctx;
    cancel_func cancel;
    chan_t *slots;
    waitgroup_t *wg;
} upload;

static void do_upload(void *arg) {
    upload *u = arg;
    if (ctx_err(u->ctx) == NULL) {
        time_sleep(5 * MILLISECOND); /* the upload */
        if (u->id == BAD_UPLOAD) {
            printf("upload %d failed\n", u->id);
            ctx_cancel(u->cancel); /* stop the others from being submitted */
        }
    }
    chan_recv(u->slots, NULL); /* give the slot back */
    wg_done(u->wg);
}

int main(void) {
    cancel_func cancel;
    ctx_t *ctx = ctx_with_cancel(ctx_background(), &cancel);
    chan_t *slots = chan_make_named("slots", int, LIMIT);
    waitgroup_t wg = WAITGROUP_INIT;
    static upload uploads[UPLOADS];
    int submitted = 0, after_seen = 0, token = 1;
    bool seen_cancel = false; /* the loop took the cancellation case */

    for (int i = 0; i < UPLOADS; i++) {
        time_sleep(MILLISECOND); /* prepare the upload */
        switch (chan_select(select_recv(ctx_done(ctx), NULL, NULL), select_send(slots, &token))) {
        case 0:
            seen_cancel = true;
            break; /* cancelled: stop submitting */
        case 1:
            if (seen_cancel) after_seen++;
            submitted++;
            uploads[i] = (upload){i + 1, ctx, cancel, slots, &wg};
            wg_add(&wg, 1);
            go_named("upload", do_upload, &uploads[i]);
            break;
        }
    }
    wg_wait(&wg);
    ctx_cancel(cancel);
    printf("submitted: %d\n", submitted);
    printf("submitted after the loop saw the cancel: %d\n", after_seen);
    return 0;
}
