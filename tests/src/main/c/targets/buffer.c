/*
 * buffer [THREADS] [OPS_PER_THREAD]: the lttng-ust pattern (point 7 of the 2017 cpu_opv mail).
 * Every thread writes OPS self-checking records: reserve 32 bytes in the current cpu's buffer,
 * fill them outside any critical section, then commit on the cpu of the reservation. Every
 * 16th record the thread moves itself to another cpu between reserve and commit, so the commit
 * must reach the reservation's cpu through cpu_opv ("remote"). Full buffers are taken out and
 * checked; every record must come out exactly once, intact.
 */
#include <limits.h>
#include <sched.h>
#include <string.h>

#include "cpu-opv.h"
#include "percpu.h"
#include "records.h"
#include "target.h"

#define CAPACITY 2048
#define MIGRATE_EVERY 16

struct job {
	struct percpu_ring *ring;
	struct ledger ledger;
	long ops;
	unsigned long takes, moved;
};

/* The test program, not the runtime, changes its own affinity: to any allowed cpu but @cpu. */
static int move_off(int cpu, const cpu_set_t *allowed)
{
	cpu_set_t others = *allowed;

	CPU_CLR(cpu, &others);
	if (CPU_COUNT(&others) == 0 || sched_setaffinity(0, sizeof(others), &others) != 0)
		return 0;
	return 1;
}

static void work(int index, void *ctx)
{
	struct job *job = ctx;
	char out[CAPACITY];
	cpu_set_t allowed;
	unsigned long moved = 0;

	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0)
		CPU_ZERO(&allowed);
	for (long seq = 0; seq < job->ops; seq++) {
		struct record r = record_make((uint32_t)index, (uint32_t)seq);
		struct percpu_reservation res;
		int migrate = seq % MIGRATE_EVERY == MIGRATE_EVERY - 1;

		while (percpu_ring_reserve(job->ring, sizeof(r), &res) != 0) {
			ledger_consume(&job->ledger, out, percpu_ring_take(job->ring, res.cpu, out));
			__atomic_fetch_add(&job->takes, 1, __ATOMIC_RELAXED);
		}
		memcpy(res.data, &r, sizeof(r));
		if (migrate && move_off(res.cpu, &allowed))
			moved++;
		percpu_ring_commit(job->ring, &res);
		if (migrate)
			sched_setaffinity(0, sizeof(allowed), &allowed);
	}
	__atomic_fetch_add(&job->moved, moved, __ATOMIC_RELAXED);
}

int main(int argc, char **argv)
{
	struct job job = { 0 };
	struct rseqdbg_stats stats;
	char out[CAPACITY];
	long threads;

	target_usage = "buffer [THREADS] [OPS_PER_THREAD]";
	check_arg_count(argc, 2);
	threads = arg_long(argc, argv, 1, 1, 1, 1024);
	job.ops = arg_long(argc, argv, 2, 500, 0, UINT32_MAX);
	ledger_init(&job.ledger, (int)threads, job.ops);
	job.ring = percpu_ring_new(CAPACITY);
	run_threads((int)threads, work, &job);

	for (int cpu = 0; cpu < rseqdbg_nr_cpus(); cpu++)
		ledger_consume(&job.ledger, out, percpu_ring_take(job.ring, cpu, out));
	if (job.ledger.corrupt || job.ledger.duplicate
	    || job.ledger.records != (unsigned long)(threads * job.ops))
		fail("records=%lu expected=%ld corrupt=%lu duplicate=%lu", job.ledger.records,
		     threads * job.ops, job.ledger.corrupt, job.ledger.duplicate);
	rseqdbg_get_stats(&stats);
	printf("ok ops=%ld fallback=%lu aborts=%lu rseq=%s takes=%lu moved=%lu remote=%lu\n",
	       threads * job.ops, stats.fallbacks, stats.aborts, rseqdbg_registration(),
	       job.takes, job.moved, stats.remote);
	return 0;
}
