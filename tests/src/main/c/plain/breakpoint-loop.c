/*
 * breakpoint-loop [N [DELAY_US [THREADS]]]
 *
 * THREADS threads (default 1: the main thread alone) each call tick() N times (default 100),
 * sleeping DELAY_US microseconds (default 0) between calls, then the main thread calls
 * report(). tick() and report() are breakpoint sites for the tests; the program checks its own
 * sums, so a breakpoint that corrupts an instruction or a step-over that skips one shows.
 * Prints "breakpoint-loop ok calls=C" and exits 0 when every sum is right. A breakpoint left
 * behind kills it with SIGTRAP.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int n = 100;
static int delay_us;

__attribute__((noinline)) unsigned long tick(unsigned long acc, unsigned long i)
{
	__asm__ volatile("" ::: "memory");
	return acc + i * 3 + 1;
}

__attribute__((noinline)) int report(unsigned long calls, int bad)
{
	printf("breakpoint-loop %s calls=%lu\n", bad ? "FAILED" : "ok", calls);
	fflush(stdout);
	return bad;
}

static void *run(void *arg)
{
	unsigned long acc = 0;
	for (int i = 0; i < n; i++) {
		acc = tick(acc, (unsigned long)i);
		if (delay_us)
			usleep(delay_us);
	}
	unsigned long want = 3UL * (unsigned long)n * (n - 1) / 2 + n;
	*(int *)arg = acc != want;
	return NULL;
}

int main(int argc, char **argv)
{
	n = argc > 1 ? atoi(argv[1]) : 100;
	delay_us = argc > 2 ? atoi(argv[2]) : 0;
	int threads = argc > 3 ? atoi(argv[3]) : 1;
	pthread_t tid[64];
	int bad[64] = { 0 };
	if (threads < 1 || threads > 64)
		return 2;
	for (int t = 1; t < threads; t++)
		pthread_create(&tid[t], NULL, run, &bad[t]);
	run(&bad[0]);
	int any = bad[0];
	for (int t = 1; t < threads; t++) {
		pthread_join(tid[t], NULL);
		any |= bad[t];
	}
	return report((unsigned long)n * threads, any);
}
