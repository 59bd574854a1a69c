/*
 * Exercise 04 — sleep is not synchronization (easy).
 *
 * A tiny worker pool resizes six images in parallel and main adds up the
 * bytes saved.  To "wait for completion" main sleeps for a while, long
 * enough on the author's laptop.  Here the last image is large, the sleep
 * is too short, and the total is wrong — but even a longer sleep would not
 * make this program correct.  The image sizes and costs are fixed: change
 * how main waits.
 *
 * Check your fix:  chanscope exercise check 04 --file THIS_FILE.c
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

static void resize(void *arg) {
    image *img = arg;
    time_sleep(img->cost_ms * MILLISECOND);
    SHARED_WRITE(img->saved);
    img->saved = 1000L * img->id;
}

int main(void) {
    for (int i = 0; i < NIMAGES; i++) go(resize, &images[i]);

    time_sleep(30 * MILLISECOND); /* should be enough for everyone */

    long total = 0;
    for (int i = 0; i < NIMAGES; i++) {
        SHARED_READ(images[i].saved);
        total += images[i].saved;
    }
    printf("bytes saved: %ld\n", total);
    return 0;
}
