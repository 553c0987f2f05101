/*
 * many.c: are many threads that hold the lock briefly all served?  N =
 * 10, 100 and 1,000 threads each loop: acquire, about 1 us of opcodes
 * (checking should_yield as the eval loop does), release, until told to
 * stop; alone, and beside 2 CPU-bound threads.  For each run: the
 * transfers (acquisitions, all holders together) per second, how many
 * holders were served at all, Jain's index over their acquisition
 * counts, and the longest any of them waited for the lock.  Beside the
 * CPU-bound threads, also their share of the lock: their opcodes in the
 * window against what one such thread does alone under the same policy
 * in the same round, so that transfers can be judged per second of the
 * holders' own time (a policy that keeps the CPU-bound threads off the
 * lock makes more transfers by starving them).
 *
 * The longest wait is judged against the time a full turn of N holders
 * should take, so each round also measures each policy's transfer time:
 * 2 threads passing the lock in turns, holding it as above, the window's
 * length over their acquisitions (struct passing, below, says why in
 * turns).
 *
 * Each round runs every policy at one N, then every policy at the next,
 * alone and then beside the CPU-bound threads, so that the machine's
 * drift hits every policy alike; figures are medians over the rounds with
 * their spread.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bfsgil.h>

#include "bench.h"
#include "plan.h"
#include "results.h"
#include "sample.h"
#include "work.h"

#define MAX_ROUNDS 16
#define HOLD_NS 1000.0		/* the work done per hold, with the lock */
#define HOLDER_STACK (64 * 1024)
#define CPU_BESIDE 2
#define CACHELINE 64

static const int counts[] = { 10, 100, 1000 };
#define NCOUNTS (sizeof(counts) / sizeof(counts[0]))
/* CPU-bound threads beside the holders: none, then CPU_BESIDE. */
static const enum workload backgrounds[] = { WL_NONE, WL_CPU };
#define NBACKGROUNDS (sizeof(backgrounds) / sizeof(backgrounds[0]))

/* What one run's holders share. */
struct many_run {
	const struct policy *pol;
	void *lock;
	int hold_opcodes;
	/* The start gate: holders attach, count themselves ready and wait
	 * for go (1: run, -1: a thread could not be created, leave). */
	pthread_mutex_t gate;
	pthread_cond_t ready_cond, go_cond;
	int ready, go;
	atomic_int stop;
	_Atomic uint64_t stop_at;	/* when stop was set */
	/* Written with the lock held: the last holder, and how many
	 * acquisitions changed hands.  Read after the join. */
	const void *last;
	uint64_t handed;
	/* Holders that have asked for the lock once: fairness is counted
	 * from when all have (the gate's first few hold it alone while
	 * the OS is still waking the rest, which says nothing of the
	 * lock). */
	atomic_int arrived;
	int nholders;
};

/* One holder, alone on its cache line: each writes its own counts after
 * every hold. */
struct holder {
	struct many_run *run;
	int index;
	/* Acquisitions before the stop, and the longest wait for the lock;
	 * written by the holder only, read after the join. */
	uint64_t acquisitions;
	uint64_t counted;	/* of those, once every holder had arrived */
	uint64_t max_wait_ns;
	pthread_t thread;
} __attribute__((aligned(CACHELINE)));

/* One run's figures. */
struct outcome {
	double per_s;		/* acquisitions per second, all holders */
	double handed_per_s;	/* of those, the lock changing hands */
	double served;		/* holders with at least one acquisition */
	double jain;		/* over the holders' acquisitions, counted
				 * once all had arrived */
	double max_wait_ms;	/* the longest single wait of any holder */
	double handed_percent;	/* acquisitions that changed hands */
	double cpu_ops_per_s;	/* the CPU-bound threads' opcodes, all
				 * together; 0 without them */
};

static inline bool
stopped(const struct many_run *r)
{
	return atomic_load_explicit(&r->stop, memory_order_acquire) != 0;
}

/* Attached: wait at the gate.  False if the run is called off. */
static bool
gate_pass(struct many_run *r)
{
	int go;

	pthread_mutex_lock(&r->gate);
	r->ready++;
	pthread_cond_signal(&r->ready_cond);
	while (r->go == 0)
		pthread_cond_wait(&r->go_cond, &r->gate);
	go = r->go;
	pthread_mutex_unlock(&r->gate);
	return go > 0;
}

static void
gate_open(struct many_run *r, int go)
{
	pthread_mutex_lock(&r->gate);
	r->go = go;
	pthread_cond_broadcast(&r->go_cond);
	pthread_mutex_unlock(&r->gate);
}

static void
gate_wait_ready(struct many_run *r, int n)
{
	pthread_mutex_lock(&r->gate);
	while (r->ready < n)
		pthread_cond_wait(&r->ready_cond, &r->gate);
	pthread_mutex_unlock(&r->gate);
}

static inline void
note_wait(struct holder *h, uint64_t waited)
{
	if (waited > h->max_wait_ns)
		h->max_wait_ns = waited;
}

/*
 * A holder: an interpreter thread whose every hold is short, as one
 * that runs a few bytecodes between blocking calls.  A wait still going
 * on at the stop counts up to the stop, and an acquisition made after it
 * does not count: a holder starved for the whole window gets the lock
 * only once the others have left, and must not be counted as served.
 */
static void *
holder_main(void *arg)
{
	struct holder *h = arg;
	struct many_run *r = h->run;
	uint64_t x = (uint64_t)(uintptr_t)h, t0;
	char name[16];
	void *t;

	snprintf(name, sizeof(name), "hold %d", (h->index + 1) % 10000);
	pthread_setname_np(pthread_self(), name);
	BENCH_CHECK(r->pol->attach(r->lock, &t, NULL));
	if (!gate_pass(r)) {
		r->pol->detach(t);
		return NULL;
	}
	atomic_fetch_add_explicit(&r->arrived, 1, memory_order_relaxed);
	while (!stopped(r)) {
		t0 = now_ns();
		r->pol->acquire(t);
		if (stopped(r)) {
			uint64_t end = atomic_load_explicit(
				&r->stop_at, memory_order_relaxed);

			note_wait(h, end > t0 ? end - t0 : 0);
			r->pol->release(t);
			break;
		}
		note_wait(h, now_ns() - t0);
		for (int i = 0; i < r->hold_opcodes; i++) {
			if (r->pol->should_yield(t)) {
				t0 = now_ns();
				r->pol->yield(t);
				note_wait(h, now_ns() - t0);
			}
			work_opcode(&x);
		}
		if (r->last != h) {
			r->last = h;
			r->handed++;
		}
		r->pol->release(t);
		h->acquisitions++;
		if (atomic_load_explicit(&r->arrived, memory_order_relaxed) ==
		    r->nholders)
			h->counted++;
	}
	r->pol->detach(t);
	if (x == 42)	/* keep the work observable */
		fputc(' ', stderr);
	return NULL;
}

/* Join the first @n holders of @h. */
static void
holders_join(struct holder *h, int n)
{
	for (int i = 0; i < n; i++)
		BENCH_CHECK(pthread_join(h[i].thread, NULL));
}

static size_t
holder_stack_size(void)
{
	long min = PTHREAD_STACK_MIN;

	return min > HOLDER_STACK ? (size_t)min : HOLDER_STACK;
}

/*
 * One run: @nholders holders under @pol for @duration_ns, beside @ncpu
 * CPU-bound threads.  The window opens when the gate does, and the
 * holders' first waits are timed from there on.
 */
static void
run(const struct policy *pol, int nholders, int ncpu, int hold_opcodes,
    uint64_t duration_ns, struct outcome *out)
{
	struct many_run r = { .pol = pol, .hold_opcodes = hold_opcodes,
			      .nholders = nholders };
	struct worker cpu[CPU_BESIDE];
	pthread_barrier_t start;
	pthread_attr_t attr;
	struct holder *h;
	double *acq;
	uint64_t t0, t1, total = 0, max_wait = 0, c0 = 0, c1 = 0;
	uint64_t at0 = 0, at1 = 1;	/* (no division by zero without
					 * CPU-bound threads) */
	int created, err = 0;

	h = aligned_alloc(CACHELINE, (size_t)nholders * sizeof(*h));
	acq = calloc((size_t)nholders, sizeof(*acq));
	if (h == NULL || acq == NULL)
		bench_fail("many: allocating the holders", ENOMEM);
	memset(h, 0, (size_t)nholders * sizeof(*h));
	BENCH_CHECK(pol->create(&r.lock));
	BENCH_CHECK(pthread_mutex_init(&r.gate, NULL));
	BENCH_CHECK(pthread_cond_init(&r.ready_cond, NULL));
	BENCH_CHECK(pthread_cond_init(&r.go_cond, NULL));
	BENCH_CHECK(pthread_attr_init(&attr));
	BENCH_CHECK(pthread_attr_setstacksize(&attr, holder_stack_size()));
	for (created = 0; created < nholders; created++) {
		h[created].run = &r;
		h[created].index = created;
		err = pthread_create(&h[created].thread, &attr, holder_main,
				     &h[created]);
		if (err != 0)
			break;
	}
	pthread_attr_destroy(&attr);
	if (err != 0) {
		/* Send those already made home before saying why. */
		gate_open(&r, -1);
		holders_join(h, created);
		fprintf(stderr, "bfsgil-bench: many: could only create %d of "
			"%d threads (%d KiB stacks); see ulimit -u and "
			"/proc/sys/kernel/threads-max\n", created, nholders,
			(int)(holder_stack_size() / 1024));
		bench_fail("pthread_create", err);
	}
	gate_wait_ready(&r, nholders);
	/* Every holder waits at the gate; the CPU-bound threads start
	 * beside them, at the same moment. */
	BENCH_CHECK(pthread_barrier_init(&start, NULL, (unsigned)ncpu + 1));
	for (int i = 0; i < ncpu; i++) {
		cpu[i] = (struct worker){ .pol = pol, .lock = r.lock,
					  .kind = WL_CPU, .stop = &r.stop,
					  .start = &start, .index = i };
		worker_start(&cpu[i]);
	}
	pthread_barrier_wait(&start);
	gate_open(&r, 1);
	t0 = now_ns();
	if (ncpu > 0)
		c0 = workers_ops(cpu, ncpu, &at0);
	sleep_ns(duration_ns);	/* the measurement window */
	if (ncpu > 0)
		c1 = workers_ops(cpu, ncpu, &at1);
	t1 = now_ns();
	atomic_store_explicit(&r.stop_at, t1, memory_order_relaxed);
	atomic_store_explicit(&r.stop, 1, memory_order_release);
	holders_join(h, nholders);
	for (int i = 0; i < ncpu; i++)
		worker_join(&cpu[i]);
	pthread_barrier_destroy(&start);
	pol->destroy(r.lock);
	pthread_mutex_destroy(&r.gate);
	pthread_cond_destroy(&r.ready_cond);
	pthread_cond_destroy(&r.go_cond);

	out->served = 0;
	for (int i = 0; i < nholders; i++) {
		acq[i] = (double)h[i].counted;
		total += h[i].acquisitions;
		out->served += h[i].acquisitions > 0;
		if (h[i].max_wait_ns > max_wait)
			max_wait = h[i].max_wait_ns;
	}
	out->per_s = (double)total / ((double)(t1 - t0) / 1e9);
	out->handed_per_s = (double)r.handed / ((double)(t1 - t0) / 1e9);
	out->cpu_ops_per_s = (double)(c1 - c0) / ((double)(at1 - at0) / 1e9);
	/* Nobody served at all is as unfair as it gets. */
	{
		double counted = 0;

		for (int i = 0; i < nholders; i++)
			counted += acq[i];
		out->jain = counted > 0 ? jain_index(acq, (size_t)nholders)
					: 0;
	}
	out->max_wait_ms = (double)max_wait / 1e6;
	out->handed_percent = total > 0
		? 100.0 * (double)r.handed / (double)total : 0;
	free(acq);
	free(h);
}

/*
 * The transfer time: 2 threads passing the lock back and forth.  Each
 * gives the other its turn as soon as it holds the lock, and after its
 * hold and release waits for its own turn (giving up the CPU, as on a
 * busy machine the two may share one) before it asks again: every
 * acquisition is a transfer, most to a thread already waiting, as in a
 * queue of N holders.  Left to loop freely, 2 holders often barely pass
 * the lock at all, under every policy: the releaser takes it straight
 * back (in 200 ms windows, 0.03% to 0.2% of the acquisitions changed
 * hands in two runs of three, 12% to all of them in the third), so the
 * time per acquisition of that loop, also measured (loop_ns), is mostly
 * one thread's alone and no transfer's.
 */
struct passing {
	const struct policy *pol;
	void *lock;
	int hold_opcodes;
	pthread_barrier_t *start;
	atomic_int stop;
	atomic_int turn;	/* whose turn it is to acquire: 0 or 1 */
};

struct passer {
	struct passing *ps;
	int me;
	uint64_t acquisitions;	/* read after the join */
	pthread_t thread;
};

static void *
passer_main(void *arg)
{
	struct passer *pa = arg;
	struct passing *ps = pa->ps;
	uint64_t x = (uint64_t)(uintptr_t)pa;
	void *t;

	pthread_setname_np(pthread_self(), pa->me ? "pass 2" : "pass 1");
	BENCH_CHECK(ps->pol->attach(ps->lock, &t, NULL));
	pthread_barrier_wait(ps->start);
	for (;;) {
		while (atomic_load(&ps->turn) != pa->me &&
		       !atomic_load(&ps->stop))
			sched_yield();
		if (atomic_load(&ps->stop))
			break;
		ps->pol->acquire(t);
		atomic_store(&ps->turn, 1 - pa->me);
		for (int i = 0; i < ps->hold_opcodes; i++) {
			if (ps->pol->should_yield(t))
				ps->pol->yield(t);
			work_opcode(&x);
		}
		ps->pol->release(t);
		pa->acquisitions++;
	}
	ps->pol->detach(t);
	if (x == 42)	/* keep the work observable */
		fputc(' ', stderr);
	return NULL;
}

/* ns per transfer under @pol over @duration_ns; NaN if none. */
static double
time_transfers(const struct policy *pol, int hold_opcodes,
	       uint64_t duration_ns)
{
	pthread_barrier_t start;
	struct passing ps = { .pol = pol, .hold_opcodes = hold_opcodes,
			      .start = &start };
	struct passer pa[2];
	uint64_t t0, t1;

	BENCH_CHECK(pol->create(&ps.lock));
	BENCH_CHECK(pthread_barrier_init(&start, NULL, 3));
	for (int i = 0; i < 2; i++) {
		pa[i] = (struct passer){ .ps = &ps, .me = i };
		pa[i].thread = thread_spawn(passer_main, &pa[i]);
	}
	pthread_barrier_wait(&start);
	t0 = now_ns();
	sleep_ns(duration_ns);	/* the measurement window */
	t1 = now_ns();
	atomic_store(&ps.stop, 1);
	for (int i = 0; i < 2; i++)
		BENCH_CHECK(pthread_join(pa[i].thread, NULL));
	pthread_barrier_destroy(&start);
	pol->destroy(ps.lock);
	if (pa[0].acquisitions + pa[1].acquisitions == 0)
		return NAN;
	return (double)(t1 - t0) /
	       (double)(pa[0].acquisitions + pa[1].acquisitions);
}

/*
 * What one CPU-bound thread does alone under @pol, opcodes per second,
 * over @duration_ns once it is under way: the measure of the lock's whole
 * time in CPU-bound work, against which a run's CPU-bound threads' share
 * is read.
 */
static double
cpu_alone_ops_per_s(const struct policy *pol, uint64_t duration_ns)
{
	struct worker w;
	pthread_barrier_t start;
	atomic_int stop = 0;
	uint64_t c0, c1, at0, at1;
	void *lock;

	BENCH_CHECK(pol->create(&lock));
	BENCH_CHECK(pthread_barrier_init(&start, NULL, 2));
	w = (struct worker){ .pol = pol, .lock = lock, .kind = WL_CPU,
			     .stop = &stop, .start = &start, .index = 0 };
	worker_start(&w);
	pthread_barrier_wait(&start);
	sleep_ns(duration_ns / 10);	/* under way */
	c0 = workers_ops(&w, 1, &at0);
	sleep_ns(duration_ns);
	c1 = workers_ops(&w, 1, &at1);
	atomic_store_explicit(&stop, 1, memory_order_release);
	worker_join(&w);
	pthread_barrier_destroy(&start);
	pol->destroy(lock);
	return at1 > at0 ? (double)(c1 - c0) / ((double)(at1 - at0) / 1e9)
			 : (double)NAN;
}

/* What every row of one policy shares: per round, its transfer time, one
 * CPU-bound thread's opcodes per second alone, the free 2-thread loop's
 * time per acquisition, and how many of those changed hands. */
struct entry {
	const struct policy *pol;
	double cpu_alone[MAX_ROUNDS];	/* cpu_alone_ops_per_s() */
	double transfer_ns[MAX_ROUNDS];
	double loop_ns[MAX_ROUNDS];
	double loop_handed[MAX_ROUNDS];
	struct outcome o[NBACKGROUNDS][NCOUNTS][MAX_ROUNDS];
};

/* A figure's median and spread over the rounds, as name, name_min and
 * name_max (the names' storage outlives the record: string literals). */
static double
set_spread(struct result *r, const char *name, const char *min_name,
	   const char *max_name, double *v, size_t n)
{
	result_set(r, min_name, min_of(v, n));
	result_set(r, max_name, max_of(v, n));
	result_set(r, name, median(v, n));
	return result_get(r, name);
}

/* The transfer time of a 2-thread loop, as its own record. */
static void
report_transfer(const struct entry *e, int rounds)
{
	struct result *r = result_new("many", e->pol->name, "pingpong", 2);
	double v[MAX_ROUNDS], loop[MAX_ROUNDS], handed[MAX_ROUNDS];
	size_t n = (size_t)rounds;

	memcpy(v, e->transfer_ns, n * sizeof(double));
	memcpy(loop, e->loop_ns, n * sizeof(double));
	memcpy(handed, e->loop_handed, n * sizeof(double));
	set_spread(r, "transfer_ns", "transfer_min_ns", "transfer_max_ns", v, n);
	set_spread(r, "loop_ns", "loop_min_ns", "loop_max_ns", loop, n);
	result_set(r, "loop_handed_percent", median(handed, n));
	result_set(r, "rounds", rounds);
	printf("  %-8s %9.2f [%.2f..%.2f] %9.2f [%.2f..%.2f] %6.1f\n",
	       e->pol->name, result_get(r, "transfer_ns") / 1e3,
	       result_get(r, "transfer_min_ns") / 1e3,
	       result_get(r, "transfer_max_ns") / 1e3,
	       result_get(r, "loop_ns") / 1e3,
	       result_get(r, "loop_min_ns") / 1e3,
	       result_get(r, "loop_max_ns") / 1e3,
	       result_get(r, "loop_handed_percent"));
}

/* The slice a bfsgil lock starts with (bfsgil/ctl.h), as the runs'
 * locks did: the process default with the environment's BFSGIL on top. */
static double
bfsgil_slice_ms(void)
{
	long long us = 0;
	bfsgil_t *gil;

	BENCH_CHECK(bfsgil_create(&gil));
	BENCH_CHECK(bfsgil_ctl_get(gil, "slice_us", &us));
	BENCH_CHECK(bfsgil_destroy(gil));
	return (double)us / 1e3;
}

static void
report(const struct plan *p, const struct entry *e, size_t b, size_t c,
       int rounds, double slice_ms)
{
	struct result *r = result_new("many", e->pol->name,
				      workload_name(backgrounds[b]), counts[c]);
	double per_s[MAX_ROUNDS], served[MAX_ROUNDS], jain[MAX_ROUNDS];
	double wait[MAX_ROUNDS], handed[MAX_ROUNDS], tr[MAX_ROUNDS];
	double handed_per_s[MAX_ROUNDS], turn[MAX_ROUNDS];
	double cpu_share[MAX_ROUNDS], own[MAX_ROUNDS];	/* share in % */
	size_t n = (size_t)rounds;
	bool beside = backgrounds[b] == WL_CPU;
	double transfer_ns, turn_ns;

	for (size_t i = 0; i < n; i++) {
		const struct outcome *o = &e->o[b][c][i];

		per_s[i] = o->per_s;
		served[i] = o->served;
		jain[i] = o->jain;
		wait[i] = o->max_wait_ms;
		handed[i] = o->handed_percent;
		handed_per_s[i] = o->handed_per_s;
		turn[i] = o->per_s > 0 ? 1e9 / o->per_s : NAN;
		tr[i] = e->transfer_ns[i];
		/* The CPU-bound threads' share of the lock, and the holders'
		 * transfers per second of the rest, their own time. */
		cpu_share[i] = !beside ? 0
			: e->cpu_alone[i] > 0
				? 100 * o->cpu_ops_per_s / e->cpu_alone[i]
				: (double)NAN;
		/* (A share read as 99% or more, noise on a lock the CPU-bound
		 * threads all but kept, is taken as 99%.) */
		own[i] = isnan(cpu_share[i]) ? (double)NAN
			 : o->handed_per_s /
				   (1 - (cpu_share[i] < 99 ? cpu_share[i]
							   : 99) / 100);
	}
	result_set(r, "seconds", (double)p->many_ns / 1e9);
	result_set(r, "rounds", rounds);
	result_set(r, "cpu_threads", backgrounds[b] == WL_CPU ? CPU_BESIDE : 0);
	set_spread(r, "transfers_per_s", "transfers_per_s_min",
		   "transfers_per_s_max", per_s, n);
	set_spread(r, "served", "served_min", "served_max", served, n);
	set_spread(r, "jain", "jain_min", "jain_max", jain, n);
	set_spread(r, "max_wait_ms", "max_wait_min_ms", "max_wait_max_ms",
		   wait, n);
	result_set(r, "handed_percent", median(handed, n));
	set_spread(r, "handed_per_s", "handed_per_s_min", "handed_per_s_max",
		   handed_per_s, n);
	if (beside) {
		set_spread(r, "cpu_share_percent", "cpu_share_min_percent",
			   "cpu_share_max_percent", cpu_share, n);
		set_spread(r, "handed_per_own_s", "handed_per_own_s_min",
			   "handed_per_own_s_max", own, n);
	}
	turn_ns = median(turn, n);
	result_set(r, "turn_ns", turn_ns);
	transfer_ns = median(tr, n);
	result_set(r, "transfer_ns", transfer_ns);
	/* The longest wait a full round of every holder allows, twice
	 * over (targets.c): N turns at the pace this very run passed the
	 * lock (its time per acquisition, all holders together), plus a
	 * slice.  A 2-thread turn (transfer_ns) is faster than a turn among
	 * 1,000 mostly sleeping threads, which costs a wake-up each (25 us
	 * here, against 4-5 us): even FIFO, the fair ideal, waited 41 ms
	 * there against a bound of 20 ms made from it.  bfsgil's slice is
	 * the one known here. */
	if (e->pol == &policy_bfsgil) {
		result_set(r, "slice_ms", slice_ms);
		result_set(r, "wait_bound_ms",
			   2 * ((double)counts[c] * turn_ns / 1e6 + slice_ms));
	}
	printf("  %-6s %5d  %-8s %9.0f [%.0f..%.0f] %5.0f [%.0f..%.0f] "
	       "%6.4f [%.4f..%.4f] %7.1f [%.1f..%.1f] %5.1f",
	       backgrounds[b] == WL_CPU ? "2 cpu" : "alone", counts[c],
	       e->pol->name, result_get(r, "transfers_per_s"),
	       result_get(r, "transfers_per_s_min"),
	       result_get(r, "transfers_per_s_max"), result_get(r, "served"),
	       result_get(r, "served_min"), result_get(r, "served_max"),
	       result_get(r, "jain"), result_get(r, "jain_min"),
	       result_get(r, "jain_max"), result_get(r, "max_wait_ms"),
	       result_get(r, "max_wait_min_ms"),
	       result_get(r, "max_wait_max_ms"),
	       result_get(r, "handed_percent"));
	if (beside)
		printf(" %5.1f %9.0f\n", result_get(r, "cpu_share_percent"),
		       result_get(r, "handed_per_own_s"));
	else
		printf(" %5s %9s\n", "-", "-");
}

/* Opcodes to a hold: about HOLD_NS of work on this machine. */
static int
hold_opcodes(void)
{
	double n = ceil(HOLD_NS / (work_opcode_ns() > 0 ? work_opcode_ns()
							  : 100.0));

	return n < 1 ? 1 : n > 1000 ? 1000 : (int)n;
}

void
test_many(const struct plan *p)
{
	static struct entry entries[PLAN_MAX_POLICIES];
	int rounds = p->many_rounds < MAX_ROUNDS ? p->many_rounds : MAX_ROUNDS;
	int ops = hold_opcodes();
	double slice_ms = bfsgil_slice_ms();
	uint64_t t_start = now_ns();

	for (int i = 0; i < p->npolicies; i++)
		entries[i] = (struct entry){ .pol = p->policies[i] };
	printf("\nMany: N threads each loop acquire, ~1 us of work (%d "
	       "opcodes), release, for %g s,\nalone and beside %d "
	       "CPU-bound threads; medians of %d interleaved round%s "
	       "[min..max].\ntransfers/s: acquisitions per second, all N "
	       "together; served: threads with at\nleast one; Jain's index "
	       "over the threads' acquisitions; the longest wait for\nthe "
	       "lock (ms); how many acquisitions changed hands (%%); beside "
	       "the CPU-bound\nthreads, their share of the lock (%%, their "
	       "opcodes against one such thread's\nalone) and the hand-overs "
	       "per second of the rest, the holders' own time.\n",
	       ops, (double)p->many_ns / 1e9, CPU_BESIDE, rounds,
	       rounds > 1 ? "s" : "");
	progress("many: %zu thread counts, alone and beside %d cpu, %g s "
		 "per run (%d rounds)", NCOUNTS, CPU_BESIDE,
		 (double)p->many_ns / 1e9, rounds);
	for (int round = 0; round < rounds; round++) {
		for (int e = 0; e < p->npolicies; e++) {
			struct outcome o;

			entries[e].transfer_ns[round] = time_transfers(
				entries[e].pol, ops, p->many_pingpong_ns);
			entries[e].cpu_alone[round] = cpu_alone_ops_per_s(
				entries[e].pol, p->many_pingpong_ns);
			run(entries[e].pol, 2, 0, ops, p->many_pingpong_ns, &o);
			entries[e].loop_ns[round] =
				o.per_s > 0 ? 1e9 / o.per_s : (double)NAN;
			entries[e].loop_handed[round] = o.handed_percent;
		}
		for (size_t b = 0; b < NBACKGROUNDS; b++)
			for (size_t c = 0; c < NCOUNTS; c++)
				for (int e = 0; e < p->npolicies; e++)
					run(entries[e].pol, counts[c],
					    backgrounds[b] == WL_CPU ? CPU_BESIDE
								     : 0,
					    ops, p->many_ns,
					    &entries[e].o[b][c][round]);
	}
	printf("Transfer time: 2 threads passing the lock in turns, each "
	       "holding as above\n(us per acquisition, median "
	       "[min..max]); beside it, the same 2 threads looping\nfreely, "
	       "and how many of their acquisitions changed hands (%%).\n");
	printf("  %-8s %9s %-15s %9s %-15s %6s\n", "policy", "transfer",
	       " [spread]", "free loop", " [spread]", "hand%");
	for (int e = 0; e < p->npolicies; e++)
		report_transfer(&entries[e], rounds);
	printf("  %-6s %5s  %-8s %9s %-17s %5s %-11s %6s %-17s %7s %-11s "
	       "%5s %5s %9s\n", "beside", "N", "policy", "xfers/s",
	       " [spread]", "served", "", "Jain", "", "wait ms", "", "hand%",
	       "cpu%", "hand/own");
	for (size_t b = 0; b < NBACKGROUNDS; b++)
		for (size_t c = 0; c < NCOUNTS; c++)
			for (int e = 0; e < p->npolicies; e++)
				report(p, &entries[e], b, c, rounds, slice_ms);
	progress("many: done in %.1f s", (double)(now_ns() - t_start) / 1e9);
	fflush(stdout);
}
