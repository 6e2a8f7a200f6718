/*
 * thread-churn [ROUNDS [THREADS]]
 *
 * Starts THREADS threads (default 4) per round for ROUNDS rounds (default 10); each computes a
 * sum and exits; the main thread joins them and checks every result. Prints "thread-churn ok
 * rounds=R threads=T"; exit 0 when every result was right.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct work {
	unsigned long n;
	unsigned long sum;
};

static void *worker(void *arg)
{
	struct work *w = arg;
	volatile unsigned long s = 0;
	for (unsigned long i = 0; i < w->n; i++)
		s += i;
	w->sum = s;
	return NULL;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 10;
	int threads = argc > 2 ? atoi(argv[2]) : 4;
	pthread_t *tid = calloc(threads, sizeof *tid);
	struct work *work = calloc(threads, sizeof *work);
	int bad = 0;
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < threads; i++) {
			work[i].n = 1000 + 100 * i + r;
			if (pthread_create(&tid[i], NULL, worker, &work[i]) != 0) {
				perror("pthread_create");
				return 2;
			}
		}
		for (int i = 0; i < threads; i++) {
			pthread_join(tid[i], NULL);
			if (work[i].sum != work[i].n * (work[i].n - 1) / 2)
				bad = 1;
		}
	}
	printf("thread-churn %s rounds=%d threads=%d\n", bad ? "FAILED" : "ok", rounds, threads);
	return bad;
}
