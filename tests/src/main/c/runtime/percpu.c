#include "percpu.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cpu-opv.h"
#include "rseq-cs.h"
#include "rseq-thread.h"

static int forced;
static int fastpath_tries = RSEQDBG_FASTPATH_TRIES;	/* 0: retry forever, never cpu_opv */
static unsigned long fallbacks, aborts, remote, retries;

/* What a fast path does between a failed try and its next try (RSEQDBG_RETRY, percpu.h). */
static struct {
	enum { RETRY_NONE, RETRY_SPIN, RETRY_SLEEP, RETRY_SYSCALL } kind;
	unsigned long spin;		/* RETRY_SPIN: loop iterations */
	unsigned long sleep_us;		/* RETRY_SLEEP: nanosleep this long ... */
	unsigned long every;		/* ... on every EVERY-th retry of the thread */
} retry = { RETRY_NONE, 0, 0, 1 };
static __thread unsigned long thread_retries;

/* Bad configuration is a usage error of the program: one line, exit 2 (TARGETS.md). */
__attribute__((noreturn))
static void bad_env(const char *name, const char *value, const char *expected)
{
	fprintf(stderr, "rseqdbg runtime: bad %s='%s': expected %s\n", name, value, expected);
	exit(2);
}

/* A decimal number in [min, max] at *s (digits only), advancing *s past it; 0 when there is none. */
static int parse_number(const char **s, unsigned long min, unsigned long max, unsigned long *out)
{
	unsigned long n = 0;
	const char *p = *s;

	if (*p < '0' || *p > '9')
		return 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (n > (max - (unsigned long)(*p - '0')) / 10)
			return 0;	/* over max, and no overflow either */
		n = n * 10 + (unsigned long)(*p - '0');
	}
	if (n < min)
		return 0;
	*s = p;
	*out = n;
	return 1;
}

#define TRIES_EXPECTED "a number from 0 (retry forever, never cpu_opv) to 1000000"
#define RETRY_EXPECTED "none, syscall, spin:N (N = 0..1000000000 iterations) or " \
	"sleep:US[/EVERY] (US = 0..1000000 microseconds, every EVERY = 1..1000000th retry)"

static void parse_retry(const char *value)
{
	const char *p = value;
	unsigned long n;

	if (strcmp(value, "none") == 0) {
		retry.kind = RETRY_NONE;
	} else if (strcmp(value, "syscall") == 0) {
		retry.kind = RETRY_SYSCALL;
	} else if (strncmp(value, "spin:", 5) == 0) {
		p += 5;
		if (!parse_number(&p, 0, 1000000000, &n) || *p)
			bad_env("RSEQDBG_RETRY", value, RETRY_EXPECTED);
		retry.kind = RETRY_SPIN;
		retry.spin = n;
	} else if (strncmp(value, "sleep:", 6) == 0) {
		p += 6;
		if (!parse_number(&p, 0, 1000000, &n))
			bad_env("RSEQDBG_RETRY", value, RETRY_EXPECTED);
		retry.sleep_us = n;
		if (*p == '/') {
			p++;
			if (!parse_number(&p, 1, 1000000, &n))
				bad_env("RSEQDBG_RETRY", value, RETRY_EXPECTED);
			retry.every = n;
		}
		if (*p)
			bad_env("RSEQDBG_RETRY", value, RETRY_EXPECTED);
		retry.kind = RETRY_SLEEP;
	} else {
		bad_env("RSEQDBG_RETRY", value, RETRY_EXPECTED);
	}
}

__attribute__((constructor))
static void percpu_init(void)
{
	const char *force = getenv("RSEQDBG_FORCE_CPU_OPV");
	const char *tries = getenv("RSEQDBG_FASTPATH_TRIES");
	const char *retry_path = getenv("RSEQDBG_RETRY");

	forced = force && strcmp(force, "1") == 0;
	if (tries && *tries) {
		const char *p = tries;
		unsigned long n;

		if (!parse_number(&p, 0, 1000000, &n) || *p)
			bad_env("RSEQDBG_FASTPATH_TRIES", tries, TRIES_EXPECTED);
		fastpath_tries = (int)n;
	}
	if (retry_path && *retry_path)
		parse_retry(retry_path);
}

void rseqdbg_force_cpu_opv(int on)
{
	__atomic_store_n(&forced, on != 0, __ATOMIC_RELAXED);
}

int rseqdbg_forced_cpu_opv(void)
{
	return __atomic_load_n(&forced, __ATOMIC_RELAXED);
}

void rseqdbg_get_stats(struct rseqdbg_stats *out)
{
	out->fallbacks = __atomic_load_n(&fallbacks, __ATOMIC_RELAXED);
	out->aborts = __atomic_load_n(&aborts, __ATOMIC_RELAXED);
	out->remote = __atomic_load_n(&remote, __ATOMIC_RELAXED);
	out->retries = __atomic_load_n(&retries, __ATOMIC_RELAXED);
}

static void count(unsigned long *stat)
{
	__atomic_fetch_add(stat, 1, __ATOMIC_RELAXED);
}

static void retry_pause(void)
{
	count(&retries);
	switch (retry.kind) {
	case RETRY_NONE:
		break;
	case RETRY_SPIN:
		for (unsigned long i = retry.spin; i > 0; i--)
			__asm__ __volatile__ ("" : : : "memory");	/* not optimised away */
		break;
	case RETRY_SLEEP:
		if (++thread_retries % retry.every == 0) {
			struct timespec ts = { .tv_sec = (time_t)(retry.sleep_us / 1000000),
					       .tv_nsec = (long)(retry.sleep_us % 1000000) * 1000 };

			nanosleep(&ts, NULL);
		}
		break;
	case RETRY_SYSCALL:
		syscall(SYS_getppid);	/* a real kernel entry: glibc does not cache getppid */
		break;
	}
}

/*
 * Whether fast-path try number @i (from 0) of an operation may run: not when the fast path is
 * forced off, nor after fastpath_tries failed tries (unless that is 0: forever). Before every
 * try but the first, the configured retry path runs.
 */
/*
 * Out of line on purpose: inlined, the "first try or not" test lets gcc peel the first try
 * off the loop and emit the c.s. twice (seen on aarch64), and each function must hold exactly
 * one c.s. (TARGETS.md).
 */
__attribute__((noinline))
static int another_try(unsigned i)
{
	if (__atomic_load_n(&forced, __ATOMIC_RELAXED))
		return 0;
	if (fastpath_tries != 0 && i >= (unsigned)fastpath_tries)
		return 0;
	if (i > 0)
		retry_pause();
	return 1;
}

int percpu_current_cpu(void)
{
	struct rseq *rs = rseqdbg_area();
	int cpu = rs ? rseqdbg_cpu_of(rs) : sched_getcpu();

	return cpu < 0 ? 0 : cpu;
}

/* A vector built by this file is always valid: a failure here is a runtime bug. */
static int opv(struct cpu_op *ops, int n, int cpu)
{
	int ret = cpu_opv(ops, n, cpu, 0);

	if (ret < 0) {
		perror("rseqdbg runtime: cpu_opv");
		abort();
	}
	return ret;
}

static void *percpu_alloc(size_t elem)
{
	size_t size = elem * (size_t)rseqdbg_nr_cpus();
	void *p = aligned_alloc(64, (size + 63) & ~(size_t)63);

	if (!p) {
		fputs("rseqdbg runtime: out of memory\n", stderr);
		abort();
	}
	memset(p, 0, size);
	return p;
}

#define LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)

/* ---- counter ---------------------------------------------------------------------------- */

struct counter_slot {
	intptr_t v;
} __attribute__((aligned(64)));

struct percpu_counter {
	struct counter_slot *slots;
};

struct percpu_counter *percpu_counter_new(void)
{
	struct percpu_counter *c = malloc(sizeof(*c));

	if (!c)
		abort();
	c->slots = percpu_alloc(sizeof(*c->slots));
	return c;
}

void percpu_counter_free(struct percpu_counter *c)
{
	free(c->slots);
	free(c);
}

static void counter_add_slow(struct percpu_counter *c, intptr_t n, int cpu)
{
	struct cpu_op op = cpu_op_add(&c->slots[cpu].v, sizeof(intptr_t), n);

	opv(&op, 1, cpu);
	count(&fallbacks);
}

void percpu_counter_add(struct percpu_counter *c, intptr_t n)
{
	struct rseq *rs = rseqdbg_area();
	int cpu = -1;

	for (unsigned i = 0; rs && another_try(i); i++) {
		cpu = rseqdbg_cpu_of(rs);
		if (rseq_cs_addv(rs, cpu, rseqdbg_cpu_lock_word(cpu), &c->slots[cpu].v, n,
				 __func__) == 0)
			return;
		count(&aborts);
	}
	counter_add_slow(c, n, cpu < 0 ? percpu_current_cpu() : cpu);
}

void percpu_counter_add_spin(struct percpu_counter *c, intptr_t n, uintptr_t spin)
{
	struct rseq *rs = rseqdbg_area();
	int cpu = -1;

	for (unsigned i = 0; rs && another_try(i); i++) {
		cpu = rseqdbg_cpu_of(rs);
		if (rseq_cs_addv_spin(rs, cpu, rseqdbg_cpu_lock_word(cpu), &c->slots[cpu].v, n,
				      spin, __func__) == 0)
			return;
		count(&aborts);
	}
	counter_add_slow(c, n, cpu < 0 ? percpu_current_cpu() : cpu);
}

void percpu_counter_add_on(struct percpu_counter *c, int cpu, intptr_t n)
{
	percpu_add_on(&c->slots[cpu].v, cpu, n);
}

intptr_t *percpu_counter_slot(struct percpu_counter *c, int cpu)
{
	return &c->slots[cpu].v;
}

intptr_t percpu_counter_sum(const struct percpu_counter *c)
{
	intptr_t sum = 0;

	for (int cpu = 0; cpu < rseqdbg_nr_cpus(); cpu++)
		sum += LOAD(&c->slots[cpu].v);
	return sum;
}

/* ---- operations on a given cpu's word ------------------------------------------------- */

static void note_if_remote(int cpu)
{
	if (percpu_current_cpu() != cpu)
		count(&remote);
}

int percpu_cmpstore(intptr_t *v, int cpu, intptr_t expect, intptr_t newv)
{
	struct rseq *rs = rseqdbg_area();
	struct cpu_op ops[2];

	/* Only cpu_opv reaches another cpu's data: no fast path once the thread is elsewhere. */
	for (unsigned i = 0; rs && another_try(i) && rseqdbg_cpu_of(rs) == cpu; i++) {
		int ret = rseq_cs_cmpeqv_storev(rs, cpu, rseqdbg_cpu_lock_word(cpu), v, expect,
						newv, __func__);
		if (ret >= 0)
			return ret;
		count(&aborts);
	}
	note_if_remote(cpu);
	ops[0] = cpu_op_compare(1, v, &expect, sizeof(intptr_t));
	ops[1] = cpu_op_memcpy(v, &newv, sizeof(intptr_t));
	count(&fallbacks);
	return opv(ops, 2, cpu) == 0 ? 0 : 1;
}

void percpu_add_on(intptr_t *v, int cpu, intptr_t n)
{
	struct rseq *rs = rseqdbg_area();
	struct cpu_op op;

	for (unsigned i = 0; rs && another_try(i) && rseqdbg_cpu_of(rs) == cpu; i++) {
		if (rseq_cs_addv(rs, cpu, rseqdbg_cpu_lock_word(cpu), v, n, __func__) == 0)
			return;
		count(&aborts);
	}
	note_if_remote(cpu);
	op = cpu_op_add(v, sizeof(intptr_t), n);
	opv(&op, 1, cpu);
	count(&fallbacks);
}

/* ---- list ----------------------------------------------------------------------------- */

struct list_head {
	struct percpu_node *head;
} __attribute__((aligned(64)));

struct percpu_list {
	struct list_head *cpus;
};

struct percpu_list *percpu_list_new(void)
{
	struct percpu_list *l = malloc(sizeof(*l));

	if (!l)
		abort();
	l->cpus = percpu_alloc(sizeof(*l->cpus));
	return l;
}

void percpu_list_free(struct percpu_list *l)
{
	free(l->cpus);
	free(l);
}

void percpu_list_push(struct percpu_list *l, struct percpu_node *node)
{
	struct rseq *rs = rseqdbg_area();
	int cpu = -1;
	struct cpu_op ops[2];

	for (unsigned i = 0; rs && another_try(i); i++) {
		intptr_t *head;
		intptr_t expect;

		cpu = rseqdbg_cpu_of(rs);
		head = (intptr_t *)&l->cpus[cpu].head;
		expect = LOAD(head);
		node->next = (struct percpu_node *)expect;
		if (rseq_cs_cmpeqv_storev(rs, cpu, rseqdbg_cpu_lock_word(cpu), head, expect,
					  (intptr_t)node, __func__) == 0)
			return;
		count(&aborts);
	}
	if (cpu < 0)
		cpu = percpu_current_cpu();
	for (;;) {
		struct percpu_node **head = &l->cpus[cpu].head;
		struct percpu_node *expect = LOAD(head);

		node->next = expect;
		ops[0] = cpu_op_compare(1, head, &expect, sizeof(expect));
		ops[1] = cpu_op_memcpy(head, &node, sizeof(node));
		if (opv(ops, 2, cpu) == 0)
			break;
	}
	count(&fallbacks);
}

struct percpu_node *percpu_list_pop(struct percpu_list *l)
{
	struct rseq *rs = rseqdbg_area();
	int cpu = -1;
	struct cpu_op ops[2];

	for (unsigned i = 0; rs && another_try(i); i++) {
		intptr_t node;
		int ret;

		cpu = rseqdbg_cpu_of(rs);
		ret = rseq_cs_cmpnev_storeoffp_load(rs, cpu, rseqdbg_cpu_lock_word(cpu),
						    (intptr_t *)&l->cpus[cpu].head, 0,
						    offsetof(struct percpu_node, next), &node,
						    __func__);
		if (ret == 0)
			return (struct percpu_node *)node;
		if (ret == 1)
			return NULL;
		count(&aborts);
	}
	if (cpu < 0)
		cpu = percpu_current_cpu();
	count(&fallbacks);
	for (;;) {
		struct percpu_node **head = &l->cpus[cpu].head;
		struct percpu_node *expect = LOAD(head);

		if (!expect)
			return NULL;
		/* expect->next is read under the lock, once the compare proved expect is the head. */
		ops[0] = cpu_op_compare(1, head, &expect, sizeof(expect));
		ops[1] = cpu_op_memcpy(head, &expect->next, sizeof(expect));
		if (opv(ops, 2, cpu) == 0)
			return expect;
	}
}

struct percpu_node *percpu_list_take_all(struct percpu_list *l, int cpu)
{
	struct percpu_node *null = NULL;
	struct cpu_op ops[2];

	for (;;) {
		struct percpu_node **head = &l->cpus[cpu].head;
		struct percpu_node *expect = LOAD(head);

		if (!expect)
			return NULL;
		ops[0] = cpu_op_compare(1, head, &expect, sizeof(expect));
		ops[1] = cpu_op_memcpy(head, &null, sizeof(null));
		if (opv(ops, 2, cpu) == 0)
			return expect;
	}
}

/* ---- memcpy buffer -------------------------------------------------------------------- */

struct membuf_cpu {
	intptr_t offset;	/* bytes committed */
	intptr_t gen;		/* bumped by every take, so a take never acts on a stale copy */
	char *data;
} __attribute__((aligned(64)));

struct percpu_membuf {
	size_t capacity;
	struct membuf_cpu *cpus;
};

struct percpu_membuf *percpu_membuf_new(size_t capacity)
{
	struct percpu_membuf *b = malloc(sizeof(*b));

	if (!b)
		abort();
	b->capacity = capacity;
	b->cpus = percpu_alloc(sizeof(*b->cpus));
	for (int cpu = 0; cpu < rseqdbg_nr_cpus(); cpu++) {
		b->cpus[cpu].data = calloc(1, capacity);
		if (!b->cpus[cpu].data)
			abort();
	}
	return b;
}

void percpu_membuf_free(struct percpu_membuf *b)
{
	for (int cpu = 0; cpu < rseqdbg_nr_cpus(); cpu++)
		free(b->cpus[cpu].data);
	free(b->cpus);
	free(b);
}

int percpu_membuf_append(struct percpu_membuf *b, const void *src, size_t len)
{
	struct rseq *rs = rseqdbg_area();
	int cpu = -1;
	struct cpu_op ops[3];

	for (unsigned i = 0; rs && another_try(i); i++) {
		struct membuf_cpu *m;
		struct rseq_memcpy_args a;
		int ret;

		cpu = rseqdbg_cpu_of(rs);
		m = &b->cpus[cpu];
		a.v = &m->offset;
		a.expect = LOAD(&m->offset);
		if ((size_t)a.expect + len > b->capacity)
			return -1 - cpu;
		a.dst = m->data + a.expect;
		a.src = src;
		a.len = len;
		a.newv = a.expect + (intptr_t)len;
		a.lock = rseqdbg_cpu_lock_word(cpu);
		a.cpu = cpu;
		ret = rseq_cs_cmpeqv_trymemcpy_storev(rs, &a, __func__);
		if (ret == 0)
			return cpu;
		count(&aborts);
	}
	if (cpu < 0)
		cpu = percpu_current_cpu();
	for (;;) {
		struct membuf_cpu *m = &b->cpus[cpu];
		intptr_t expect = LOAD(&m->offset);
		intptr_t newv = expect + (intptr_t)len;

		if ((size_t)newv > b->capacity)
			return -1 - cpu;
		ops[0] = cpu_op_compare(1, &m->offset, &expect, sizeof(expect));
		ops[1] = cpu_op_memcpy(m->data + expect, src, (uint32_t)len);
		ops[2] = cpu_op_memcpy(&m->offset, &newv, sizeof(newv));
		if (opv(ops, 3, cpu) == 0) {
			count(&fallbacks);
			return cpu;
		}
	}
}

size_t percpu_membuf_take(struct percpu_membuf *b, int cpu, void *out)
{
	static const intptr_t zero;
	struct membuf_cpu *m = &b->cpus[cpu];
	struct cpu_op ops[4];

	for (;;) {
		intptr_t gen = LOAD(&m->gen);
		intptr_t offset = LOAD(&m->offset);

		if (offset == 0)
			return 0;
		memcpy(out, m->data, (size_t)offset);
		ops[0] = cpu_op_compare(1, &m->gen, &gen, sizeof(gen));
		ops[1] = cpu_op_compare(1, &m->offset, &offset, sizeof(offset));
		ops[2] = cpu_op_memcpy(&m->offset, &zero, sizeof(zero));
		ops[3] = cpu_op_add(&m->gen, sizeof(intptr_t), 1);
		if (opv(ops, 4, cpu) == 0)
			return (size_t)offset;
	}
}

/* ---- reserve/commit buffer ------------------------------------------------------------ */

struct ring_cpu {
	intptr_t reserved;	/* bytes handed out */
	intptr_t committed;	/* bytes filled; == reserved when no writer is busy */
	intptr_t gen;
	char *data;
} __attribute__((aligned(64)));

struct percpu_ring {
	size_t capacity;
	struct ring_cpu *cpus;
};

struct percpu_ring *percpu_ring_new(size_t capacity)
{
	struct percpu_ring *r = malloc(sizeof(*r));

	if (!r)
		abort();
	r->capacity = capacity;
	r->cpus = percpu_alloc(sizeof(*r->cpus));
	for (int cpu = 0; cpu < rseqdbg_nr_cpus(); cpu++) {
		r->cpus[cpu].data = calloc(1, capacity);
		if (!r->cpus[cpu].data)
			abort();
	}
	return r;
}

void percpu_ring_free(struct percpu_ring *r)
{
	for (int cpu = 0; cpu < rseqdbg_nr_cpus(); cpu++)
		free(r->cpus[cpu].data);
	free(r->cpus);
	free(r);
}

static void fill(struct percpu_ring *r, int cpu, intptr_t offset, size_t len,
		 struct percpu_reservation *res)
{
	res->cpu = cpu;
	res->offset = (size_t)offset;
	res->len = len;
	res->data = r->cpus[cpu].data + offset;
}

int percpu_ring_reserve(struct percpu_ring *r, size_t len, struct percpu_reservation *res)
{
	struct rseq *rs = rseqdbg_area();
	int cpu = -1;
	struct cpu_op ops[2];

	for (unsigned i = 0; rs && another_try(i); i++) {
		struct ring_cpu *rc;
		intptr_t offset;

		cpu = rseqdbg_cpu_of(rs);
		rc = &r->cpus[cpu];
		offset = LOAD(&rc->reserved);
		if ((size_t)offset + len > r->capacity) {
			res->cpu = cpu;
			return -1;
		}
		if (rseq_cs_cmpeqv_storev(rs, cpu, rseqdbg_cpu_lock_word(cpu), &rc->reserved,
					  offset, offset + (intptr_t)len, __func__) == 0) {
			fill(r, cpu, offset, len, res);
			return 0;
		}
		count(&aborts);
	}
	if (cpu < 0)
		cpu = percpu_current_cpu();
	for (;;) {
		struct ring_cpu *rc = &r->cpus[cpu];
		intptr_t offset = LOAD(&rc->reserved);
		intptr_t newv = offset + (intptr_t)len;

		if ((size_t)newv > r->capacity) {
			res->cpu = cpu;
			return -1;
		}
		ops[0] = cpu_op_compare(1, &rc->reserved, &offset, sizeof(offset));
		ops[1] = cpu_op_memcpy(&rc->reserved, &newv, sizeof(newv));
		if (opv(ops, 2, cpu) == 0) {
			count(&fallbacks);
			fill(r, cpu, offset, len, res);
			return 0;
		}
	}
}

void percpu_ring_commit(struct percpu_ring *r, const struct percpu_reservation *res)
{
	/* Release the filled bytes before the commit count that publishes them. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	percpu_add_on(&r->cpus[res->cpu].committed, res->cpu, (intptr_t)res->len);
}

size_t percpu_ring_take(struct percpu_ring *r, int cpu, void *out)
{
	static const intptr_t zero;
	struct ring_cpu *rc = &r->cpus[cpu];
	struct cpu_op ops[6];

	for (;;) {
		intptr_t gen = LOAD(&rc->gen);
		intptr_t reserved = LOAD(&rc->reserved);
		intptr_t committed = LOAD(&rc->committed);

		if (reserved == 0)
			return 0;
		if (committed != reserved) {
			sched_yield();	/* a writer is still filling its reservation */
			continue;
		}
		memcpy(out, rc->data, (size_t)reserved);
		ops[0] = cpu_op_compare(1, &rc->gen, &gen, sizeof(gen));
		ops[1] = cpu_op_compare(1, &rc->reserved, &reserved, sizeof(reserved));
		ops[2] = cpu_op_compare(1, &rc->committed, &reserved, sizeof(reserved));
		ops[3] = cpu_op_memcpy(&rc->reserved, &zero, sizeof(zero));
		ops[4] = cpu_op_memcpy(&rc->committed, &zero, sizeof(zero));
		ops[5] = cpu_op_add(&rc->gen, sizeof(intptr_t), 1);
		if (opv(ops, 6, cpu) == 0)
			return (size_t)reserved;
	}
}
