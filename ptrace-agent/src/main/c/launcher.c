/*
 * rseqdbg-launcher PROGRAM ARGS...
 *
 * Makes the tracee a grandchild of the JVM, so the JVM's process reaper never takes its ptrace
 * stops: the launcher forks, the child stops itself with SIGSTOP and then execs PROGRAM once the
 * tracer has seized it and let it go. The launcher writes the child's pid as one decimal line on
 * fd 3 (the tracer's pipe) and waits for the child, so that the launcher's own exit status
 * mirrors the tracee's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: rseqdbg-launcher PROGRAM ARGS...\n");
		return 2;
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("rseqdbg-launcher: fork");
		return 2;
	}
	if (pid == 0) {
		close(3);
		raise(SIGSTOP);
		execvp(argv[1], &argv[1]);
		fprintf(stderr, "rseqdbg: cannot execute %s: %s\n", argv[1], strerror(errno));
		_exit(127);
	}
	dprintf(3, "%d\n", (int)pid);
	close(3);
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return 2;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}
