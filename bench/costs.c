/*
 * costs.c: what the lock itself costs, bfsgil called directly (no policy
 * layer), each beside the pthreads primitive it competes with:
 *
 *  acquire_release     uncontended bfsgil_acquire + bfsgil_release, beside
 *                      pthread_mutex_lock + unlock
 *  handoff_roundtrip   two threads passing the lock back and forth (each
 *                      releases, then asks again and sleeps until it is
 *                      handed back), beside two threads passing a turn
 *                      through a mutex and two condition variables
 *  should_yield_check  the eval loop with bfsgil_should_yield() before
 *                      every opcode, beside the same loop without it
 *  handoff             ns per handoff with 2, 100 and 1,000 threads
 *                      waiting, beside 2
 *  acquire_release_hook, acquire_release_trace, handoff_roundtrip_trace
 *                      what watching the lock costs: the uncontended pair
 *                      with a hook that does nothing, and with the trace
 *                      recorder (bfsgil/trace.h) attached, and the handoff
 *                      round trip recorded, each beside the same unwatched
 *
 * Each pair is measured A B A B over several rounds; a ratio is taken
 * within each round, and the median and spread of those are reported.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include <bfsgil.h>

#include "bench.h"
#include "plan.h"
#include "results.h"
#include "sample.h"
#include "work.h"

#define MAX_ROUNDS 16

/* Record one compared pair: @a[] (bfsgil) against @b[] (baseline), ns per
 * operation in each round. */
static void
record(const struct plan *p, const char *workload, int threads,
       const char *what, const double *a, const char *baseline,
       const double *b, int rounds)
{
	double ra[MAX_ROUNDS], rb[MAX_ROUNDS], ratio[MAX_ROUNDS];
	struct result *r = result_new("cost", "bfsgil", workload, threads);
	size_t n = (size_t)rounds;

	(void)p;
	for (size_t i = 0; i < n; i++) {
		ra[i] = a[i];
		rb[i] = b[i];
		ratio[i] = a[i] / b[i];
	}
	result_set(r, "ns_per_op", median(ra, n));
	result_set(r, "ns_min", min_of(ra, n));
	result_set(r, "ns_max", max_of(ra, n));
	result_set_string(r, "baseline", baseline);
	result_set(r, "baseline_ns_per_op", median(rb, n));
	result_set(r, "ratio", median(ratio, n));
	result_set(r, "ratio_min", min_of(ratio, n));
	result_set(r, "ratio_max", max_of(ratio, n));
	result_set(r, "rounds", rounds);
	printf("  %-30s %10.1f  %-24s %10.1f  %6.3f [%.3f..%.3f]\n", what,
	       result_get(r, "ns_per_op"), baseline,
	       result_get(r, "baseline_ns_per_op"), result_get(r, "ratio"),
	       result_get(r, "ratio_min"), result_get(r, "ratio_max"));
}

/* A second attached thread that just sleeps, so that the lock has more
 * than one thread, as in an interpreter, and glibc knows it is
 * multi-threaded. */
struct companion {
	bfsgil_t *gil;
	pthread_mutex_t mutex;
	pthread_cond_t cond;
	bool attached, done;
	pthread_t thread;
};

static void *
companion_main(void *arg)
{
	struct companion *c = arg;
	bfsgil_thread_t *t;

	BENCH_CHECK(bfsgil_attach(c->gil, &t));
	pthread_mutex_lock(&c->mutex);
	c->attached = true;
	pthread_cond_broadcast(&c->cond);
	while (!c->done)
		pthread_cond_wait(&c->cond, &c->mutex);
	pthread_mutex_unlock(&c->mutex);
	BENCH_CHECK(bfsgil_detach(t));
	return NULL;
}

static void
companion_start(struct companion *c, bfsgil_t *gil)
{
	*c = (struct companion){ .gil = gil };
	pthread_mutex_init(&c->mutex, NULL);
	pthread_cond_init(&c->cond, NULL);
	c->thread = thread_spawn(companion_main, c);
	pthread_mutex_lock(&c->mutex);
	while (!c->attached)
		pthread_cond_wait(&c->cond, &c->mutex);
	pthread_mutex_unlock(&c->mutex);
}

static void
companion_stop(struct companion *c)
{
	pthread_mutex_lock(&c->mutex);
	c->done = true;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->mutex);
	BENCH_CHECK(pthread_join(c->thread, NULL));
	pthread_mutex_destroy(&c->mutex);
	pthread_cond_destroy(&c->cond);
}

/* --- uncontended acquire + release ------------------------------------ */

static __attribute__((noinline)) double
time_bfsgil_pairs(bfsgil_thread_t *t, long n)
{
	uint64_t t0 = now_ns();
	int bad = 0;

	for (long i = 0; i < n; i++) {
		bad |= bfsgil_acquire(t);
		bad |= bfsgil_release(t);
	}
	if (bad)
		bench_fail("bfsgil_acquire/release", bad);
	return (double)(now_ns() - t0) / (double)n;
}

static __attribute__((noinline)) double
time_mutex_pairs(pthread_mutex_t *m, long n)
{
	uint64_t t0 = now_ns();
	int bad = 0;

	for (long i = 0; i < n; i++) {
		bad |= pthread_mutex_lock(m);
		bad |= pthread_mutex_unlock(m);
	}
	if (bad)
		bench_fail("pthread_mutex_lock/unlock", bad);
	return (double)(now_ns() - t0) / (double)n;
}

/* --- the eval loop, with and without the check -------------------------- */

static __attribute__((noinline)) double
time_eval_plain(long n)
{
	uint64_t x = 1, t0 = now_ns();

	for (long i = 0; i < n; i++)
		work_opcode(&x);
	if (x == 42)
		fputc(' ', stderr);
	return (double)(now_ns() - t0) / (double)n;
}

static __attribute__((noinline)) double
time_eval_checked(bfsgil_thread_t *t, long n)
{
	uint64_t x = 1, t0 = now_ns();

	for (long i = 0; i < n; i++) {
		if (bfsgil_should_yield(t))
			bfsgil_yield(t);
		work_opcode(&x);
	}
	if (x == 42)
		fputc(' ', stderr);
	return (double)(now_ns() - t0) / (double)n;
}

static void
cost_uncontended_and_check(const struct plan *p, int rounds)
{
	double a[MAX_ROUNDS], b[MAX_ROUNDS], c[MAX_ROUNDS], d[MAX_ROUNDS];
	long pairs = (long)(p->cost_ns / 20), opcodes;
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	struct companion comp;
	bfsgil_thread_t *t;
	bfsgil_t *gil;

	opcodes = (long)((double)p->cost_ns / (work_opcode_ns() + 1));
	BENCH_CHECK(bfsgil_create(&gil));
	BENCH_CHECK(bfsgil_attach(gil, &t));
	companion_start(&comp, gil);
	/* Warm up: the first acquire issues the first slice. */
	time_bfsgil_pairs(t, 1000);
	time_mutex_pairs(&m, 1000);
	for (int r = 0; r < rounds; r++) {
		a[r] = time_bfsgil_pairs(t, pairs);
		b[r] = time_mutex_pairs(&m, pairs);
	}
	BENCH_CHECK(bfsgil_acquire(t));
	for (int r = 0; r < rounds; r++) {
		c[r] = time_eval_checked(t, opcodes);
		d[r] = time_eval_plain(opcodes);
	}
	BENCH_CHECK(bfsgil_release(t));
	companion_stop(&comp);
	BENCH_CHECK(bfsgil_detach(t));
	BENCH_CHECK(bfsgil_destroy(gil));
	record(p, "acquire_release", 1, "acquire+release, uncontended", a,
	       "pthread_mutex", b, rounds);
	record(p, "should_yield_check", 1, "eval loop ns/opcode, checked", c,
	       "unchecked", d, rounds);
}

/* --- passing the lock around -------------------------------------------- */

struct passer {
	bfsgil_t *gil;
	const atomic_int *stop;
	pthread_barrier_t *start;
	/* Written with the lock held: who held it last, and how many times
	 * it changed hands.  Counting here, not in bfsgil's stats, counts
	 * only real transfers. */
	const void *last;
	atomic_ullong transfers;
};

static void *
passer_main(void *arg)
{
	struct passer *ps = arg;
	bfsgil_thread_t *t;

	BENCH_CHECK(bfsgil_attach(ps->gil, &t));
	pthread_barrier_wait(ps->start);
	while (!atomic_load_explicit(ps->stop, memory_order_relaxed)) {
		BENCH_CHECK(bfsgil_acquire(t));
		if (ps->last != t) {
			ps->last = t;
			atomic_store_explicit(&ps->transfers,
				atomic_load_explicit(&ps->transfers,
						     memory_order_relaxed) + 1,
				memory_order_relaxed);
		}
		BENCH_CHECK(bfsgil_release(t));
	}
	BENCH_CHECK(bfsgil_detach(t));
	return NULL;
}

/* ns per handoff with @nthreads threads passing the lock around.  With
 * preempt=0, so that a releaser that asks straight back queues behind
 * the waiter it handed to rather than taking the lock back (which, with
 * its earlier deadline, it would): every release is then a real handoff
 * to a sleeping thread, which is the cost measured. */
static double
time_handoffs(int nthreads, uint64_t duration_ns, bfsgil_trace_t *tr)
{
	pthread_t *th = calloc((size_t)nthreads, sizeof(pthread_t));
	pthread_barrier_t start;
	atomic_int stop = 0;
	struct passer ps = { .stop = &stop, .start = &start };
	uint64_t t0, t1, n0, n1;

	if (th == NULL)
		bench_fail("calloc", ENOMEM);
	BENCH_CHECK(bfsgil_create(&ps.gil));
	BENCH_CHECK(bfsgil_ctl_set(ps.gil, "preempt", 0));
	if (tr != NULL)
		BENCH_CHECK(bfsgil_trace_attach(tr, ps.gil));
	BENCH_CHECK(pthread_barrier_init(&start, NULL, (unsigned)nthreads + 1));
	for (int i = 0; i < nthreads; i++)
		th[i] = thread_spawn(passer_main, &ps);
	pthread_barrier_wait(&start);
	/* Let every thread queue before the window opens. */
	sleep_ns(duration_ns / 10);
	n0 = atomic_load(&ps.transfers);
	t0 = now_ns();
	sleep_ns(duration_ns);	/* the measurement window */
	n1 = atomic_load(&ps.transfers);
	t1 = now_ns();
	atomic_store(&stop, 1);
	for (int i = 0; i < nthreads; i++)
		BENCH_CHECK(pthread_join(th[i], NULL));
	pthread_barrier_destroy(&start);
	if (tr != NULL)
		BENCH_CHECK(bfsgil_trace_detach(tr, ps.gil));
	BENCH_CHECK(bfsgil_destroy(ps.gil));
	free(th);
	if (n1 == n0)
		return NAN;
	return (double)(t1 - t0) / (double)(n1 - n0);
}

/* The raw baseline: two threads passing a turn through one mutex and a
 * condition variable each; every pass wakes the other and sleeps. */
struct pingpong {
	pthread_mutex_t mutex;
	pthread_cond_t cond[2];
	int turn;
	atomic_int stop;
	atomic_ullong passes;
};

struct pingpong_side {
	struct pingpong *pp;
	int me;
};

static void *
pingpong_main(void *arg)
{
	struct pingpong_side *side = arg;
	struct pingpong *pp = side->pp;
	int me = side->me;

	pthread_mutex_lock(&pp->mutex);
	while (!atomic_load_explicit(&pp->stop, memory_order_relaxed)) {
		if (pp->turn != me) {
			pthread_cond_wait(&pp->cond[me], &pp->mutex);
			continue;
		}
		pp->turn = 1 - me;
		atomic_fetch_add_explicit(&pp->passes, 1, memory_order_relaxed);
		pthread_cond_signal(&pp->cond[1 - me]);
	}
	pthread_cond_signal(&pp->cond[1 - me]);
	pthread_mutex_unlock(&pp->mutex);
	return NULL;
}

/* ns per pass. */
static double
time_pingpong(uint64_t duration_ns)
{
	struct pingpong pp = { .turn = 0 };
	struct pingpong_side sides[2] = { { &pp, 0 }, { &pp, 1 } };
	pthread_t th[2];
	uint64_t p0, p1, t0, t1;

	pthread_mutex_init(&pp.mutex, NULL);
	pthread_cond_init(&pp.cond[0], NULL);
	pthread_cond_init(&pp.cond[1], NULL);
	for (int i = 0; i < 2; i++)
		th[i] = thread_spawn(pingpong_main, &sides[i]);
	sleep_ns(duration_ns / 10);
	p0 = atomic_load(&pp.passes);
	t0 = now_ns();
	sleep_ns(duration_ns);	/* the measurement window */
	p1 = atomic_load(&pp.passes);
	t1 = now_ns();
	pthread_mutex_lock(&pp.mutex);
	atomic_store(&pp.stop, 1);
	pthread_cond_broadcast(&pp.cond[0]);
	pthread_cond_broadcast(&pp.cond[1]);
	pthread_mutex_unlock(&pp.mutex);
	for (int i = 0; i < 2; i++)
		BENCH_CHECK(pthread_join(th[i], NULL));
	pthread_mutex_destroy(&pp.mutex);
	pthread_cond_destroy(&pp.cond[0]);
	pthread_cond_destroy(&pp.cond[1]);
	return p1 > p0 ? (double)(t1 - t0) / (double)(p1 - p0) : NAN;
}

static void
cost_roundtrip(const struct plan *p, int rounds)
{
	double a[MAX_ROUNDS], b[MAX_ROUNDS];
	uint64_t window = p->cost_ns * 4;

	for (int r = 0; r < rounds; r++) {
		/* A round trip is two handoffs, or two passes. */
		a[r] = 2 * time_handoffs(2, window, NULL);
		b[r] = 2 * time_pingpong(window);
	}
	record(p, "handoff_roundtrip", 2, "handoff round trip, 2 threads", a,
	       "pthread_cond_pingpong", b, rounds);
}

static void
cost_many_waiters(const struct plan *p, int rounds)
{
	static const int waiting[] = { 2, 100, 1000 };
	double ns[3][MAX_ROUNDS];
	uint64_t window = p->cost_ns * 4;

	for (int r = 0; r < rounds; r++)
		for (int i = 0; i < 3; i++)
			/* n waiting, plus the one holding. */
			ns[i][r] = time_handoffs(waiting[i] + 1, window,
						 NULL);
	for (int i = 0; i < 3; i++) {
		char what[64];

		snprintf(what, sizeof(what), "handoff, %d waiting", waiting[i]);
		record(p, "handoff", waiting[i], what, ns[i], "bfsgil_2_waiters",
		       ns[0], rounds);
	}
}

/* --- what watching costs ----------------------------------------------- */

static void
noop_hook(const struct bfsgil_event *ev, void *data)
{
	(void)ev;
	(void)data;
}

/*
 * Three locks, one unwatched, one with a hook for every event that does
 * nothing (the price of the event machinery: a clock read and the
 * callback per event), one with the trace recorder attached; their
 * uncontended pairs timed in turn, round after round.  Then the handoff
 * round trip, unrecorded and recorded in turn.
 */
static void
cost_watching(const struct plan *p, int rounds)
{
	double plain[MAX_ROUNDS], hooked[MAX_ROUNDS], traced[MAX_ROUNDS];
	double rt[MAX_ROUNDS], rt_traced[MAX_ROUNDS];
	long pairs = (long)(p->cost_ns / 20);
	uint64_t window = p->cost_ns * 4;
	bfsgil_thread_t *t[3];
	struct companion comp;
	bfsgil_trace_t *tr;
	bfsgil_t *gil[3];

	BENCH_CHECK(bfsgil_trace_create(&tr, "cost", 0));
	for (int i = 0; i < 3; i++) {
		BENCH_CHECK(bfsgil_create(&gil[i]));
		BENCH_CHECK(bfsgil_attach(gil[i], &t[i]));
	}
	BENCH_CHECK(bfsgil_hook_add(gil[1], BFSGIL_EVENT_ALL, noop_hook, NULL));
	BENCH_CHECK(bfsgil_trace_attach(tr, gil[2]));
	companion_start(&comp, gil[0]);
	for (int i = 0; i < 3; i++)
		time_bfsgil_pairs(t[i], 1000);	/* the first slice */
	for (int r = 0; r < rounds; r++) {
		plain[r] = time_bfsgil_pairs(t[0], pairs);
		hooked[r] = time_bfsgil_pairs(t[1], pairs);
		traced[r] = time_bfsgil_pairs(t[2], pairs);
	}
	companion_stop(&comp);
	BENCH_CHECK(bfsgil_trace_detach(tr, gil[2]));
	BENCH_CHECK(bfsgil_hook_remove(gil[1], noop_hook, NULL));
	for (int i = 0; i < 3; i++) {
		BENCH_CHECK(bfsgil_detach(t[i]));
		BENCH_CHECK(bfsgil_destroy(gil[i]));
	}
	for (int r = 0; r < rounds; r++) {
		rt[r] = 2 * time_handoffs(2, window, NULL);
		rt_traced[r] = 2 * time_handoffs(2, window, tr);
	}
	BENCH_CHECK(bfsgil_trace_destroy(tr));
	record(p, "acquire_release_hook", 1, "acquire+release, no-op hook",
	       hooked, "no_hook", plain, rounds);
	record(p, "acquire_release_trace", 1, "acquire+release, recording",
	       traced, "no_hook", plain, rounds);
	record(p, "handoff_roundtrip_trace", 2, "handoff round trip, recording",
	       rt_traced, "not_recording", rt, rounds);
}

void
test_costs(const struct plan *p)
{
	int rounds = p->quick ? 3 : 7;

	printf("\nCosts: bfsgil called directly, beside a baseline; ns per "
	       "operation, medians of %d\ninterleaved rounds; ratio = "
	       "bfsgil / baseline within each round (median [min..max]).\n",
	       rounds);
	printf("  %-30s %10s  %-24s %10s  %s\n", "what", "bfsgil", "baseline",
	       "ns", "ratio");
	progress("costs (%d rounds)", rounds);
	cost_uncontended_and_check(p, rounds);
	cost_roundtrip(p, rounds);
	cost_many_waiters(p, p->quick ? 1 : 3);
	cost_watching(p, rounds);
	fflush(stdout);
}
