/*
 * x86-64 and i386 critical sections. Include through rseq-cs.h only.
 *
 * Signature: every abort handler sits in section __rseq_failure right after the 7-byte
 * instruction  0f b9 3d <sig>  = ud1 <sig>(%rip),%edi (x86-64) / ud1 <sig>,%edi (i386), so the
 * 4 bytes before abort_ip are RSEQ_SIG 0x53053053 in little-endian order, as the kernel checks.
 * The legacy build uses the 2017 encoding  0f 1f 05 <sig>  = nopl <sig>(%rip).
 *
 * Every c.s. below has the same frame (as in librseq): store the descriptor address into the
 * thread's rseq_cs field, then, inside [start_ip, post_commit_ip): abort if the thread is not
 * on the expected cpu or if cpu_opv holds that cpu's lock, do the work, and commit with one
 * final store. Return values: 0 committed, 1 left through a declared exit point, -1 aborted.
 */
#ifndef RSEQDBG_ARCH_X86_H
#define RSEQDBG_ARCH_X86_H

#include <stddef.h>
#include <stdint.h>
#include <sys/rseq.h>

#define RSEQDBG_SIG 0x53053053

#ifdef RSEQ_LEGACY_TABLE
# define RSEQ_ASM_SIG_OPCODE ".byte 0x0f, 0x1f, 0x05\n\t"	/* nopl <sig>(%rip) */
#else
# define RSEQ_ASM_SIG_OPCODE ".byte 0x0f, 0xb9, 0x3d\n\t"	/* ud1 <sig>(%rip),%edi */
#endif

#define RSEQ_ASM_DEFINE_ABORT(label, abort_label)				\
		".pushsection __rseq_failure, \"ax\"\n\t"		\
		RSEQ_ASM_SIG_OPCODE					\
		".long " RSEQ_STR(RSEQDBG_SIG) "\n\t"			\
		RSEQ_STR(label) ":\n\t"					\
		"jmp %l[" RSEQ_STR(abort_label) "]\n\t"			\
		".popsection\n\t"

#ifdef __x86_64__
# define RSEQ_W  "q"
# define RSEQ_AX "%%rax"
# define RSEQ_CX "%%rcx"
# define RSEQ_CLOBBER_AX "rax"
# define RSEQ_CLOBBER_CX "rcx"
# define RSEQ_CLOBBER_DX "rdx"
# define RSEQ_IMM "e"	/* 32-bit sign-extended immediate */
# define RSEQ_ASM_STORE_RSEQ_CS(label, cs_label, rseq)			\
		"leaq " RSEQ_STR(cs_label) "(%%rip), %%rax\n\t"		\
		"movq %%rax, 8(%[" RSEQ_STR(rseq) "])\n\t"		\
		RSEQ_STR(label) ":\n\t"
#else
# define RSEQ_W  "l"
# define RSEQ_AX "%%eax"
# define RSEQ_CX "%%ecx"
# define RSEQ_CLOBBER_AX "eax"
# define RSEQ_CLOBBER_CX "ecx"
# define RSEQ_CLOBBER_DX "edx"
# define RSEQ_IMM "i"
/*
 * i386 has no pc-relative lea: get the pc with a balanced call/ret (librseq's scheme). It uses
 * the stack, which is fine: this runs before start_ip. The upper half of the 64-bit rseq_cs
 * field stays zero (glibc and our own registration zero the area).
 */
# define RSEQ_ASM_STORE_RSEQ_CS(label, cs_label, rseq)			\
		"call 880f\n\t"						\
		"880:\n\t"						\
		"popl %%eax\n\t"					\
		"leal (881f-880b)(%%eax), %%eax\n\t"			\
		"pushl %%eax\n\t"					\
		"ret\n\t"						\
		"881:\n\t"						\
		"leal (" RSEQ_STR(cs_label) " - 881b)(%%eax), %%eax\n\t"	\
		"movl %%eax, 8(%[" RSEQ_STR(rseq) "])\n\t"		\
		RSEQ_STR(label) ":\n\t"
#endif

/* Offsets in struct rseq, used from assembly. */
#define RSEQ_ASM_CPU_ID "4"

#define RSEQ_ASM_CBNE_CPU_ID(label)						\
		"cmpl %[cpu], " RSEQ_ASM_CPU_ID "(%[rseq])\n\t"		\
		"jnz " RSEQ_STR(label) "\n\t"

/* cpu_opv holds this cpu: leave through the abort handler and let the caller retry. */
#define RSEQ_ASM_CBNE_UNLOCKED(label)						\
		"cmpl $0, (%[lock])\n\t"				\
		"jnz " RSEQ_STR(label) "\n\t"

/*
 * Compare-twice (RSEQ_COMPARE_TWICE, see rseq-cs.h): just before the commit store, check again
 * that the thread is on @cpu (and, in each c.s. that compared a word at its start, that the
 * word still holds what was read there). A mismatch branches to the C label c2_cpu / c2_value,
 * a declared exit point whose code reports and aborts the program.
 */
#ifdef RSEQ_COMPARE_TWICE
# define RSEQ_ASM_C2_CPU_ID							\
		"cmpl %[cpu], " RSEQ_ASM_CPU_ID "(%[rseq])\n\t"	\
		"jnz %l[c2_cpu]\n\t"
/* The word at @mem still equals @expect (a register or memory operand), through @scratch. */
# define RSEQ_ASM_C2_CMP_WORD(mem, expect, scratch)				\
		"mov" RSEQ_W " " expect ", " scratch "\n\t"		\
		"cmp" RSEQ_W " " mem ", " scratch "\n\t"		\
		"jnz %l[c2_value]\n\t"
/* The word at @mem still equals what was loaded into ax at the start. */
# define RSEQ_ASM_C2_CMP_LOADED_AX(mem)					\
		"cmp" RSEQ_W " " mem ", " RSEQ_AX "\n\t"		\
		"jnz %l[c2_value]\n\t"
/* memcpy c.s.: cpu and *v against the argument block (ax and cx are free here). */
# define RSEQ_ASM_C2_MEMCPY							\
		"movl %c[o_cpu](%[a]), %%eax\n\t"			\
		"cmpl %%eax, " RSEQ_ASM_CPU_ID "(%[rseq])\n\t"	\
		"jnz %l[c2_cpu]\n\t"					\
		"mov" RSEQ_W " %c[o_v](%[a]), " RSEQ_AX "\n\t"	\
		"mov" RSEQ_W " (" RSEQ_AX "), " RSEQ_AX "\n\t"	\
		"cmp" RSEQ_W " %c[o_expect](%[a]), " RSEQ_AX "\n\t"	\
		"jnz %l[c2_value]\n\t"
# define RSEQ_C2_CLOBBER_CX , RSEQ_CLOBBER_CX
#else
# define RSEQ_ASM_C2_CPU_ID ""
# define RSEQ_ASM_C2_CMP_WORD(mem, expect, scratch) ""
# define RSEQ_ASM_C2_CMP_LOADED_AX(mem) ""
# define RSEQ_ASM_C2_MEMCPY ""
# define RSEQ_C2_CLOBBER_CX
#endif

/* *v += count on @cpu. The add is the commit: compare-twice has only the cpu to check. */
static inline __attribute__((always_inline))
int rseq_cs_addv(struct rseq *rs, int cpu, const int *lock, intptr_t *v, intptr_t count,
		 const char *who)
{
	(void)who;
	__asm__ __volatile__ goto (
		RSEQ_ASM_DEFINE_TABLE(3, 1f, 2f, 4f)
		RSEQ_ASM_C2_EXIT_CPU
		RSEQ_ASM_STORE_RSEQ_CS(1, 3b, rseq)
		RSEQ_ASM_CBNE_CPU_ID(4f)
		RSEQ_ASM_CBNE_UNLOCKED(4f)
		RSEQ_ASM_C2_CPU_ID
		"add" RSEQ_W " %[count], (%[v])\n\t"
		"2:\n\t"
		RSEQ_ASM_DEFINE_ABORT(4, abort)
		: /* no outputs */
		: [rseq] "r" (rs), [cpu] "r" (cpu), [lock] "r" (lock), [v] "r" (v),
		  [count] "r" RSEQ_IMM (count)
		: "memory", "cc", RSEQ_CLOBBER_AX
		: abort RSEQ_C2_LABEL_CPU);
	return 0;
abort:
	return -1;
#ifdef RSEQ_COMPARE_TWICE
c2_cpu:
	rseq_compare_twice_cpu_failed(who, cpu, rs);
#endif
}

/*
 * *v += count on @cpu as load, spin @spin iterations, add, store: a deliberately long critical
 * section whose commit depends on a load made long before it. Signals and preemption abort it
 * again and again, and it loses updates unless cpu_opv really excludes it.
 */
static inline __attribute__((always_inline))
int rseq_cs_addv_spin(struct rseq *rs, int cpu, const int *lock, intptr_t *v, intptr_t count,
		      uintptr_t spin, const char *who)
{
	(void)who;
	__asm__ __volatile__ goto (
		RSEQ_ASM_DEFINE_TABLE(3, 1f, 2f, 4f)
		RSEQ_ASM_C2_EXIT_CPU
		RSEQ_ASM_C2_EXIT_VALUE
		RSEQ_ASM_STORE_RSEQ_CS(1, 3b, rseq)
		RSEQ_ASM_CBNE_CPU_ID(4f)
		RSEQ_ASM_CBNE_UNLOCKED(4f)
		"mov" RSEQ_W " (%[v]), " RSEQ_AX "\n\t"
		"mov" RSEQ_W " %[spin], " RSEQ_CX "\n\t"
		"test" RSEQ_W " " RSEQ_CX ", " RSEQ_CX "\n\t"
		"jz 6f\n\t"
		"5:\n\t"
		"dec" RSEQ_W " " RSEQ_CX "\n\t"
		"jnz 5b\n\t"
		"6:\n\t"
		RSEQ_ASM_C2_CPU_ID
		RSEQ_ASM_C2_CMP_LOADED_AX("(%[v])")
		"add" RSEQ_W " %[count], " RSEQ_AX "\n\t"
		"mov" RSEQ_W " " RSEQ_AX ", (%[v])\n\t"
		"2:\n\t"
		RSEQ_ASM_DEFINE_ABORT(4, abort)
		: /* no outputs */
		: [rseq] "r" (rs), [cpu] "r" (cpu), [lock] "r" (lock), [v] "r" (v),
		  [count] "r" RSEQ_IMM (count), [spin] "m" (spin)
		: "memory", "cc", RSEQ_CLOBBER_AX, RSEQ_CLOBBER_CX
		: abort RSEQ_C2_LABELS);
	return 0;
abort:
	return -1;
#ifdef RSEQ_COMPARE_TWICE
c2_cpu:
	rseq_compare_twice_cpu_failed(who, cpu, rs);
c2_value:
	/* The slot's value at the start lived in a register: only its value now is known. */
	rseq_compare_twice_changed(who, (long)__atomic_load_n(v, __ATOMIC_RELAXED));
#endif
}

/* if (*v == expect) *v = newv; on @cpu. Leaves through exit point "ne" when *v != expect. */
static inline __attribute__((always_inline))
int rseq_cs_cmpeqv_storev(struct rseq *rs, int cpu, const int *lock, intptr_t *v,
			  intptr_t expect, intptr_t newv, const char *who)
{
	(void)who;
	__asm__ __volatile__ goto (
		RSEQ_ASM_DEFINE_TABLE(3, 1f, 2f, 4f)
		RSEQ_ASM_DEFINE_EXIT_POINT(1f, %l[ne])
		RSEQ_ASM_C2_EXIT_CPU
		RSEQ_ASM_C2_EXIT_VALUE
		RSEQ_ASM_STORE_RSEQ_CS(1, 3b, rseq)
		RSEQ_ASM_CBNE_CPU_ID(4f)
		RSEQ_ASM_CBNE_UNLOCKED(4f)
		"mov" RSEQ_W " (%[v]), " RSEQ_AX "\n\t"
		"cmp" RSEQ_W " %[expect], " RSEQ_AX "\n\t"
		"jnz %l[ne]\n\t"
		RSEQ_ASM_C2_CPU_ID
		RSEQ_ASM_C2_CMP_WORD("(%[v])", "%[expect]", RSEQ_AX)
		"mov" RSEQ_W " %[newv], (%[v])\n\t"
		"2:\n\t"
		RSEQ_ASM_DEFINE_ABORT(4, abort)
		: /* no outputs */
		: [rseq] "r" (rs), [cpu] "r" (cpu), [lock] "r" (lock), [v] "r" (v),
		  [expect] "rm" (expect), [newv] "r" (newv)
		: "memory", "cc", RSEQ_CLOBBER_AX
		: abort, ne RSEQ_C2_LABELS);
	return 0;
abort:
	return -1;
ne:
	return 1;
#ifdef RSEQ_COMPARE_TWICE
c2_cpu:
	rseq_compare_twice_cpu_failed(who, cpu, rs);
c2_value:
	rseq_compare_twice_value_failed(who, (long)expect,
					(long)__atomic_load_n(v, __ATOMIC_RELAXED));
#endif
}

/*
 * List pop: if (*v != expectnot) { *load = *v; *v = *(*v + voffp); } on @cpu.
 * Leaves through exit point "eq" when *v == expectnot (the empty list).
 */
static inline __attribute__((always_inline))
int rseq_cs_cmpnev_storeoffp_load(struct rseq *rs, int cpu, const int *lock, intptr_t *v,
				  intptr_t expectnot, intptr_t voffp, intptr_t *load,
				  const char *who)
{
	(void)who;
	__asm__ __volatile__ goto (
		RSEQ_ASM_DEFINE_TABLE(3, 1f, 2f, 4f)
		RSEQ_ASM_POP_EXIT_POINT(1f, %l[eq])
		RSEQ_ASM_C2_EXIT_CPU
		RSEQ_ASM_C2_EXIT_VALUE
		RSEQ_ASM_STORE_RSEQ_CS(1, 3b, rseq)
		RSEQ_ASM_CBNE_CPU_ID(4f)
		/* the lock check through ax: i386 has no register left for @lock (compare-twice) */
		"mov" RSEQ_W " %[lock], " RSEQ_AX "\n\t"
		"cmpl $0, (" RSEQ_AX ")\n\t"
		"jnz 4f\n\t"
		"mov" RSEQ_W " (%[v]), " RSEQ_AX "\n\t"
		"cmp" RSEQ_W " %[expectnot], " RSEQ_AX "\n\t"
		"je %l[eq]\n\t"
		"mov" RSEQ_W " " RSEQ_AX ", (%[load])\n\t"
		"add" RSEQ_W " %[voffp], " RSEQ_AX "\n\t"
		"mov" RSEQ_W " (" RSEQ_AX "), " RSEQ_AX "\n\t"
		RSEQ_ASM_C2_CPU_ID
		/* the head read at the start was saved in *load */
		RSEQ_ASM_C2_CMP_WORD("(%[v])", "(%[load])", RSEQ_CX)
		"mov" RSEQ_W " " RSEQ_AX ", (%[v])\n\t"
		"2:\n\t"
		RSEQ_ASM_DEFINE_ABORT(4, abort)
		: /* no outputs */
		: [rseq] "r" (rs), [cpu] "r" (cpu), [lock] "rm" (lock), [v] "r" (v),
		  [expectnot] "rm" (expectnot), [voffp] "rm" (voffp), [load] "r" (load)
		: "memory", "cc", RSEQ_CLOBBER_AX RSEQ_C2_CLOBBER_CX
		: abort, eq RSEQ_C2_LABELS);
	return 0;
abort:
	return -1;
eq:
	return 1;
#ifdef RSEQ_COMPARE_TWICE
c2_cpu:
	rseq_compare_twice_cpu_failed(who, cpu, rs);
c2_value:
	rseq_compare_twice_value_failed(who, (long)*load,
					(long)__atomic_load_n(v, __ATOMIC_RELAXED));
#endif
}

/* Everything the memcpy c.s. needs, read from memory: i386 has too few registers otherwise. */
struct rseq_memcpy_args {
	intptr_t *v;
	intptr_t expect;
	char *dst;
	const char *src;
	uintptr_t len;
	intptr_t newv;
	const int *lock;
	int cpu;
};

/*
 * if (*v == expect) { memcpy(dst, src, len); *v = newv; } on @cpu, the copy bytewise inside
 * the c.s. (an abort may leave a partial copy behind *v, never before it).
 * Leaves through exit point "ne" when *v != expect.
 */
static inline __attribute__((always_inline))
int rseq_cs_cmpeqv_trymemcpy_storev(struct rseq *rs, const struct rseq_memcpy_args *a,
				    const char *who)
{
	(void)who;
	__asm__ __volatile__ goto (
		RSEQ_ASM_DEFINE_TABLE(3, 1f, 2f, 4f)
		RSEQ_ASM_DEFINE_EXIT_POINT(1f, %l[ne])
		RSEQ_ASM_C2_EXIT_CPU
		RSEQ_ASM_C2_EXIT_VALUE
		RSEQ_ASM_STORE_RSEQ_CS(1, 3b, rseq)
		"movl %c[o_cpu](%[a]), %%eax\n\t"
		"cmpl %%eax, " RSEQ_ASM_CPU_ID "(%[rseq])\n\t"
		"jnz 4f\n\t"
		"mov" RSEQ_W " %c[o_lock](%[a]), " RSEQ_AX "\n\t"
		"cmpl $0, (" RSEQ_AX ")\n\t"
		"jnz 4f\n\t"
		"mov" RSEQ_W " %c[o_v](%[a]), " RSEQ_AX "\n\t"
		"mov" RSEQ_W " (" RSEQ_AX "), " RSEQ_AX "\n\t"
		"cmp" RSEQ_W " %c[o_expect](%[a]), " RSEQ_AX "\n\t"
		"jnz %l[ne]\n\t"
		"xorl %%ecx, %%ecx\n\t"
		"cmp" RSEQ_W " $0, %c[o_len](%[a])\n\t"
		"jz 6f\n\t"
		"5:\n\t"
		"mov" RSEQ_W " %c[o_src](%[a]), " RSEQ_AX "\n\t"
		"movb (" RSEQ_AX ", " RSEQ_CX "), %%dl\n\t"
		"mov" RSEQ_W " %c[o_dst](%[a]), " RSEQ_AX "\n\t"
		"movb %%dl, (" RSEQ_AX ", " RSEQ_CX ")\n\t"
		"inc" RSEQ_W " " RSEQ_CX "\n\t"
		"cmp" RSEQ_W " %c[o_len](%[a]), " RSEQ_CX "\n\t"
		"jnz 5b\n\t"
		"6:\n\t"
		RSEQ_ASM_C2_MEMCPY
		"mov" RSEQ_W " %c[o_newv](%[a]), " RSEQ_AX "\n\t"
		"mov" RSEQ_W " %c[o_v](%[a]), " RSEQ_CX "\n\t"
		"mov" RSEQ_W " " RSEQ_AX ", (" RSEQ_CX ")\n\t"
		"2:\n\t"
		RSEQ_ASM_DEFINE_ABORT(4, abort)
		: /* no outputs */
		: [rseq] "r" (rs), [a] "r" (a),
		  [o_cpu] "i" (offsetof(struct rseq_memcpy_args, cpu)),
		  [o_lock] "i" (offsetof(struct rseq_memcpy_args, lock)),
		  [o_v] "i" (offsetof(struct rseq_memcpy_args, v)),
		  [o_expect] "i" (offsetof(struct rseq_memcpy_args, expect)),
		  [o_len] "i" (offsetof(struct rseq_memcpy_args, len)),
		  [o_src] "i" (offsetof(struct rseq_memcpy_args, src)),
		  [o_dst] "i" (offsetof(struct rseq_memcpy_args, dst)),
		  [o_newv] "i" (offsetof(struct rseq_memcpy_args, newv))
		: "memory", "cc", RSEQ_CLOBBER_AX, RSEQ_CLOBBER_CX, RSEQ_CLOBBER_DX
		: abort, ne RSEQ_C2_LABELS);
	return 0;
abort:
	return -1;
ne:
	return 1;
#ifdef RSEQ_COMPARE_TWICE
c2_cpu:
	rseq_compare_twice_cpu_failed(who, a->cpu, rs);
c2_value:
	rseq_compare_twice_value_failed(who, (long)a->expect,
					(long)__atomic_load_n(a->v, __ATOMIC_RELAXED));
#endif
}

#endif
