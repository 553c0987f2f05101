/*
 * peer.h: real interpreters as peers, measured in the same session as our
 * policies, by the same client: stock CPython running bench/peer/gilpeer.py,
 * and stock Lua 5.4 in bfsgil-lua (one peer per policy) running
 * lua/bench/luapeer.lua, which speaks the same protocol.
 */
#ifndef BENCH_PEER_H
#define BENCH_PEER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>


/* How to start one peer: its argv up to the subcommand. */
#define PEER_MAX_ARGS 6
struct peer_cmd {
	const char *name;	/* its rows' policy column */
	const char *argv[PEER_MAX_ARGS + 1];	/* NULL-terminated */
	bool lua;		/* bfsgil-lua: compares with lua-newgil */
};

struct peer {
	pid_t pid;
	FILE *out;	/* its stdout */
	uint16_t port;	/* latency: where it listens */
};

/* Start `CMD latency --workload W --threads N` and wait for its
 * "ready PORT" line.  Returns 0, or an errno value (EPROTO if it said
 * something else). */
int peer_latency_start(const struct peer_cmd *cmd, const char *workload,
		       int threads, struct peer *peer);

/* After sending it "quit": read its "done", reap it.  Returns 0 if it
 * exited with status 0, else EPROTO; ETIMEDOUT if no "done" came within
 * @timeout_ms (it was then killed): its echo thread never got the lock
 * back, as oldgil does beside long C calls. */
int peer_finish(struct peer *peer, int timeout_ms);

/* Run `CMD throughput` for @seconds; store ops per second.  A Lua peer
 * with @threads > 1 runs six pairs of short windows instead, one of
 * @threads threads and one of a single thread, in the same process
 * (--paired), and stores the single thread's figure in *@one_ops_per_s;
 * NaN when there is no such figure.  ETIMEDOUT
 * (and the peer killed) if no figure came within 5 x @seconds + 4 s:
 * its measuring thread never got the lock. */
int peer_throughput(const struct peer_cmd *cmd, const char *workload,
		    int threads, double seconds, double *ops_per_s,
		    double *one_ops_per_s);

/* Whether `CMD --help` runs at all (checked once, before any test). */
int peer_check(const struct peer_cmd *cmd);

#endif /* BENCH_PEER_H */
