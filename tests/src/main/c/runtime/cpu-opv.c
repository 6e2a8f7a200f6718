#include "cpu-opv.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/syscall.h>
#include <unistd.h>

struct rseqdbg_cpu_lock *rseqdbg_cpu_locks;
static int nr_cpus;

/* Lock states (Drepper's futex mutex): fast paths only ever test for 0. */
enum { UNLOCKED = 0, LOCKED = 1, CONTENDED = 2 };

__attribute__((constructor))
static void cpu_opv_init(void)
{
	nr_cpus = get_nprocs_conf();
	if (nr_cpus < 1)
		nr_cpus = 1;
	rseqdbg_cpu_locks = aligned_alloc(64, sizeof(*rseqdbg_cpu_locks) * (size_t)nr_cpus);
	if (!rseqdbg_cpu_locks) {
		fputs("rseqdbg runtime: out of memory for cpu locks\n", stderr);
		abort();
	}
	memset(rseqdbg_cpu_locks, 0, sizeof(*rseqdbg_cpu_locks) * (size_t)nr_cpus);
}

int rseqdbg_nr_cpus(void)
{
	return nr_cpus;
}

static void lock_cpu(int *word)
{
	int c = UNLOCKED;

	if (__atomic_compare_exchange_n(word, &c, LOCKED, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	if (c != CONTENDED)
		c = __atomic_exchange_n(word, CONTENDED, __ATOMIC_ACQUIRE);
	while (c != UNLOCKED) {
		/* EINTR and EAGAIN just mean: look again. */
		syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, CONTENDED, NULL, NULL, 0);
		c = __atomic_exchange_n(word, CONTENDED, __ATOMIC_ACQUIRE);
	}
}

static void unlock_cpu(int *word)
{
	if (__atomic_exchange_n(word, UNLOCKED, __ATOMIC_RELEASE) == CONTENDED)
		syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static pthread_once_t membarrier_once = PTHREAD_ONCE_INIT;
static int membarrier_errno;

static void membarrier_register(void)
{
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0, 0) != 0)
		membarrier_errno = errno;
}

/* Aborts every rseq critical section of this process now running on @cpu. */
static int abort_fast_paths_on(int cpu)
{
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ,
		    MEMBARRIER_CMD_FLAG_CPU, cpu) != 0)
		return errno;
	return 0;
}

static int valid_width(uint32_t len)
{
	return len == 1 || len == 2 || len == 4 || len == 8;
}

static int check_vector(const struct cpu_op *ops, int count)
{
	uint32_t sum = 0;

	for (int i = 0; i < count; i++) {
		const struct cpu_op *op = &ops[i];

		switch (op->op) {
		case CPU_COMPARE_EQ_OP:
		case CPU_COMPARE_NE_OP:
		case CPU_MEMCPY_OP:
			if (op->len > CPU_OP_DATA_LEN_MAX)
				return -1;
			break;
		case CPU_ADD_OP:
		case CPU_OR_OP:
		case CPU_AND_OP:
		case CPU_XOR_OP:
			if (!valid_width(op->len))
				return -1;
			break;
		case CPU_LSHIFT_OP:
		case CPU_RSHIFT_OP:
			if (!valid_width(op->len) || op->u.shift_op.bits >= op->len * CHAR_BIT)
				return -1;
			break;
		case CPU_MB_OP:
			continue;
		default:
			return -1;
		}
		sum += op->len;	/* each len <= 4096 and count <= 16: cannot wrap */
	}
	return sum > CPU_OP_VEC_DATA_LEN_MAX ? -1 : 0;
}

static void *ptr(uint64_t field)
{
	return (void *)(uintptr_t)field;
}

/* Whole-word loads and stores, so readers outside cpu_opv never see a torn value. */
static uint64_t load(const void *p, uint32_t len)
{
	switch (len) {
	case 1: return __atomic_load_n((const uint8_t *)p, __ATOMIC_RELAXED);
	case 2: return __atomic_load_n((const uint16_t *)p, __ATOMIC_RELAXED);
	case 4: return __atomic_load_n((const uint32_t *)p, __ATOMIC_RELAXED);
	default: return __atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED);
	}
}

static void store(void *p, uint32_t len, uint64_t v)
{
	switch (len) {
	case 1: __atomic_store_n((uint8_t *)p, (uint8_t)v, __ATOMIC_RELAXED); break;
	case 2: __atomic_store_n((uint16_t *)p, (uint16_t)v, __ATOMIC_RELAXED); break;
	case 4: __atomic_store_n((uint32_t *)p, (uint32_t)v, __ATOMIC_RELAXED); break;
	default: __atomic_store_n((uint64_t *)p, v, __ATOMIC_RELAXED); break;
	}
}

static int same(const void *a, const void *b, uint32_t len)
{
	if (valid_width(len))
		return load(a, len) == load(b, len);
	return memcmp(a, b, len) == 0;
}

static void copy(void *dst, const void *src, uint32_t len)
{
	if (valid_width(len))
		store(dst, len, load(src, len));
	else
		memcpy(dst, src, len);
}

/* Runs a checked vector; the caller holds the cpu's lock. */
static int run_vector(const struct cpu_op *ops, int count)
{
	for (int i = 0; i < count; i++) {
		const struct cpu_op *op = &ops[i];
		void *p = ptr(op->u.arithmetic_op.p);	/* same place in every op struct */
		uint32_t len = op->len;

		__asm__ __volatile__ ("" ::: "memory");
		switch (op->op) {
		case CPU_COMPARE_EQ_OP:
			if (!same(ptr(op->u.compare_op.a), ptr(op->u.compare_op.b), len))
				return i + 1;
			break;
		case CPU_COMPARE_NE_OP:
			if (same(ptr(op->u.compare_op.a), ptr(op->u.compare_op.b), len))
				return i + 1;
			break;
		case CPU_MEMCPY_OP:
			copy(ptr(op->u.memcpy_op.dst), ptr(op->u.memcpy_op.src), len);
			break;
		case CPU_ADD_OP:
			store(p, len, load(p, len) + (uint64_t)op->u.arithmetic_op.count);
			break;
		case CPU_OR_OP:
			store(p, len, load(p, len) | op->u.bitwise_op.mask);
			break;
		case CPU_AND_OP:
			store(p, len, load(p, len) & op->u.bitwise_op.mask);
			break;
		case CPU_XOR_OP:
			store(p, len, load(p, len) ^ op->u.bitwise_op.mask);
			break;
		case CPU_LSHIFT_OP:
			store(p, len, load(p, len) << op->u.shift_op.bits);
			break;
		case CPU_RSHIFT_OP:
			store(p, len, load(p, len) >> op->u.shift_op.bits);
			break;
		case CPU_MB_OP:
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			break;
		}
	}
	return 0;
}

int cpu_opv(struct cpu_op *ops, int count, int cpu, int flags)
{
	int ret, err;

	if (flags != 0 || cpu < 0 || cpu >= nr_cpus || count < 0 || count > CPU_OP_VEC_LEN_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (count > 0 && !ops) {
		errno = EFAULT;
		return -1;
	}
	if (check_vector(ops, count) != 0) {
		errno = EINVAL;
		return -1;
	}
	pthread_once(&membarrier_once, membarrier_register);
	if (membarrier_errno) {
		errno = membarrier_errno;
		return -1;
	}
	lock_cpu(&rseqdbg_cpu_locks[cpu].word);
	err = abort_fast_paths_on(cpu);
	ret = err ? -1 : run_vector(ops, count);
	unlock_cpu(&rseqdbg_cpu_locks[cpu].word);
	if (err)
		errno = err;
	return ret;
}
