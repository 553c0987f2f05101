/*
 * bench.h: small helpers every part of bfsgil-bench uses.
 */
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#define US 1000ull
#define MS 1000000ull
#define SEC 1000000000ull

static inline uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
}

/* An absolute CLOCK_MONOTONIC time @ns from now, for timed waits. */
struct timespec timespec_after_ns(uint64_t ns);

/* Initialise @cond to time its waits on CLOCK_MONOTONIC, the clock of
 * timespec_after_ns(); 0 or an errno value. */
int cond_init_monotonic(pthread_cond_t *cond);

/* Sleep for @ns: a measurement window or a workload's blocking call,
 * never a stand-in for a condition. */
void sleep_ns(uint64_t ns);

/* A pthreads call failed where the benchmark cannot go on: say which
 * and exit(1).  Never returns. */
void bench_fail(const char *what, int err) __attribute__((noreturn));

/* Check a pthreads-style return value. */
#define BENCH_CHECK(call) do { \
	int bench_err_ = (call); \
	if (bench_err_ != 0) \
		bench_fail(#call, bench_err_); \
} while (0)

/* Progress for runs longer than a few seconds, on stderr. */
void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* BENCH_BENCH_H */
