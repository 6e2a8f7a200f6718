/*
 * entropy [THREADS] [OPS_PER_THREAD]: every thread draws 8 random bytes (getrandom), reads the
 * clocks (clock_gettime, gettimeofday, time) and its CPU (getcpu), then adds 1 to a per-cpu
 * counter OPS + random % 16 times: how much work it does depends on values that differ on every
 * run. It prints what each thread saw, then checks the sum. Record and replay: a replay that
 * answers these calls from the trace prints the same lines and takes the same paths.
 */
#include <limits.h>
#include <stdint.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>

#include "percpu.h"
#include "target.h"

struct seen {
	unsigned long long random;
	struct timespec monotonic;
	struct timeval wall;
	time_t seconds;
	unsigned int cpu;
	long adds;
};

struct job {
	struct percpu_counter *counter;
	long ops;
	struct seen *seen;
};

static void work(int index, void *ctx)
{
	struct job *job = ctx;
	struct seen *s = &job->seen[index];

	if (getrandom(&s->random, sizeof(s->random), 0) != (ssize_t)sizeof(s->random))
		fail("getrandom");
	clock_gettime(CLOCK_MONOTONIC, &s->monotonic);
	gettimeofday(&s->wall, NULL);
	s->seconds = time(NULL);
	if (syscall(SYS_getcpu, &s->cpu, NULL, NULL) != 0)
		fail("getcpu");
	s->adds = job->ops + (long)(s->random % 16);
	for (long i = 0; i < s->adds; i++)
		percpu_counter_add(job->counter, 1);
}

int main(int argc, char **argv)
{
	struct job job = { 0 };
	struct rseqdbg_stats stats;
	long threads, total = 0;
	intptr_t sum;

	target_usage = "entropy [THREADS] [OPS_PER_THREAD]";
	check_arg_count(argc, 2);
	threads = arg_long(argc, argv, 1, 1, 1, 64);
	job.ops = arg_long(argc, argv, 2, 20, 0, LONG_MAX / 1024);
	job.seen = calloc((size_t)threads, sizeof(*job.seen));
	if (!job.seen)
		fail("calloc");
	job.counter = percpu_counter_new();
	run_threads((int)threads, work, &job);

	for (long i = 0; i < threads; i++) {
		struct seen *s = &job.seen[i];

		printf("thread %ld: random=%016llx monotonic=%lld.%09ld wall=%lld.%06ld time=%lld cpu=%u adds=%ld\n",
		       i, s->random, (long long)s->monotonic.tv_sec, s->monotonic.tv_nsec,
		       (long long)s->wall.tv_sec, (long)s->wall.tv_usec, (long long)s->seconds, s->cpu, s->adds);
		total += s->adds;
	}
	sum = percpu_counter_sum(job.counter);
	if (sum != (intptr_t)total)
		fail("sum=%ld expected=%ld", (long)sum, total);
	rseqdbg_get_stats(&stats);
	printf("ok ops=%ld fallback=%lu aborts=%lu\n", total, stats.fallbacks, stats.aborts);
	return 0;
}
