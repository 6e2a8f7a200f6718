#include "rseq-thread.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rseq-cs.h"

enum own_state { OWN_UNKNOWN = 0, OWN_REGISTERED = 1, OWN_REFUSED = -1 };

/* The original 32-byte ABI: every kernel since 4.18 accepts it. Zeroed, so rseq_cs is 0. */
static __thread struct rseq own_area __attribute__((aligned(32)));
static __thread int own_state;

struct rseq *rseqdbg_own_area(void)
{
	if (own_state == OWN_UNKNOWN) {
		own_area.cpu_id = RSEQ_CPU_ID_UNINITIALIZED;
		own_state = syscall(__NR_rseq, &own_area, 32, 0, RSEQDBG_SIG) == 0
			? OWN_REGISTERED : OWN_REFUSED;
	}
	return own_state == OWN_REGISTERED ? &own_area : NULL;
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
