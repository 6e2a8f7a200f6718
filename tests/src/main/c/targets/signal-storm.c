/*
 * signal-storm [THREADS] [OPS_PER_THREAD] [SPIN]: SIGALRM at about 10 kHz (setitimer, 100 us)
 * with a handler, while every thread adds 1 to a per-cpu counter OPS times through a critical
 * section that spins SPIN iterations before its commit. Signal delivery aborts the critical
 * section, again and again; the operation completes through the cpu_opv fallback. The sum must
 * be exact; the report says how many operations fell back.
 */
#include <limits.h>
#include <signal.h>
#include <sys/time.h>

#include "percpu.h"
#include "target.h"

static volatile unsigned long signals;

static void on_alarm(int sig)
{
	(void)sig;
	__atomic_fetch_add(&signals, 1, __ATOMIC_RELAXED);
}

struct job {
	struct percpu_counter *counter;
	long ops;
	uintptr_t spin;
};

static void work(int index, void *ctx)
{
	struct job *job = ctx;
	sigset_t alarm;

	(void)index;
	/* Workers inherit the main thread's mask, which keeps the signals off it: take them here. */
	sigemptyset(&alarm);
	sigaddset(&alarm, SIGALRM);
	pthread_sigmask(SIG_UNBLOCK, &alarm, NULL);
	for (long i = 0; i < job->ops; i++)
		percpu_counter_add_spin(job->counter, 1, job->spin);
}

int main(int argc, char **argv)
{
	struct job job;
	struct rseqdbg_stats stats;
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	struct itimerval storm = { .it_interval = { 0, 100 }, .it_value = { 0, 100 } };
	struct itimerval off = { 0 };
	sigset_t alarm;
	long threads;
	intptr_t sum;

	target_usage = "signal-storm [THREADS] [OPS_PER_THREAD] [SPIN]";
	check_arg_count(argc, 3);
	threads = arg_long(argc, argv, 1, 1, 1, 1024);
	job.ops = arg_long(argc, argv, 2, 100, 0, LONG_MAX / 1024);
	job.spin = (uintptr_t)arg_long(argc, argv, 3, 500000, 0, LONG_MAX);
	job.counter = percpu_counter_new();

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	/* With workers, keep the signals off the main thread: it only waits. */
	sigemptyset(&alarm);
	sigaddset(&alarm, SIGALRM);
	setitimer(ITIMER_REAL, &storm, NULL);
	if (threads > 1)
		pthread_sigmask(SIG_BLOCK, &alarm, NULL);
	run_threads((int)threads, work, &job);
	setitimer(ITIMER_REAL, &off, NULL);

	sum = percpu_counter_sum(job.counter);
	if (sum != (intptr_t)(threads * job.ops))
		fail("sum=%ld expected=%ld", (long)sum, threads * job.ops);
	rseqdbg_get_stats(&stats);
	printf("ok ops=%ld fallback=%lu aborts=%lu rseq=%s signals=%lu\n", threads * job.ops,
	       stats.fallbacks, stats.aborts, rseqdbg_registration(),
	       __atomic_load_n(&signals, __ATOMIC_RELAXED));
	return 0;
}
