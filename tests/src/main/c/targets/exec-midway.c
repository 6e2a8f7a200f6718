/*
 * exec-midway [THREADS] [OPS_PER_THREAD]: THREADS workers add 1 to a per-cpu counter; halfway
 * through its share the last worker (a thread other than the leader when THREADS > 1) calls
 * execve on this program. The kernel kills every other thread and gives the exec'ing thread the
 * leader's pid. The new image ("--after-exec OPS PID") adds OPS on one thread, checks its sum and
 * that it kept the pid, and prints the ok line (the first image prints nothing).
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "percpu.h"
#include "target.h"

struct job {
	struct percpu_counter *counter;
	long ops;
	int threads;
	char **argv;
};

static void work(int index, void *ctx)
{
	struct job *job = ctx;

	for (long i = 0; i < job->ops; i++) {
		if (index == job->threads - 1 && i == job->ops / 2) {
			char ops[32], pid[32];
			char *args[] = { job->argv[0], "--after-exec", ops, pid, NULL };

			snprintf(ops, sizeof(ops), "%ld", job->ops);
			snprintf(pid, sizeof(pid), "%ld", (long)getpid());
			execv("/proc/self/exe", args);
			fail("execv: %s", strerror(errno));
		}
		percpu_counter_add(job->counter, 1);
	}
}

static int after_exec(long ops, long pid)
{
	struct percpu_counter *counter = percpu_counter_new();
	struct rseqdbg_stats stats;

	for (long i = 0; i < ops; i++)
		percpu_counter_add(counter, 1);
	if (percpu_counter_sum(counter) != (intptr_t)ops)
		fail("sum=%ld expected=%ld", (long)percpu_counter_sum(counter), ops);
	if ((long)getpid() != pid)
		fail("pid %ld after the exec, %ld before", (long)getpid(), pid);
	rseqdbg_get_stats(&stats);
	printf("ok ops=%ld fallback=%lu aborts=%lu rseq=%s exec=1\n", ops, stats.fallbacks, stats.aborts,
	       rseqdbg_registration());
	return 0;
}

int main(int argc, char **argv)
{
	struct job job = { .argv = argv };

	target_usage = "exec-midway [THREADS] [OPS_PER_THREAD]";
	if (argc == 4 && strcmp(argv[1], "--after-exec") == 0)
		return after_exec(arg_long(argc, argv, 2, 0, 0, LONG_MAX), arg_long(argc, argv, 3, 0, 1, LONG_MAX));
	check_arg_count(argc, 2);
	job.threads = (int)arg_long(argc, argv, 1, 1, 1, 1024);
	job.ops = arg_long(argc, argv, 2, 1000, 2, LONG_MAX / 1024);
	job.counter = percpu_counter_new();
	run_threads(job.threads, work, &job);
	fail("the last worker never called execve");
}
