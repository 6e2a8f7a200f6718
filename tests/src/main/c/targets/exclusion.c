/*
 * exclusion [THREADS] [OPS_PER_THREAD] [SPIN]: cpu_opv must run as one unit with respect to
 * every fast path on its cpu. Each thread alternates a fast-path increment of its own cpu's
 * slot, through a c.s. that loads the slot, spins SPIN iterations and stores it back, with an
 * increment of the next cpu's slot, which from here only cpu_opv can do. Without the per-cpu
 * lock or the membarrier that aborts running fast paths, updates are lost and the sum is short.
 */
#include <limits.h>

#include "percpu.h"
#include "target.h"

struct job {
	struct percpu_counter *counter;
	long ops;
	uintptr_t spin;
};

static void work(int index, void *ctx)
{
	struct job *job = ctx;

	(void)index;
	for (long i = 0; i < job->ops; i++) {
		if (i % 2 == 0)
			percpu_counter_add_spin(job->counter, 1, job->spin);
		else
			percpu_counter_add_on(job->counter,
					      (percpu_current_cpu() + 1) % rseqdbg_nr_cpus(), 1);
	}
}

int main(int argc, char **argv)
{
	struct job job;
	struct rseqdbg_stats stats;
	long threads;
	intptr_t sum;

	target_usage = "exclusion [THREADS] [OPS_PER_THREAD] [SPIN]";
	check_arg_count(argc, 3);
	threads = arg_long(argc, argv, 1, 1, 1, 1024);
	job.ops = arg_long(argc, argv, 2, 200, 0, LONG_MAX / 1024);
	job.spin = (uintptr_t)arg_long(argc, argv, 3, 2000, 0, LONG_MAX);
	job.counter = percpu_counter_new();
	run_threads((int)threads, work, &job);

	sum = percpu_counter_sum(job.counter);
	if (sum != (intptr_t)(threads * job.ops))
		fail("sum=%ld expected=%ld", (long)sum, threads * job.ops);
	rseqdbg_get_stats(&stats);
	printf("ok ops=%ld fallback=%lu aborts=%lu rseq=%s remote=%lu\n", threads * job.ops,
	       stats.fallbacks, stats.aborts, rseqdbg_registration(), stats.remote);
	return 0;
}
