/*
 * seccomp-counter [THREADS] [OPS_PER_THREAD]: installs a seccomp filter, then runs counter's
 * work under it. The filter: getppid fails with EPERM (SECCOMP_RET_ERRNO); getpid asks for a
 * tracer (SECCOMP_RET_TRACE: ENOSYS when none takes it, as for a tracer that did not ask for
 * PTRACE_O_TRACESECCOMP); uname raises SIGSYS (SECCOMP_RET_TRAP); sched_setaffinity, ptrace and
 * process_vm_writev kill the process (SECCOMP_RET_KILL_PROCESS): a debugger must never make the
 * program call them. The program checks the three answers, then the sum.
 */
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#include "percpu.h"
#include "target.h"

#define ALLOW_UNLESS(nr, action) \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, (action))

static volatile sig_atomic_t sigsys_seen;

static void on_sigsys(int sig)
{
	(void)sig;
	sigsys_seen++;
}

static void install_filter(void)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		ALLOW_UNLESS(SYS_getppid, SECCOMP_RET_ERRNO | EPERM),
		ALLOW_UNLESS(SYS_getpid, SECCOMP_RET_TRACE),
		ALLOW_UNLESS(SYS_uname, SECCOMP_RET_TRAP),
		ALLOW_UNLESS(SYS_sched_setaffinity, SECCOMP_RET_KILL_PROCESS),
		ALLOW_UNLESS(SYS_ptrace, SECCOMP_RET_KILL_PROCESS),
		ALLOW_UNLESS(SYS_process_vm_writev, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(filter) / sizeof(filter[0]), .filter = filter };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
		fail("installing the seccomp filter: %s", strerror(errno));
}

static void check_filter_answers(void)
{
	struct utsname name;
	long r;

	errno = 0;
	r = syscall(SYS_getppid);
	if (r != -1 || errno != EPERM)
		fail("getppid: %ld errno %d, expected EPERM from the filter", r, errno);
	errno = 0;
	r = syscall(SYS_getpid);
	if (r != -1 || errno != ENOSYS)
		fail("getpid: %ld errno %d, expected ENOSYS (SECCOMP_RET_TRACE, no tracer took it)", r, errno);
	syscall(SYS_uname, &name);
	if (sigsys_seen != 1)
		fail("uname: %d SIGSYS, expected 1 from the filter", (int)sigsys_seen);
}

struct job {
	struct percpu_counter *counter;
	long ops;
};

static void work(int index, void *ctx)
{
	struct job *job = ctx;

	(void)index;
	for (long i = 0; i < job->ops; i++)
		percpu_counter_add(job->counter, 1);
}

int main(int argc, char **argv)
{
	struct job job = { 0 };
	struct rseqdbg_stats stats;
	long threads, total;

	target_usage = "seccomp-counter [THREADS] [OPS_PER_THREAD]";
	check_arg_count(argc, 2);
	threads = arg_long(argc, argv, 1, 1, 1, 1024);
	job.ops = arg_long(argc, argv, 2, 1000, 0, LONG_MAX / 1024);
	signal(SIGSYS, on_sigsys);
	install_filter();
	check_filter_answers();
	job.counter = percpu_counter_new();
	run_threads((int)threads, work, &job);
	total = threads * job.ops;
	if (percpu_counter_sum(job.counter) != (intptr_t)total)
		fail("sum=%ld expected=%ld", (long)percpu_counter_sum(job.counter), total);
	rseqdbg_get_stats(&stats);
	printf("ok ops=%ld fallback=%lu aborts=%lu rseq=%s seccomp=3\n", total, stats.fallbacks, stats.aborts,
	       rseqdbg_registration());
	return 0;
}
