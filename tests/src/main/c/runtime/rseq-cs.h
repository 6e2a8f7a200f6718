/*
 * Critical-section building blocks: the table sections that describe each c.s. to the kernel
 * (through rseq_cs) and to tools (through the ELF sections), for every supported layout.
 *
 * Build switches (pick at most one; the default is today's librseq layout):
 *   RSEQ_LEGACY_TABLE    only the 2017/Linux 4.18 "__rseq_table" section (same 32-byte
 *                        entries), and the legacy "nopl" signature encoding on x86
 *   RSEQ_NO_EXIT_POINTS  "__rseq_cs" + "__rseq_cs_ptr_array", no "__rseq_exit_point_array"
 *                        (TCMalloc style)
 *   RSEQ_NO_TABLES       no table section at all: descriptors live in .data.rel.ro and are
 *                        known only at run time through the thread's rseq_cs field
 *
 * Independent of the layout (x86-64, i386; aarch64 built but never run here):
 *   RSEQ_COMPARE_TWICE   librseq's debugging check: right before its commit store every c.s.
 *                        re-reads the rseq area's cpu_id and the word it compared at its start
 *                        (list head, buffer offset, reserved count, counter slot), and on a
 *                        difference branches to a declared exit point (one more
 *                        __rseq_exit_point_array entry per check) whose code prints
 *                        "FAIL compare-twice: FUNCTION: ..." on stderr and calls abort().
 *                        Only a c.s. that ran on, or had its word changed by, another cpu
 *                        without being aborted can get there: e.g. one whose rseq_cs a debugger
 *                        cleared while the thread migrated.
 *
 * Default layout (all sections "aw", descriptors 32-byte aligned, 64-bit fields even on i386,
 * where a pointer is a 32-bit value followed by a zero word):
 *   __rseq_cs                 struct rseq_cs { u32 version=0; u32 flags=0; u64 start_ip;
 *                                              u64 post_commit_offset; u64 abort_ip; }
 *   __rseq_cs_ptr_array       one u64 pointer to each descriptor
 *   __rseq_exit_point_array   { u64 start_ip; u64 exit_ip; } for every branch that leaves a
 *                             c.s. other than to its post-commit address or abort_ip
 *   __rseq_failure ("ax")     the abort handlers, each preceded by the 4-byte signature
 */
#ifndef RSEQDBG_RSEQ_CS_H
#define RSEQDBG_RSEQ_CS_H

#define RSEQ_STR_(x) #x
#define RSEQ_STR(x) RSEQ_STR_(x)

#if (defined(RSEQ_LEGACY_TABLE) + defined(RSEQ_NO_EXIT_POINTS) + defined(RSEQ_NO_TABLES)) > 1
# error "RSEQ_LEGACY_TABLE, RSEQ_NO_EXIT_POINTS and RSEQ_NO_TABLES exclude each other"
#endif

#if defined(__x86_64__)
# define RSEQ_ASM_U64_PTR(x) ".quad " x
#elif defined(__i386__)
# define RSEQ_ASM_U64_PTR(x) ".long " x ", 0x0"
#elif defined(__aarch64__)
# define RSEQ_ASM_U64_PTR(x) ".quad " x
#else
# error "rseqdbg runtime: unsupported architecture"
#endif

#if defined(RSEQ_LEGACY_TABLE)
# define RSEQ_ASM_CS_SECTION "__rseq_table"
#elif defined(RSEQ_NO_TABLES)
# define RSEQ_ASM_CS_SECTION ".data.rel.ro"
#else
# define RSEQ_ASM_CS_SECTION "__rseq_cs"
#endif

#if defined(RSEQ_LEGACY_TABLE) || defined(RSEQ_NO_TABLES)
# define RSEQ_ASM_CS_PTR(label) ""
#else
# define RSEQ_ASM_CS_PTR(label)						\
		".pushsection __rseq_cs_ptr_array, \"aw\"\n\t"		\
		RSEQ_ASM_U64_PTR(RSEQ_STR(label) "b") "\n\t"		\
		".popsection\n\t"
#endif

/* Descriptor @label (a numeric local label) for the c.s. [start_ip, post_commit_ip). */
#define RSEQ_ASM_DEFINE_TABLE(label, start_ip, post_commit_ip, abort_ip)	\
		".pushsection " RSEQ_ASM_CS_SECTION ", \"aw\"\n\t"	\
		".balign 32\n\t"					\
		RSEQ_STR(label) ":\n\t"					\
		".long 0x0, 0x0\n\t"					\
		RSEQ_ASM_U64_PTR(RSEQ_STR(start_ip)) "\n\t"		\
		RSEQ_ASM_U64_PTR("(" RSEQ_STR(post_commit_ip) " - "	\
				 RSEQ_STR(start_ip) ")") "\n\t"		\
		RSEQ_ASM_U64_PTR(RSEQ_STR(abort_ip)) "\n\t"		\
		".popsection\n\t"					\
		RSEQ_ASM_CS_PTR(label)

/* Declares that the c.s. starting at @start_ip may leave by branching to @exit_ip. */
#if defined(RSEQ_LEGACY_TABLE) || defined(RSEQ_NO_TABLES) || defined(RSEQ_NO_EXIT_POINTS)
# define RSEQ_ASM_DEFINE_EXIT_POINT(start_ip, exit_ip) ""
#else
# define RSEQ_ASM_DEFINE_EXIT_POINT(start_ip, exit_ip)			\
		".pushsection __rseq_exit_point_array, \"aw\"\n\t"	\
		RSEQ_ASM_U64_PTR(RSEQ_STR(start_ip)) "\n\t"		\
		RSEQ_ASM_U64_PTR(RSEQ_STR(exit_ip)) "\n\t"		\
		".popsection\n\t"
#endif

/*
 * RSEQ_UNDECLARED_POP_EXIT (x86 only, the list-undeclared target): the list pop's exit on an
 * empty list is left out of the table, as in a hand-written table with an exit missing.
 */
#ifdef RSEQ_UNDECLARED_POP_EXIT
# define RSEQ_ASM_POP_EXIT_POINT(start_ip, exit_ip) ""
#else
# define RSEQ_ASM_POP_EXIT_POINT(start_ip, exit_ip) RSEQ_ASM_DEFINE_EXIT_POINT(start_ip, exit_ip)
#endif

/*
 * Compare-twice plumbing shared by the architectures. Each c.s. helper takes @who (the runtime
 * function it serves, for the report) and, in a compare-twice build, lists the C labels c2_cpu
 * (and c2_value where it compares a word) among its asm goto labels, declares them as exit
 * points of its c.s. and reports through the functions below at those labels.
 */
#ifdef RSEQ_COMPARE_TWICE
# define RSEQ_ASM_C2_EXIT_CPU RSEQ_ASM_DEFINE_EXIT_POINT(1f, %l[c2_cpu])
# define RSEQ_ASM_C2_EXIT_VALUE RSEQ_ASM_DEFINE_EXIT_POINT(1f, %l[c2_value])
# define RSEQ_C2_LABEL_CPU , c2_cpu
# define RSEQ_C2_LABELS , c2_cpu, c2_value
#else
# define RSEQ_ASM_C2_EXIT_CPU ""
# define RSEQ_ASM_C2_EXIT_VALUE ""
# define RSEQ_C2_LABEL_CPU
# define RSEQ_C2_LABELS
#endif

struct rseq;
/* "FAIL compare-twice: WHO: cpu_id START at start, NOW before commit" on stderr, abort(). */
__attribute__((noreturn, cold))
void rseq_compare_twice_cpu_failed(const char *who, int start_cpu, const struct rseq *rs);
/* "FAIL compare-twice: WHO: compared word START at start, NOW before commit", abort(). */
__attribute__((noreturn, cold))
void rseq_compare_twice_value_failed(const char *who, long start, long now);
/* The same when the value read at the start is not known (it lived in a register). */
__attribute__((noreturn, cold))
void rseq_compare_twice_changed(const char *who, long now);

#if defined(__x86_64__) || defined(__i386__)
# include "arch/x86.h"
#elif defined(__aarch64__)
# include "arch/aarch64.h"
#endif

#endif
