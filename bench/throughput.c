/*
 * throughput.c: do CPU-bound threads lose throughput to switching?  1, 2,
 * 4 and 8 threads of each workload, as a percentage of one thread's, for
 * every policy.  Each round runs every policy's 1, 2, 4, 8 back to back,
 * and a percentage is taken within its round: the machine's drift between
 * rounds cancels out.
 */
#include <errno.h>
#include <stdio.h>

#include "bench.h"
#include "peer.h"
#include "plan.h"
#include "results.h"
#include "sample.h"
#include "work.h"

#define MAX_THREADS 8
#define MAX_ROUNDS 16
static const int counts[] = { 1, 2, 4, 8 };
#define NCOUNTS (sizeof(counts) / sizeof(counts[0]))

/* Ops per second of @nthreads threads of @wl under @pol. */
static double
run_threads(const struct policy *pol, enum workload wl, int nthreads,
	    uint64_t duration_ns)
{
	struct worker w[MAX_THREADS];
	pthread_barrier_t start;
	atomic_int stop = 0;
	uint64_t t0, t1, ops = 0;
	void *lock;

	BENCH_CHECK(pol->create(&lock));
	BENCH_CHECK(pthread_barrier_init(&start, NULL, (unsigned)nthreads + 1));
	for (int i = 0; i < nthreads; i++) {
		w[i] = (struct worker){ .pol = pol, .lock = lock, .kind = wl,
					.stop = &stop, .start = &start };
		worker_start(&w[i]);
	}
	pthread_barrier_wait(&start);
	t0 = now_ns();
	sleep_ns(duration_ns);	/* the measurement window */
	atomic_store(&stop, 1);
	t1 = now_ns();
	for (int i = 0; i < nthreads; i++) {
		worker_join(&w[i]);
		ops += w[i].ops;
	}
	pthread_barrier_destroy(&start);
	pol->destroy(lock);
	return (double)ops / ((double)(t1 - t0) / 1e9);
}

struct entry {
	const char *name;
	const struct policy *pol;	/* NULL: the CPython peer */
	double ops[NCOUNTS][MAX_ROUNDS];
	double percent[NCOUNTS][MAX_ROUNDS];
};

static void
report(const struct plan *p, struct entry *e, enum workload wl)
{
	for (size_t c = 0; c < NCOUNTS; c++) {
		struct result *r = result_new("throughput", e->name,
					      workload_name(wl), counts[c]);
		double pct[MAX_ROUNDS], ops[MAX_ROUNDS];
		size_t n = (size_t)p->rounds;

		for (size_t i = 0; i < n; i++) {
			pct[i] = e->percent[c][i];
			ops[i] = e->ops[c][i];
		}
		result_set(r, "ops_per_s", median(ops, n));
		result_set(r, "percent_of_one", median(pct, n));
		result_set(r, "percent_min", min_of(pct, n));
		result_set(r, "percent_max", max_of(pct, n));
		result_set(r, "rounds", p->rounds);
		printf("  %-9s %-7s %7d %12.4g %8.1f%% [%.1f..%.1f]\n",
		       workload_name(wl), e->name, counts[c],
		       result_get(r, "ops_per_s"), result_get(r, "percent_of_one"),
		       result_get(r, "percent_min"), result_get(r, "percent_max"));
	}
}

static void
measure(const struct plan *p, struct entry *entries, int nentries,
	enum workload wl)
{
	progress("throughput: %s (%d rounds)", workload_name(wl), p->rounds);
	for (int round = 0; round < p->rounds; round++) {
		for (int e = 0; e < nentries; e++) {
			struct entry *en = &entries[e];

			for (size_t c = 0; c < NCOUNTS; c++) {
				double ops;

				if (en->pol != NULL) {
					ops = run_threads(en->pol, wl, counts[c],
							  p->throughput_ns);
				} else {
					int err = peer_throughput(p,
						workload_name(wl), counts[c],
						(double)p->throughput_ns / 1e9,
						&ops);
					if (err != 0)
						bench_fail("the python peer", err);
				}
				en->ops[c][round] = ops;
				en->percent[c][round] =
					100.0 * ops / en->ops[0][round];
			}
		}
	}
	for (int e = 0; e < nentries; e++)
		report(p, &entries[e], wl);
}

void
test_throughput(const struct plan *p)
{
	static struct entry entries[PLAN_MAX_POLICIES + 1];
	static const enum workload workloads[] = { WL_CPU, WL_CNOGIL, WL_CRELEASE };
	int n = 0;

	for (int i = 0; i < p->npolicies; i++)
		entries[n++] = (struct entry){ .name = p->policies[i]->name,
					       .pol = p->policies[i] };
	printf("\nThroughput: N threads of a workload, total work per second "
	       "as a percentage of\none thread's under the same policy in the "
	       "same round (median [min..max]).\n");
	printf("  %-9s %-7s %7s %12s %9s\n", "workload", "policy", "threads",
	       "ops/s", "of one");
	for (size_t w = 0; w < sizeof(workloads) / sizeof(workloads[0]); w++) {
		/* The peer runs the pure-Python loop only: its C calls are
		 * not ours, so only cpu compares like with like. */
		if (p->python != NULL && workloads[w] == WL_CPU)
			entries[n] = (struct entry){ .name = "python3" };
		measure(p, entries,
			n + (p->python != NULL && workloads[w] == WL_CPU),
			workloads[w]);
	}
	fflush(stdout);
}
