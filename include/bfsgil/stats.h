/*
 * bfsgil/stats.h: counters of what the scheduler did, per lock and per
 * thread.
 *
 * Per thread, each counter is about that thread.  Per lock, each is the sum
 * over every thread that was ever attached, so the lock's figures always
 * equal the sum of its threads' (including threads since detached).  Every
 * handoff ends one contended acquisition, so for a lock, handoffs ==
 * contended (in a fork child, handoffs may be one more: a handoff can be
 * in flight at fork() to a thread the child does not have).  Time the
 * current holder has held the lock so far is not yet in
 * contended_hold_ns.
 *
 * Reading is safe from any thread at any time and does not block on the
 * GIL; the figures are a consistent-enough snapshot, not an atomic one.
 */
#ifndef BFSGIL_STATS_H
#define BFSGIL_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <bfsgil/export.h>
#include <bfsgil/lock.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bfsgil_stats {
	uint64_t acquires;        /* times the lock was taken */
	uint64_t contended;       /* of those, times the lock was held by
				   * another thread when asked for (a
				   * take-back counts, with no wait) */
	uint64_t handoffs;        /* times the lock was passed to a waiter (by
				   * this thread, per thread) */
	uint64_t yields;          /* bfsgil_yield calls that found a waiter */
	uint64_t preempt_requests;/* times a holder was asked to give way */
	uint64_t slice_expiries;  /* slices used up; each reissued a deadline */
	uint64_t wakeups;         /* times a waiting thread's wait ended: a
				   * handoff to it (also one seen while
				   * polling, without sleeping), a
				   * watcher's timer, or a poke */
	uint64_t wait_ns;         /* total time waiting to acquire */
	uint64_t max_wait_ns;     /* longest single wait */
	uint64_t contended_hold_ns;/* time holding while another thread
				   * waited, up to the last release or
				   * yield: the time charged to slices.
				   * Holds nobody waited for are not timed,
				   * which keeps the uncontended acquire
				   * and release free of clock reads. */
	uint64_t threads;         /* per lock: threads attached now; per
				   * thread: 1 */
	uint64_t waiting;         /* per lock: threads queued for it now;
				   * per thread: 1 if it is queued now */
	uint64_t spins;           /* times a waiter polled for the lock
				   * before sleeping (tunable spin_us):
				   * it was next in line and the holder
				   * had been asked to give way */
	uint64_t spin_grants;     /* of those, times the lock came while
				   * polling and stayed ours: a wake-up
				   * saved */
	uint64_t spin_ns;         /* wall time spent polling (CPU time,
				   * unless the poller lost its CPU) */
	/* Added in 0.2.0 (library interface 3). */
	uint64_t share_expiries;  /* times a release or yield reissued a
				   * kept deadline because the thread had
				   * had more than its share of the lock
				   * since it was issued (bfsgil_release) */
	uint64_t repeated_asks;   /* times a holder already asked to give
				   * way was asked again at a slice end
				   * (not in preempt_requests) */
	uint64_t timeouts;        /* bfsgil_timedacquire calls that ran
				   * out of time */
	uint64_t interrupts;      /* waits ended by bfsgil_interrupt */
};

/**
 * bfsgil_stats_get - the lock's totals into @out, @size bytes of it.
 * @size: sizeof(struct bfsgil_stats) as the caller was compiled with.
 *
 * The structure grows at its end from version to version: the library
 * fills as much of @out as both it and the caller know, and zeroes the
 * rest of the caller's, so a program built against an older or newer
 * header works with this library.  Use bfsgil_stats(), which passes
 * the size.  Takes the internal mutex briefly.
 *
 * Returns 0; EINVAL if an argument is NULL, or @size is 0 or not a
 * multiple of 8 (nothing is written).
 */
BFSGIL_API int bfsgil_stats_get(const bfsgil_t *gil, struct bfsgil_stats *out,
				size_t size);

/**
 * bfsgil_thread_stats_get - one thread's counters into @out, @size bytes
 * of it, as bfsgil_stats_get().  Takes the internal mutex briefly.
 *
 * Returns 0; EINVAL as bfsgil_stats_get().
 */
BFSGIL_API int bfsgil_thread_stats_get(const bfsgil_thread_t *self,
				       struct bfsgil_stats *out, size_t size);

/**
 * bfsgil_stats - bfsgil_stats_get() with the size of @out's type.
 * bfsgil_thread_stats - bfsgil_thread_stats_get() likewise.
 *
 * Macros: a program compiled with this header passes its own size.
 * (Programs built against library interface 2 call functions of these
 * names, which the library keeps: they fill the 15 counters that
 * interface had.)
 */
#define bfsgil_stats(gil, out) \
	bfsgil_stats_get((gil), (out), sizeof(*(out)))
#define bfsgil_thread_stats(self, out) \
	bfsgil_thread_stats_get((self), (out), sizeof(*(out)))

#ifdef __cplusplus
}
#endif

#endif /* BFSGIL_STATS_H */
