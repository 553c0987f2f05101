/*
 * clock.h: the one time source.  Every time the scheduler reasons about is
 * nanoseconds of CLOCK_MONOTONIC, the clock the condition variables' timed
 * waits use too, so a deadline can be slept until directly.
 *
 * clock_gettime(CLOCK_MONOTONIC) is served by the vDSO on Linux: no
 * system call (about 26 ns on the development VM).
 */
#ifndef BFSGIL_CLOCK_H
#define BFSGIL_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t
clock_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline struct timespec
clock_timespec(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000u),
		.tv_nsec = (long)(ns % 1000000000u),
	};
	return ts;
}

/* Tell the CPU we are busy-waiting: on x86 "pause" keeps a polling
 * loop from flooding the pipeline and lets a hyperthread sibling run. */
static inline void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

#endif /* BFSGIL_CLOCK_H */
