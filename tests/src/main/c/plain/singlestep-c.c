/*
 * singlestep-c [--pin | --cpu C] [--steps N] (--pid PID | PROGRAM ARGS...)
 *
 * The benchmark baseline: the smallest C PTRACE_SINGLESTEP loop. Launches PROGRAM under
 * PTRACE_TRACEME, then single-steps it from its first instruction after exec for N steps (or
 * to its exit) and prints one line: "steps=S seconds=T rate=R" (R in steps/s). With --pid it
 * attaches to the running single-threaded process PID instead (PTRACE_SEIZE + INTERRUPT), so
 * the steps are those of whatever loop PID is in, with no start-up; after N steps it detaches
 * and leaves PID running. With --pin the tracer first moves itself (not the tracee) to the CPU
 * the tracee last ran on; with --cpu C both tracer and tracee are bound to CPU C, the placement
 * where a step costs least.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Field 39 of /proc/PID/stat: the CPU the task last ran on. */
static int last_cpu(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	int field = 2;
	for (p++; *p && field < 39; p++)
		if (*p == ' ')
			field++;
	return atoi(p);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int pin = 0, cpu = -1;
	long limit = -1;
	pid_t attach = 0;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--pin"))
			pin = 1;
		else if (!strcmp(argv[i], "--cpu") && i + 1 < argc)
			cpu = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--steps") && i + 1 < argc)
			limit = strtol(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--pid") && i + 1 < argc)
			attach = atoi(argv[++i]);
		else
			break;
	}
	if ((i >= argc) == !attach) {
		fprintf(stderr, "usage: singlestep-c [--pin | --cpu C] [--steps N] (--pid PID | PROGRAM ARGS...)\n");
		return 2;
	}
	pid_t pid = attach;
	int status;
	if (attach) {
		if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0 || ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0) {
			fprintf(stderr, "singlestep-c: cannot attach to %d: %s\n", (int)pid, strerror(errno));
			return 2;
		}
		if (waitpid(pid, &status, __WALL) < 0 || !WIFSTOPPED(status)) {
			fprintf(stderr, "singlestep-c: %d did not stop\n", (int)pid);
			return 2;
		}
	} else {
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (pid == 0) {
			ptrace(PTRACE_TRACEME, 0, 0, 0);
			execvp(argv[i], &argv[i]);
			fprintf(stderr, "singlestep-c: cannot execute %s: %s\n", argv[i], strerror(errno));
			_exit(127);
		}
		if (waitpid(pid, &status, 0) < 0 || !WIFSTOPPED(status)) {
			fprintf(stderr, "singlestep-c: %s did not stop at exec\n", argv[i]);
			return 2;
		}
		ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_EXITKILL);
	}
	if (pin || cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu >= 0 ? cpu : last_cpu(pid), &set);
		sched_setaffinity(0, sizeof set, &set);
		if (cpu >= 0)
			sched_setaffinity(pid, sizeof set, &set);
	}
	long steps = 0;
	double start = now();
	while (limit < 0 || steps < limit) {
		if (ptrace(PTRACE_SINGLESTEP, pid, 0, 0) < 0)
			break;
		if (waitpid(pid, &status, 0) < 0 || !WIFSTOPPED(status))
			break;
		steps++;
	}
	double seconds = now() - start;
	printf("steps=%ld seconds=%.6f rate=%.0f\n", steps, seconds, steps / seconds);
	if (attach)
		return ptrace(PTRACE_DETACH, pid, 0, 0) < 0 && steps == limit ? 1 : 0;
	if (limit >= 0 && steps == limit)
		kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return 0;
}
