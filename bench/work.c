/*
 * work.c: the workloads (see work.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "sample.h"
#include "work.h"

/* An opcode: a chain of dependent multiply-adds the compiler cannot fold
 * or vectorise; 50 steps are 50-100 ns on current x86. */
#define OPCODE_STEPS 50
#define CALL_TARGET_NS (2 * MS)

static uint64_t call_steps = 1000000;
static double opcode_ns = 0, call_ns = 0;

const char *
workload_name(enum workload w)
{
	switch (w) {
	case WL_NONE: return "none";
	case WL_CPU: return "cpu";
	case WL_CNOGIL: return "cnogil";
	case WL_CRELEASE: return "crelease";
	}
	return "?";
}

static inline void
steps(uint64_t *x, uint64_t n)
{
	uint64_t v = *x;

	for (uint64_t i = 0; i < n; i++) {
		v = v * 6364136223846793005u + 1442695040888963407u;
		__asm__ volatile("" : "+r"(v));	/* one step, really done */
	}
	*x = v;
}

void
work_opcode(uint64_t *x)
{
	steps(x, OPCODE_STEPS);
}

void
work_call(uint64_t *x)
{
	steps(x, call_steps);
}

double
work_opcode_ns(void)
{
	return opcode_ns;
}

double
work_call_ns(void)
{
	return call_ns;
}

void
work_calibrate(bool quick)
{
	enum { TRIES = 7 };
	double per_step[TRIES];
	uint64_t x = 1, n = quick ? 200000 : 1000000;

	steps(&x, n);	/* warm up the core's clock */
	for (int i = 0; i < TRIES; i++) {
		uint64_t t0 = now_ns();

		steps(&x, n);
		per_step[i] = (double)(now_ns() - t0) / (double)n;
	}
	/* The fastest try is the one least disturbed by the neighbours. */
	qsort(per_step, TRIES, sizeof(double), cmp_double);
	opcode_ns = per_step[0] * OPCODE_STEPS;
	call_steps = (uint64_t)((double)CALL_TARGET_NS / per_step[0]);
	call_ns = per_step[0] * (double)call_steps;
	fprintf(stderr, "bfsgil-bench: calibrated: opcode %.0f ns (%d steps), "
		"C call %.2f ms (%llu steps)\n", opcode_ns, OPCODE_STEPS,
		call_ns / 1e6, (unsigned long long)call_steps);
}

static inline bool
stopped(const struct worker *w)
{
	return atomic_load_explicit(w->stop, memory_order_relaxed) != 0;
}

/* Only the worker writes its count: no read-modify-write needed. */
static inline void
add_ops(struct worker *w, uint64_t n)
{
	atomic_store_explicit(&w->ops,
			      atomic_load_explicit(&w->ops, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

/* A wait for the lock that began at @t0 has just ended. */
static inline void
note_wait(struct worker *w, uint64_t t0)
{
	uint64_t waited = now_ns() - t0;

	if (waited > w->max_wait_ns)
		w->max_wait_ns = waited;
}

/* The eval loop's check: give way if asked, timing how long that took. */
static inline void
check(struct worker *w, void *t)
{
	if (w->pol->should_yield(t)) {
		uint64_t t0 = now_ns();

		w->pol->yield(t);
		note_wait(w, t0);
	}
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	uint64_t x = (uint64_t)(uintptr_t)w, t0;
	char name[24];
	void *t;

	/* For traces and top(1): "cpu 1", "crelease 2"... */
	snprintf(name, sizeof(name), "%.9s %d", workload_name(w->kind),
		 (w->index + 1) % 1000);
	pthread_setname_np(pthread_self(), name);
	BENCH_CHECK(w->pol->attach(w->lock, &t, NULL));
	pthread_barrier_wait(w->start);
	t0 = now_ns();
	w->pol->acquire(t);
	note_wait(w, t0);
	while (w->kind != WL_NONE && !stopped(w)) {
		switch (w->kind) {
		case WL_NONE:	/* holds once and leaves */
			break;
		case WL_CPU:
			/* 100 opcodes between looks at the stop flag. */
			for (int i = 0; i < 100; i++) {
				check(w, t);
				work_opcode(&x);
			}
			add_ops(w, 100);
			break;
		case WL_CNOGIL:
			check(w, t);
			work_call(&x);
			add_ops(w, 1);
			break;
		case WL_CRELEASE:
			check(w, t);
			w->pol->release(t);
			work_call(&x);
			t0 = now_ns();
			w->pol->acquire(t);
			note_wait(w, t0);
			add_ops(w, 1);
			break;
		}
	}
	w->pol->release(t);
	w->pol->detach(t);
	if (x == 42)	/* keep the work observable */
		fputc(' ', stderr);
	return NULL;
}

pthread_t
thread_spawn(void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	pthread_t th;

	BENCH_CHECK(pthread_attr_init(&attr));
	BENCH_CHECK(pthread_attr_setstacksize(&attr, 256 * 1024));
	BENCH_CHECK(pthread_create(&th, &attr, fn, arg));
	pthread_attr_destroy(&attr);
	return th;
}

void
worker_start(struct worker *w)
{
	atomic_store(&w->ops, 0);
	w->max_wait_ns = 0;
	w->thread = thread_spawn(worker_main, w);
}

void
worker_join(struct worker *w)
{
	BENCH_CHECK(pthread_join(w->thread, NULL));
}

uint64_t
workers_ops(const struct worker *w, int n, uint64_t *at_ns)
{
	uint64_t before = now_ns(), ops = 0;

	for (int i = 0; i < n; i++)
		ops += atomic_load_explicit(&w[i].ops, memory_order_relaxed);
	/* Halfway through the reading, should we be preempted in it. */
	*at_ns = before + (now_ns() - before) / 2;
	return ops;
}
