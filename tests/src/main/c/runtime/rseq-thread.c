#include "rseq-thread.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rseq-cs.h"

enum own_state { OWN_UNKNOWN = 0, OWN_REGISTERED = 1, OWN_REFUSED = -1 };

/*
 * The original 32-byte ABI: every kernel since 4.18 accepts it. Zeroed, so rseq_cs is 0. Two
 * areas, so that rseqdbg_reregister() can move the registration to another address.
 */
static __thread struct rseq own_areas[2] __attribute__((aligned(32)));
static __thread int own_index;
static __thread int own_state;

struct rseq *rseqdbg_own_area(void)
{
	if (own_state == OWN_UNKNOWN) {
		own_areas[own_index].cpu_id = RSEQ_CPU_ID_UNINITIALIZED;
		own_state = syscall(__NR_rseq, &own_areas[own_index], 32, 0, RSEQDBG_SIG) == 0
			? OWN_REGISTERED : OWN_REFUSED;
	}
	return own_state == OWN_REGISTERED ? &own_areas[own_index] : NULL;
}

int rseqdbg_reregister(void)
{
	struct rseq *old = rseqdbg_area();
	/* The kernel unregisters only with the length registered: glibc's may exceed __rseq_size. */
	unsigned int sizes[] = { __rseq_size, 32, (__rseq_size + 31) & ~31u }, size = 0;

	if (!old)
		return -1;
	for (unsigned int i = 0; i < 3 && !size; i++)
		if (sizes[i] >= 32 && syscall(__NR_rseq, old, sizes[i], RSEQ_FLAG_UNREGISTER, RSEQDBG_SIG) == 0)
			size = sizes[i];
	if (!size)
		return -1;
	if (__rseq_size > 0) {
		/* glibc's area is where glibc and its users look for it: register it again in place. */
		return syscall(__NR_rseq, old, size, 0, RSEQDBG_SIG) == 0 ? 0 : -1;
	}
	own_index = 1 - own_index;
	memset(&own_areas[own_index], 0, sizeof(own_areas[own_index]));
	own_areas[own_index].cpu_id = RSEQ_CPU_ID_UNINITIALIZED;
	if (syscall(__NR_rseq, &own_areas[own_index], 32, 0, RSEQDBG_SIG) != 0) {
		own_state = OWN_REFUSED;
		return -1;
	}
	return 0;
}

const char *rseqdbg_registration(void)
{
	if (__rseq_size > 0)
		return "glibc";
	return rseqdbg_own_area() ? "own" : "none";
}

/*
 * Compare-twice reports (rseq-cs.h, RSEQ_COMPARE_TWICE): a c.s. reached its commit on another
 * cpu, or with its compared word changed, without being aborted. Continuing would corrupt
 * per-cpu data, so say what was seen in one line and abort (SIGABRT), as librseq does.
 */
void rseq_compare_twice_cpu_failed(const char *who, int start_cpu, const struct rseq *rs)
{
	fprintf(stderr, "FAIL compare-twice: %s: cpu_id %d at start, %d before commit\n", who,
		start_cpu, rseqdbg_cpu_of(rs));
	abort();
}

void rseq_compare_twice_value_failed(const char *who, long start, long now)
{
	fprintf(stderr, "FAIL compare-twice: %s: compared word %#lx at start, %#lx before commit\n",
		who, (unsigned long)start, (unsigned long)now);
	abort();
}

void rseq_compare_twice_changed(const char *who, long now)
{
	fprintf(stderr, "FAIL compare-twice: %s: compared word changed before commit (now %#lx)\n",
		who, (unsigned long)now);
	abort();
}
