/*
 * fairness.c: is everyone served fairly?  Four equal CPU-bound threads
 * for 2 s under each policy: each one's share of the work, Jain's index
 * over the shares (1 is perfectly fair, 0.25 is one thread taking all),
 * and the longest any thread waited for the lock.
 */
#include <stdio.h>

#include "bench.h"
#include "plan.h"
#include "results.h"
#include "sample.h"
#include "work.h"

#define FAIR_THREADS 4

static void
run(const struct plan *p, const struct policy *pol)
{
	struct worker w[FAIR_THREADS];
	pthread_barrier_t start;
	atomic_int stop = 0;
	double share[FAIR_THREADS], total = 0, max_wait = 0;
	struct result *r;
	void *lock;

	BENCH_CHECK(pol->create(&lock));
	BENCH_CHECK(pthread_barrier_init(&start, NULL, FAIR_THREADS + 1));
	for (int i = 0; i < FAIR_THREADS; i++) {
		w[i] = (struct worker){ .pol = pol, .lock = lock, .kind = WL_CPU,
					.stop = &stop, .start = &start,
					.index = i };
		worker_start(&w[i]);
	}
	pthread_barrier_wait(&start);
	sleep_ns(p->fairness_ns);	/* the measurement window */
	atomic_store(&stop, 1);
	for (int i = 0; i < FAIR_THREADS; i++) {
		worker_join(&w[i]);
		total += (double)atomic_load(&w[i].ops);
		if ((double)w[i].max_wait_ns > max_wait)
			max_wait = (double)w[i].max_wait_ns;
	}
	pthread_barrier_destroy(&start);
	pol->destroy(lock);
	for (int i = 0; i < FAIR_THREADS; i++)
		share[i] = total > 0 ? 100.0 * (double)atomic_load(&w[i].ops) / total : 0;
	r = result_new("fairness", pol->name, "cpu", FAIR_THREADS);
	result_set(r, "seconds", (double)p->fairness_ns / 1e9);
	result_set(r, "jain", jain_index(share, FAIR_THREADS));
	result_set(r, "share_min_percent", min_of(share, FAIR_THREADS));
	result_set(r, "share_max_percent", max_of(share, FAIR_THREADS));
	result_set(r, "max_wait_ms", max_wait / 1e6);
	result_set_array(r, "shares_percent", share, FAIR_THREADS);
	printf("  %-7s %8.4f   %5.1f %5.1f %5.1f %5.1f %10.1f\n", pol->name,
	       result_get(r, "jain"), share[0], share[1], share[2], share[3],
	       max_wait / 1e6);
}

void
test_fairness(const struct plan *p)
{
	printf("\nFairness: %d equal CPU-bound threads for %.1f s; each one's "
	       "share of the work (%%),\nJain's index over the shares, the "
	       "longest wait for the lock (ms).\n", FAIR_THREADS,
	       (double)p->fairness_ns / 1e9);
	printf("  %-7s %8s   %-23s %10s\n", "policy", "Jain", "shares",
	       "wait ms");
	progress("fairness: %d threads, %.1f s per policy", FAIR_THREADS,
		 (double)p->fairness_ns / 1e9);
	for (int i = 0; i < p->npolicies; i++)
		run(p, p->policies[i]);
	fflush(stdout);
}
