/*
 * Exercise 08 — a WaitGroup sized per stage: reference solution.
 *
 * The count must match what is released: each worker calls Done once, so
 * each stage adds WORKERS.  Each stage also gets its own WaitGroup, so that
 * its output can be closed as soon as ITS workers are done — the score
 * workers range over `parsed` and would otherwise never end.  (One
 * WaitGroup for both stages cannot tell when `parsed` may close.)
 */
#include <stdio.h>

#include "chanscope.h"

#define WORKERS 3
#define RECORDS 9

typedef struct stage {
    const char *name;
    chan_t *in, *out;
    int factor;
    waitgroup_t wg; /* one count per worker of this stage */
} stage;

static void stage_worker(void *arg) {
    stage *s = arg;
    int v;
    while (chan_recv(s->in, &v)) {
        time_sleep(MILLISECOND); /* the work */
        chan_send_v(s->out, int, v * s->factor);
    }
    wg_done(&s->wg); /* this worker is finished */
}

static void close_when_stage_done(void *arg) {
    stage *s = arg;
    wg_wait(&s->wg); /* every worker of this stage sent its last value */
    chan_close(s->out);
}

/* Start a stage of WORKERS workers; out is closed when the stage is done. */
static void start_stage(stage *s) {
    wg_add(&s->wg, WORKERS); /* Add what will be Done: one per worker */
    for (int i = 0; i < WORKERS; i++) go_named(s->name, stage_worker, s);
    go_named("closer", close_when_stage_done, s);
}

int main(void) {
    chan_t *raw = chan_make_named("raw", int, RECORDS);
    chan_t *parsed = chan_make_named("parsed", int, RECORDS);
    chan_t *scores = chan_make_named("scores", int, 0);
    static stage parse, score;
    parse = (stage){"parse", raw, parsed, 1, WAITGROUP_INIT};
    score = (stage){"score", parsed, scores, 2, WAITGROUP_INIT};

    for (int i = 1; i <= RECORDS; i++) chan_send(raw, &i); /* the input file */
    chan_close(raw);

    start_stage(&parse);
    time_sleep(40 * MILLISECOND); /* load the scoring model (the parsers run meanwhile) */
    start_stage(&score);

    int sum = 0, v;
    while (chan_recv(scores, &v)) sum += v;
    printf("total score: %d\n", sum);
    return 0;
}
