/* Defect: the 4 bytes before abort_ip are not the signature (a 7-byte nop stands there). */
#define ABORT_HANDLER				\
	.pushsection __rseq_failure, "ax";	\
	.byte 0x0f, 0x1f, 0x80, 0, 0, 0, 0;	\
4:	jmp 1b;					\
	.popsection
#include "bad-cs.h"
