/*
 * Exercise 01 — a leaked goroutine: reference solution.
 *
 * first_answer() asks three mirrors the same question at once and returns
 * the first answer that arrives.  The program prints the right answer...
 * and leaves two goroutines behind.  Find them and fix first_answer() so
 * that every mirror goroutine can finish, without making main wait longer.
 *
 * Check your fix:  chanscope exercise check 01-leaked-goroutine --file THIS_FILE.c
 */
#include <stdio.h>

#include "chanscope.h"

typedef struct mirror {
    const char *name;
    int delay_ms;     /* how long this mirror takes to answer */
    chan_t *answers;  /* where it delivers its answer */
} mirror;

static void ask_mirror(void *arg) {
    mirror *m = arg;
    time_sleep(m->delay_ms * MILLISECOND); /* the mirror thinks */
    int answer = 42;
    chan_send(m->answers, &answer);
}

static int first_answer(void) {
    static mirror mirrors[3] = {{"mirror-eu", 2, NULL}, {"mirror-us", 6, NULL},
                                {"mirror-asia", 10, NULL}};
    /* Room for every answer: the mirrors that lose the race can still
     * deliver theirs and end, even though nobody will ever read it. */
    chan_t *answers = chan_make_named("answers", int, 3);
    for (int i = 0; i < 3; i++) {
        mirrors[i].answers = answers;
        go_named(mirrors[i].name, ask_mirror, &mirrors[i]);
    }
    int answer;
    chan_recv(answers, &answer); /* the fastest mirror wins */
    return answer;
}

int main(void) {
    printf("answer: %d\n", first_answer());
    time_sleep(100 * MILLISECOND); /* the program goes on with other work */
    printf("done\n");
    return 0;
}
