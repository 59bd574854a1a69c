/*
 * Exercise 08 — a WaitGroup sized per stage, released per worker (medium).
 *
 * A two-stage pipeline: three "parse" workers turn raw records into numbers,
 * three "score" workers double them, main sums the scores.  One WaitGroup
 * tracks the workers of both stages... and the program panics with
 * "sync: negative WaitGroup counter".
 *
 * Check your fix:  chanscope exercise check 08 --file THIS_FILE.c
 */
#include <stdio.h>

#include "chanscope.h"

#define WORKERS 3
#define RECORDS 9

static waitgroup_t stages = WAITGROUP_INIT;

typedef struct stage {
    const char *name;
    chan_t *in, *out;
    int factor;
} stage;

static void stage_worker(void *arg) {
    stage *s = arg;
    int v;
    while (chan_recv(s->in, &v)) {
        time_sleep(MILLISECOND); /* the work */
        chan_send_v(s->out, int, v * s->factor);
    }
    wg_done(&stages); /* this worker is finished */
}

/* Start a stage of WORKERS workers; out is closed when the stage is done. */
static void start_stage(stage *s) {
    wg_add(&stages, 1); /* one more stage running */
    for (int i = 0; i < WORKERS; i++) go_named(s->name, stage_worker, s);
}

static void close_after_stages(void *arg) {
    chan_t *scores = arg;
    wg_wait(&stages);
    chan_close(scores);
}

int main(void) {
    wg_set_name(&stages, "stages");
    chan_t *raw = chan_make_named("raw", int, RECORDS);
    chan_t *parsed = chan_make_named("parsed", int, RECORDS);
    chan_t *scores = chan_make_named("scores", int, 0);
    static stage parse, score;
    parse = (stage){"parse", raw, parsed, 1};
    score = (stage){"score", parsed, scores, 2};

    for (int i = 1; i <= RECORDS; i++) chan_send(raw, &i); /* the input file */
    chan_close(raw);

    start_stage(&parse);
    time_sleep(40 * MILLISECOND); /* load the scoring model (the parsers run meanwhile) */
    start_stage(&score);
    go(close_after_stages, scores);

    int sum = 0, v;
    while (chan_recv(scores, &v)) sum += v;
    printf("total score: %d\n", sum);
    return 0;
}
