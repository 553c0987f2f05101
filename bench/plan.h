/*
 * plan.h: what one run of bfsgil-bench measures, and for how long.
 */
#ifndef BENCH_PLAN_H
#define BENCH_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "peer.h"
#include "policy.h"
#include "work.h"

#define PLAN_MAX_POLICIES 8
#define PLAN_MAX_PEERS 5

struct plan {
	bool quick;
	const struct policy *policies[PLAN_MAX_POLICIES];
	int npolicies;
	/* Real interpreters (peer.h): CPython, then bfsgil-lua per policy. */
	struct peer_cmd peers[PLAN_MAX_PEERS];
	int npeers;
	/* Rounds: every compared thing runs once per round, interleaved. */
	int rounds;
	int cpu_rounds;			/* throughput's cpu workload */
	uint64_t latency_ns;		/* pinging per run */
	/* The same for the cpu workload, whose figures the targets judge:
	 * a full run's p99 from at least 1,000 pings (rounds x this / 10 ms;
	 * a p99 of 100 is the second-largest round trip). */
	uint64_t latency_cpu_ns;
	/* The kernel time slice the latency test's I/O thread asks for
	 * (BFSGIL_BENCH_IO_SLICE_US), 0 for the kernel's default. */
	uint64_t io_kernel_slice_ns;
	/* --latency-only: just the cpu workload beside these thread counts
	 * (0 entries: the full table). */
	int latency_counts[4];
	int nlatency_counts;
	uint64_t throughput_ns;		/* per run */
	/* Per run of a peer: a fresh process, whose first few hundred ms
	 * vary more (150 ms windows put Lua's 2 threads anywhere from 47%
	 * to 155% of one; 1 s windows within 6%). */
	uint64_t peer_throughput_ns;
	uint64_t fairness_ns;
	uint64_t cost_ns;		/* per timed batch */
	/* many.c: per run of N short-hold threads, long enough for a
	 * starved thread to show (a turn of 1,000 holders takes tens of
	 * ms); the 2-thread loop that measures a transfer; its rounds. */
	uint64_t many_ns;
	uint64_t many_pingpong_ns;
	int many_rounds;
};

/* latency.c: one run of the latency test under @pol: an I/O thread
 * answering pings every LATENCY_PING_INTERVAL_NS for @duration_ns beside
 * @nthreads threads of @wl.  Round trips into @rtt (CLIENT_MAX_PINGS),
 * unanswered pings counted in *@lost; returns the number of pings. */
#define LATENCY_PING_INTERVAL_NS (10 * 1000000ull)
size_t latency_run(const struct plan *p, const struct policy *pol,
		   enum workload wl, int nthreads, uint64_t duration_ns,
		   uint64_t *rtt, size_t *lost);

/* Each test adds its records to results.h's table and prints its rows. */
void test_latency(const struct plan *p);
void test_throughput(const struct plan *p);
void test_fairness(const struct plan *p);
void test_costs(const struct plan *p);
void test_many(const struct plan *p);

#endif /* BENCH_PLAN_H */
