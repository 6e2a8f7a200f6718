/*
 * self-change [THREADS] [OPS_PER_THREAD]: every worker adds 1 to a per-cpu counter 20 times,
 * then changes what a debugger may have learned about it: it binds itself to one CPU of its
 * mask (worker i: the i-th allowed CPU, modulo their number) and registers its rseq area again
 * (glibc's in place; the runtime's own, under GLIBC_TUNABLES=glibc.pthread.rseq=0, at another
 * address). When every worker has done so the program prints "changed" (flushed); then each
 * adds OPS more and checks that its mask is still the one it set and that rseq still tells it
 * its CPU. The sum must be exactly THREADS * (20 + OPS).
 */
#include <limits.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>

#include "percpu.h"
#include "rseq-thread.h"
#include "target.h"

#define BEFORE_CHANGE 20

struct job {
	struct percpu_counter *counter;
	long ops;
	int threads;
	atomic_int changed;
	atomic_int failures;
};

/* The index-th CPU this thread may run on, modulo their number. */
static int pick_cpu(int index)
{
	cpu_set_t mask;
	int n = 0, count;

	if (sched_getaffinity(0, sizeof(mask), &mask) != 0)
		fail("sched_getaffinity: %s", strerror(errno));
	count = CPU_COUNT(&mask);
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &mask) && n++ == index % count)
			return cpu;
	fail("no CPU in the mask");
}

static void work(int index, void *ctx)
{
	struct job *job = ctx;
	cpu_set_t mine, now;
	int cpu;

	for (long i = 0; i < BEFORE_CHANGE; i++)
		percpu_counter_add(job->counter, 1);
	cpu = pick_cpu(index);
	CPU_ZERO(&mine);
	CPU_SET(cpu, &mine);
	if (sched_setaffinity(0, sizeof(mine), &mine) != 0)
		fail("sched_setaffinity: %s", strerror(errno));
	if (rseqdbg_reregister() != 0)
		fail("registering rseq again: %s", strerror(errno));
	if (atomic_fetch_add(&job->changed, 1) + 1 == job->threads) {
		printf("changed\n");
		fflush(stdout);
	}
	for (long i = 0; i < job->ops; i++)
		percpu_counter_add(job->counter, 1);
	if (sched_getaffinity(0, sizeof(now), &now) != 0 || !CPU_EQUAL(&now, &mine)) {
		printf("FAIL worker %d: its mask is no longer CPU %d alone\n", index, cpu);
		atomic_fetch_add(&job->failures, 1);
	} else if (rseqdbg_cpu_of(rseqdbg_area()) != cpu) {
		printf("FAIL worker %d: rseq says CPU %d, it is bound to %d\n", index,
		       rseqdbg_cpu_of(rseqdbg_area()), cpu);
		atomic_fetch_add(&job->failures, 1);
	}
}

int main(int argc, char **argv)
{
	struct job job = { 0 };
	struct rseqdbg_stats stats;
	long total;

	target_usage = "self-change [THREADS] [OPS_PER_THREAD]";
	check_arg_count(argc, 2);
	job.threads = (int)arg_long(argc, argv, 1, 1, 1, 1024);
	job.ops = arg_long(argc, argv, 2, 100, 0, LONG_MAX / 1024 - BEFORE_CHANGE);
	job.counter = percpu_counter_new();
	run_threads(job.threads, work, &job);
	total = job.threads * (BEFORE_CHANGE + job.ops);
	if (job.failures)
		fail("%d workers lost what they set", (int)job.failures);
	if (percpu_counter_sum(job.counter) != (intptr_t)total)
		fail("sum=%ld expected=%ld", (long)percpu_counter_sum(job.counter), total);
	rseqdbg_get_stats(&stats);
	printf("ok ops=%ld fallback=%lu aborts=%lu rseq=%s\n", total, stats.fallbacks, stats.aborts,
	       rseqdbg_registration());
	return 0;
}
