/*
 * spin [THREADS] [OPS_PER_THREAD] [SPIN]: every thread adds 1 to a per-cpu counter OPS times
 * through the long critical section (load the slot, spin SPIN iterations, add, store); the sum
 * must be exactly THREADS * OPS. Built as spin-c2 (compare-twice): a debugger that single-steps
 * each c.s. makes dozens of stops inside it (about 2 x SPIN + 16 with the default SPIN = 30),
 * time enough to migrate, and the c.s. checks cpu and slot again before its commit.
 */
#include <limits.h>

#include "percpu.h"
#include "target.h"

#ifndef SPIN_NAME
# define SPIN_NAME "spin"
#endif

struct job {
	struct percpu_counter *counter;
	long ops;
	uintptr_t spin;
};

static void work(int index, void *ctx)
{
	struct job *job = ctx;

	(void)index;
	for (long i = 0; i < job->ops; i++)
		percpu_counter_add_spin(job->counter, 1, job->spin);
}

int main(int argc, char **argv)
{
	struct job job;
	struct rseqdbg_stats stats;
	long threads;
	intptr_t sum;

	target_usage = SPIN_NAME " [THREADS] [OPS_PER_THREAD] [SPIN]";
	check_arg_count(argc, 3);
	threads = arg_long(argc, argv, 1, 1, 1, 1024);
	job.ops = arg_long(argc, argv, 2, 200, 0, LONG_MAX / 1024);
	job.spin = (uintptr_t)arg_long(argc, argv, 3, 30, 0, 1000000000);
	job.counter = percpu_counter_new();
	run_threads((int)threads, work, &job);

	sum = percpu_counter_sum(job.counter);
	if (sum != (intptr_t)(threads * job.ops))
		fail("sum=%ld expected=%ld", (long)sum, threads * job.ops);
	rseqdbg_get_stats(&stats);
	printf("ok ops=%ld fallback=%lu aborts=%lu rseq=%s spin=%lu\n", threads * job.ops,
	       stats.fallbacks, stats.aborts, rseqdbg_registration(), (unsigned long)job.spin);
	return 0;
}
