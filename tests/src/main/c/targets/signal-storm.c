/*
 * signal-storm [THREADS] [OPS_PER_THREAD] [SPIN_US] [INTERVAL_US]: SIGALRM at about 10 kHz
 * (setitimer, INTERVAL_US = 100 us by default)
 * with a handler, while every thread adds 1 to a per-cpu counter OPS times through a critical
 * section that loads the slot, spins for about SPIN_US microseconds, then stores it. Signal delivery aborts the critical
 * section, again and again; the operation completes through the cpu_opv fallback. The sum must
 * be exact; the report says how many operations fell back.
 *
 * Under a single-stepping debugger every instruction costs tens of microseconds of wall time, so
 * a 100 us storm would leave the program no time outside its handler: tests that step it pass a
 * longer INTERVAL_US (still a storm measured in instructions) and SPIN_US = 0.
 */
#include <limits.h>
#include <signal.h>
#include <sys/time.h>
#include <time.h>

#include "percpu.h"
#include "target.h"

static volatile unsigned long signals;

static void on_alarm(int sig)
{
	(void)sig;
	__atomic_fetch_add(&signals, 1, __ATOMIC_RELAXED);
}

/* Spin-loop iterations per microsecond, measured on a short run of the same loop. */
static double iterations_per_us(void)
{
	const unsigned long n = 20000;
	struct timespec t0, t1;
	double us;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long i = n; i > 0; i--)
		__asm__ __volatile__ ("" : : : "memory");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	us = (t1.tv_sec - t0.tv_sec) * 1e6 + (t1.tv_nsec - t0.tv_nsec) / 1e3;
	return us > 0 ? n / us : 1000.0;
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
	struct itimerval storm = { 0 };
	struct itimerval off = { 0 };
	sigset_t alarm;
	long threads, spin_us, interval_us;
	intptr_t sum;

	target_usage = "signal-storm [THREADS] [OPS_PER_THREAD] [SPIN_US] [INTERVAL_US]";
	check_arg_count(argc, 4);
	threads = arg_long(argc, argv, 1, 1, 1, 1024);
	job.ops = arg_long(argc, argv, 2, 100, 0, LONG_MAX / 1024);
	spin_us = arg_long(argc, argv, 3, 300, 0, 1000000);
	interval_us = arg_long(argc, argv, 4, 100, 1, 1000000);
	job.spin = spin_us == 0 ? 0 : (uintptr_t)(spin_us * iterations_per_us());
	storm.it_interval.tv_sec = storm.it_value.tv_sec = interval_us / 1000000;
	storm.it_interval.tv_usec = storm.it_value.tv_usec = interval_us % 1000000;
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
	printf("ok ops=%ld fallback=%lu aborts=%lu rseq=%s signals=%lu spin=%lu retries=%lu\n",
	       threads * job.ops, stats.fallbacks, stats.aborts, rseqdbg_registration(),
	       __atomic_load_n(&signals, __ATOMIC_RELAXED), (unsigned long)job.spin,
	       stats.retries);
	return 0;
}
