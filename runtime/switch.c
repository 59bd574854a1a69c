/*
 * switch.c — the context switch: save one goroutine's registers on its own
 * stack, load another's (like Go's gogo/mcall; hand-written, not ucontext,
 * which makes a system call per switch to save the signal mask).
 *
 *   void cs_ctx_switch(void **save_sp, void *to_sp)
 *       pushes the callee-saved registers (the System V / AAPCS64 ABI says a
 *       called function may clobber every other register, so the caller of
 *       cs_ctx_switch has already saved them), stores the stack pointer in
 *       *save_sp, loads to_sp and pops the other context's registers; its
 *       `ret` returns into the other context.
 *
 *   void cs_ctx_init(void **sp, void *stack_hi, void (*fn)(void *), void *arg)
 *       lays out a fresh stack so that switching to it "returns" into
 *       cs_ctx_start, which calls fn(arg) (fn never returns).
 *
 * The assembly is written at top level in this C file (no .S file, no build
 * rule of its own); it is never instrumented by a sanitizer.  Saved frame:
 *
 *   x86-64  [sp+0] MXCSR (4 bytes), [sp+4] x87 control word (2 bytes; both
 *           are callee-saved control state in the ABI), [sp+8] r15, r14, r13,
 *           r12, rbx, rbp, [sp+56] return address: 64 bytes.
 *   aarch64 x19..x28, x29 (frame pointer), x30 (link register), d8..d15
 *           (low halves of v8..v15), FPCR: 176 bytes.
 */
#include "switch.h"

#if defined(__x86_64__)
__asm__(".pushsection .text\n"
        ".globl cs_ctx_switch\n"
        ".type cs_ctx_switch,@function\n"
        ".p2align 4\n"
        "cs_ctx_switch:\n"
        "    pushq %rbp\n"
        "    pushq %rbx\n"
        "    pushq %r12\n"
        "    pushq %r13\n"
        "    pushq %r14\n"
        "    pushq %r15\n"
        "    subq $8, %rsp\n"
        "    stmxcsr (%rsp)\n"
        "    fnstcw 4(%rsp)\n"
        "    movl (%rsp), %eax\n"     /* our MXCSR ... */
        "    movzwl 4(%rsp), %ecx\n"  /* ... and x87 control word (loads of the
                                          stores' own sizes: no forwarding stall) */
        "    movq %rsp, (%rdi)\n"     /* *save_sp = sp */
        "    movq %rsi, %rsp\n"       /* sp = to_sp: now on the other stack */
        /* Loading MXCSR and the x87 control word stalls the pipeline, and
         * they almost never differ between contexts: load only if they do. */
        "    cmpl (%rsp), %eax\n"
        "    jne 1f\n"
        "    cmpw 4(%rsp), %cx\n"
        "    jne 1f\n"
        "2:  addq $8, %rsp\n"
        "    popq %r15\n"
        "    popq %r14\n"
        "    popq %r13\n"
        "    popq %r12\n"
        "    popq %rbx\n"
        "    popq %rbp\n"
        "    ret\n"
        "1:  ldmxcsr (%rsp)\n"
        "    fldcw 4(%rsp)\n"
        "    jmp 2b\n"
        ".size cs_ctx_switch, .-cs_ctx_switch\n"
        /* First entry of a new context: r12 = arg, r13 = fn (from
         * cs_ctx_init); rsp is 16-byte aligned here, as a call needs. */
        ".globl cs_ctx_start\n"
        ".type cs_ctx_start,@function\n"
        "cs_ctx_start:\n"
        "    movq %r12, %rdi\n"
        "    callq *%r13\n"
        "    ud2\n"                   /* fn never returns */
        ".size cs_ctx_start, .-cs_ctx_start\n"
        ".popsection\n");

#define FRAME_WORDS 8

void cs_ctx_init(void **sp, void *stack_hi, void (*fn)(void *), void *arg) {
    unsigned long top = (unsigned long)stack_hi & ~15UL;
    unsigned long *f = (unsigned long *)(top - FRAME_WORDS * sizeof(long));
    f[0] = 0x1F80UL | (0x037FUL << 32); /* default MXCSR, default x87 CW */
    f[1] = 0;                           /* r15 */
    f[2] = 0;                           /* r14 */
    f[3] = (unsigned long)fn;           /* r13 */
    f[4] = (unsigned long)arg;          /* r12 */
    f[5] = 0;                           /* rbx */
    f[6] = 0;                           /* rbp: end of the frame chain */
    f[7] = (unsigned long)cs_ctx_start; /* "return" address */
    *sp = f;
}

#elif defined(__aarch64__)
/* The AAPCS64 contract, checked under qemu-aarch64 by `make cross-aarch64`
 * (tests/cross/switch_check.c "regs", "deep", "overflow"; docs/runtime.md):
 *  - callee-saved: x19..x28, x29 (frame pointer), sp, and the low 64 bits
 *    (d8..d15) of v8..v15; x30 is the return address, saved so that `ret`
 *    lands in the other context.  Everything else, x9/x10 included, a
 *    caller of cs_ctx_switch already treats as clobbered.
 *  - FPCR (rounding mode, flush-to-zero, default NaN) must be preserved
 *    across a call unless the callee's purpose is to change it, so it is
 *    per context; FPSR (cumulative exception flags) is not preserved by the
 *    ABI and is left alone.
 *  - sp stays 16-byte aligned (the frame is 176 bytes; cs_ctx_init aligns
 *    the top), as the hardware checks on every sp-relative access.
 *  - x18 (platform register) is never touched.
 * Go's gogo/mcall (runtime/asm_arm64.s) save less (sp, pc, lr, R29 and the
 * closure context) because Go's own ABI has no callee-saved registers; this
 * switch is called from C and keeps C's.  No BTI landing pad is needed:
 * cs_ctx_switch is reached by direct `bl` only, cs_ctx_start by `ret`. */
__asm__(".pushsection .text\n"
        ".globl cs_ctx_switch\n"
        ".type cs_ctx_switch,%function\n"
        ".p2align 4\n"
        "cs_ctx_switch:\n"
        "    sub sp, sp, #176\n"
        "    stp x19, x20, [sp, #0]\n"
        "    stp x21, x22, [sp, #16]\n"
        "    stp x23, x24, [sp, #32]\n"
        "    stp x25, x26, [sp, #48]\n"
        "    stp x27, x28, [sp, #64]\n"
        "    stp x29, x30, [sp, #80]\n"
        "    stp d8, d9, [sp, #96]\n"
        "    stp d10, d11, [sp, #112]\n"
        "    stp d12, d13, [sp, #128]\n"
        "    stp d14, d15, [sp, #144]\n"
        "    mrs x9, fpcr\n"
        "    str x9, [sp, #160]\n"
        "    mov x10, sp\n"
        "    str x10, [x0]\n"         /* *save_sp = sp */
        "    mov sp, x1\n"            /* now on the other stack */
        /* As on x86-64: write FPCR only when the other context's differs
         * (x9 still holds ours; x9, x10 are scratch in the ABI). */
        "    ldr x10, [sp, #160]\n"
        "    cmp x9, x10\n"
        "    b.eq 1f\n"
        "    msr fpcr, x10\n"
        "1:  ldp x19, x20, [sp, #0]\n"
        "    ldp x21, x22, [sp, #16]\n"
        "    ldp x23, x24, [sp, #32]\n"
        "    ldp x25, x26, [sp, #48]\n"
        "    ldp x27, x28, [sp, #64]\n"
        "    ldp x29, x30, [sp, #80]\n"
        "    ldp d8, d9, [sp, #96]\n"
        "    ldp d10, d11, [sp, #112]\n"
        "    ldp d12, d13, [sp, #128]\n"
        "    ldp d14, d15, [sp, #144]\n"
        "    add sp, sp, #176\n"
        "    ret\n"                   /* to x30 of the other context */
        ".size cs_ctx_switch, .-cs_ctx_switch\n"
        /* First entry: x19 = arg, x20 = fn (from cs_ctx_init). */
        ".globl cs_ctx_start\n"
        ".type cs_ctx_start,%function\n"
        "cs_ctx_start:\n"
        "    mov x0, x19\n"
        "    blr x20\n"
        "    brk #0\n"
        ".size cs_ctx_start, .-cs_ctx_start\n"
        ".popsection\n");

#define FRAME_WORDS 22

void cs_ctx_init(void **sp, void *stack_hi, void (*fn)(void *), void *arg) {
    unsigned long top = (unsigned long)stack_hi & ~15UL;
    unsigned long *f = (unsigned long *)(top - FRAME_WORDS * sizeof(long));
    for (int i = 0; i < FRAME_WORDS; i++) f[i] = 0; /* x21..x28, d8..d15, FPCR: 0 */
    f[0] = (unsigned long)arg;          /* x19 */
    f[1] = (unsigned long)fn;           /* x20 */
    f[10] = 0;                          /* x29: end of the frame chain */
    f[11] = (unsigned long)cs_ctx_start; /* x30 */
    *sp = f;
}

#else
#error "chanscope: the context switch is written for x86-64 and aarch64 only"
#endif
