/* A shared library whose table words name a global, preemptible symbol: the linker leaves symbol
 * relocations (R_X86_64_64 with an addend / R_386_32 with the addend in place), not RELATIVE ones. */
#include "specimen.h"

#define GLOBAL(n) ".globl " n "\n" n ":\n"

__asm__(".text\n" GLOBAL("sym_fn") FUNC_TYPE("sym_fn")
        "nop\n"
        GLOBAL("sym_start") "nop\n"
        GLOBAL("sym_post") "ret\n"
        SIGNATURE GLOBAL("sym_abort") "ret\n"
        ".size sym_fn, .-sym_fn\n"
        ".pushsection __rseq_cs, \"aw\"\n.balign 32\n" GLOBAL("sym_cs")
        ".long 0, 0\n" FIELD("sym_start") FIELD("sym_post - sym_start") FIELD("sym_abort")
        ".popsection\n"
        ".pushsection __rseq_cs_ptr_array, \"aw\"\n" FIELD("sym_cs") ".popsection\n");
