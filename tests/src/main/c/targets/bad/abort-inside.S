/* Defect: abort_ip lies inside the c.s. (the signature before it is still right). */
#define CS_BODY					\
	jmp 5f;					\
	.byte 0x0f, 0xb9, 0x3d;			\
	.long SIG;				\
4:	nop;					\
5:	addq $1, (%rsi)
#define ABORT_HANDLER
#include "bad-cs.h"
