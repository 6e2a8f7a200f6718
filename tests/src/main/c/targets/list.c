/*
 * list [THREADS] [OPS_PER_THREAD]: per-cpu stacks. Each thread owns 8 nodes; it pushes all it
 * holds, then pops until its cpu's stack is empty (the pop that finds it empty leaves its
 * critical section through the declared exit point), and again, OPS pushes and pops in all.
 * Afterwards every node must be on exactly one stack, once.
 */
#include <limits.h>

#include "cpu-opv.h"
#include "percpu.h"
#include "target.h"

#define NODES_PER_THREAD 8

struct item {
	struct percpu_node node;	/* first: a node pointer is an item pointer */
	int id;
};

struct job {
	struct percpu_list *list;
	struct item *items;
	int total_items;
	long ops;
	unsigned long empty;
};

static void work(int index, void *ctx)
{
	struct job *job = ctx;
	struct percpu_node **held = calloc((size_t)job->total_items, sizeof(*held));
	int nheld = 0;
	int pushing = 1;
	unsigned long empty = 0;
	/*
	 * RSEQDBG_LIST_DRAIN: only pop (an empty list: every pop leaves through its exit), spinning a
	 * little between pops like a consumer polling a queue, then push the held nodes.
	 */
	int drain = getenv("RSEQDBG_LIST_DRAIN") != NULL;

	if (!held)
		fail("out of memory");
	for (int i = 0; i < NODES_PER_THREAD; i++)
		held[nheld++] = &job->items[index * NODES_PER_THREAD + i].node;
	for (long done = 0; done < job->ops; done++) {
		if (!drain && pushing && nheld > 0) {
			percpu_list_push(job->list, held[--nheld]);
			pushing = nheld > 0;
		} else {
			struct percpu_node *n = percpu_list_pop(job->list);

			if (n) {
				held[nheld++] = n;
			} else {
				empty++;
				pushing = 1;
				/* draining: a consumer's work between polls, outside any c.s. */
				for (volatile int spin = 0; drain && spin < 2000; spin++)
					;
			}
		}
	}
	while (nheld > 0)
		percpu_list_push(job->list, held[--nheld]);
	__atomic_fetch_add(&job->empty, empty, __ATOMIC_RELAXED);
	free(held);
}

int main(int argc, char **argv)
{
	struct job job = { 0 };
	struct rseqdbg_stats stats;
	unsigned char *seen;
	long threads;
	int found = 0;

	target_usage = "list [THREADS] [OPS_PER_THREAD]";
	check_arg_count(argc, 2);
	threads = arg_long(argc, argv, 1, 1, 1, 1024);
	job.ops = arg_long(argc, argv, 2, 1000, 0, LONG_MAX / 1024);
	job.total_items = (int)threads * NODES_PER_THREAD;
	job.items = calloc((size_t)job.total_items, sizeof(*job.items));
	seen = calloc((size_t)job.total_items, 1);
	if (!job.items || !seen)
		fail("out of memory");
	for (int i = 0; i < job.total_items; i++)
		job.items[i].id = i;
	job.list = percpu_list_new();
	run_threads((int)threads, work, &job);

	for (int cpu = 0; cpu < rseqdbg_nr_cpus(); cpu++) {
		for (struct percpu_node *n = percpu_list_take_all(job.list, cpu); n; n = n->next) {
			struct item *it = (struct item *)n;

			if (it < job.items || it >= job.items + job.total_items)
				fail("cpu %d list holds a foreign pointer %p", cpu, (void *)n);
			if (seen[it->id]++)
				fail("node %d is on the lists twice", it->id);
			found++;
		}
	}
	if (found != job.total_items)
		fail("found %d nodes on the lists, expected %d", found, job.total_items);
	rseqdbg_get_stats(&stats);
	printf("ok ops=%ld fallback=%lu aborts=%lu rseq=%s empty=%lu nodes=%d\n",
	       threads * job.ops, stats.fallbacks, stats.aborts, rseqdbg_registration(),
	       job.empty, found);
	return 0;
}
