/*
 * counter [THREADS] [OPS_PER_THREAD]: every thread adds 1 to a per-cpu counter OPS times; the
 * sum must be exactly THREADS * OPS. Built as several variants (see TARGETS.md); with
 * -DCOUNTER_DLOPEN the runtime is not linked in but loaded from libpercpu.so beside the program.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "percpu.h"
#include "target.h"

#ifndef COUNTER_DEFAULT_OPS
# define COUNTER_DEFAULT_OPS 1000
#endif
#ifndef COUNTER_NAME
# define COUNTER_NAME "counter"
#endif

/* The runtime entry points this program uses: linked in, or looked up in libpercpu.so. */
static struct {
	struct percpu_counter *(*counter_new)(void);
	void (*counter_add)(struct percpu_counter *, intptr_t);
	intptr_t (*counter_sum)(const struct percpu_counter *);
	void (*get_stats)(struct rseqdbg_stats *);
	const char *(*registration)(void);
} rt;

#ifdef COUNTER_DLOPEN
#include <dlfcn.h>

static void *lookup(void *lib, const char *name)
{
	void *sym = dlsym(lib, name);

	if (!sym)
		fail("dlsym %s: %s", name, dlerror());
	return sym;
}

static void bind_runtime(void)
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 32);
	char *slash;
	void *lib;

	if (n <= 0)
		fail("readlink /proc/self/exe");
	path[n] = '\0';
	slash = strrchr(path, '/');
	strcpy(slash ? slash + 1 : path, "libpercpu.so");
	lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		fail("dlopen: %s", dlerror());
	rt.counter_new = lookup(lib, "percpu_counter_new");
	rt.counter_add = lookup(lib, "percpu_counter_add");
	rt.counter_sum = lookup(lib, "percpu_counter_sum");
	rt.get_stats = lookup(lib, "rseqdbg_get_stats");
	rt.registration = lookup(lib, "rseqdbg_registration");
}
#else
static void bind_runtime(void)
{
	rt.counter_new = percpu_counter_new;
	rt.counter_add = percpu_counter_add;
	rt.counter_sum = percpu_counter_sum;
	rt.get_stats = rseqdbg_get_stats;
	rt.registration = rseqdbg_registration;
}
#endif

struct job {
	struct percpu_counter *counter;
	long ops;
	const char *registration[2];	/* what the first worker saw, and any worker that differed */
};

static void work(int index, void *ctx)
{
	struct job *job = ctx;
	const char *reg = rt.registration();

	if (index == 0)
		job->registration[0] = reg;
	else if (strcmp(reg, job->registration[0] ? job->registration[0] : reg) != 0)
		job->registration[1] = reg;
	for (long i = 0; i < job->ops; i++)
		rt.counter_add(job->counter, 1);
}

int main(int argc, char **argv)
{
	struct job job = { 0 };
	struct rseqdbg_stats stats;
	long threads, total;
	intptr_t sum;

	target_usage = COUNTER_NAME " [THREADS] [OPS_PER_THREAD]";
	check_arg_count(argc, 2);
	threads = arg_long(argc, argv, 1, 1, 1, 1024);
	job.ops = arg_long(argc, argv, 2, COUNTER_DEFAULT_OPS, 0, LONG_MAX / 1024);
	bind_runtime();
	job.counter = rt.counter_new();
	job.registration[0] = rt.registration();
	run_threads((int)threads, work, &job);

	total = threads * job.ops;
	sum = rt.counter_sum(job.counter);
	if (job.registration[1])
		fail("threads disagree on rseq registration: %s and %s", job.registration[0],
		     job.registration[1]);
	if (sum != (intptr_t)total)
		fail("sum=%ld expected=%ld", (long)sum, total);
	rt.get_stats(&stats);
	printf("ok ops=%ld fallback=%lu aborts=%lu rseq=%s\n", total, stats.fallbacks,
	       stats.aborts, job.registration[0]);
	return 0;
}
