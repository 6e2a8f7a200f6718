/*
 * plain-loop [N]
 *
 * A plain counted loop with no rseq: the baseline for single-step rates. Sums 0..N-1 (default
 * 1000) through a volatile so the compiler keeps every iteration, prints the sum and checks it
 * against the closed form. Exit 0 when the sum is right.
 */
#include <stdio.h>
#include <stdlib.h>

static volatile unsigned long sink;

__attribute__((noinline)) static unsigned long count_to(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		sink += i;
	return sink;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 1000;
	unsigned long sum = count_to(n);
	unsigned long expected = n * (n - 1) / 2;
	printf("plain-loop n=%lu sum=%lu\n", n, sum);
	return sum == expected ? 0 : 1;
}
