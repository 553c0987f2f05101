/*
 * targets.c: the benchmark's verdicts on bfsgil's targets (issue 3), read
 * from the measurements of this run only: every ratio compares figures
 * measured side by side, in the same rounds.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "results.h"
#include "targets.h"

static int nmet, nmissed, nmissing;

static void
verdict(const char *what, const char *target, const char *measured,
	bool have, bool met, const char *workload, int threads)
{
	struct result *r = result_new("target", "bfsgil", workload, threads);

	result_set_string(r, "what", what);
	result_set_string(r, "target", target);
	result_set_string(r, "measured", have ? measured : "not measured");
	if (have)
		result_set(r, "met", met);
	if (!have)
		nmissing++;
	else if (met)
		nmet++;
	else
		nmissed++;
	printf("  %-4s %-52s %-10s %s\n", !have ? "--" : met ? "met" : "MISS",
	       what, target, have ? measured : "not measured");
}

/* @mine's latency figure @field at most 1/@factor of @other's. */
static void
latency_of_vs(const char *mine, const char *other, const char *field,
	      double factor, int threads)
{
	const struct result *b = result_find("latency", mine, "cpu", threads);
	const struct result *o = result_find("latency", other, "cpu", threads);
	double vb = result_get(b, field), vo = result_get(o, field);
	char what[96], target[32], measured[96];
	bool have = !isnan(vb) && !isnan(vo) && vb > 0;

	snprintf(what, sizeof(what), "%sio latency %s, %d cpu thread%s, vs %s",
		 strcmp(mine, "bfsgil") == 0 ? "" : "Lua ",
		 strncmp(field, "p99", 3) == 0 ? "p99" : "median", threads,
		 threads > 1 ? "s" : "", other);
	snprintf(target, sizeof(target), "<= 1/%.0f", factor);
	snprintf(measured, sizeof(measured), "1/%.1f (%.0f us vs %.0f us)",
		 have ? vo / vb : 0, vb, vo);
	verdict(what, target, measured, have, have && vo / vb >= factor, "cpu",
		threads);
}

static void
latency_vs(const char *other, const char *field, double factor, int threads)
{
	latency_of_vs("bfsgil", other, field, factor, threads);
}

/* Issue 5: stock Lua threads under bfsgil keep one thread's throughput
 * within 3%, as percent_of_one measured round by round. */
static void
lua_throughput_target(int threads)
{
	const struct result *b = result_find("throughput", "lua-bfsgil", "cpu",
					     threads);
	double pb = result_get(b, "percent_of_one");
	char what[96], measured[128];

	snprintf(what, sizeof(what), "Lua cpu throughput, %d threads", threads);
	snprintf(measured, sizeof(measured), "%.1f%% [%.1f..%.1f]; x%.3f "
		 "lua-newgil", pb, result_get(b, "percent_min"),
		 result_get(b, "percent_max"), result_get(b, "vs_newgil"));
	verdict(what, ">= 97%", measured, !isnan(pb), pb >= 97.0, "cpu",
		threads);
}

/*
 * ">= 97% of one thread, and not below newgil".  The second half is a
 * sign test over the paired rounds (sample.h): bfsgil is below newgil
 * only if it was behind in so many rounds that chance would do that less
 * than one time in 20 (with the default five rounds: in all five).  Its median ratio alone would be a coin toss
 * whenever the two are equal: round to round, this machine's speed moves
 * by more than the difference between them.
 */
static void
throughput_target(int threads)
{
	const struct result *b = result_find("throughput", "bfsgil", "cpu", threads);
	double pb = result_get(b, "percent_of_one");
	double ratio = result_get(b, "vs_newgil");
	double behind = result_get(b, "rounds_behind_newgil");
	double rounds = result_get(b, "rounds");
	double chance = result_get(b, "sign_test_p");
	char what[96], measured[128];
	bool have = !isnan(pb) && !isnan(ratio);

	snprintf(what, sizeof(what), "cpu throughput, %d threads", threads);
	snprintf(measured, sizeof(measured),
		 "%.1f%%; x%.3f newgil, behind in %.0f of %.0f rounds (p=%.2f)",
		 pb, ratio, behind, rounds, chance);
	verdict(what, ">= 97%, >= newgil", measured, have,
		have && pb >= 97.0 && chance >= 0.05, "cpu", threads);
}

static void
cost_target(const char *workload, int threads, const char *what,
	    const char *target, double limit)
{
	const struct result *r = result_find("cost", "bfsgil", workload, threads);
	double ratio = result_get(r, "ratio");
	char measured[96];
	bool have = !isnan(ratio);

	snprintf(measured, sizeof(measured), "%.2fx (%.1f vs %.1f ns)", ratio,
		 result_get(r, "ns_per_op"), result_get(r, "baseline_ns_per_op"));
	verdict(what, target, measured, have, have && ratio <= limit, workload,
		threads);
}

/*
 * bfsgil's transfers per second in the many test (many.c) before the fix
 * for its starvation of short holders, for "not below today's by more
 * than 10%".  A transfer is the lock passing from one holder to another
 * (many.c's handed_per_s), as in "FIFO would serve all 100 within about
 * 100 transfers": before the fix the lock changed hands in 0.1% to 6%
 * of the acquisitions, the same few threads taking it back again and
 * again (265,000 to 422,000 acquisitions per second, each figure the
 * median of 3 rounds).  Each the median of 3 runs of
 *   bfsgil-bench --tests many --policies bfsgil,newgil,oldgil,fifo
 * (acquisitions per second x the share that changed hands), measured on
 * 2026-12-04 on the project's shared 2-core VM with the library at
 * c64ee2b.  Bound to that machine: measure again on another.  The runs
 * were far apart (N = 10 alone: 617 to 16,886/s).
 */
static const struct many_baseline {
	const char *workload;	/* none: alone; cpu: beside 2 cpu threads */
	int threads;
	double per_s;
} many_baseline[] = {
	{ "none", 10, 1371 },
	{ "none", 100, 708 },
	{ "none", 1000, 895 },
	{ "cpu", 10, 3164 },
	{ "cpu", 100, 725 },
	{ "cpu", 1000, 846 },
};

#define MANY_JAIN_MIN 0.95
#define MANY_PER_S_MIN 0.9	/* of the baseline */

/*
 * The many test's targets for @threads short holders beside @workload:
 * every holder served in every round; the longest wait (median of the
 * rounds) within 2 x (N x the transfer time + the slice), the bound
 * many.c records from this run's transfer time; Jain's index over the
 * holders' acquisitions >= 0.95; and transfers per second not more than
 * 10% below the baseline above.
 */
static void
many_targets(const char *workload, int threads)
{
	const struct result *r = result_find("many", "bfsgil", workload,
					     threads);
	double served = result_get(r, "served");
	double served_min = result_get(r, "served_min");
	double wait = result_get(r, "max_wait_ms");
	double bound = result_get(r, "wait_bound_ms");
	double jain = result_get(r, "jain");
	double per_s = result_get(r, "handed_per_s");
	double base = NAN;
	char what[96], target[32], measured[128], who[48];

	for (size_t i = 0; i < sizeof(many_baseline) / sizeof(many_baseline[0]);
	     i++)
		if (strcmp(many_baseline[i].workload, workload) == 0 &&
		    many_baseline[i].threads == threads)
			base = many_baseline[i].per_s;
	snprintf(who, sizeof(who), "many, %d %s", threads,
		 strcmp(workload, "cpu") == 0 ? "beside 2 cpu" : "alone");

	snprintf(what, sizeof(what), "%s: all served", who);
	snprintf(target, sizeof(target), "all %d", threads);
	snprintf(measured, sizeof(measured), "%.0f [%.0f..%.0f] of %d",
		 served, served_min, result_get(r, "served_max"), threads);
	verdict(what, target, measured, !isnan(served_min),
		served_min >= threads, workload, threads);

	snprintf(what, sizeof(what), "%s: longest wait", who);
	snprintf(target, sizeof(target), "<= %.1f ms", bound);
	snprintf(measured, sizeof(measured), "%.1f ms [%.1f..%.1f]; 2 x (%d x "
		 "%.1f us + %.0f ms)", wait, result_get(r, "max_wait_min_ms"),
		 result_get(r, "max_wait_max_ms"), threads,
		 result_get(r, "turn_ns") / 1e3, result_get(r, "slice_ms"));
	verdict(what, target, measured, !isnan(wait) && !isnan(bound),
		wait <= bound, workload, threads);

	snprintf(what, sizeof(what), "%s: Jain's index", who);
	snprintf(target, sizeof(target), ">= %.2f", MANY_JAIN_MIN);
	snprintf(measured, sizeof(measured), "%.4f [%.4f..%.4f]", jain,
		 result_get(r, "jain_min"), result_get(r, "jain_max"));
	verdict(what, target, measured, !isnan(jain), jain >= MANY_JAIN_MIN,
		workload, threads);

	snprintf(what, sizeof(what), "%s: transfers/s vs 2026-12-04", who);
	snprintf(target, sizeof(target), ">= %.1fx", MANY_PER_S_MIN);
	snprintf(measured, sizeof(measured), "%.2fx (%.0f/s [%.0f..%.0f] vs "
		 "%.0f/s)", per_s / base, per_s,
		 result_get(r, "handed_per_s_min"),
		 result_get(r, "handed_per_s_max"), base);
	verdict(what, target, measured, !isnan(per_s) && !isnan(base),
		per_s >= MANY_PER_S_MIN * base, workload, threads);
}

int
targets_report(void)
{
	const struct result *f = result_find("fairness", "bfsgil", "cpu", 4);
	const struct result *c = result_find("cost", "bfsgil",
					     "should_yield_check", 1);
	double jain = result_get(f, "jain");
	double overhead = (result_get(c, "ratio") - 1) * 100;
	char measured[96];

	nmet = nmissed = nmissing = 0;
	printf("\nTargets (issues 3 and 5, and many short holds), from this "
	       "run's figures:\n");
	for (int t = 1; t <= 4; t *= 2)
		latency_vs("newgil", "median_us", 20, t);
	for (int t = 1; t <= 4; t *= 2)
		latency_vs("newgil", "p99_us", 10, t);
	for (int t = 1; t <= 4; t *= 2)
		latency_vs("python3", "median_us", 20, t);
	throughput_target(2);
	throughput_target(4);
	/* bfsgil-lua's, when this run had them (--lua). */
	if (result_find("latency", "lua-bfsgil", "cpu", 2) != NULL ||
	    result_find("throughput", "lua-bfsgil", "cpu", 2) != NULL) {
		latency_of_vs("lua-bfsgil", "lua-newgil", "median_us", 10, 2);
		lua_throughput_target(2);
	}
	snprintf(measured, sizeof(measured), "%.4f", jain);
	verdict("fairness, 4 equal cpu threads, Jain's index", ">= 0.99",
		measured, !isnan(jain), jain >= 0.99, "cpu", 4);
	cost_target("acquire_release", 1, "uncontended acquire+release vs mutex",
		    "<= 2x", 2.0);
	cost_target("handoff_roundtrip", 2, "handoff round trip vs condvar "
		    "ping-pong", "<= 1.2x", 1.2);
	cost_target("handoff", 1000, "handoff, 1,000 waiting vs 2", "<= 2x", 2.0);
	snprintf(measured, sizeof(measured), "%+.2f%% (%.1f vs %.1f ns/opcode)",
		 overhead, result_get(c, "ns_per_op"),
		 result_get(c, "baseline_ns_per_op"));
	verdict("should-yield check, share of the eval loop", "<= 2%", measured,
		!isnan(overhead), overhead <= 2.0, "cpu", 1);
	for (int t = 10; t <= 1000; t *= 10)
		many_targets("none", t);
	for (int t = 10; t <= 1000; t *= 10)
		many_targets("cpu", t);
	printf("  %d met, %d missed, %d not measured in this run\n", nmet,
	       nmissed, nmissing);
	return nmissed;
}
