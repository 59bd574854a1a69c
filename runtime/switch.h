/*
 * switch.h — the raw context switch (switch.c) and its sanitizer-annotated
 * wrapper, used by the scheduler only (internal).
 */
#ifndef CS_SWITCH_H
#define CS_SWITCH_H

/* Save the callee-saved registers and the stack pointer in *save_sp, load
 * the context saved at to_sp.  Returns when something switches back. */
void cs_ctx_switch(void **save_sp, void *to_sp);
/* A new context on [.., stack_hi) that runs fn(arg); fn must never return. */
void cs_ctx_init(void **sp, void *stack_hi, void (*fn)(void *), void *arg);
void cs_ctx_start(void); /* (the first "return" target; asm) */

#endif
