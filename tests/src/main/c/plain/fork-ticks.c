/*
 * fork-ticks GO_FILE
 *
 * Waits until GO_FILE exists (a minute at most: exit 3), then forks. The child (a copy of the parent's memory: a
 * breakpoint planted in the parent is in it too) sleeps 500 ms, calls tick() 200 times 5 ms
 * apart and exits 0 when it counted 200; a breakpoint byte left in its copy kills it with
 * SIGTRAP. The parent never calls tick(); it waits for the child and prints "fork-ticks ok
 * child=PID" when the child exited 0 ("fork-ticks FAILED child=PID status=S" otherwise).
 */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int ticks;

__attribute__((noinline)) void tick(void)
{
	ticks++;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	for (int waited = 0; access(argv[1], F_OK) != 0; waited++) {
		if (waited == 60000) {
			fprintf(stderr, "fork-ticks: %s never came\n", argv[1]);
			return 3;
		}
		usleep(1000);
	}
	pid_t pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		usleep(500000);
		for (int i = 0; i < 200; i++) {
			tick();
			usleep(5000);
		}
		_exit(ticks == 200 ? 0 : 1);
	}
	int status;
	if (waitpid(pid, &status, 0) != pid)
		return 1;
	int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (ok)
		printf("fork-ticks ok child=%d\n", (int)pid);
	else
		printf("fork-ticks FAILED child=%d status=%#x\n", (int)pid, status);
	return !ok;
}
