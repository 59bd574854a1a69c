/*
 * Exercise 04 — sleep is not synchronization: reference solution.
 *
 * A WaitGroup counts the workers: Add before each go, Done when a worker
 * has written its result, Wait in main.  Wait returns only after every
 * Done, and every write before a Done happens-before Wait's return, so
 * main's reads are ordered after the writes — however long a resize takes.
 */
#include <stdio.h>

#include "chanscope.h"

#define NIMAGES 6

typedef struct image {
    int id;
    int cost_ms;   /* how long resizing takes */
    long saved;    /* bytes saved, written by the worker */
} image;

static image images[NIMAGES] = {
    {1, 5, 0}, {2, 8, 0}, {3, 3, 0}, {4, 6, 0}, {5, 4, 0}, {6, 120, 0},
};
static waitgroup_t wg = WAITGROUP_INIT;

static void resize(void *arg) {
    image *img = arg;
    time_sleep(img->cost_ms * MILLISECOND);
    SHARED_WRITE(img->saved);
    img->saved = 1000L * img->id;
    wg_done(&wg);
}

int main(void) {
    for (int i = 0; i < NIMAGES; i++) {
        wg_add(&wg, 1); /* before go: Wait must not miss a worker */
        go(resize, &images[i]);
    }

    wg_wait(&wg); /* exactly as long as the slowest worker, no longer */

    long total = 0;
    for (int i = 0; i < NIMAGES; i++) {
        SHARED_READ(images[i].saved);
        total += images[i].saved;
    }
    printf("bytes saved: %ld\n", total);
    return 0;
}
