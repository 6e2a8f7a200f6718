/*
 * spawn-children PROGRAM
 *
 * Starts PROGRAM twice — once with fork + execv, once with posix_spawn (a vfork-style clone) —
 * waits for both and exits 0 when both exited 0. Prints "spawn-children ok" then.
 */
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	char *child_argv[] = { argv[1], "10", NULL };
	int bad = 0, status;
	pid_t pid = fork();
	if (pid == 0) {
		execv(argv[1], child_argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		bad = 1;
	if (posix_spawn(&pid, argv[1], NULL, NULL, child_argv, environ) != 0)
		bad = 1;
	else if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		bad = 1;
	printf("spawn-children %s\n", bad ? "FAILED" : "ok");
	return bad;
}
