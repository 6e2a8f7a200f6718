/*
 * signal-count [N]
 *
 * Sends itself SIGUSR1 N times (default 5) and checks after each that its handler ran exactly
 * once: a self-sent, unblocked signal is handled before the sending call returns. A tracer that
 * loses or doubles a signal makes it fail. Prints "signal-count sent=N handled=M"; exit 0 when
 * every signal was handled once.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

__attribute__((noinline)) void send_one(void)
{
	raise(SIGUSR1);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 5;
	struct sigaction sa = { 0 };
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	int bad = 0;
	for (int i = 0; i < n; i++) {
		send_one();
		if (handled != i + 1)
			bad = 1;
	}
	printf("signal-count sent=%d handled=%d\n", n, (int)handled);
	return bad || handled != n;
}
