/*
 * c2-tamper migrate|value: proves that a compare-twice build (RSEQ_COMPARE_TWICE) catches a
 * critical section that reaches its commit after the ground moved under it, which the kernel
 * would normally have prevented by aborting it. A worker thread adds 1 to a per-cpu counter
 * through the long c.s. (load the slot, spin about 10 ms, add, store) over and over; the main
 * thread tampers with it:
 * First, as a debugger holding a thread inside a c.s. does, it clears the worker's rseq_cs field
 * once the worker has entered a c.s., so the kernel has nothing to abort; then
 *   migrate  moves the worker to another cpu with sched_setaffinity: the c.s. goes on on the
 *            other cpu, and its compare-twice check of cpu_id must fire:
 *              FAIL compare-twice: percpu_counter_add_spin: cpu_id A at start, B before commit
 *   value    keeps the worker on its cpu (else the scheduler may move it, and the cpu check
 *            fires first) and stores into every cpu's counter slot behind the runtime's back
 *            (no rseq, no cpu_opv); the check of the slot must fire:
 *              FAIL compare-twice: percpu_counter_add_spin: compared word changed ...
 * Either way the program ends by abort() (SIGABRT, no core file). A c.s. that the tamperer
 * missed just completes, and the tamperer tries again on the next; if nothing fired within
 * 20 s the program prints "FAIL compare-twice never fired" and exits 1. migrate needs 2 allowed
 * cpus.
 * x86-64 and i386 only (compare-twice builds).
 */
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "percpu.h"
#include "rseq-thread.h"
#include "target.h"

#ifndef RSEQ_COMPARE_TWICE
# error "c2-tamper needs a compare-twice build (-DRSEQ_COMPARE_TWICE)"
#endif

#define SECTION_SPIN 20000000UL	/* iterations: about 10 ms inside the c.s. */
#define DEADLINE_S 20

struct victim {
	struct percpu_counter *counter;
	int pin;			/* stay on the first cpu (value mode) */
	struct rseq *area;		/* the worker's rseq area, published before its first c.s. */
	pid_t tid;
	unsigned long done;		/* operations completed */
};

static void *victim_main(void *arg)
{
	struct victim *v = arg;

	if (v->pin) {
		/*
		 * Without rseq_cs nothing stops the scheduler from moving the victim, and the cpu
		 * check would fire first: stay on one cpu (as a debugger holding it must).
		 */
		cpu_set_t here;

		CPU_ZERO(&here);
		CPU_SET(sched_getcpu(), &here);
		if (sched_setaffinity(0, sizeof(here), &here) != 0)
			fail("sched_setaffinity: %s", strerror(errno));
	}
	__atomic_store_n(&v->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELAXED);
	__atomic_store_n(&v->area, rseqdbg_area(), __ATOMIC_RELEASE);
	for (;;) {
		percpu_counter_add_spin(v->counter, 1, SECTION_SPIN);
		__atomic_fetch_add(&v->done, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void pause_us(long us)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = us * 1000L };

	nanosleep(&ts, NULL);
}

static uint64_t *rseq_cs_of(struct victim *v)
{
	return (uint64_t *)&v->area->rseq_cs;
}

/*
 * One tampering per c.s. of the victim, until the program dies or the deadline passes:
 * clear the victim's rseq_cs, wait until it is set again (the victim has just entered a c.s.,
 * about 10 ms of spinning ahead of it), clear it once more so that nothing can abort that c.s.
 * any longer (neither our tampering nor a preemption), then tamper. A c.s. we missed (we were
 * descheduled until it was over) completes; the next one is tampered with.
 */
static void tamper(struct victim *v, int migrate, const cpu_set_t *allowed, double deadline)
{
	while (now_s() < deadline) {
		unsigned long done;

		__atomic_store_n(rseq_cs_of(v), 0, __ATOMIC_SEQ_CST);
		while (__atomic_load_n(rseq_cs_of(v), __ATOMIC_SEQ_CST) == 0 && now_s() < deadline)
			pause_us(100);
		done = __atomic_load_n(&v->done, __ATOMIC_ACQUIRE);
		__atomic_store_n(rseq_cs_of(v), 0, __ATOMIC_SEQ_CST);
		if (migrate) {
			/* Returns once the victim runs elsewhere: the kernel updated its cpu_id. */
			cpu_set_t others = *allowed;

			CPU_CLR(rseqdbg_cpu_of(v->area), &others);
			if (sched_setaffinity(v->tid, sizeof(others), &others) != 0)
				fail("sched_setaffinity: %s", strerror(errno));
		} else {
			/* A plain store the runtime knows nothing of: no rseq, no cpu_opv. */
			for (int cpu = 0; cpu < rseqdbg_nr_cpus(); cpu++)
				__atomic_fetch_add(percpu_counter_slot(v->counter, cpu), 1000,
						   __ATOMIC_SEQ_CST);
		}
		/* The check fires when the c.s. reaches it; if this one was missed, go on. */
		while (__atomic_load_n(&v->done, __ATOMIC_ACQUIRE) == done && now_s() < deadline)
			pause_us(100);
		if (migrate)
			sched_setaffinity(v->tid, sizeof(*allowed), allowed);
	}
}

int main(int argc, char **argv)
{
	static struct victim v;
	struct rlimit no_core = { 0, 0 };
	pthread_t thread;
	cpu_set_t allowed;
	int migrate;
	double deadline;

	target_usage = "c2-tamper migrate|value";
	check_arg_count(argc, 1);
	if (argc < 2 || (strcmp(argv[1], "migrate") != 0 && strcmp(argv[1], "value") != 0))
		usage_error(argc < 2 ? "missing mode" : "unknown mode");
	migrate = strcmp(argv[1], "migrate") == 0;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0)
		fail("sched_getaffinity: %s", strerror(errno));
	if (migrate && CPU_COUNT(&allowed) < 2)
		fail("migrate needs 2 allowed cpus, this process has %d", CPU_COUNT(&allowed));
	setrlimit(RLIMIT_CORE, &no_core);	/* the expected abort() leaves no core file */

	v.counter = percpu_counter_new();
	v.pin = !migrate;
	if (pthread_create(&thread, NULL, victim_main, &v) != 0)
		fail("pthread_create");
	while (!__atomic_load_n(&v.area, __ATOMIC_ACQUIRE))
		pause_us(100);
	deadline = now_s() + DEADLINE_S;
	tamper(&v, migrate, &allowed, deadline);
	fail("compare-twice never fired in %d s (%lu operations completed)", DEADLINE_S,
	     __atomic_load_n(&v.done, __ATOMIC_RELAXED));
}
