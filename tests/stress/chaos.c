/*
 * chaos.c: the thread that changes things under the workers' feet, as an
 * interpreter's tooling would: slice_us, preempt and spin_us through the named
 * setter, other threads' nice through their handles, and calls on
 * another thread's handle that must be refused (EPERM) without effect.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "stress.h"

/* The range the chaos thread sets slice_us in; monitor.c's bound uses
 * the top. */
#define SLICE_US_MIN 100
#define SLICE_US_MAX 20000

long long
chaos_slice_us_max(void)
{
	return SLICE_US_MAX;
}

static void
expect(const char *call, int got, int want)
{
	if (got != want)
		stress_fail("chaos: %s returned %d (%s), its contract says %d (%s)",
			    call, got, strerror(got), want, strerror(want));
}

/* Log-uniform, so small slices (many expiries) are as likely as large. */
static long long
random_slice_us(uint64_t *rng)
{
	double lo = log(SLICE_US_MIN), hi = log(SLICE_US_MAX);
	double u = (double)stress_between(rng, 0, 1000000) / 1e6;

	return (long long)exp(lo + u * (hi - lo));
}

void
chaos_set_slice(struct stress *st, uint64_t *rng)
{
	long long v = random_slice_us(rng), got;

	expect("bfsgil_ctl_set(slice_us)", bfsgil_ctl_set(st->gil, "slice_us", v), 0);
	expect("bfsgil_ctl_get(slice_us)", bfsgil_ctl_get(st->gil, "slice_us", &got), 0);
	/* Only this thread sets it: what it set is what it reads. */
	if (got != v)
		stress_fail("chaos: slice_us set to %lld reads back %lld", v, got);
}

/* One change, on a random worker's handle where it needs one. */
static void
chaos_step(struct stress *st, uint64_t *rng)
{
	uint64_t r = stress_between(rng, 0, 99);
	struct worker *w = &st->workers[stress_between(rng, 0, (uint64_t)st->nworkers - 1)];
	int nice;

	if (r < 30) {
		chaos_set_slice(st, rng);
		return;
	}
	if (r < 35) {
		/* preempt=0 a tenth of the time. */
		expect("bfsgil_ctl_set(preempt)",
		       bfsgil_ctl_set(st->gil, "preempt", stress_between(rng, 0, 9) != 0), 0);
		return;
	}
	if (r < 40) {
		/* No polling a quarter of the time, else up to 2 ms. */
		expect("bfsgil_ctl_set(spin_us)",
		       bfsgil_ctl_set(st->gil, "spin_us",
				      stress_between(rng, 0, 3) == 0 ? 0 :
				      (long long)stress_between(rng, 1, 2000)), 0);
		return;
	}
	pthread_mutex_lock(&st->handles);
	if (w->handle == NULL) {	/* not attached yet */
		pthread_mutex_unlock(&st->handles);
		return;
	}
	if (r < 85) {
		nice = (int)stress_between(rng, 0, 39) - 20;
		expect("bfsgil_set_nice (another thread's handle)",
		       bfsgil_set_nice(w->handle, nice), 0);
		atomic_store(&w->nice, nice);
	} else {
		expect("bfsgil_acquire (another thread's handle)",
		       bfsgil_acquire(w->handle), EPERM);
		expect("bfsgil_release (another thread's handle)",
		       bfsgil_release(w->handle), EPERM);
		expect("bfsgil_yield (another thread's handle)",
		       bfsgil_yield(w->handle), EPERM);
	}
	pthread_mutex_unlock(&st->handles);
}

void *
chaos_main(void *arg)
{
	struct stress *st = arg;
	uint64_t rng = st->seed ^ 0xc4a05c4a05ull;

	/* Each phase its own stream, all from the one seed. */
	rng += (uint64_t)st->phase * 0x9e3779b97f4a7c15ull;
	while (!atomic_load(&st->stop)) {
		chaos_step(st, &rng);
		atomic_fetch_add(&st->chaos_ops, 1);
		/* Pacing, not waiting for a condition. */
		harness_block_ns(stress_between(&rng, 100000, 5000000));
	}
	return NULL;
}
