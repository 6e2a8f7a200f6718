/*
 * aarch64 critical sections (built for ELF tests, not run here). Include through rseq-cs.h.
 *
 * Signature: each abort handler in __rseq_failure is preceded by the instruction word
 * 0xd428bc00 (brk #0x45e0, librseq's RSEQ_SIG_CODE); on little-endian aarch64 the 4 bytes
 * before abort_ip read as RSEQ_SIG 0xd428bc00. Same frame and return values as arch/x86.h.
 * x15 and x14 are the scratch registers, as in librseq. @who names the runtime function for
 * compare-twice reports (RSEQ_COMPARE_TWICE: built, never run here).
 */
#ifndef RSEQDBG_ARCH_AARCH64_H
#define RSEQDBG_ARCH_AARCH64_H

#include <stddef.h>
#include <stdint.h>
#include <sys/rseq.h>

#define RSEQDBG_SIG 0xd428bc00

#define RSEQ_ASM_DEFINE_ABORT(label, abort_label)				\
		".pushsection __rseq_failure, \"ax\"\n\t"		\
		".inst " RSEQ_STR(RSEQDBG_SIG) "\n\t"			\
		RSEQ_STR(label) ":\n\t"					\
		"b %l[" RSEQ_STR(abort_label) "]\n\t"			\
		".popsection\n\t"

#define RSEQ_ASM_STORE_RSEQ_CS(label, cs_label, rseq)				\
		"adrp x15, " RSEQ_STR(cs_label) "\n\t"			\
		"add x15, x15, :lo12:" RSEQ_STR(cs_label) "\n\t"	\
		"str x15, [%[" RSEQ_STR(rseq) "], #8]\n\t"		\
		RSEQ_STR(label) ":\n\t"

#define RSEQ_ASM_CBNE_CPU_ID(label)						\
		"ldr w15, [%[rseq], #4]\n\t"				\
		"cmp w15, %w[cpu]\n\t"					\
		"b.ne " RSEQ_STR(label) "\n\t"

/* Acquire: data loads after this must not see values older than cpu_opv's unlock. */
#define RSEQ_ASM_CBNE_UNLOCKED(label)						\
		"ldar w15, [%[lock]]\n\t"				\
		"cbnz w15, " RSEQ_STR(label) "\n\t"

/*
 * Compare-twice (RSEQ_COMPARE_TWICE, see rseq-cs.h and arch/x86.h): right before the commit
 * store, cpu_id again (through 32-bit scratch register @reg) and the compared word again
 * (through @scratch, against register @expect); a mismatch branches to the declared exit
 * points c2_cpu / c2_value.
 */
#ifdef RSEQ_COMPARE_TWICE
# define RSEQ_ASM_C2_CPU_ID(reg)						\
		"ldr " reg ", [%[rseq], #4]\n\t"			\
		"cmp " reg ", %w[cpu]\n\t"				\
		"b.ne %l[c2_cpu]\n\t"
# define RSEQ_ASM_C2_CMP_WORD(scratch, expect)					\
		"ldr " scratch ", [%[v]]\n\t"				\
		"cmp " scratch ", " expect "\n\t"			\
		"b.ne %l[c2_value]\n\t"
#else
# define RSEQ_ASM_C2_CPU_ID(reg) ""
# define RSEQ_ASM_C2_CMP_WORD(scratch, expect) ""
#endif

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
		"ldr x15, [%[v]]\n\t"
		"add x15, x15, %[count]\n\t"
		RSEQ_ASM_C2_CPU_ID("w14")	/* the cpu only, as on x86 */
		"str x15, [%[v]]\n\t"
		"2:\n\t"
		RSEQ_ASM_DEFINE_ABORT(4, abort)
		: /* no outputs */
		: [rseq] "r" (rs), [cpu] "r" (cpu), [lock] "r" (lock), [v] "r" (v),
		  [count] "r" (count)
		: "memory", "cc", "x14", "x15"
		: abort RSEQ_C2_LABEL_CPU);
	return 0;
abort:
	return -1;
#ifdef RSEQ_COMPARE_TWICE
c2_cpu:
	rseq_compare_twice_cpu_failed(who, cpu, rs);
#endif
}

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
		"ldr x15, [%[v]]\n\t"
		"mov x14, %[spin]\n\t"
		"5:\n\t"
		"cbz x14, 6f\n\t"
		"sub x14, x14, #1\n\t"
		"b 5b\n\t"
		"6:\n\t"
		RSEQ_ASM_C2_CPU_ID("w14")
		RSEQ_ASM_C2_CMP_WORD("x14", "x15")
		"add x15, x15, %[count]\n\t"
		"str x15, [%[v]]\n\t"
		"2:\n\t"
		RSEQ_ASM_DEFINE_ABORT(4, abort)
		: /* no outputs */
		: [rseq] "r" (rs), [cpu] "r" (cpu), [lock] "r" (lock), [v] "r" (v),
		  [count] "r" (count), [spin] "r" (spin)
		: "memory", "cc", "x14", "x15"
		: abort RSEQ_C2_LABELS);
	return 0;
abort:
	return -1;
#ifdef RSEQ_COMPARE_TWICE
c2_cpu:
	rseq_compare_twice_cpu_failed(who, cpu, rs);
c2_value:
	rseq_compare_twice_changed(who, (long)__atomic_load_n(v, __ATOMIC_RELAXED));
#endif
}

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
		"ldr x15, [%[v]]\n\t"
		"cmp x15, %[expect]\n\t"
		"b.ne %l[ne]\n\t"
		RSEQ_ASM_C2_CPU_ID("w15")
		RSEQ_ASM_C2_CMP_WORD("x15", "%[expect]")
		"str %[newv], [%[v]]\n\t"
		"2:\n\t"
		RSEQ_ASM_DEFINE_ABORT(4, abort)
		: /* no outputs */
		: [rseq] "r" (rs), [cpu] "r" (cpu), [lock] "r" (lock), [v] "r" (v),
		  [expect] "r" (expect), [newv] "r" (newv)
		: "memory", "cc", "x15"
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

static inline __attribute__((always_inline))
int rseq_cs_cmpnev_storeoffp_load(struct rseq *rs, int cpu, const int *lock, intptr_t *v,
				  intptr_t expectnot, intptr_t voffp, intptr_t *load,
				  const char *who)
{
	(void)who;
	__asm__ __volatile__ goto (
		RSEQ_ASM_DEFINE_TABLE(3, 1f, 2f, 4f)
		RSEQ_ASM_DEFINE_EXIT_POINT(1f, %l[eq])
		RSEQ_ASM_C2_EXIT_CPU
		RSEQ_ASM_C2_EXIT_VALUE
		RSEQ_ASM_STORE_RSEQ_CS(1, 3b, rseq)
		RSEQ_ASM_CBNE_CPU_ID(4f)
		RSEQ_ASM_CBNE_UNLOCKED(4f)
		"ldr x15, [%[v]]\n\t"
		"cmp x15, %[expectnot]\n\t"
		"b.eq %l[eq]\n\t"
		"str x15, [%[load]]\n\t"
		"ldr x14, [x15, %[voffp]]\n\t"
		RSEQ_ASM_C2_CPU_ID("w13")
		RSEQ_ASM_C2_CMP_WORD("x13", "x15")	/* x15: the head read at the start */
		"str x14, [%[v]]\n\t"
		"2:\n\t"
		RSEQ_ASM_DEFINE_ABORT(4, abort)
		: /* no outputs */
		: [rseq] "r" (rs), [cpu] "r" (cpu), [lock] "r" (lock), [v] "r" (v),
		  [expectnot] "r" (expectnot), [voffp] "r" (voffp), [load] "r" (load)
		: "memory", "cc", "x13", "x14", "x15"
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

static inline __attribute__((always_inline))
int rseq_cs_cmpeqv_trymemcpy_storev(struct rseq *rs, const struct rseq_memcpy_args *a,
				    const char *who)
{
	int cpu = a->cpu;
	const int *lock = a->lock;

	(void)who;
	__asm__ __volatile__ goto (
		RSEQ_ASM_DEFINE_TABLE(3, 1f, 2f, 4f)
		RSEQ_ASM_DEFINE_EXIT_POINT(1f, %l[ne])
		RSEQ_ASM_C2_EXIT_CPU
		RSEQ_ASM_C2_EXIT_VALUE
		RSEQ_ASM_STORE_RSEQ_CS(1, 3b, rseq)
		RSEQ_ASM_CBNE_CPU_ID(4f)
		RSEQ_ASM_CBNE_UNLOCKED(4f)
		"ldr x15, [%[v]]\n\t"
		"cmp x15, %[expect]\n\t"
		"b.ne %l[ne]\n\t"
		"mov x14, #0\n\t"
		"5:\n\t"
		"cmp x14, %[len]\n\t"
		"b.eq 6f\n\t"
		"ldrb w15, [%[src], x14]\n\t"
		"strb w15, [%[dst], x14]\n\t"
		"add x14, x14, #1\n\t"
		"b 5b\n\t"
		"6:\n\t"
		RSEQ_ASM_C2_CPU_ID("w15")
		RSEQ_ASM_C2_CMP_WORD("x15", "%[expect]")
		"stlr %[newv], [%[v]]\n\t"	/* release: the copied bytes before the offset */
		"2:\n\t"
		RSEQ_ASM_DEFINE_ABORT(4, abort)
		: /* no outputs */
		: [rseq] "r" (rs), [cpu] "r" (cpu), [lock] "r" (lock), [v] "r" (a->v),
		  [expect] "r" (a->expect), [src] "r" (a->src), [dst] "r" (a->dst),
		  [len] "r" (a->len), [newv] "r" (a->newv)
		: "memory", "cc", "x14", "x15"
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
	rseq_compare_twice_value_failed(who, (long)a->expect,
					(long)__atomic_load_n(a->v, __ATOMIC_RELAXED));
#endif
}

#endif
