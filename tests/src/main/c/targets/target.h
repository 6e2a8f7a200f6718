/*
 * Shared by the test targets: argument parsing, running N worker threads, and the one final
 * line every target prints ("ok ops=N fallback=F ..." and exit 0, or "FAIL ..." and exit 1).
 */
#ifndef RSEQDBG_TARGET_H
#define RSEQDBG_TARGET_H

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_BAD_USAGE 2

static const char *target_usage;

static __attribute__((unused)) void usage_error(const char *why)
{
	fprintf(stderr, "%s\nusage: %s\n", why, target_usage);
	exit(EXIT_BAD_USAGE);
}

/* argv[index] as a number in [min, max], or @fallback when absent. */
static __attribute__((unused)) long arg_long(int argc, char **argv, int index, long fallback, long min, long max)
{
	char *end;
	long v;

	if (index >= argc)
		return fallback;
	errno = 0;
	v = strtol(argv[index], &end, 10);
	if (errno || end == argv[index] || *end || v < min || v > max) {
		char why[160];

		snprintf(why, sizeof(why), "bad argument '%s': expected a number from %ld to %ld",
			 argv[index], min, max);
		usage_error(why);
	}
	return v;
}

static __attribute__((unused)) void check_arg_count(int argc, int max_args)
{
	if (argc - 1 > max_args)
		usage_error("too many arguments");
}

struct worker {
	pthread_t thread;
	int index;
	void (*body)(int index, void *ctx);
	void *ctx;
};

static __attribute__((unused)) void *worker_main(void *arg)
{
	struct worker *w = arg;

	w->body(w->index, w->ctx);
	return NULL;
}

/* A number from the calling thread's /proc status (FIELD without its colon), -1 when it has none. */
static __attribute__((unused)) long thread_status(const char *field)
{
	char line[256];
	size_t len = strlen(field);
	long value = -1;
	FILE *status = fopen("/proc/thread-self/status", "r");

	while (status && fgets(line, sizeof(line), status))
		if (strncmp(line, field, len) == 0 && line[len] == ':')
			value = atol(line + len + 1);
	if (status)
		fclose(status);
	return value;
}

/*
 * With RSEQDBG_AWAIT_TRACER set, waits (up to a minute) until a tracer is attached to the calling
 * thread, so that a test can attach to a program before its work begins whatever the machine's load.
 */
static __attribute__((unused)) void await_tracer_if_asked(void)
{
	if (!getenv("RSEQDBG_AWAIT_TRACER"))
		return;
	for (int i = 0; i < 60000; i++) {
		if (thread_status("TracerPid") > 0) {
			/* RSEQDBG_SAW_TRACER=FILE: say so, for a test that must not act before (a stepped poll takes seconds). */
			const char *saw = getenv("RSEQDBG_SAW_TRACER");
			FILE *mark = saw ? fopen(saw, "w") : NULL;

			if (mark)
				fclose(mark);
			return;
		}
		usleep(1000);
	}
}

/*
 * With RSEQDBG_HOLD_EXIT=FILE, the program waits at its exit (up to 20 s) until FILE exists, so
 * that a test can read its memory after rseqdbg let it go, however fast the rest of its work ran.
 */
static void hold_exit(void)
{
	const char *file = getenv("RSEQDBG_HOLD_EXIT");

	for (int i = 0; file && i < 20000 && access(file, F_OK) != 0; i++)
		usleep(1000);
}

/* Runs body(0..threads-1, ctx); one thread runs on the main thread, so it stays single-threaded. */
static __attribute__((unused)) void run_threads(int threads, void (*body)(int index, void *ctx), void *ctx)
{
	struct worker *w;

	if (getenv("RSEQDBG_HOLD_EXIT"))
		atexit(hold_exit);
	await_tracer_if_asked();

	if (threads == 1) {
		body(0, ctx);
		return;
	}
	w = calloc((size_t)threads, sizeof(*w));
	if (!w) {
		perror("calloc");
		exit(1);
	}
	for (int i = 0; i < threads; i++) {
		w[i] = (struct worker){ .index = i, .body = body, .ctx = ctx };
		if (pthread_create(&w[i].thread, NULL, worker_main, &w[i]) != 0) {
			perror("pthread_create");
			exit(1);
		}
	}
	for (int i = 0; i < threads; i++)
		pthread_join(w[i].thread, NULL);
	free(w);
}

__attribute__((format(printf, 1, 2), noreturn))
static __attribute__((unused)) void fail(const char *fmt, ...)
{
	va_list ap;

	fputs("FAIL ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	exit(1);
}

#endif
