/*
 * rseqdbg-tracer: the process that holds rseqdbg's ptrace attachment to a program it attached to,
 * so that the program outlives rseqdbg.
 *
 * When a tracer dies, the kernel detaches its tracees without undoing what a debugger leaves in
 * them between two requests: exit_ptrace never clears the single-step flag, a thread stopped after
 * a step resumes with the step's SIGTRAP as its signal, a planted int3 stays. Most attached
 * programs then died of SIGTRAP when rseqdbg was SIGKILLed (40 of 50). This process makes every
 * ptrace and waitpid call for the JVM, which asks over stdin and reads the answers on stdout; when
 * stdin ends without a goodbye (the JVM died: SIGKILL, the OOM killer), it lets the program go
 * as PTRACE_DETACH would: every thread stopped, the bytes and CPU masks rseqdbg recorded as
 * changed put back, a pc left after a planted int3 moved back onto it, a queued step trap taken
 * and dropped, then PTRACE_DETACH with the signal each thread was stopped for if the program's.
 *
 * Requests are a fixed header (struct request) and len bytes; answers a fixed header (struct
 * answer) and len bytes; both in host byte order. Only WAIT blocks, and a CANCEL (sent by another
 * JVM thread that needs the tracer thread) ends it with EINTR, as a signal ends a waitpid.
 * SIGINT, SIGTERM and SIGHUP are ignored: the JVM gets them too and detaches through this process.
 * It runs in a process group of its own, so that a signal to rseqdbg's whole job reaches the JVM only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc-status.h"

#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif

enum op {
	OP_PTRACE = 1,       /* ptrace(request, tid, addr, data) with scalar data */
	OP_PTRACE_OUT = 2,   /* ptrace(request, tid, addr, buffer of data bytes); answers the buffer */
	OP_GETREGS = 3,      /* PTRACE_GETREGSET NT_PRSTATUS; answers the registers the kernel gave */
	OP_SETREGS = 4,      /* PTRACE_SETREGSET NT_PRSTATUS of the len bytes sent */
	OP_WAIT = 5,         /* waitpid(tid, request as options) until an event or a CANCEL; a signal stop's siginfo */
	OP_CANCEL = 6,       /* ends a WAIT with EINTR; ignored otherwise; never answered */
	OP_UNDO_BYTES = 7,   /* process tid's bytes at addr were the first half sent, are the second; never answered */
	OP_FORGET_BYTES = 8, /* process tid's bytes at addr are back; never answered */
	OP_UNDO_MASK = 9,    /* thread tid's CPU mask was the len bytes sent; never answered */
	OP_FORGET_MASK = 10, /* thread tid's CPU mask is back; never answered */
	OP_PIN = 11,         /* run this process on CPU request only (-1: on every CPU it started with) */
	OP_GOODBYE = 12,     /* the JVM let go properly: forget what to undo; never answered */
};

struct request {
	int32_t op;
	int32_t tid;
	int32_t request;
	int32_t len;
	int64_t addr;
	int64_t data;
};

struct answer {
	int64_t ret;
	int32_t err;
	int32_t status;
	int32_t len;
	int32_t pad;
};

#define MAX_PAYLOAD 4096
#define MAX_THREADS 4096
#define MAX_UNDO 65536
#define REGS_BYTES (27 * 8)
#define LETGO_MILLIS 3000
#define DRAIN_TRIES 8

enum state { GONE = 0, RUNNING, STOPPED };

struct thread {
	int tid;
	enum state state;
	int status;
	int regs_set; /* the JVM wrote its registers since that stop: it took the stop's trap */
};

struct undo {
	int used;
	int is_mask;
	int id; /* pid for bytes, tid for a mask */
	int64_t addr;
	int len;                 /* of a mask; of each half for bytes: the original, then what rseqdbg wrote */
	unsigned char bytes[128];
};

static struct thread threads[MAX_THREADS];
static int nthreads;
static struct undo *undos;
static int nundo;
static int sigchld_fd;
static cpu_set_t started_cpus;
static unsigned char payload[MAX_PAYLOAD];

/* ------------------------------------------------------------------ plumbing */

static int read_fully(int fd, void *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = read(fd, (char *)buf + done, len - done);
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		done += (size_t)n;
	}
	return 1;
}

/*
 * Answers to resumes (PTRACE_CONT, PTRACE_SINGLESTEP, PTRACE_LISTEN) wait here and go out with
 * the next answer, in one write: the JVM reads them only then (it sends the wait that follows a
 * resume without reading the resume's answer), and an early write would wake it for nothing,
 * a context switch per step.
 */
#define MAX_HELD 64
static struct answer held[MAX_HELD];
static int nheld;

static void write_out(const unsigned char *out, size_t total)
{
	size_t done = 0;
	while (done < total) {
		ssize_t n = write(1, out + done, total - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* the JVM is gone: stdin's end tells the main loop */
		done += (size_t)n;
	}
}

static void answer(int64_t ret, int err, int status, const void *data, int len)
{
	static unsigned char out[sizeof held + sizeof(struct answer) + MAX_PAYLOAD];
	struct answer a = { ret, err, status, len, 0 };
	size_t at = (size_t)nheld * sizeof a;
	memcpy(out, held, at);
	nheld = 0;
	memcpy(out + at, &a, sizeof a);
	if (len > 0)
		memcpy(out + at + sizeof a, data, (size_t)len);
	write_out(out, at + sizeof a + (size_t)len);
}

static void answer_later(int64_t ret, int err)
{
	if (nheld == MAX_HELD) {
		write_out((const unsigned char *)held, sizeof held);
		nheld = 0;
	}
	held[nheld++] = (struct answer){ ret, err, 0, 0, 0 };
}

static int is_resume(long request)
{
	return request == PTRACE_CONT || request == PTRACE_SINGLESTEP || request == PTRACE_LISTEN;
}

static long ptrace_call(long request, int tid, long addr, long data)
{
	return syscall(SYS_ptrace, request, tid, addr, data);
}

/* ------------------------------------------------------------------ what is traced */

static struct thread *thread_of(int tid, int create)
{
	struct thread *free_slot = NULL;
	for (int i = 0; i < nthreads; i++) {
		if (threads[i].tid == tid && threads[i].state != GONE)
			return &threads[i];
		if (threads[i].state == GONE && !free_slot)
			free_slot = &threads[i];
	}
	if (!create)
		return NULL;
	if (!free_slot) {
		if (nthreads == MAX_THREADS)
			return NULL;
		free_slot = &threads[nthreads++];
	}
	free_slot->tid = tid;
	free_slot->state = RUNNING;
	free_slot->status = 0;
	return free_slot;
}

static void note_request(long request, int tid, long rc)
{
	if (rc < 0)
		return;
	struct thread *t;
	switch (request) {
	case PTRACE_SEIZE:
		thread_of(tid, 1);
		break;
	case PTRACE_CONT:
	case PTRACE_SINGLESTEP:
	case PTRACE_SYSCALL:
	case PTRACE_LISTEN:
		if ((t = thread_of(tid, 1)))
			t->state = RUNNING;
		break;
	case PTRACE_DETACH:
		if ((t = thread_of(tid, 0)))
			t->state = GONE;
		break;
	case PTRACE_POKEUSER:
	case PTRACE_SETREGS:
	case PTRACE_SETREGSET:
		if ((t = thread_of(tid, 0)))
			t->regs_set = 1;
		break;
	default:
		break;
	}
}

/* A number from /proc/TID/status ("Tgid:", "SigPnd:"), 0 when it cannot be read. */
static unsigned long long thread_status(int tid, const char *name, int base)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/status", tid);
	return status_field(path, name, base);
}

static void forget_all_of(int id);
static void copy_bytes_to_child(int pid, int child);

static void note_wait(int tid, int status)
{
	if (tid <= 0)
		return;
	if (!WIFSTOPPED(status)) {
		struct thread *t = thread_of(tid, 0);
		if (t)
			t->state = GONE;
		forget_all_of(tid); /* its mask; and, a leader's end being its process's, its bytes */
		return;
	}
	struct thread *t = thread_of(tid, 1);
	if (t) {
		t->state = STOPPED;
		t->status = status;
		t->regs_set = 0;
	}
	int event = status >> 16;
	if (event == PTRACE_EVENT_CLONE || event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK) {
		unsigned long child = 0;
		if (ptrace_call(PTRACE_GETEVENTMSG, tid, 0, (long)&child) == 0 && child > 0) {
			thread_of((int)child, 1); /* attached by the kernel; its first stop is on its way */
			if (event == PTRACE_EVENT_FORK) /* a copy of the memory, planted int3s included */
				copy_bytes_to_child((int)thread_status(tid, "Tgid:", 10), (int)child);
		}
	}
}

/* A record to fill: a forgotten one, or one more at the end; NULL when all MAX_UNDO are in use. */
static struct undo *free_undo(void)
{
	for (int i = 0; i < nundo; i++)
		if (!undos[i].used)
			return &undos[i];
	return nundo < MAX_UNDO ? &undos[nundo++] : NULL;
}

static void note_undo(const struct request *rq, int is_mask)
{
	struct undo *slot = NULL;
	int len = rq->len > (int)sizeof slot->bytes ? (int)sizeof slot->bytes : rq->len;
	for (int i = 0; i < nundo; i++) {
		struct undo *u = &undos[i];
		if (u->used && u->is_mask == is_mask && u->id == rq->tid && u->addr == rq->addr) {
			/*
			 * The first record holds the original (a second int3 over the first, rseq_cs
			 * cleared again), unless the program wrote there since rseqdbg did: a rseq_cs it
			 * stored entering its next section is what to put back, not the last section's.
			 */
			if (is_mask || u->len != len / 2 || !memcmp(payload, u->bytes + u->len, (size_t)u->len))
				return;
			slot = u;
			break;
		}
	}
	if (!slot && !(slot = free_undo()))
		return;
	slot->used = 1;
	slot->is_mask = is_mask;
	slot->id = rq->tid;
	slot->addr = rq->addr;
	memcpy(slot->bytes, payload, (size_t)len);
	slot->len = is_mask ? len : len / 2;
}

static void forget_undo(const struct request *rq, int is_mask)
{
	for (int i = 0; i < nundo; i++) {
		struct undo *u = &undos[i];
		if (u->used && u->is_mask == is_mask && u->id == rq->tid && u->addr == rq->addr)
			u->used = 0;
	}
}

static void forget_all_of(int id)
{
	for (int i = 0; i < nundo; i++)
		if (undos[i].used && undos[i].id == id)
			undos[i].used = 0;
}

static void copy_bytes_to_child(int pid, int child)
{
	if (pid <= 0)
		return;
	int n = nundo; /* the records there were; a copy carries the child's id, never copied again */
	for (int i = 0; i < n; i++) {
		struct undo *u = &undos[i];
		if (!u->used || u->is_mask || u->id != pid)
			continue;
		struct undo *slot = free_undo();
		if (!slot)
			return;
		*slot = *u;
		slot->id = child;
	}
}

/* The requests that only record what to undo; any other is ignored here. */
static void note_record(const struct request *rq)
{
	if (rq->op == OP_UNDO_BYTES || rq->op == OP_UNDO_MASK)
		note_undo(rq, rq->op == OP_UNDO_MASK);
	else if (rq->op == OP_FORGET_BYTES || rq->op == OP_FORGET_MASK)
		forget_undo(rq, rq->op == OP_FORGET_MASK);
}

/* ------------------------------------------------------------------ waiting */

static void drain_sigchld(void)
{
	struct signalfd_siginfo info;
	while (read(sigchld_fd, &info, sizeof info) == (ssize_t)sizeof info)
		;
}

/* waitpid that a CANCEL on stdin ends; -2 when stdin ended (the JVM is gone). */
static int wait_or_cancel(int pid, int options, int *status, int *err)
{
	for (;;) {
		drain_sigchld();
		int tid = waitpid(pid, status, options | WNOHANG);
		if (tid != 0 || (options & WNOHANG)) {
			*err = tid < 0 ? errno : 0;
			return tid;
		}
		struct pollfd fds[2] = { { 0, POLLIN, 0 }, { sigchld_fd, POLLIN, 0 } };
		if (poll(fds, 2, -1) < 0 && errno != EINTR) {
			*err = errno;
			return -1;
		}
		if (fds[0].revents) {
			struct request rq;
			if (!read_fully(0, &rq, sizeof rq))
				return -2;
			if (rq.len > 0 && (rq.len > MAX_PAYLOAD || !read_fully(0, payload, (size_t)rq.len)))
				return -2;
			if (rq.op == OP_CANCEL) {
				*err = EINTR;
				return -1;
			}
			note_record(&rq); /* what else another JVM thread may send meanwhile */
		}
	}
}

/* ------------------------------------------------------------------ letting go */

static int sigtrap_pending(int tid)
{
	return thread_status(tid, "SigPnd:", 16) & (1ULL << (SIGTRAP - 1));
}

/* Whether rseqdbg's bytes are recorded at ADDR in process PID (a fork child's records are its own copies). */
static int planted_at(int pid, int64_t addr)
{
	for (int i = 0; i < nundo; i++) {
		struct undo *u = &undos[i];
		if (u->used && !u->is_mask && u->id == pid && addr >= u->addr && addr < u->addr + u->len)
			return 1;
	}
	return 0;
}

/*
 * Whether the int3 a thread trapped on (its pc just after it) is no longer there: then it was
 * one rseqdbg planted and took out again before it read the trap (its record already
 * forgotten). The program's own int3 (0xcc, or int $3: 0xcd 0x03) stays in its code.
 */
static int int3_gone(int tid, unsigned long pc)
{
	unsigned long word = 0;
	errno = 0;
	if (ptrace_call(PTRACE_PEEKDATA, tid, (long)(pc - 2), (long)&word) < 0)
		return 0;
	unsigned char before = (unsigned char)word, at = (unsigned char)(word >> 8);
	return at != 0xcc && !(before == 0xcd && at == 0x03);
}

/* The signal the thread's current stop would have delivered, if it is the program's own. */
static int own_signal(struct thread *t)
{
	int status = t->status;
	if ((status >> 16) != 0)
		return 0; /* an event stop (clone, exec, an interrupt or a group-stop): nothing to deliver */
	int sig = WSTOPSIG(status);
	if (sig != SIGTRAP)
		return sig;
	siginfo_t info;
	if (ptrace_call(PTRACE_GETSIGINFO, t->tid, 0, (long)&info) < 0)
		return 0;
	if (info.si_code <= 0)
		return SIGTRAP; /* sent by a process */
	if (info.si_code == 0x80) { /* SI_KERNEL: an int3, rseqdbg's if it planted one there */
		unsigned long pc = 0;
		if (t->regs_set)
			return 0; /* rseqdbg took this trap: its pc is already back on the int3's address */
		if (ptrace_call(PTRACE_PEEKUSER, t->tid, 16 * 8, (long)&pc) == 0
		    && (planted_at((int)thread_status(t->tid, "Tgid:", 10), (int64_t)pc - 1) || int3_gone(t->tid, pc))) {
			ptrace_call(PTRACE_POKEUSER, t->tid, 16 * 8, (long)(pc - 1));
			return 0;
		}
		return SIGTRAP;
	}
	return 0; /* a step's trap: rseqdbg's */
}

static long millis_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int any_running(void)
{
	for (int i = 0; i < nthreads; i++)
		if (threads[i].state == RUNNING)
			return 1;
	return 0;
}

/* waitpid for let_go: stdin has ended, so only SIGCHLD and the clock end a wait. */
static int wait_until(int pid, int *status, long deadline)
{
	for (;;) {
		drain_sigchld();
		int tid = waitpid(pid, status, __WALL | WNOHANG);
		if (tid != 0)
			return tid;
		long left = deadline - millis_now();
		if (left <= 0)
			return 0;
		struct pollfd fd = { sigchld_fd, POLLIN, 0 };
		poll(&fd, 1, left > 20 ? 20 : (int)left);
	}
}

static void let_go(void)
{
	for (int i = 0; i < nthreads; i++)
		if (threads[i].state == RUNNING)
			ptrace_call(PTRACE_INTERRUPT, threads[i].tid, 0, 0);
	long deadline = millis_now() + LETGO_MILLIS;
	while (any_running() && millis_now() < deadline) {
		int status;
		int tid = wait_until(-1, &status, millis_now() + 20);
		if (tid < 0)
			break; /* ECHILD: nothing traced is left */
		if (tid == 0) {
			for (int i = 0; i < nthreads; i++)
				if (threads[i].state == RUNNING)
					ptrace_call(PTRACE_INTERRUPT, threads[i].tid, 0, 0);
			continue;
		}
		int known = thread_of(tid, 0) != NULL;
		note_wait(tid, status);
		struct thread *t = thread_of(tid, 0);
		if (!known && t && t->state == RUNNING)
			ptrace_call(PTRACE_INTERRUPT, tid, 0, 0);
	}
	for (int i = 0; i < nundo; i++) {
		struct undo *u = &undos[i];
		if (!u->used)
			continue;
		if (u->is_mask) {
			sched_setaffinity(u->id, (size_t)u->len, (cpu_set_t *)u->bytes);
			continue;
		}
		/* Put back only what still holds rseqdbg's bytes: the program may have moved on. */
		char path[64];
		unsigned char now[64];
		snprintf(path, sizeof path, "/proc/%d/mem", u->id);
		int fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (pread(fd, now, (size_t)u->len, (off_t)u->addr) == u->len && !memcmp(now, u->bytes + u->len, (size_t)u->len))
			if (pwrite(fd, u->bytes, (size_t)u->len, (off_t)u->addr) < 0)
				perror("rseqdbg-tracer: restore");
		close(fd);
	}
	for (int i = 0; i < nthreads; i++) {
		struct thread *t = &threads[i];
		if (t->state != STOPPED)
			continue;
		int deliver = own_signal(t);
		for (int tries = 0; tries < DRAIN_TRIES && sigtrap_pending(t->tid); tries++) {
			/* A step over a system call queued its trap: taken now, before any instruction. */
			int status;
			if (ptrace_call(PTRACE_CONT, t->tid, 0, deliver) < 0)
				break;
			deliver = 0;
			int tid = wait_until(t->tid, &status, millis_now() + LETGO_MILLIS);
			if (tid != t->tid || !WIFSTOPPED(status)) {
				t->state = GONE;
				break;
			}
			note_wait(tid, status);
			deliver = own_signal(t);
		}
		if (t->state == STOPPED)
			ptrace_call(PTRACE_DETACH, t->tid, 0, deliver);
	}
}

/* ------------------------------------------------------------------ serving */

static void serve(const struct request *rq)
{
	long rc;
	switch (rq->op) {
	case OP_PTRACE:
		rc = ptrace_call(rq->request, rq->tid, rq->addr, rq->data);
		if (is_resume(rq->request))
			answer_later(rc, rc < 0 ? errno : 0);
		else
			answer(rc, rc < 0 ? errno : 0, 0, NULL, 0);
		note_request(rq->request, rq->tid, rc);
		break;
	case OP_PTRACE_OUT: {
		int len = rq->data < 0 || rq->data > MAX_PAYLOAD ? MAX_PAYLOAD : (int)rq->data;
		memset(payload, 0, (size_t)len);
		rc = ptrace_call(rq->request, rq->tid, rq->addr, (long)payload);
		answer(rc, rc < 0 ? errno : 0, 0, payload, rc < 0 ? 0 : len);
		break;
	}
	case OP_GETREGS: {
		struct iovec iov = { payload, REGS_BYTES };
		rc = ptrace_call(PTRACE_GETREGSET, rq->tid, 1 /* NT_PRSTATUS */, (long)&iov);
		answer(rc, rc < 0 ? errno : 0, 0, payload, rc < 0 ? 0 : (int)iov.iov_len);
		break;
	}
	case OP_SETREGS: {
		struct iovec iov = { payload, (size_t)rq->len };
		rc = ptrace_call(PTRACE_SETREGSET, rq->tid, 1 /* NT_PRSTATUS */, (long)&iov);
		answer(rc, rc < 0 ? errno : 0, 0, NULL, 0);
		note_request(PTRACE_SETREGSET, rq->tid, rc);
		break;
	}
	case OP_WAIT: {
		int status = 0, err = 0;
		int tid = wait_or_cancel(rq->tid, rq->request, &status, &err);
		if (tid == -2) {
			let_go();
			exit(0);
		}
		/* A signal stop's siginfo goes with it: the JVM asks for it at nearly every step. */
		siginfo_t info;
		int with_info = tid > 0 && WIFSTOPPED(status) && (status >> 16) == 0
			&& ptrace_call(PTRACE_GETSIGINFO, tid, 0, (long)&info) == 0;
		answer(tid, err, status, &info, with_info ? (int)sizeof info : 0);
		note_wait(tid, status);
		break;
	}
	case OP_PIN: {
		cpu_set_t set;
		if (rq->request < 0) {
			set = started_cpus;
		} else {
			CPU_ZERO(&set);
			CPU_SET(rq->request, &set);
		}
		rc = sched_setaffinity(0, sizeof set, &set);
		answer(rc, rc < 0 ? errno : 0, 0, NULL, 0);
		break;
	}
	case OP_GOODBYE:
		nundo = 0;
		break;
	default:
		note_record(rq); /* or a CANCEL outside a WAIT: the wait it meant has already answered */
		break;
	}
}

int main(void)
{
	/*
	 * A process group of its own: a SIGKILL to rseqdbg's whole job (`kill -9 %1`, `kill -9
	 * -PGID`, `timeout -s KILL`) then leaves this process alive to let the program go. Its stderr
	 * may be a terminal whose foreground group it is no longer in: writing there must not stop it.
	 */
	setpgid(0, 0);
	signal(SIGTTOU, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	sigchld_fd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sigchld_fd < 0) {
		perror("rseqdbg-tracer: signalfd");
		return 2;
	}
	sched_getaffinity(0, sizeof started_cpus, &started_cpus);
	undos = calloc(MAX_UNDO, sizeof *undos);
	if (!undos)
		return 2;
	for (;;) {
		struct request rq;
		if (!read_fully(0, &rq, sizeof rq))
			break;
		if (rq.len < 0 || rq.len > MAX_PAYLOAD || (rq.len > 0 && !read_fully(0, payload, (size_t)rq.len)))
			break;
		serve(&rq);
	}
	let_go();
	return 0;
}
