/*
 * thread-exits [THREADS] [OPS]: three rounds of THREADS workers; worker i adds 1 to a per-cpu
 * counter OPS * (i + 1) times and exits, so workers end one after another while the others are
 * still at work (under a debugger, held while one of them is inside a c.s.). The sum must be
 * exactly 3 * OPS * THREADS * (THREADS + 1) / 2.
 */
#include <limits.h>
#include <stdint.h>

#include "percpu.h"
#include "target.h"

#define ROUNDS 3

struct job {
	struct percpu_counter *counter;
	long ops;
};

static void work(int index, void *ctx)
{
	struct job *job = ctx;

	for (long i = 0; i < job->ops * (index + 1); i++)
		percpu_counter_add(job->counter, 1);
}

int main(int argc, char **argv)
{
	struct job job = { 0 };
	struct rseqdbg_stats stats;
	long threads, total;

	target_usage = "thread-exits [THREADS] [OPS]";
	check_arg_count(argc, 2);
	threads = arg_long(argc, argv, 1, 2, 1, 1024);
	job.ops = arg_long(argc, argv, 2, 100, 0, LONG_MAX / (1024 * 1024 * ROUNDS));
	job.counter = percpu_counter_new();
	for (int round = 0; round < ROUNDS; round++)
		run_threads((int)threads, work, &job);
	total = ROUNDS * job.ops * threads * (threads + 1) / 2;
	if (percpu_counter_sum(job.counter) != (intptr_t)total)
		fail("sum=%ld expected=%ld", (long)percpu_counter_sum(job.counter), total);
	rseqdbg_get_stats(&stats);
	printf("ok ops=%ld fallback=%lu aborts=%lu rseq=%s threads=%ld\n", total, stats.fallbacks, stats.aborts,
	       rseqdbg_registration(), ROUNDS * threads);
	return 0;
}
