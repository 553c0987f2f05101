/*
 * tracing.c: bfsgil-bench --trace and --trace-svg: short scenes run under
 * each policy with every thread's states recorded, written as one trace
 * (a process per policy in Perfetto) or one picture (a panel each, on one
 * time scale).
 *
 *  convoy  the latency test's I/O thread answering a ping every 10 ms
 *          beside N CPU-bound threads (default 2): under newgil the I/O
 *          thread waits up to a switch interval each time (with one CPU
 *          thread, exactly one), under bfsgil it preempts
 *  fair    N CPU-bound threads taking turns (default 4)
 *
 * bfsgil records itself: the library's recorder hangs on its event hooks
 * (bfsgil/trace.h).  The rebuilt GILs have no hooks, so a wrapper policy
 * records for them, around each call: WAIT when an acquire or a yield
 * blocked for more than TRACE_BLOCKED_NS (a shorter one did not wait in
 * any sense worth drawing), ACQUIRED as it returns, RELEASED before it
 * lets go, and ASKED where the policy asks its holder to drop (its asker;
 * oldgil never asks).  Read before letting go and after getting the lock,
 * those times never show two holders, as the library's own do not.
 *
 * A yield that kept the lock is not drawn (oldgil yields every 100
 * opcodes).  Whether it kept it is read off the lock, not guessed from
 * how long the yield took: a count of hand-overs, moved only by a holder,
 * says whether anyone else held it in between.  A time bound was wrong
 * when the other hold was shorter than it (an I/O thread that takes the
 * lock and drops it at once): neither side drew it, and the trace showed
 * two holders (CI, 2026-12-05).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bfsgil.h>

#include "bench.h"
#include "client.h"
#include "plan.h"
#include "tracing.h"
#include "work.h"

#define TRACE_BLOCKED_NS 2000
#define SCENE_MAX_THREADS 8

/* The policy the wrapper runs, and where it records (one scene at a
 * time, set before its lock is made). */
static const struct policy *inner;
static bfsgil_trace_t *recorder;

struct tlock {
	const struct policy *pol;
	void *lock;
	bfsgil_trace_t *tr;
	bool native;		/* bfsgil: its own hooks record */
	/* Times the lock was taken, but for yields that kept it: a yield
	 * that finds it moved was got into.  Read and moved only while
	 * holding the lock (atomic for the checkers' sake). */
	atomic_uint_fast64_t handovers;
};

struct tthread {
	struct tlock *l;
	void *t;
};

static void
record(bfsgil_trace_t *tr, unsigned type, const struct tthread *who,
       uint64_t at, unsigned reason)
{
	struct bfsgil_event ev = {
		.type = type,
		.thread = (bfsgil_thread_t *)(void *)who,
		.time_ns = at,
		.reason = reason,
	};

	bfsgil_trace_hook(&ev, tr);
}

/* The policy's asker: it has just asked the holder @udata to drop.  The
 * rebuilt GILs ask when a waiter has waited out an interval or quantum:
 * a slice end, in bfsgil's words. */
static void
traced_asked(void *udata)
{
	struct tthread *t = udata;

	record(t->l->tr, BFSGIL_EVENT_ASKED, t, now_ns(),
	       BFSGIL_ASK_SLICE_END);
}

static const struct policy_asker traced_asker = { traced_asked };

static int
traced_create(void **lockp)
{
	struct tlock *l = calloc(1, sizeof(*l));
	int err;

	if (l == NULL)
		return ENOMEM;
	l->pol = inner;
	l->tr = recorder;
	l->native = inner == &policy_bfsgil;
	atomic_init(&l->handovers, 0);
	err = inner->create(&l->lock);
	if (err == 0 && l->native)
		err = bfsgil_trace_attach(l->tr, l->lock);
	else if (err == 0 && inner->set_asker != NULL)
		err = inner->set_asker(l->lock, &traced_asker);
	if (err != 0) {
		free(l);
		return err;
	}
	*lockp = l;
	return 0;
}

static void
traced_destroy(void *lock)
{
	struct tlock *l = lock;

	if (l->native)
		bfsgil_trace_detach(l->tr, l->lock);
	l->pol->destroy(l->lock);
	free(l);
}

static int
traced_attach(void *lock, void **threadp, void *udata)
{
	struct tthread *t = calloc(1, sizeof(*t));
	int err;

	(void)udata;	/* scenes set no asker of their own */
	if (t == NULL)
		return ENOMEM;
	t->l = lock;
	err = t->l->pol->attach(t->l->lock, &t->t, t);
	if (err != 0) {
		free(t);
		return err;
	}
	if (!t->l->native)
		record(t->l->tr, BFSGIL_EVENT_ATTACH, t, now_ns(), 0);
	*threadp = t;
	return 0;
}

static void
traced_detach(void *thread)
{
	struct tthread *t = thread;

	if (!t->l->native)
		record(t->l->tr, BFSGIL_EVENT_DETACH, t, now_ns(), 0);
	t->l->pol->detach(t->t);
	free(t);
}

/* An acquire, or a yield that someone else got into, began at @t0 and
 * returned holding at @t1. */
static void
traced_got(struct tthread *t, uint64_t t0, uint64_t t1)
{
	atomic_fetch_add_explicit(&t->l->handovers, 1, memory_order_relaxed);
	if (t1 - t0 > TRACE_BLOCKED_NS)
		record(t->l->tr, BFSGIL_EVENT_WAIT, t, t0, 0);
	record(t->l->tr, BFSGIL_EVENT_ACQUIRED, t, t1, 0);
}

static void
traced_acquire(void *thread)
{
	struct tthread *t = thread;
	uint64_t t0 = now_ns();

	t->l->pol->acquire(t->t);
	if (!t->l->native)
		traced_got(t, t0, now_ns());
}

static void
traced_release(void *thread)
{
	struct tthread *t = thread;

	if (!t->l->native)
		record(t->l->tr, BFSGIL_EVENT_RELEASED, t, now_ns(), 0);
	t->l->pol->release(t->t);
}

static bool
traced_should_yield(void *thread)
{
	struct tthread *t = thread;

	return t->l->pol->should_yield(t->t);
}

static void
traced_yield(void *thread)
{
	struct tthread *t = thread;
	uint_fast64_t seen = atomic_load_explicit(&t->l->handovers,
						  memory_order_relaxed);
	uint64_t t0 = now_ns(), t1;

	t->l->pol->yield(t->t);
	if (t->l->native)
		return;
	t1 = now_ns();
	/* Kept the lock (nobody took it), however long that took:
	 * nothing to draw. */
	if (atomic_load_explicit(&t->l->handovers, memory_order_relaxed) ==
	    seen)
		return;
	record(t->l->tr, BFSGIL_EVENT_RELEASED, t, t0, 0);
	traced_got(t, t0, t1);
}

static const struct policy traced = {
	.name = "traced",
	.about = "a policy with every call recorded (--trace)",
	.create = traced_create,
	.destroy = traced_destroy,
	.attach = traced_attach,
	.detach = traced_detach,
	.acquire = traced_acquire,
	.release = traced_release,
	.should_yield = traced_should_yield,
	.yield = traced_yield,
};

int
trace_scene_threads(enum trace_scene s)
{
	return s == SCENE_FAIR ? 4 : 2;
}

/* What @s with @n CPU-bound threads shows, into @buf. */
static const char *
scene_about(char *buf, size_t size, enum trace_scene s, int n)
{
	if (s == SCENE_FAIR)
		snprintf(buf, size, "%d CPU-bound threads taking turns", n);
	else
		snprintf(buf, size, "an I/O thread answering pings beside %d "
			 "CPU-bound thread%s", n, n == 1 ? "" : "s");
	return buf;
}

/* Run @scene with @nthreads CPU-bound threads under @pol for @ns,
 * recording into a new recorder. */
static bfsgil_trace_t *
run_scene(const struct plan *p, const struct policy *pol,
	  enum trace_scene scene, int nthreads, uint64_t ns)
{
	static uint64_t rtt[CLIENT_MAX_PINGS];
	char label[128], about[96];
	size_t lost = 0, n;
	bfsgil_trace_t *tr;

	snprintf(label, sizeof(label), "%s: %s", pol->name,
		 scene_about(about, sizeof(about), scene, nthreads));
	BENCH_CHECK(bfsgil_trace_create(&tr, label, 0));
	inner = pol;
	recorder = tr;
	if (scene == SCENE_CONVOY) {
		n = latency_run(p, &traced, WL_CPU, nthreads, ns, rtt, &lost);
		printf("  %-8s %zu pings, %zu lost;", pol->name, n, lost);
		for (size_t i = 0; i < n && i < 12; i++)
			printf(" %.2f", (double)rtt[i] / 1e6);
		printf("%s ms\n", n > 12 ? " ..." : "");
	} else {
		struct worker w[SCENE_MAX_THREADS];
		pthread_barrier_t start;
		atomic_int stop = 0;
		void *lock;

		BENCH_CHECK(traced.create(&lock));
		BENCH_CHECK(pthread_barrier_init(&start, NULL,
						 (unsigned)nthreads + 1));
		for (int i = 0; i < nthreads; i++) {
			w[i] = (struct worker){ .pol = &traced, .lock = lock,
						.kind = WL_CPU, .stop = &stop,
						.start = &start, .index = i };
			worker_start(&w[i]);
		}
		pthread_barrier_wait(&start);
		sleep_ns(ns);	/* the scene's length */
		atomic_store(&stop, 1);
		for (int i = 0; i < nthreads; i++)
			worker_join(&w[i]);
		pthread_barrier_destroy(&start);
		traced.destroy(lock);
		printf("  %-8s", pol->name);
		for (int i = 0; i < nthreads; i++)
			printf("%s %.2f M opcodes", i ? "," : "",
			       (double)atomic_load(&w[i].ops) / 1e6);
		printf("\n");
	}
	return tr;
}

static int
save(const char *path, bfsgil_trace_t *const *trs, size_t n,
     enum bfsgil_trace_format format)
{
	FILE *f = fopen(path, "w");
	int err;

	if (f == NULL)
		return errno;
	err = bfsgil_trace_write((const bfsgil_trace_t *const *)trs, n, f,
				 format);
	if (fclose(f) != 0 && err == 0)
		err = errno;
	return err;
}

void
trace_scenes(const struct plan *p, enum trace_scene scene, int nthreads,
	     uint64_t ns, const char *json, const char *svg)
{
	bfsgil_trace_t *trs[PLAN_MAX_POLICIES];
	char about[96];
	int err;

	if (nthreads < 1 || nthreads > SCENE_MAX_THREADS)
		bench_fail("--trace-threads", ERANGE);
	printf("\nTrace: %s, %.0f ms under each policy%s\n",
	       scene_about(about, sizeof(about), scene, nthreads),
	       (double)ns / 1e6,
	       scene == SCENE_CONVOY ? " (round trips of the pings)" : "");
	for (int i = 0; i < p->npolicies; i++)
		trs[i] = run_scene(p, p->policies[i], scene, nthreads, ns);
	if (json != NULL) {
		err = save(json, trs, (size_t)p->npolicies, BFSGIL_TRACE_JSON);
		if (err != 0)
			bench_fail(json, err);
		printf("Wrote %s: open it at https://ui.perfetto.dev\n", json);
	}
	if (svg != NULL) {
		err = save(svg, trs, (size_t)p->npolicies, BFSGIL_TRACE_SVG);
		if (err != 0)
			bench_fail(svg, err);
		printf("Wrote %s\n", svg);
	}
	for (int i = 0; i < p->npolicies; i++)
		bfsgil_trace_destroy(trs[i]);
}
