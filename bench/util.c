/*
 * util.c: the helpers declared in bench.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct timespec
timespec_after_ns(uint64_t ns)
{
	uint64_t t = now_ns() + ns;
	struct timespec ts = {
		.tv_sec = (time_t)(t / SEC),
		.tv_nsec = (long)(t % SEC),
	};
	return ts;
}

int
cond_init_monotonic(pthread_cond_t *cond)
{
	pthread_condattr_t attr;
	int err;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	err = pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
	return err;
}

void
sleep_ns(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / SEC),
		.tv_nsec = (long)(ns % SEC),
	};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void
bench_fail(const char *what, int err)
{
	fprintf(stderr, "bfsgil-bench: %s: %s\n", what, strerror(err));
	exit(1);
}

void
progress(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("bfsgil-bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}
