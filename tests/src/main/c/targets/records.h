/*
 * Self-checking 32-byte records for the buffer targets, and a ledger that proves every record
 * written was read back exactly once and intact.
 */
#ifndef RSEQDBG_RECORDS_H
#define RSEQDBG_RECORDS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct record {
	uint32_t thread;
	uint32_t seq;
	uint64_t a;
	uint64_t b;
	uint64_t check;
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

static struct record record_make(uint32_t thread, uint32_t seq)
{
	struct record r = { .thread = thread, .seq = seq };

	r.a = mix(((uint64_t)thread << 32) | seq);
	r.b = mix(r.a);
	r.check = mix(r.a ^ r.b ^ thread);
	return r;
}

struct ledger {
	int threads;
	long ops;
	unsigned char *seen;	/* threads * ops flags */
	unsigned long records, corrupt, duplicate;
};

static void ledger_init(struct ledger *l, int threads, long ops)
{
	l->threads = threads;
	l->ops = ops;
	l->seen = calloc((size_t)threads * (size_t)ops, 1);
	l->records = l->corrupt = l->duplicate = 0;
	if (!l->seen)
		abort();
}

/* Accounts for @len bytes of records read out of a buffer; safe from any thread. */
static void ledger_consume(struct ledger *l, const void *bytes, size_t len)
{
	const char *p = bytes;

	if (len % sizeof(struct record) != 0)
		__atomic_fetch_add(&l->corrupt, 1, __ATOMIC_RELAXED);
	for (size_t off = 0; off + sizeof(struct record) <= len; off += sizeof(struct record)) {
		struct record r, want;

		memcpy(&r, p + off, sizeof(r));
		if (r.thread >= (uint32_t)l->threads || r.seq >= (uint64_t)l->ops) {
			__atomic_fetch_add(&l->corrupt, 1, __ATOMIC_RELAXED);
			continue;
		}
		want = record_make(r.thread, r.seq);
		if (memcmp(&r, &want, sizeof(r)) != 0) {
			__atomic_fetch_add(&l->corrupt, 1, __ATOMIC_RELAXED);
			continue;
		}
		if (__atomic_exchange_n(&l->seen[(size_t)r.thread * (size_t)l->ops + r.seq], 1,
					__ATOMIC_RELAXED))
			__atomic_fetch_add(&l->duplicate, 1, __ATOMIC_RELAXED);
		else
			__atomic_fetch_add(&l->records, 1, __ATOMIC_RELAXED);
	}
}

#endif
