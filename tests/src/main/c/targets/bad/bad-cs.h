/*
 * One x86-64 critical section, valid unless a file overrides a part of it; each file under
 * bad/ overrides exactly one thing. The files are built, never run: they feed the ELF checker.
 *
 *   bad_cs:   leaq 3f(%rip), %rax ; movq %rax, 8(%rdi)    rdi = the thread's rseq area
 *   1:        addq $1, (%rsi)                            the c.s. [1, 2)
 *   2:        ret
 *   __rseq_failure:  ud1 <0x53053053>(%rip),%edi ; 4: jmp 1b
 *   __rseq_cs:       .balign 32 ; 3: { version, flags, 1b, 2b - 1b, 4b }
 *   __rseq_cs_ptr_array: 3b
 */
#define SIG 0x53053053

#ifndef CS_VERSION
# define CS_VERSION 0
#endif
#ifndef CS_POST_COMMIT_OFFSET
# define CS_POST_COMMIT_OFFSET (2b - 1b)
#endif

#ifndef CS_BODY
# define CS_BODY addq $1, (%rsi)
#endif

#ifndef ABORT_HANDLER
# define ABORT_HANDLER				\
	.pushsection __rseq_failure, "ax";	\
	.byte 0x0f, 0xb9, 0x3d;			\
	.long SIG;				\
4:	jmp 1b;					\
	.popsection
#endif

#ifndef EXIT_POINTS
# define EXIT_POINTS
#endif

	.text
	.globl main
	.type main, @function
main:
	xorl %eax, %eax
	ret
	.size main, .-main

	.globl bad_cs
	.type bad_cs, @function
bad_cs:
	leaq 3f(%rip), %rax
	movq %rax, 8(%rdi)
1:
	CS_BODY
2:
	ret
	ABORT_HANDLER
	.size bad_cs, .-bad_cs

	.pushsection __rseq_cs, "aw"
	.balign 32
3:
	.long CS_VERSION, 0
	.quad 1b, CS_POST_COMMIT_OFFSET, 4b
	.popsection
	.pushsection __rseq_cs_ptr_array, "aw"
	.quad 3b
	.popsection
	EXIT_POINTS

	.section .note.GNU-stack, "", @progbits
