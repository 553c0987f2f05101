/*
 * work.h: the workloads, as Antoine Pitrou's ccbench has them, run by
 * "interpreter threads" through a policy.
 *
 *  cpu       a pure eval loop: an opcode of ~50-100 ns of arithmetic, a
 *            should-yield check before each.
 *  cnogil    a long C call that keeps the lock (~2 ms, no check inside),
 *            like re.search; one check between calls.
 *  crelease  C work done with the lock released (release, ~2 ms of work,
 *            re-acquire), like bz2.
 *  io        (latency.c) a thread answering UDP pings.
 */
#ifndef BENCH_WORK_H
#define BENCH_WORK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "policy.h"

enum workload { WL_NONE, WL_CPU, WL_CNOGIL, WL_CRELEASE };

const char *workload_name(enum workload w);

/* Measure the machine once: how long an opcode takes and how many steps
 * make the 2 ms C call.  Prints what it found on stderr. */
void work_calibrate(bool quick);

/* One opcode's work on *@x. */
void work_opcode(uint64_t *x);

/* The nanoseconds one opcode took at calibration, and one C call. */
double work_opcode_ns(void);
double work_call_ns(void);

/* One ~2 ms C call's work. */
void work_call(uint64_t *x);

/* An interpreter thread running one workload until told to stop. */
struct worker {
	const struct policy *pol;
	void *lock;
	enum workload kind;
	const atomic_int *stop;
	pthread_barrier_t *start;	/* every worker and the main thread */
	int index;			/* names its thread "<workload> <index+1>" */
	/* Opcodes, or C calls, done so far: the worker adds to it, anyone
	 * may read it (worker_ops) while it runs. */
	_Atomic uint64_t ops;
	uint64_t max_wait_ns;		/* longest wait for the lock; read
					 * after join */
	pthread_t thread;
};

/* Start @w on its own thread (small stack: runs may have 1,000). */
void worker_start(struct worker *w);
void worker_join(struct worker *w);

/* The ops @n workers have done so far, read while they run, and the
 * moment of the reading. */
uint64_t workers_ops(const struct worker *w, int n, uint64_t *at_ns);

/* Spawn @fn on a thread with a 256 KiB stack. */
pthread_t thread_spawn(void *(*fn)(void *), void *arg);

#endif /* BENCH_WORK_H */
