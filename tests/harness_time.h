/*
 * harness_time.h: the clock, and the two ways a test spends time on
 * purpose: burning a CPU (work) and blocking off it (a blocking call).
 * Shared by the Check suites (harness.h) and the stress test, which
 * does not use Check.
 */
#ifndef BFSGIL_TEST_HARNESS_TIME_H
#define BFSGIL_TEST_HARNESS_TIME_H

#include <stdint.h>
#include <time.h>

#include "clock.h"	/* the library's own time source (src/) */

/* The clock the library reasons in, so a test's times compare with the
 * lock's (event timestamps, deadlines). */
static inline uint64_t
harness_now_ns(void)
{
	return clock_now_ns();
}

/* CLOCK_MONOTONIC time @ns as a timespec (bfsgil_timedacquire's). */
static inline struct timespec
harness_timespec(uint64_t ns)
{
	return clock_timespec(ns);
}

/* Spin doing nothing useful for @ns: "bytecode" work that keeps a CPU. */
static inline void
harness_burn_ns(uint64_t ns)
{
	uint64_t end = harness_now_ns() + ns;

	while (harness_now_ns() < end)
		;
}

/* Block off-lock for @ns, as an interpreter's blocking I/O call would.
 * This is the workload, never a stand-in for waiting on a condition. */
static inline void
harness_block_ns(uint64_t ns)
{
	struct timespec ts = clock_timespec(ns);

	while (nanosleep(&ts, &ts) != 0)
		;
}

#endif /* BFSGIL_TEST_HARNESS_TIME_H */
