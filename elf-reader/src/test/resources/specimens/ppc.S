/* Big-endian ELF32: two critical sections for 32-bit powerpc, linked by powerpc-linux-gnu-ld
 * alone. Each 64-bit field is the zero word first, then the 32-bit value (big endian). */
#define LABEL(n) .globl n; .hidden n; n:
#define FIELD(x) .long 0, x
#define CS(n) \
    .text; .balign 16; LABEL(n) .type n, @function; \
    nop; \
    LABEL(n##_start) li 3, 1; \
    cmpwi 3, 0; beq n##_exit; \
    addi 3, 3, 2; \
    LABEL(n##_post) blr; \
    LABEL(n##_exit) blr; \
    .long 0x0fe5000b; \
    LABEL(n##_abort) blr; \
    .size n, .-n; \
    .pushsection __rseq_cs, "aw"; .balign 32; LABEL(n##_cs) \
    .long 0, 0; FIELD(n##_start); FIELD(n##_post - n##_start); FIELD(n##_abort); .popsection; \
    .pushsection __rseq_cs_ptr_array, "aw"; FIELD(n##_cs); .popsection; \
    .pushsection __rseq_exit_point_array, "aw"; FIELD(n##_start); FIELD(n##_exit); .popsection

    .globl _start
_start:
    blr
CS(cs_add)
CS(cs_inc)
