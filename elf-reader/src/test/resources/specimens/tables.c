/* Two critical sections in __rseq_cs, each also reachable from __rseq_cs_ptr_array, with exit
 * points; a third whose descriptor lives only behind the pointer array (in .data). With
 * -DLEGACY the descriptors go to the legacy __rseq_table instead and nothing else is emitted;
 * with -DNO_EXIT_POINTS there is no __rseq_exit_point_array. */
#include <stdio.h>
#include "specimen.h"

#if defined(LEGACY)
__asm__(CS_FUNCTION("cs_add")
        DESCRIPTOR("__rseq_table", "cs_add_cs", "0", "0", "cs_add_start", "cs_add_post - cs_add_start", "cs_add_abort")
        CS_FUNCTION("cs_inc")
        DESCRIPTOR("__rseq_table", "cs_inc_cs", "0", "0", "cs_inc_start", "cs_inc_post - cs_inc_start", "cs_inc_abort"));
#elif defined(NO_EXIT_POINTS)
__asm__(CS_FUNCTION("cs_add")
        DESCRIPTOR("__rseq_cs", "cs_add_cs", "0", "0", "cs_add_start", "cs_add_post - cs_add_start", "cs_add_abort")
        POINTER("cs_add_cs")
        CS_FUNCTION("cs_inc")
        DESCRIPTOR("__rseq_cs", "cs_inc_cs", "0", "0", "cs_inc_start", "cs_inc_post - cs_inc_start", "cs_inc_abort")
        POINTER("cs_inc_cs"));
#else
__asm__(CRITICAL_SECTION("cs_add")
        CRITICAL_SECTION("cs_inc")
        CS_FUNCTION("cs_far")
        DESCRIPTOR(".data", "cs_far_cs", "0", "0", "cs_far_start", "cs_far_post - cs_far_start", "cs_far_abort")
        POINTER("cs_far_cs")
        EXIT_POINT("cs_far_start", "cs_far_exit"));
#endif

extern char cs_add_start[];

#ifdef LIBRARY
/* For the dlopen test: the run-time address, from the library itself. */
void *cs_add_start_address(void) { return cs_add_start; }
#else
int main(int argc, char **argv) {
    /* The live-process test reads this line: the run-time address, from the program itself. */
    printf("cs_add_start %p\n", (void *)cs_add_start);
    fflush(stdout);
    if (argc > 1) getchar();
    return 0;
}
#endif
