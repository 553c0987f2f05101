/*
 * stress.h: what the stress test's parts share (tests/stress/).
 *
 * bfsgil-stress runs phases; each phase starts 2 to 64 worker threads
 * that take, hold, yield and give up the lock in random mixes, detach
 * and re-attach, and change their nice, while a chaos thread changes
 * slice_us, preempt and other threads' nice, and a monitor thread checks
 * every millisecond that nothing is wrong (monitor.c).  Everything random
 * comes from one seed, printed first, so that a failing run's operations
 * can be replayed (the interleaving, of course, cannot).
 */
#ifndef BFSGIL_STRESS_H
#define BFSGIL_STRESS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <bfsgil.h>

#include "harness_time.h"

/* What a worker is doing, for the watchdog's message. */
enum worker_op {
	OP_NONE,
	OP_ACQUIRE,	/* waiting in bfsgil_acquire */
	OP_YIELD,	/* waiting in bfsgil_yield */
};

struct worker {
	struct stress *st;
	int id;
	pthread_t thread;
	uint64_t rng;
	/* The handle; replaced on re-attach.  Other threads (chaos) use it
	 * only with stress.handles held, which the worker holds to swap it. */
	bfsgil_thread_t *handle;
	/* When the current wait began (0: not waiting), and in what. */
	_Atomic uint64_t wait_since;
	_Atomic int op;
	_Atomic int nice;	/* the last nice set, by anyone */
	/* The worker's own tally (written by it alone, read after join). */
	uint64_t acquires;	/* bfsgil_acquire calls that returned 0 */
	uint64_t yields;	/* bfsgil_yield calls */
	uint64_t wait_ns;	/* time inside acquire and yield */
	uint64_t max_wait_ns;	/* the longest of those */
	uint64_t reattaches;
	uint64_t misuse;	/* wrong calls that got their errno */
};

struct stress {
	bfsgil_t *gil;
	uint64_t seed;
	bool verbose;
	/* The workers and chaos stop when this turns 1; the monitor only
	 * when monitor_stop does, after every worker is joined, so that a
	 * worker stuck in a wait at the phase's end is still caught. */
	atomic_int stop;
	atomic_int monitor_stop;
	/* The test's own record of who holds the lock: a worker claims it
	 * after acquire or yield returns and clears it before release or
	 * yield.  A claim that finds it taken means two holders. */
	_Atomic(struct worker *) holder;
	struct worker *workers;
	int nworkers;
	/* Guards every worker's handle field and retired below. */
	pthread_mutex_t handles;
	/* The final figures of every handle ever detached (handles). */
	struct bfsgil_stats retired;
	/* The bound every wait must keep to this phase, in ns. */
	uint64_t bound_ns;
	uint64_t max_hold_ns;
	int phase;
	/* Counts for the phase line. */
	_Atomic uint64_t audits;
	_Atomic uint64_t chaos_ops;
	_Atomic uint64_t hook_events;	/* seen by chaos's checking hook */
};

/* worker.c */
void *worker_main(void *arg);
void worker_attach(struct stress *st, struct worker *w);
void worker_detach(struct stress *st, struct worker *w);

/* chaos.c */
void *chaos_main(void *arg);
void chaos_set_slice(struct stress *st, uint64_t *rng);
/* After chaos is joined: take its hook out if it is in. */
void chaos_end_phase(struct stress *st);
/* The largest slice_us chaos ever sets. */
long long chaos_slice_us_max(void);

/* monitor.c: the checks made all along, and the ones at a phase's end. */
void *monitor_main(void *arg);
/* The workers' own counts over a phase, summed once they are joined. */
struct worker_tally {
	uint64_t acquires, yields, wait_ns, max_wait_ns, reattaches, misuse;
};

/* The bound on any one wait for a phase of @nthreads. */
uint64_t monitor_wait_bound_ns(const struct stress *st, int nthreads);
/* After every worker of a phase has been joined: the lock's totals when
 * the phase began (@before) and now (@after), the workers' @tally. */
void monitor_check_quiescent(struct stress *st, const struct bfsgil_stats *before,
			     const struct bfsgil_stats *after,
			     const struct worker_tally *tally);

/* stress.c */
_Noreturn void stress_fail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
uint64_t stress_rand(uint64_t *state);
/* A uniform integer in [lo, hi]. */
uint64_t stress_between(uint64_t *state, uint64_t lo, uint64_t hi);
void stress_stats_add(struct bfsgil_stats *sum, const struct bfsgil_stats *s);

#endif /* BFSGIL_STRESS_H */
