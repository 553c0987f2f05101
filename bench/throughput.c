/*
 * throughput.c: do CPU-bound threads lose throughput to switching?  1, 2,
 * 4 and 8 threads of each workload, as a percentage of one thread's, for
 * every policy, and as a ratio to newgil's at the same count.  Each round
 * runs every policy at 1 thread, then every policy at 2, and so on, and
 * each figure is taken within its round: the machine's drift between
 * rounds cancels out, and what a ratio compares ran seconds apart at
 * most.  The cpu workload, which the targets judge, gets more rounds.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

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

/*
 * Ops per second of @nthreads threads of @wl under @pol.  The window
 * opens once every thread is going and is read off the threads' own
 * counts, at its two ends: the main thread may wake late on cores the
 * workers keep busy, and workers finish the C call they are in after
 * the stop, neither of which may count.  (Timing from the start barrier
 * to the stop did count them, and showed newgil's 8 crelease threads at
 * 259% of one on two cores.)
 */
static double
run_threads(const struct policy *pol, enum workload wl, int nthreads,
	    uint64_t duration_ns)
{
	struct worker w[MAX_THREADS];
	pthread_barrier_t start;
	atomic_int stop = 0;
	uint64_t t0, t1, ops0, ops1;
	void *lock;

	BENCH_CHECK(pol->create(&lock));
	BENCH_CHECK(pthread_barrier_init(&start, NULL, (unsigned)nthreads + 1));
	for (int i = 0; i < nthreads; i++) {
		w[i] = (struct worker){ .pol = pol, .lock = lock, .kind = wl,
					.stop = &stop, .start = &start,
					.index = i };
		worker_start(&w[i]);
	}
	pthread_barrier_wait(&start);
	sleep_ns(duration_ns / 10);	/* every thread under way */
	ops0 = workers_ops(w, nthreads, &t0);
	sleep_ns(duration_ns);		/* the measurement window */
	ops1 = workers_ops(w, nthreads, &t1);
	atomic_store(&stop, 1);
	for (int i = 0; i < nthreads; i++)
		worker_join(&w[i]);
	pthread_barrier_destroy(&start);
	pol->destroy(lock);
	return (double)(ops1 - ops0) / ((double)(t1 - t0) / 1e9);
}

struct entry;
static bool is_newgil(const struct entry *e);

struct entry {
	const char *name;
	const struct policy *pol;	/* NULL: a peer */
	const struct peer_cmd *peer;
	double ops[NCOUNTS][MAX_ROUNDS];
	/* A paired peer's one-thread figure, from the same process just
	 * before and after (peer.h); NaN for everyone else. */
	double one[NCOUNTS][MAX_ROUNDS];
	double percent[NCOUNTS][MAX_ROUNDS];
	/* ops / newgil's ops, same count, same round, run next to it. */
	double vs_newgil[NCOUNTS][MAX_ROUNDS];
};

/* newgil itself, in-process or under Lua. */
static bool
is_newgil(const struct entry *e)
{
	return e->pol == &policy_newgil ||
	       (e->peer != NULL && e->peer->lua &&
		strcmp(e->peer->name, "lua-newgil") == 0);
}

/* The entry @e's ratios compare with: newgil of the same family. */
static const struct entry *
newgil_of(const struct entry *e, const struct entry *entries, int n)
{
	bool lua = e->peer != NULL && e->peer->lua;

	for (int i = 0; i < n; i++)
		if (is_newgil(&entries[i]) &&
		    lua == (entries[i].peer != NULL && entries[i].peer->lua))
			return &entries[i];
	return NULL;
}

/* The comparison with newgil at @c threads: its figures go in @r, and a
 * note for the table in @note. */
static void
report_vs_newgil(struct result *r, const struct entry *e, size_t c, int rounds,
		 char *note, size_t notesz)
{
	double v[MAX_ROUNDS];
	int behind = 0;

	for (int i = 0; i < rounds; i++) {
		v[i] = e->vs_newgil[c][i];
		behind += v[i] < 1.0;
	}
	result_set(r, "vs_newgil", median(v, (size_t)rounds));
	result_set(r, "vs_newgil_min", min_of(v, (size_t)rounds));
	result_set(r, "vs_newgil_max", max_of(v, (size_t)rounds));
	result_set(r, "rounds_behind_newgil", behind);
	result_set(r, "sign_test_p", sign_test_p(behind, rounds));
	snprintf(note, notesz, "  %.3f [%.3f..%.3f] behind %d/%d",
		 result_get(r, "vs_newgil"), result_get(r, "vs_newgil_min"),
		 result_get(r, "vs_newgil_max"), behind, rounds);
}

static void
report(struct entry *e, enum workload wl, int rounds, bool have_newgil)
{
	for (size_t c = 0; c < NCOUNTS; c++) {
		struct result *r = result_new("throughput", e->name,
					      workload_name(wl), counts[c]);
		double pct[MAX_ROUNDS], ops[MAX_ROUNDS];
		size_t n = (size_t)rounds;
		char note[96] = "";
		bool starved = false;

		for (size_t i = 0; i < n; i++) {
			pct[i] = e->percent[c][i];
			ops[i] = e->ops[c][i];
			starved |= isnan(pct[i]) || isnan(ops[i]);
		}
		if (starved) {
			/* A peer whose measuring thread never got the
			 * lock in some round: no figure at all. */
			result_set(r, "starved", 1);
			printf("  %-9s %-10s %7d  no figure: its measuring "
			       "thread never got the lock\n",
			       workload_name(wl), e->name, counts[c]);
			continue;
		}
		result_set(r, "ops_per_s", median(ops, n));
		result_set(r, "percent_of_one", median(pct, n));
		result_set(r, "percent_min", min_of(pct, n));
		result_set(r, "percent_max", max_of(pct, n));
		result_set(r, "rounds", rounds);
		/* Within a family only: a Python op is not one of our
		 * opcodes, nor a Lua one. */
		if (have_newgil && (e->pol != NULL || (e->peer != NULL &&
						       e->peer->lua)) &&
		    !is_newgil(e) && counts[c] > 1)
			report_vs_newgil(r, e, c, rounds, note, sizeof(note));
		printf("  %-9s %-10s %7d %12.4g %8.1f%% [%.1f..%.1f]%s\n",
		       workload_name(wl), e->name, counts[c],
		       result_get(r, "ops_per_s"), result_get(r, "percent_of_one"),
		       result_get(r, "percent_min"), result_get(r, "percent_max"),
		       note);
	}
}

static double
run_entry(const struct plan *p, const struct entry *en, enum workload wl,
	  int nthreads, double *one)
{
	double ops;
	int err;

	*one = NAN;
	if (en->pol != NULL)
		return run_threads(en->pol, wl, nthreads, p->throughput_ns);
	err = peer_throughput(en->peer, workload_name(wl), nthreads,
			      (double)p->peer_throughput_ns / 1e9, &ops, one);
	if (err == ETIMEDOUT) {
		progress("%s %s x%d: its measuring thread never got the "
			 "lock; killed, counted as no figure", en->peer->name,
			 workload_name(wl), nthreads);
		return NAN;
	}
	if (err != 0)
		bench_fail(en->peer->name, err);
	return ops;
}

/* Every entry at one thread count, then the next count, and so on, round
 * after round: what a ratio compares ran next to each other. */
static void
measure(const struct plan *p, struct entry *entries, int nentries,
	enum workload wl, int rounds)
{
	bool have_newgil = false;

	for (int e = 0; e < nentries; e++)
		have_newgil |= is_newgil(&entries[e]);
	progress("throughput: %s (%d rounds)", workload_name(wl), rounds);
	for (int round = 0; round < rounds; round++) {
		for (size_t c = 0; c < NCOUNTS; c++) {
			for (int e = 0; e < nentries; e++) {
				struct entry *en = &entries[e];

				en->ops[c][round] = run_entry(p, en, wl, counts[c],
							      &en->one[c][round]);
				/* Against its own one-thread run of this
				 * round, or the paired one when it has one. */
				en->percent[c][round] =
					100.0 * en->ops[c][round] /
					(isnan(en->one[c][round])
						 ? en->ops[0][round]
						 : en->one[c][round]);
			}
			for (int e = 0; e < nentries; e++) {
				const struct entry *ng = newgil_of(
					&entries[e], entries, nentries);

				if (ng != NULL)
					entries[e].vs_newgil[c][round] =
						entries[e].ops[c][round] /
						ng->ops[c][round];
			}
		}
	}
	for (int e = 0; e < nentries; e++)
		report(&entries[e], wl, rounds,
		       have_newgil && newgil_of(&entries[e], entries,
						nentries) != NULL);
}

void
test_throughput(const struct plan *p)
{
	static struct entry entries[PLAN_MAX_POLICIES + PLAN_MAX_PEERS];
	static const enum workload workloads[] = { WL_CPU, WL_CNOGIL, WL_CRELEASE };
	int n = 0;

	for (int i = 0; i < p->npolicies; i++)
		entries[n++] = (struct entry){ .name = p->policies[i]->name,
					       .pol = p->policies[i] };
	printf("\nThroughput: N threads of a workload, total work per second "
	       "as a percentage of\none thread's under the same policy in the "
	       "same round (median [min..max]);\nthen ops/s as a ratio to "
	       "newgil's at the same count, run next to it, and in how\nmany "
	       "rounds it was behind newgil.\n");
	printf("  %-9s %-10s %7s %12s %9s %17s  %s\n", "workload", "policy",
	       "threads", "ops/s", "of one", "", "vs newgil");
	for (size_t w = 0; w < sizeof(workloads) / sizeof(workloads[0]); w++) {
		int m = n;

		/* The peers run the interpreted loop only: their C calls
		 * are not ours, so only cpu compares like with like (and
		 * it is what issue 5's Lua target judges). */
		for (int i = 0; i < p->npeers; i++)
			if (workloads[w] == WL_CPU)
				entries[m++] = (struct entry){
					.name = p->peers[i].name,
					.peer = &p->peers[i] };
		measure(p, entries, m, workloads[w],
			workloads[w] == WL_CPU ? p->cpu_rounds : p->rounds);
	}
	fflush(stdout);
}
