/* Defect: the declared exit point of the c.s. lies inside the c.s. */
#define CS_BODY					\
	addq $1, (%rsi);			\
5:	nop
#define EXIT_POINTS				\
	.pushsection __rseq_exit_point_array, "aw";	\
	.quad 1b, 5b;				\
	.popsection
#include "bad-cs.h"
