/*
 * The calling thread's rseq area. glibc >= 2.35 registers one in every thread
 * (__rseq_size > 0, found at thread pointer + __rseq_offset) and a second registration would
 * fail with EBUSY, so we use glibc's. When glibc did not register (for example under
 * GLIBC_TUNABLES=glibc.pthread.rseq=0) each thread registers its own area on first use.
 */
#ifndef RSEQDBG_RSEQ_THREAD_H
#define RSEQDBG_RSEQ_THREAD_H

#include <sys/rseq.h>

/* This thread's own area when glibc has none; NULL if the kernel refused rseq. */
struct rseq *rseqdbg_own_area(void);

/* This thread's registered rseq area, or NULL when rseq is unavailable. */
static inline struct rseq *rseqdbg_area(void)
{
	if (__builtin_expect(__rseq_size > 0, 1))
		return (struct rseq *)((char *)__builtin_thread_pointer() + __rseq_offset);
	return rseqdbg_own_area();
}

/* The cpu the kernel last reported for this thread in @rs. */
static inline int rseqdbg_cpu_of(const struct rseq *rs)
{
	return (int)*(const volatile __u32 *)&rs->cpu_id;
}

/*
 * Unregisters this thread's rseq area and registers one again, outside any c.s.: glibc's area in
 * place; the runtime's own area at another address (its second area). 0, or -1 with errno.
 */
int rseqdbg_reregister(void);

/* Who registered this thread's area: "glibc", "own" or "none". */
const char *rseqdbg_registration(void);

#endif
