/*
 * peer.h: the real peer, stock CPython, running bench/peer/gilpeer.py so
 * its rows are measured in the same session as ours, by the same client.
 */
#ifndef BENCH_PEER_H
#define BENCH_PEER_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "plan.h"

struct peer {
	pid_t pid;
	FILE *out;	/* its stdout */
	uint16_t port;	/* latency: where it listens */
};

/* Start `python gilpeer.py latency --workload W --threads N` and wait for
 * its "ready PORT" line.  Returns 0, or an errno value (EPROTO if it
 * said something else). */
int peer_latency_start(const struct plan *p, const char *workload,
		       int threads, struct peer *peer);

/* After sending it "quit": read its "done", reap it.  Returns 0 if it
 * exited with status 0, else EPROTO. */
int peer_finish(struct peer *peer);

/* Run `gilpeer.py throughput` for @seconds; store ops per second. */
int peer_throughput(const struct plan *p, const char *workload, int threads,
		    double seconds, double *ops_per_s);

/* Whether @python can run at all (checked once, before any test). */
int peer_check(const char *python, const char *script);

#endif /* BENCH_PEER_H */
