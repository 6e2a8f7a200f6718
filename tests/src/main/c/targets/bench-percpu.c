/*
 * bench-percpu [THREADS] [OPS_PER_THREAD] [MODE]: time THREADS x OPS increments of a per-cpu
 * counter. MODE rseq (fast path, the default), opv (every increment through cpu_opv) or mutex
 * (a pthread mutex per cpu slot, the cpu from sched_getcpu). ns_per_op is the wall time from
 * the first worker's start to the last one's end, times THREADS, divided by all operations:
 * the time one thread spends on one increment.
 */
#include <limits.h>
#include <sched.h>
#include <string.h>
#include <time.h>

#include "cpu-opv.h"
#include "percpu.h"
#include "target.h"

struct mutex_slot {
	pthread_mutex_t lock;
	long v;
} __attribute__((aligned(64)));

enum mode { MODE_RSEQ, MODE_OPV, MODE_MUTEX };

struct job {
	enum mode mode;
	long ops;
	struct percpu_counter *counter;
	struct mutex_slot *slots;
	pthread_barrier_t start;
	double first_start, last_end;	/* ns; guarded by clock_lock */
	pthread_mutex_t clock_lock;
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void work(int index, void *ctx)
{
	struct job *job = ctx;

	double start, end;

	(void)index;
	pthread_barrier_wait(&job->start);
	start = now_ns();
	if (job->mode == MODE_MUTEX) {
		for (long i = 0; i < job->ops; i++) {
			struct mutex_slot *s = &job->slots[sched_getcpu()];

			pthread_mutex_lock(&s->lock);
			s->v++;
			pthread_mutex_unlock(&s->lock);
		}
	} else {
		for (long i = 0; i < job->ops; i++)
			percpu_counter_add(job->counter, 1);
	}
	end = now_ns();
	/* Each worker times itself: a waiting main thread may be woken late on a busy cpu. */
	pthread_mutex_lock(&job->clock_lock);
	if (job->first_start == 0 || start < job->first_start)
		job->first_start = start;
	if (end > job->last_end)
		job->last_end = end;
	pthread_mutex_unlock(&job->clock_lock);
}

int main(int argc, char **argv)
{
	struct job job = { 0 };
	struct rseqdbg_stats stats;
	const char *mode = argc > 3 ? argv[3] : "rseq";
	struct worker *w;
	long threads, total, sum = 0;

	target_usage = "bench-percpu [THREADS] [OPS_PER_THREAD] [rseq|opv|mutex]";
	check_arg_count(argc, 3);
	threads = arg_long(argc, argv, 1, 1, 1, 1024);
	job.ops = arg_long(argc, argv, 2, 1000, 0, LONG_MAX / 1024);
	if (strcmp(mode, "rseq") == 0)
		job.mode = MODE_RSEQ;
	else if (strcmp(mode, "opv") == 0)
		job.mode = MODE_OPV;
	else if (strcmp(mode, "mutex") == 0)
		job.mode = MODE_MUTEX;
	else
		usage_error("bad mode: expected rseq, opv or mutex");
	if (job.mode == MODE_OPV)
		rseqdbg_force_cpu_opv(1);
	job.counter = percpu_counter_new();
	job.slots = aligned_alloc(64, sizeof(*job.slots) * (size_t)rseqdbg_nr_cpus());
	if (!job.slots)
		fail("out of memory");
	for (int cpu = 0; cpu < rseqdbg_nr_cpus(); cpu++) {
		pthread_mutex_init(&job.slots[cpu].lock, NULL);
		job.slots[cpu].v = 0;
	}
	/* All workers leave the barrier together. */
	pthread_barrier_init(&job.start, NULL, (unsigned)threads);
	pthread_mutex_init(&job.clock_lock, NULL);
	w = calloc((size_t)threads, sizeof(*w));
	if (!w)
		fail("out of memory");
	for (long i = 0; i < threads; i++) {
		w[i] = (struct worker){ .index = (int)i, .body = work, .ctx = &job };
		pthread_create(&w[i].thread, NULL, worker_main, &w[i]);
	}
	for (long i = 0; i < threads; i++)
		pthread_join(w[i].thread, NULL);
	free(w);

	total = threads * job.ops;
	if (job.mode == MODE_MUTEX) {
		for (int cpu = 0; cpu < rseqdbg_nr_cpus(); cpu++)
			sum += job.slots[cpu].v;
	} else {
		sum = (long)percpu_counter_sum(job.counter);
	}
	if (sum != total)
		fail("sum=%ld expected=%ld", sum, total);
	rseqdbg_get_stats(&stats);
	printf("ok ops=%ld fallback=%lu aborts=%lu rseq=%s mode=%s threads=%ld ns_per_op=%.1f\n",
	       total, stats.fallbacks, stats.aborts, rseqdbg_registration(), mode, threads,
	       total ? (job.last_end - job.first_start) * (double)threads / (double)total : 0.0);
	return 0;
}
