/*
 * stack.h — goroutine stacks (internal; see stack.c).
 */
#ifndef CS_STACK_H
#define CS_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cs_stack_kind {
    CS_STACK_NONE = 0,    /* not ours: a thread's own stack (main, g0 of an M) */
    CS_STACK_GUARDED = 1, /* a PROT_NONE page right below lo */
    CS_STACK_CANARY = 2,  /* no guard page (past the VMA budget): a canary
                             word at lo, checked at every switch-out */
};

typedef struct cs_stack {
    char *lo;      /* lowest usable byte; the stack grows down from lo+size */
    size_t size;
    int kind;      /* enum cs_stack_kind */
} cs_stack;

/* The usable size of every goroutine stack (CHANSCOPE_STACK, read once). */
size_t cs_stack_size(void);
/* A stack from the pool or a fresh slab; exits with a fatal error when
 * the address space is exhausted. */
void cs_stack_alloc(cs_stack *s);
/* Back to the pool (its touched pages stay: the next goroutine reuses them). */
void cs_stack_free(cs_stack *s);
/* A CS_STACK_CANARY stack that overflowed: its canary was overwritten or
 * the saved stack pointer sp is below it. */
bool cs_stack_canary_dead(const cs_stack *s, const void *sp);
/* addr lies in the guard page below a CS_STACK_GUARDED stack. */
bool cs_stack_in_guard(const cs_stack *s, uintptr_t addr);

#endif
