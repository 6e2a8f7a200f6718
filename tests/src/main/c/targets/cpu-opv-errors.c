/*
 * cpu-opv-errors: checks cpu_opv's documented contract, one line per check ("pass NAME" or
 * "FAIL NAME: why"), then "ok checks=N" and exit 0 iff every check passed, else exit 1.
 * Every error case must return -1 with its errno and leave memory untouched.
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>

#include "cpu-opv.h"
#include "percpu.h"
#include "target.h"

static int checks, failures;

static void check(const char *name, int ok, const char *why)
{
	checks++;
	if (ok) {
		printf("pass %s\n", name);
	} else {
		failures++;
		printf("FAIL %s: %s\n", name, why);
	}
}

static int cpu;
static uint64_t guard;	/* every rejected vector below would add 1 here first */

/* Runs @ops (whose first op adds 1 to guard) and expects -1/@err with guard unchanged. */
static void expect_error(const char *name, struct cpu_op *ops, int count, int on_cpu, int flags,
			 int err)
{
	char why[160];
	int ret;

	guard = 0;
	errno = 0;
	ret = cpu_opv(ops, count, on_cpu, flags);
	snprintf(why, sizeof(why), "returned %d errno %d (%s), guard %llu; wanted -1 errno %d",
		 ret, errno, strerror(errno), (unsigned long long)guard, err);
	check(name, ret == -1 && errno == err && guard == 0, why);
}

static void expect_result(const char *name, struct cpu_op *ops, int count, int want)
{
	char why[120];
	int ret = cpu_opv(ops, count, cpu, 0);

	snprintf(why, sizeof(why), "returned %d errno %d; wanted %d", ret, errno, want);
	check(name, ret == want, why);
}

static void errors(void)
{
	struct cpu_op ops[CPU_OP_VEC_LEN_MAX + 1];
	static char big_a[CPU_OP_DATA_LEN_MAX + 1], big_b[CPU_OP_DATA_LEN_MAX + 1];
	uint64_t word = 0;

	for (int i = 0; i <= CPU_OP_VEC_LEN_MAX; i++)
		ops[i] = cpu_op_add(&guard, 8, 1);

	expect_error("flags-nonzero", ops, 1, cpu, 1, EINVAL);
	expect_error("cpu-negative", ops, 1, -1, 0, EINVAL);
	expect_error("cpu-not-possible", ops, 1, rseqdbg_nr_cpus(), 0, EINVAL);
	expect_error("count-negative", ops, -1, cpu, 0, EINVAL);
	expect_error("count-over-16", ops, CPU_OP_VEC_LEN_MAX + 1, cpu, 0, EINVAL);
	expect_error("ops-null", NULL, 1, cpu, 0, EFAULT);

	ops[1] = cpu_op_add(&word, 8, 1);
	ops[1].op = NR_CPU_OPS;
	expect_error("op-unknown", ops, 2, cpu, 0, EINVAL);
	ops[1].op = -1;
	expect_error("op-negative", ops, 2, cpu, 0, EINVAL);

	ops[1] = cpu_op_add(&word, 3, 1);
	expect_error("add-len-3", ops, 2, cpu, 0, EINVAL);
	ops[1] = cpu_op_add(&word, 16, 1);
	expect_error("add-len-16", ops, 2, cpu, 0, EINVAL);
	ops[1] = cpu_op_bitwise(CPU_XOR_OP, &word, 0, 1);
	expect_error("xor-len-0", ops, 2, cpu, 0, EINVAL);
	ops[1] = cpu_op_shift(CPU_LSHIFT_OP, &word, 4, 32);
	expect_error("lshift-32-of-4-bytes", ops, 2, cpu, 0, EINVAL);
	ops[1] = cpu_op_shift(CPU_RSHIFT_OP, &word, 1, 8);
	expect_error("rshift-8-of-1-byte", ops, 2, cpu, 0, EINVAL);
	ops[1] = cpu_op_compare(1, big_a, big_b, CPU_OP_DATA_LEN_MAX + 1);
	expect_error("compare-len-4097", ops, 2, cpu, 0, EINVAL);
	ops[1] = cpu_op_memcpy(big_a, big_b, CPU_OP_DATA_LEN_MAX + 1);
	expect_error("memcpy-len-4097", ops, 2, cpu, 0, EINVAL);

	/* 8 (guard) + 4096 + 4096: each op within its limit, the vector over 4096 + 15 * 8. */
	ops[1] = cpu_op_memcpy(big_a, big_b, CPU_OP_DATA_LEN_MAX);
	ops[2] = cpu_op_memcpy(big_b, big_a, CPU_OP_DATA_LEN_MAX);
	expect_error("vector-total-over-limit", ops, 3, cpu, 0, EINVAL);
}

static void limits(void)
{
	struct cpu_op ops[CPU_OP_VEC_LEN_MAX];
	static char a[CPU_OP_DATA_LEN_MAX], b[CPU_OP_DATA_LEN_MAX];
	uint64_t words[CPU_OP_VEC_LEN_MAX] = { 0 };
	int ok = 1;

	expect_result("count-zero-is-success", ops, 0, 0);

	/* Exactly at the limit: one 4096-byte copy and 15 8-byte operations. */
	memset(b, 0x5a, sizeof(b));
	ops[0] = cpu_op_memcpy(a, b, CPU_OP_DATA_LEN_MAX);
	for (int i = 1; i < CPU_OP_VEC_LEN_MAX; i++)
		ops[i] = cpu_op_add(&words[i], 8, i);
	expect_result("sixteen-ops-at-total-limit", ops, CPU_OP_VEC_LEN_MAX, 0);
	for (int i = 1; i < CPU_OP_VEC_LEN_MAX; i++)
		ok &= words[i] == (uint64_t)i;
	check("sixteen-ops-all-applied", ok && memcmp(a, b, sizeof(a)) == 0,
	      "some operation of the full vector did not take effect");
}

static void operations(void)
{
	uint8_t u8 = 0xf0;
	uint16_t u16 = 0x00ff;
	uint32_t u32 = 0x1;
	uint64_t u64 = 40, one = 1;
	struct cpu_op ops[10];
	char src[5] = "abcd", dst[5] = "";

	ops[0] = cpu_op_add(&u64, 8, 2);
	ops[1] = cpu_op_bitwise(CPU_OR_OP, &u8, 1, 0x0f);
	ops[2] = cpu_op_bitwise(CPU_AND_OP, &u16, 2, 0x0f0f);
	ops[3] = cpu_op_bitwise(CPU_XOR_OP, &u32, 4, 0x3);
	ops[4] = cpu_op_shift(CPU_LSHIFT_OP, &u32, 4, 4);
	ops[5] = cpu_op_shift(CPU_RSHIFT_OP, &u16, 2, 1);
	ops[6] = cpu_op_memcpy(dst, src, 5);
	ops[7] = cpu_op_mb();
	ops[8] = cpu_op_compare(1, &one, &one, 8);
	ops[9] = cpu_op_compare(0, &u64, &one, 8);
	expect_result("every-op-kind-succeeds", ops, 10, 0);
	check("add", u64 == 42, "8-byte add");
	check("or", u8 == 0xff, "1-byte or");
	check("and-then-rshift", u16 == 0x0007, "2-byte and, then right shift");
	check("xor-then-lshift", u32 == 0x20, "4-byte xor, then left shift");
	check("memcpy", memcmp(dst, "abcd", 5) == 0, "5-byte copy");
}

static void return_convention(void)
{
	uint64_t x = 7, seven = 7, eight = 8, before = 0, after = 0;
	struct cpu_op ops[4];

	ops[0] = cpu_op_add(&before, 8, 1);
	ops[1] = cpu_op_compare(1, &x, &seven, 8);
	ops[2] = cpu_op_compare(1, &x, &eight, 8);
	ops[3] = cpu_op_add(&after, 8, 1);
	expect_result("compare-eq-fails-index-plus-one", ops, 4, 3);
	check("ops-before-failed-compare-ran", before == 1, "the add before the compare did not run");
	check("ops-after-failed-compare-did-not-run", after == 0, "the add after the compare ran");

	ops[0] = cpu_op_compare(0, &x, &eight, 8);
	ops[1] = cpu_op_compare(0, &x, &seven, 8);
	expect_result("compare-ne-fails-index-plus-one", ops, 2, 2);

	ops[0] = cpu_op_compare(1, "same bytes", "same bytes", 10);
	ops[1] = cpu_op_compare(1, "same bytes", "same bytez", 10);
	expect_result("long-compare-fails-index-plus-one", ops, 2, 2);
}

static void other_cpu_and_affinity(void)
{
	cpu_set_t before, after;
	uint64_t v = 0;
	int other = (cpu + 1) % rseqdbg_nr_cpus();
	struct cpu_op op = cpu_op_add(&v, 8, 5);
	int ret;

	sched_getaffinity(0, sizeof(before), &before);
	ret = cpu_opv(&op, 1, other, 0);
	sched_getaffinity(0, sizeof(after), &after);
	check("runs-on-another-cpu", ret == 0 && v == 5, "cpu_opv on another cpu failed");
	check("affinity-unchanged", CPU_EQUAL(&before, &after), "the caller's affinity changed");
}

int main(int argc, char **argv)
{
	(void)argv;
	target_usage = "cpu-opv-errors";
	check_arg_count(argc, 0);
	cpu = percpu_current_cpu();

	errors();
	limits();
	operations();
	return_convention();
	other_cpu_and_affinity();

	if (failures)
		fail("%d of %d checks failed", failures, checks);
	printf("ok checks=%d\n", checks);
	return 0;
}
