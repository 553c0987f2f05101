/*
 * policy.h: the benchmark's lock policies behind one small interface, so
 * every workload runs against every policy through the same code.
 *
 * A policy is a lock (one per run) and a per-thread handle.  The eval
 * loop calls should_yield() before every "opcode" (through the function
 * pointer, at the same cost for every policy) and yield() when it says so;
 * blocking calls are bracketed by release() and acquire().  Each policy
 * lives in its own file: policy_bfsgil.c, policy_newgil.c (CPython 3.2+),
 * policy_oldgil.c (Python 2), policy_fifo.c (Ruby's GVL).
 */
#ifndef BENCH_POLICY_H
#define BENCH_POLICY_H

#include <stdbool.h>

struct policy {
	const char *name;
	const char *about;	/* one line for --help and the report */
	/* A new lock, free; 0 or an errno value. */
	int (*create)(void **lockp);
	void (*destroy)(void *lock);
	/* The calling thread's handle; 0 or an errno value. */
	int (*attach)(void *lock, void **threadp);
	void (*detach)(void *thread);
	void (*acquire)(void *thread);
	void (*release)(void *thread);
	/* The eval loop's per-opcode check, with the lock held. */
	bool (*should_yield)(void *thread);
	/* Let others run (the policy decides who, and for how long), then
	 * come back holding the lock. */
	void (*yield)(void *thread);
};

extern const struct policy policy_bfsgil;
extern const struct policy policy_newgil;
extern const struct policy policy_oldgil;
extern const struct policy policy_fifo;

/* Every policy, in the order tables show them; NULL-terminated. */
extern const struct policy *const policy_all[];

/* The policy called @name, or NULL. */
const struct policy *policy_find(const char *name);

#endif /* BENCH_POLICY_H */
