/*
 * cpu_opv in user space: the 2017 cpu_opv system call's operation vector, executed as one unit
 * with respect to every rseq fast path of this runtime on the chosen cpu, without changing the
 * caller's cpu affinity.
 *
 * How: each cpu has a lock word that every fast path reads inside its critical section (and
 * aborts when it is held). cpu_opv takes the cpu's lock, then calls
 * membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, MEMBARRIER_CMD_FLAG_CPU, cpu) so a fast path
 * already past the lock check on that cpu is aborted before it can commit, runs the operations,
 * and releases the lock.
 *
 * Limits and errors follow the 2017 patch: at most CPU_OP_VEC_LEN_MAX operations; compare and
 * memcpy up to CPU_OP_DATA_LEN_MAX bytes; arithmetic, bitwise and shift operations on 1, 2, 4 or
 * 8 bytes; shifts by less than the width; the lengths of all operations but barriers add up to
 * at most CPU_OP_VEC_DATA_LEN_MAX (one 4096-byte copy and 15 8-byte operations).
 *
 * Returns 0 when every operation ran, index + 1 of the first compare that failed (the
 * operations before it ran, those after it did not), or -1 with errno:
 *   EINVAL  flags != 0, cpu < 0 or not a possible cpu, count < 0 or > 16, an unknown op, a bad
 *           length or shift, or a total length over the limit (nothing ran)
 *   EFAULT  ops is NULL and count > 0
 *   other   membarrier's own errno if the kernel lacks MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ
 * Unlike the kernel, bad data addresses are not detected: they fault like any access.
 */
#ifndef RSEQDBG_CPU_OPV_H
#define RSEQDBG_CPU_OPV_H

#include <stdint.h>

#define CPU_OP_VEC_LEN_MAX		16
#define CPU_OP_ARG_LEN_MAX		24
#define CPU_OP_DATA_LEN_MAX		4096
#define CPU_OP_MEMCPY_EXPECT_LEN	4096
#define CPU_OP_EXPECT_LEN		8
#define CPU_OP_VEC_DATA_LEN_MAX \
	(CPU_OP_MEMCPY_EXPECT_LEN + (CPU_OP_VEC_LEN_MAX - 1) * CPU_OP_EXPECT_LEN)

enum cpu_op_type {
	CPU_COMPARE_EQ_OP,	/* compare */
	CPU_COMPARE_NE_OP,	/* compare */
	CPU_MEMCPY_OP,		/* memcpy */
	CPU_ADD_OP,		/* arithmetic */
	CPU_OR_OP,		/* bitwise */
	CPU_AND_OP,		/* bitwise */
	CPU_XOR_OP,		/* bitwise */
	CPU_LSHIFT_OP,		/* shift */
	CPU_RSHIFT_OP,		/* shift */
	CPU_MB_OP,		/* memory barrier */
	NR_CPU_OPS,
};

/*
 * The 2017 layout: pointers are 64-bit fields on every architecture (on little-endian 32-bit
 * targets the pointer followed by a zero word, as the uapi header's u32_u64 fields).
 */
struct cpu_op {
	int32_t op;	/* enum cpu_op_type */
	uint32_t len;	/* data length, in bytes */
	union {
		struct {
			uint64_t a;
			uint64_t b;
			uint8_t expect_fault_a;
			uint8_t expect_fault_b;
		} compare_op;
		struct {
			uint64_t dst;
			uint64_t src;
			uint8_t expect_fault_dst;
			uint8_t expect_fault_src;
		} memcpy_op;
		struct {
			uint64_t p;
			int64_t count;
			uint8_t expect_fault_p;
		} arithmetic_op;
		struct {
			uint64_t p;
			uint64_t mask;
			uint8_t expect_fault_p;
		} bitwise_op;
		struct {
			uint64_t p;
			uint32_t bits;
			uint8_t expect_fault_p;
		} shift_op;
		char __padding[CPU_OP_ARG_LEN_MAX];
	} u;
};

int cpu_opv(struct cpu_op *ops, int count, int cpu, int flags);

/* Number of possible cpus: valid cpu numbers are 0 .. rseqdbg_nr_cpus() - 1. */
int rseqdbg_nr_cpus(void);

/* The lock word of @cpu that fast paths check inside their critical sections. */
struct rseqdbg_cpu_lock {
	int word;
} __attribute__((aligned(64)));

extern struct rseqdbg_cpu_lock *rseqdbg_cpu_locks __attribute__((visibility("hidden")));

static inline const int *rseqdbg_cpu_lock_word(int cpu)
{
	return &rseqdbg_cpu_locks[cpu].word;
}

/* Builders for one operation each. */
static inline struct cpu_op cpu_op_compare(int eq, const void *a, const void *b, uint32_t len)
{
	struct cpu_op op = { .op = eq ? CPU_COMPARE_EQ_OP : CPU_COMPARE_NE_OP, .len = len };
	op.u.compare_op.a = (uintptr_t)a;
	op.u.compare_op.b = (uintptr_t)b;
	return op;
}

static inline struct cpu_op cpu_op_memcpy(void *dst, const void *src, uint32_t len)
{
	struct cpu_op op = { .op = CPU_MEMCPY_OP, .len = len };
	op.u.memcpy_op.dst = (uintptr_t)dst;
	op.u.memcpy_op.src = (uintptr_t)src;
	return op;
}

static inline struct cpu_op cpu_op_add(void *p, uint32_t len, int64_t count)
{
	struct cpu_op op = { .op = CPU_ADD_OP, .len = len };
	op.u.arithmetic_op.p = (uintptr_t)p;
	op.u.arithmetic_op.count = count;
	return op;
}

static inline struct cpu_op cpu_op_bitwise(enum cpu_op_type type, void *p, uint32_t len,
					   uint64_t mask)
{
	struct cpu_op op = { .op = type, .len = len };
	op.u.bitwise_op.p = (uintptr_t)p;
	op.u.bitwise_op.mask = mask;
	return op;
}

static inline struct cpu_op cpu_op_shift(enum cpu_op_type type, void *p, uint32_t len,
					 uint32_t bits)
{
	struct cpu_op op = { .op = type, .len = len };
	op.u.shift_op.p = (uintptr_t)p;
	op.u.shift_op.bits = bits;
	return op;
}

static inline struct cpu_op cpu_op_mb(void)
{
	struct cpu_op op = { .op = CPU_MB_OP };
	return op;
}

#endif
