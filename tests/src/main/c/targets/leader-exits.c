/*
 * leader-exits [THREADS] [OPS]: the main thread starts THREADS workers and ends with
 * pthread_exit, so the process lives on as a zombie leader with live threads (State Z in
 * /proc/PID/status, as many daemons look). The workers wait until a tracer is attached to them
 * (with RSEQDBG_AWAIT_TRACER set), each add 1 to a per-cpu counter OPS times, and the
 * last one checks that the sum is exactly THREADS * OPS and exits the process (after the file
 * RSEQDBG_HOLD_EXIT names exists, when set: target.h).
 */
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>

#include "percpu.h"
#include "target.h"

static struct percpu_counter *counter;
static long threads, ops;
static atomic_long finished;

static void *work(void *arg)
{
	struct rseqdbg_stats stats;

	(void)arg;
	if (getenv("RSEQDBG_AWAIT_TRACER")) {
		/* The leader's /proc status says nothing of the workers: each waits for its own tracer. */
		await_tracer_if_asked();
		/*
		 * A tracer seizes a thread, then stops it: the work begins after that stop. A ptrace
		 * stop switches the thread out voluntarily, which this loop (it never sleeps) does not.
		 */
		long seen = thread_status("voluntary_ctxt_switches");
		for (long i = 0; i < 10000000 && thread_status("voluntary_ctxt_switches") == seen; i++)
			;
	}
	for (long i = 0; i < ops; i++)
		percpu_counter_add(counter, 1);
	if (atomic_fetch_add(&finished, 1) + 1 < threads)
		return NULL;
	if (percpu_counter_sum(counter) != (intptr_t)(threads * ops))
		fail("sum=%ld expected=%ld", (long)percpu_counter_sum(counter), threads * ops);
	rseqdbg_get_stats(&stats);
	printf("ok ops=%ld fallback=%lu aborts=%lu rseq=%s threads=%ld\n", threads * ops, stats.fallbacks,
	       stats.aborts, rseqdbg_registration(), threads);
	fflush(stdout);
	exit(0);
}

int main(int argc, char **argv)
{
	target_usage = "leader-exits [THREADS] [OPS]";
	check_arg_count(argc, 2);
	threads = arg_long(argc, argv, 1, 2, 1, 1024);
	ops = arg_long(argc, argv, 2, 100, 0, LONG_MAX / 1024);
	counter = percpu_counter_new();
	if (getenv("RSEQDBG_HOLD_EXIT"))
		atexit(hold_exit);
	for (long i = 0; i < threads; i++) {
		pthread_t thread;

		if (pthread_create(&thread, NULL, work, NULL) != 0) {
			perror("pthread_create");
			exit(1);
		}
	}
	pthread_exit(NULL);
}
