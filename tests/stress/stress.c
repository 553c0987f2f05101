/*
 * stress.c: bfsgil-stress, the long-running stress test (make stress; CI
 * runs it for 30 s).  See stress.h for what runs, monitor.c for what is
 * checked.
 *
 *   bfsgil-stress [--seconds S] [--seed N] [--threads MIN-MAX]
 *                 [--phase-ms MS] [--verbose]
 *
 * Runs phases of --phase-ms (default 1500) until --seconds (default 30)
 * have passed.  The first phase starts MAX workers, the second MIN
 * (default 2-64), each later one a random number between them
 * (log-uniform, so that small and large counts are both common), all on
 * the same lock; each phase joins its workers at its end.  The
 * seed (default: from the clock) is printed first; --seed replays the
 * same choices.  Exit 0 when every check held; on the first broken one,
 * a message naming it and the seed on stderr, and exit 1.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stress.h"

static struct stress the_stress;

/* splitmix64: small, fast, and every seed gives a good stream. */
uint64_t
stress_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t
stress_between(uint64_t *state, uint64_t lo, uint64_t hi)
{
	return lo + stress_rand(state) % (hi - lo + 1);
}

void
stress_stats_add(struct bfsgil_stats *sum, const struct bfsgil_stats *s)
{
	sum->acquires += s->acquires;
	sum->contended += s->contended;
	sum->handoffs += s->handoffs;
	sum->yields += s->yields;
	sum->preempt_requests += s->preempt_requests;
	sum->slice_expiries += s->slice_expiries;
	sum->wakeups += s->wakeups;
	sum->wait_ns += s->wait_ns;
	sum->contended_hold_ns += s->contended_hold_ns;
	sum->spins += s->spins;
	sum->spin_grants += s->spin_grants;
	sum->spin_ns += s->spin_ns;
	if (s->max_wait_ns > sum->max_wait_ns)
		sum->max_wait_ns = s->max_wait_ns;
}

/* Called from any thread on the first broken check: say what and how to
 * replay it, then stop the whole process (other threads are mid-call). */
void
stress_fail(const char *fmt, ...)
{
	va_list ap;
	struct bfsgil_stats s;

	flockfile(stderr);
	fprintf(stderr, "bfsgil-stress: FAILED in phase %d (%d workers): ",
		the_stress.phase, the_stress.nworkers);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nbfsgil-stress: replay with --seed %" PRIu64 "\n", the_stress.seed);
	if (the_stress.gil != NULL && bfsgil_stats(the_stress.gil, &s) == 0)
		fprintf(stderr, "bfsgil-stress: lock: %" PRIu64 " acquires, %" PRIu64
			" contended, %" PRIu64 " handoffs, %" PRIu64 " waiting of %"
			PRIu64 " attached\n", s.acquires, s.contended, s.handoffs,
			s.waiting, s.threads);
	funlockfile(stderr);
	_exit(1);
}

static void
usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [--seconds S] [--seed N] [--threads MIN-MAX] "
		"[--phase-ms MS] [--verbose]\n", argv0);
	exit(2);
}

struct options {
	double seconds;
	uint64_t seed;
	int min_threads, max_threads;
	uint64_t phase_ns;
};

static void
parse_options(int argc, char **argv, struct options *o)
{
	o->seconds = 30;
	o->seed = harness_now_ns() ^ ((uint64_t)getpid() << 32);
	o->min_threads = 2;
	o->max_threads = 64;
	o->phase_ns = 1500000000u;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end;

		if (strcmp(a, "--verbose") == 0) {
			the_stress.verbose = true;
			continue;
		}
		if (v == NULL)
			usage(argv[0]);
		i++;
		errno = 0;
		if (strcmp(a, "--seconds") == 0) {
			o->seconds = strtod(v, &end);
			if (*end || o->seconds <= 0)
				usage(argv[0]);
		} else if (strcmp(a, "--seed") == 0) {
			o->seed = strtoull(v, &end, 10);
			if (*end || errno)
				usage(argv[0]);
		} else if (strcmp(a, "--threads") == 0) {
			if (sscanf(v, "%d-%d", &o->min_threads, &o->max_threads) != 2 ||
			    o->min_threads < 1 || o->max_threads < o->min_threads ||
			    o->max_threads > 1024)
				usage(argv[0]);
		} else if (strcmp(a, "--phase-ms") == 0) {
			o->phase_ns = strtoull(v, &end, 10) * 1000000u;
			if (*end || o->phase_ns == 0)
				usage(argv[0]);
		} else {
			usage(argv[0]);
		}
	}
}

/* Log-uniform in [lo, hi]. */
static int
pick_threads(uint64_t *rng, int lo, int hi)
{
	double u = (double)stress_between(rng, 0, 1000000) / 1e6;

	return (int)lround(exp(log(lo) + u * (log(hi) - log(lo))));
}

static void
spawn(pthread_t *t, void *(*fn)(void *), void *arg)
{
	int err = pthread_create(t, NULL, fn, arg);

	if (err != 0)
		stress_fail("pthread_create: %s", strerror(err));
}

static void
run_phase(struct stress *st, uint64_t *rng, int n, uint64_t length_ns)
{
	struct bfsgil_stats before, after;
	pthread_t chaos, monitor;
	struct worker_tally tally = { 0 };
	uint64_t started;

	st->workers = calloc((size_t)n, sizeof(*st->workers));
	if (st->workers == NULL)
		stress_fail("out of memory");
	st->nworkers = n;
	st->bound_ns = monitor_wait_bound_ns(st, n);
	atomic_store(&st->stop, 0);
	atomic_store(&st->monitor_stop, 0);
	atomic_store(&st->audits, 0);
	atomic_store(&st->chaos_ops, 0);
	atomic_store(&st->hook_events, 0);
	chaos_set_slice(st, rng);
	if (bfsgil_ctl_set(st->gil, "preempt", 1) != 0 || bfsgil_stats(st->gil, &before) != 0)
		stress_fail("could not set up the phase");

	started = harness_now_ns();
	for (int i = 0; i < n; i++) {
		struct worker *w = &st->workers[i];

		w->st = st;
		w->id = i;
		w->rng = stress_rand(rng);
		spawn(&w->thread, worker_main, w);
	}
	spawn(&chaos, chaos_main, st);
	spawn(&monitor, monitor_main, st);
	/* The phase's length: a duration, not a wait for a condition. */
	harness_block_ns(length_ns);
	atomic_store(&st->stop, 1);
	for (int i = 0; i < n; i++)
		pthread_join(st->workers[i].thread, NULL);
	pthread_join(chaos, NULL);
	chaos_end_phase(st);
	atomic_store(&st->monitor_stop, 1);
	pthread_join(monitor, NULL);

	if (bfsgil_stats(st->gil, &after) != 0)
		stress_fail("bfsgil_stats failed");
	for (int i = 0; i < n; i++) {
		const struct worker *w = &st->workers[i];

		tally.acquires += w->acquires;
		tally.yields += w->yields;
		tally.wait_ns += w->wait_ns;
		tally.reattaches += w->reattaches;
		tally.misuse += w->misuse;
		if (w->max_wait_ns > tally.max_wait_ns)
			tally.max_wait_ns = w->max_wait_ns;
	}
	monitor_check_quiescent(st, &before, &after, &tally);
	printf("phase %d: %d threads, %.2f s: %" PRIu64 " acquires (%" PRIu64
	       " contended), %" PRIu64 " yields, %" PRIu64 " preempt requests, %"
	       PRIu64 " slice expiries, %" PRIu64 " re-attaches, %" PRIu64
	       " misuses refused, %" PRIu64 " chaos changes (%" PRIu64
	       " events checked); longest wait %.1f ms "
	       "(bound %.1f s); %" PRIu64 " audits\n",
	       st->phase, n, (double)(harness_now_ns() - started) / 1e9, tally.acquires,
	       after.contended - before.contended, tally.yields,
	       after.preempt_requests - before.preempt_requests,
	       after.slice_expiries - before.slice_expiries, tally.reattaches,
	       tally.misuse, atomic_load(&st->chaos_ops),
	       atomic_load(&st->hook_events), tally.max_wait_ns / 1e6,
	       (double)st->bound_ns / 1e9, atomic_load(&st->audits));
	fflush(stdout);
	free(st->workers);
	st->workers = NULL;
	st->nworkers = 0;
}

int
main(int argc, char **argv)
{
	struct stress *st = &the_stress;
	struct options o;
	uint64_t rng, start, end;
	int err;

	parse_options(argc, argv, &o);
	st->seed = o.seed;
	st->max_hold_ns = 2000000;
	pthread_mutex_init(&st->handles, NULL);
	printf("bfsgil-stress: seed %" PRIu64 ", %.0f s, %d-%d threads, phases of %"
	       PRIu64 " ms (replay: --seed %" PRIu64 ")\n", o.seed, o.seconds,
	       o.min_threads, o.max_threads, o.phase_ns / 1000000u, o.seed);
	fflush(stdout);
	err = bfsgil_create(&st->gil);
	if (err != 0)
		stress_fail("bfsgil_create: %s", strerror(err));

	rng = o.seed;
	start = harness_now_ns();
	end = start + (uint64_t)(o.seconds * 1e9);
	for (st->phase = 1; harness_now_ns() < end; st->phase++) {
		uint64_t left = end - harness_now_ns();

		/* Both ends of the range in every run, then anything. */
		int n = st->phase == 1 ? o.max_threads : st->phase == 2 ?
			o.min_threads : pick_threads(&rng, o.min_threads, o.max_threads);

		run_phase(st, &rng, n, left < o.phase_ns ? left : o.phase_ns);
	}
	err = bfsgil_destroy(st->gil);
	if (err != 0)
		stress_fail("bfsgil_destroy at the end: %s", strerror(err));
	printf("bfsgil-stress: %d phases in %.1f s, every check held (seed %" PRIu64 ")\n",
	       st->phase - 1, (double)(harness_now_ns() - start) / 1e9, o.seed);
	return 0;
}
