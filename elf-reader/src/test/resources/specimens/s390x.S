/* Big-endian ELF64: two critical sections for s390x, linked by s390x-linux-gnu-ld alone. */
#define LABEL(n) .globl n; .hidden n; n:
#define CS(n) \
    .text; .balign 8; LABEL(n) .type n, @function; \
    nopr %r7; \
    LABEL(n##_start) lghi %r2, 1; \
    ltgr %r2, %r2; jz n##_exit; \
    aghi %r2, 2; \
    LABEL(n##_post) br %r14; \
    LABEL(n##_exit) br %r14; \
    .long 0xb2ff0fff; \
    LABEL(n##_abort) br %r14; \
    .size n, .-n; \
    .pushsection __rseq_cs, "aw"; .balign 32; LABEL(n##_cs) \
    .long 0, 0; .quad n##_start, n##_post - n##_start, n##_abort; .popsection; \
    .pushsection __rseq_cs_ptr_array, "aw"; .quad n##_cs; .popsection; \
    .pushsection __rseq_exit_point_array, "aw"; .quad n##_start, n##_exit; .popsection

    .globl _start
_start:
    br %r14
CS(cs_add)
CS(cs_inc)
