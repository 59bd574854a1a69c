/*
 * switch — the context switch alone (runtime/switch.c), C only: two
 * contexts on their own stacks hand control back and forth with
 * cs_ctx_switch; one op = one switch (save one context, load the other).
 * No scheduler, no atomics, no sanitizer annotations: the floor under every
 * park and wake-up of the M:N runtime (a park/ready hand-off costs two).
 */
#include <sys/mman.h>

#include "bench.h"
#include "switch.h"

struct pair {
    void *main_sp, *other_sp;
    int64_t n, count;
};

static void other(void *arg) {
    struct pair *p = arg;
    for (;;) {
        p->count++;
        cs_ctx_switch(&p->other_sp, p->main_sp);
    }
}

void wl_switch(int64_t n) {
    enum { STACK = 64 * 1024 };
    struct pair *p = bench_alloc(sizeof *p);
    char *stack = mmap(NULL, STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    BENCH_CHECK(stack != MAP_FAILED, "switch: mmap");
    cs_ctx_init(&p->other_sp, stack + STACK, other, p);
    for (int64_t i = 0; i < n / 2; i++) cs_ctx_switch(&p->main_sp, p->other_sp);
    BENCH_CHECK(p->count == n / 2, "switch: %lld round trips, want %lld", (long long)p->count,
                (long long)(n / 2));
    munmap(stack, STACK);
}
