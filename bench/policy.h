/*
 * policy.h: the benchmark's lock policies behind one small interface, so
 * every workload runs against every policy through the same code.
 *
 * A policy is a lock (one per run) and a per-thread handle.  The eval
 * loop calls should_yield() before every "opcode" (through the function
 * pointer, at the same cost for every policy) and yield() when it says so;
 * blocking calls are bracketed by release() and acquire().  Each policy
 * lives in its own file: policy_bfsgil.c, policy_newgil.c (CPython 3.2+),
 * policy_oldgil.c (Python 2), policy_fifo.c (Ruby's GVL); and the
 * experiments, run only when named, in policy_vtime.c.
 */
#ifndef BENCH_POLICY_H
#define BENCH_POLICY_H

#include <stdbool.h>

/*
 * How a policy tells a host that the holder has been asked to give way,
 * for hosts that cannot afford should_yield() at every opcode (a Lua
 * instruction hook costs about 2x while installed; bfsgil-lua arms one
 * only when asked).  asked() gets the udata the holder attached with.
 * It runs in the asking thread, under the policy's internal lock: it must
 * not block nor call the policy.
 */
struct policy_asker {
	void (*asked)(void *udata);
};

struct policy {
	const char *name;
	const char *about;	/* one line for --help and the report */
	/* A new lock, free; 0 or an errno value. */
	int (*create)(void **lockp);
	void (*destroy)(void *lock);
	/* The calling thread's handle; 0 or an errno value.  @udata is
	 * handed back by the asker (set_asker). */
	int (*attach)(void *lock, void **threadp, void *udata);
	void (*detach)(void *thread);
	void (*acquire)(void *thread);
	void (*release)(void *thread);
	/* The eval loop's per-opcode check, with the lock held. */
	bool (*should_yield)(void *thread);
	/* Let others run (the policy decides who, and for how long), then
	 * come back holding the lock. */
	void (*yield)(void *thread);
	/* Call @a->asked each time a holder is asked to give way; 0 or an
	 * errno value.  NULL for a policy that never asks but counts
	 * opcodes (oldgil): a host that cannot count them one by one calls
	 * yield() every poll_every opcodes instead. */
	int (*set_asker)(void *lock, const struct policy_asker *a);
	unsigned poll_every;
	/* The thread's nice, -20..19; 0 or an errno value.  NULL for a
	 * policy without priorities. */
	int (*set_nice)(void *thread, int nice);
};

extern const struct policy policy_bfsgil;
extern const struct policy policy_newgil;
extern const struct policy policy_oldgil;
extern const struct policy policy_fifo;
extern const struct policy policy_vtime;
extern const struct policy policy_vtimecpu;
extern const struct policy policy_vtimecap;

/* Every policy, in the order tables show them; NULL-terminated. */
extern const struct policy *const policy_all[];

/* The policy called @name, or NULL. */
const struct policy *policy_find(const char *name);

/* Sketches measured for the design, run by bfsgil-bench only when named
 * (policy_vtime.c); not policies for hosts.  NULL-terminated. */
extern const struct policy *const policy_experiments[];

/* The experiment called @name, or NULL. */
const struct policy *policy_find_experiment(const char *name);

#endif /* BENCH_POLICY_H */
