#include "rseq-thread.h"

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
