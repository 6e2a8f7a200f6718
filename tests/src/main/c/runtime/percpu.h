/*
 * Per-cpu data structures on rseq fast paths with a cpu_opv slow path.
 *
 * Forward progress: every operation tries its rseq critical section at most
 * RSEQDBG_FASTPATH_TRIES times in a row (an abort, a failed compare or a cpu_opv lock held all
 * count as a failed try), then runs the same operation through cpu_opv on the cpu the thread
 * last saw. The environment can change the number of tries: RSEQDBG_FASTPATH_TRIES=N
 * (1..1000000; 0 = retry forever and never fall back, the model of an rseq library whose abort
 * handler only retries; an operation on another cpu's data still needs cpu_opv), and
 * RSEQDBG_FORCE_CPU_OPV=1 (or rseqdbg_force_cpu_opv(1)) skips the fast path altogether.
 * Each operation that went through cpu_opv counts as one fallback.
 *
 * RSEQDBG_RETRY chooses what happens between a failed try and the next one:
 *   none              nothing (default)
 *   spin:N            a busy loop of N iterations (0..1000000000)
 *   sleep:US[/EVERY]  nanosleep US microseconds (0..1000000) on every EVERY-th retry of the
 *                     thread (1..1000000, default 1), e.g. sleep:1000/5
 *   syscall           one cheap system call (getppid)
 * A bad value of RSEQDBG_FASTPATH_TRIES or RSEQDBG_RETRY ends the program at start with one line
 * "rseqdbg runtime: bad NAME='VALUE': expected ..." on stderr and exit status 2.
 */
#ifndef RSEQDBG_PERCPU_H
#define RSEQDBG_PERCPU_H

#include <stddef.h>
#include <stdint.h>

#define RSEQDBG_FASTPATH_TRIES 4

struct rseqdbg_stats {
	unsigned long fallbacks;	/* operations completed through cpu_opv */
	unsigned long aborts;		/* fast-path attempts that did not commit */
	unsigned long remote;		/* operations done on a cpu the thread was not on */
	unsigned long retries;		/* fast-path tries after a failed one (RSEQDBG_RETRY ran) */
};

void rseqdbg_get_stats(struct rseqdbg_stats *out);
void rseqdbg_force_cpu_opv(int on);
int rseqdbg_forced_cpu_opv(void);
/* "glibc", "own" or "none": who registered the calling thread's rseq area. */
const char *rseqdbg_registration(void);
int rseqdbg_nr_cpus(void);
/* The cpu the calling thread runs on now. */
int percpu_current_cpu(void);

/* A counter with one slot per cpu; the sum is exact once writers are done. */
struct percpu_counter;
struct percpu_counter *percpu_counter_new(void);
void percpu_counter_free(struct percpu_counter *c);
void percpu_counter_add(struct percpu_counter *c, intptr_t n);
/* The same, with a critical section that loads, spins @spin iterations, then stores. */
void percpu_counter_add_spin(struct percpu_counter *c, intptr_t n, uintptr_t spin);
/* Adds to @cpu's slot wherever the calling thread runs (through cpu_opv from elsewhere). */
void percpu_counter_add_on(struct percpu_counter *c, int cpu, intptr_t n);
intptr_t percpu_counter_sum(const struct percpu_counter *c);
/* @cpu's slot itself, for test programs that tamper with it behind the runtime's back. */
intptr_t *percpu_counter_slot(struct percpu_counter *c, int cpu);

/* On @cpu's word @v: if (*v == expect) *v = newv. 0 when stored, 1 when *v differed. */
int percpu_cmpstore(intptr_t *v, int cpu, intptr_t expect, intptr_t newv);
/* On @cpu's word @v: *v += n, wherever the calling thread runs. */
void percpu_add_on(intptr_t *v, int cpu, intptr_t n);

/* A stack per cpu. */
struct percpu_node {
	struct percpu_node *next;
};
struct percpu_list;
struct percpu_list *percpu_list_new(void);
void percpu_list_free(struct percpu_list *l);
void percpu_list_push(struct percpu_list *l, struct percpu_node *node);
/* Pops from the calling thread's cpu; NULL when that cpu's list is empty. */
struct percpu_node *percpu_list_pop(struct percpu_list *l);
/* Detaches all of @cpu's list (through cpu_opv, so it is safe at any time). */
struct percpu_node *percpu_list_take_all(struct percpu_list *l, int cpu);

/* An append-only byte buffer per cpu; records are copied in by the critical section. */
struct percpu_membuf;
struct percpu_membuf *percpu_membuf_new(size_t capacity);
void percpu_membuf_free(struct percpu_membuf *b);
/* Appends @len bytes on the current cpu: returns that cpu, or -1 - cpu when its buffer is full. */
int percpu_membuf_append(struct percpu_membuf *b, const void *src, size_t len);
/* Moves everything in @cpu's buffer to @out (capacity bytes) and empties it; returns bytes. */
size_t percpu_membuf_take(struct percpu_membuf *b, int cpu, void *out);

/*
 * A reserve/commit buffer per cpu (the lttng-ust pattern): reserve space on the current cpu,
 * fill it without any critical section, then commit on the same cpu even if the thread has
 * migrated since.
 */
struct percpu_ring;
struct percpu_reservation {
	int cpu;
	size_t offset;
	size_t len;
	char *data;
};
struct percpu_ring *percpu_ring_new(size_t capacity);
void percpu_ring_free(struct percpu_ring *r);
/* 0 with @res filled, or -1 when the current cpu's buffer is full (res->cpu names it). */
int percpu_ring_reserve(struct percpu_ring *r, size_t len, struct percpu_reservation *res);
void percpu_ring_commit(struct percpu_ring *r, const struct percpu_reservation *res);
/* Waits until every reservation on @cpu is committed, then moves its bytes to @out. */
size_t percpu_ring_take(struct percpu_ring *r, int cpu, void *out);

#endif
