/*
 * rseqdbg-launcher [--no-aslr] PATH ARGV0 ARGS...
 *
 * Makes the traced program a grandchild of the JVM, so the JVM's process reaper (which waits for
 * its own children) never takes the program's ptrace stops. The launcher forks; the child waits
 * until a tracer has seized it (TracerPid in /proc/self/status), then executes PATH with ARGV0
 * ARGS..., which the tracer sees as a PTRACE_EVENT_EXEC stop at the program's first instruction.
 * The tracer finds the child in /proc/LAUNCHER/task/LAUNCHER/children. Waiting for the tracer
 * instead of stopping with SIGSTOP leaves no group-stop behind to re-stop the program when the
 * tracer detaches.
 *
 * --no-aslr: the program runs with address-space randomisation off (personality
 * ADDR_NO_RANDOMIZE, as setarch -R), so that record and replay see the same addresses from the
 * program's first instruction; the launcher itself stays the only other program in between.
 *
 * The launcher then waits for the child, so its own exit status mirrors the program's (exit code,
 * or 128 + the signal that killed it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc-status.h"

#define TRACE_TIMEOUT_SECONDS 30

static int traced(void)
{
	return status_field("/proc/self/status", "TracerPid:", 10) != 0;
}

static void wait_until_traced(void)
{
	struct timespec pause = { 0, 50 * 1000 };
	long rounds = TRACE_TIMEOUT_SECONDS * 1000000L / 50;
	while (!traced()) {
		if (--rounds < 0) {
			fprintf(stderr, "rseqdbg-launcher: no tracer attached within %d s\n", TRACE_TIMEOUT_SECONDS);
			_exit(126);
		}
		nanosleep(&pause, NULL);
	}
}

int main(int argc, char **argv)
{
	int fixed_addresses = argc > 1 && strcmp(argv[1], "--no-aslr") == 0;
	if (fixed_addresses) {
		argv++;
		argc--;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: rseqdbg-launcher [--no-aslr] PATH ARGV0 ARGS...\n");
		return 2;
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("rseqdbg-launcher: fork");
		return 2;
	}
	if (pid == 0) {
		/* Signals blocked in the JVM's thread must not stay blocked in the program. */
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (fixed_addresses && personality(personality(0xffffffff) | ADDR_NO_RANDOMIZE) < 0) {
			perror("rseqdbg-launcher: personality");
			_exit(126);
		}
		wait_until_traced();
		execv(argv[1], &argv[2]);
		fprintf(stderr, "rseqdbg: cannot execute %s: %s\n", argv[1], strerror(errno));
		_exit(127);
	}
	/* A terminal's SIGINT is for the program (and rseqdbg), not for the launcher. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return 2;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}
