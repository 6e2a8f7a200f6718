/*
 * memcpy [THREADS] [OPS_PER_THREAD]: every thread appends OPS self-checking 32-byte records to
 * per-cpu buffers of 1 KiB; the copy happens inside the critical section. A thread that finds
 * its cpu's buffer full takes its contents out (a cpu_opv maintenance vector) and checks them.
 * Every record must come out exactly once, intact.
 */
#include <limits.h>

#include "cpu-opv.h"
#include "percpu.h"
#include "records.h"
#include "target.h"

#define CAPACITY 1024

struct job {
	struct percpu_membuf *buf;
	struct ledger ledger;
	long ops;
	unsigned long takes;
};

static void work(int index, void *ctx)
{
	struct job *job = ctx;
	char out[CAPACITY];

	for (long seq = 0; seq < job->ops; seq++) {
		struct record r = record_make((uint32_t)index, (uint32_t)seq);
		int cpu;

		while ((cpu = percpu_membuf_append(job->buf, &r, sizeof(r))) < 0) {
			size_t n = percpu_membuf_take(job->buf, -1 - cpu, out);

			ledger_consume(&job->ledger, out, n);
			__atomic_fetch_add(&job->takes, 1, __ATOMIC_RELAXED);
		}
	}
}

int main(int argc, char **argv)
{
	struct job job = { 0 };
	struct rseqdbg_stats stats;
	char out[CAPACITY];
	long threads;

	target_usage = "memcpy [THREADS] [OPS_PER_THREAD]";
	check_arg_count(argc, 2);
	threads = arg_long(argc, argv, 1, 1, 1, 1024);
	job.ops = arg_long(argc, argv, 2, 500, 0, UINT32_MAX);
	ledger_init(&job.ledger, (int)threads, job.ops);
	job.buf = percpu_membuf_new(CAPACITY);
	run_threads((int)threads, work, &job);

	for (int cpu = 0; cpu < rseqdbg_nr_cpus(); cpu++)
		ledger_consume(&job.ledger, out, percpu_membuf_take(job.buf, cpu, out));
	if (job.ledger.corrupt || job.ledger.duplicate
	    || job.ledger.records != (unsigned long)(threads * job.ops))
		fail("records=%lu expected=%ld corrupt=%lu duplicate=%lu", job.ledger.records,
		     threads * job.ops, job.ledger.corrupt, job.ledger.duplicate);
	rseqdbg_get_stats(&stats);
	printf("ok ops=%ld fallback=%lu aborts=%lu rseq=%s takes=%lu\n", threads * job.ops,
	       stats.fallbacks, stats.aborts, rseqdbg_registration(), job.takes);
	return 0;
}
