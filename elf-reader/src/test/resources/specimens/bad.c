/* One good critical section and one with exactly the defect selected by -DDEFECT=name. */
#include "specimen.h"

__asm__(CRITICAL_SECTION("good"));

/* A data label preceded by a valid signature, so that only "not executable" is wrong. */
__asm__(".data\n" SIGNATURE LABEL("in_data") ".long 0\n");

#define ODD(version, flags, start, offset, abort) \
    CS_FUNCTION("odd") DESCRIPTOR("__rseq_cs", "odd_cs", version, flags, start, offset, abort) POINTER("odd_cs")
#define OFFSET "odd_post - odd_start"

#if defined(DEFECT_version)
__asm__(ODD("1", "0", "odd_start", OFFSET, "odd_abort"));
#elif defined(DEFECT_flags)
__asm__(ODD("0", "1", "odd_start", OFFSET, "odd_abort"));
#elif defined(DEFECT_abort_inside)
/* abort at odd_inside, a signed label within [odd_start, odd_post): only its place is wrong */
__asm__(".text\n" LABEL("odd") "nop\n" LABEL("odd_start") "jmp odd_post\n" SIGNATURE LABEL("odd_inside") "nop\n"
        LABEL("odd_post") RET
        DESCRIPTOR("__rseq_cs", "odd_cs", "0", "0", "odd_start", OFFSET, "odd_inside") POINTER("odd_cs"));
#elif defined(DEFECT_signature)
/* abort at odd_exit: the 4 bytes before it are the c.s. body, not the signature */
__asm__(ODD("0", "0", "odd_start", OFFSET, "odd_exit"));
#elif defined(DEFECT_overflow)
__asm__(ODD("0", "0", "odd_start", "-16", "odd_abort"));
#elif defined(DEFECT_start_not_executable)
__asm__(ODD("0", "0", "in_data", "4", "odd_abort"));
#elif defined(DEFECT_abort_not_executable)
__asm__(ODD("0", "0", "odd_start", OFFSET, "in_data"));
#elif defined(DEFECT_exit_unknown)
__asm__(ODD("0", "0", "odd_start", OFFSET, "odd_abort") EXIT_POINT("odd", "odd_exit"));
#elif defined(DEFECT_exit_inside)
__asm__(ODD("0", "0", "odd_start", OFFSET, "odd_abort") EXIT_POINT("odd_start", "odd_start + 1"));
#else
#error "choose a DEFECT"
#endif

int main(void) { return 0; }
