/*
 * chaos.c: the thread that changes things under the workers' feet, as an
 * interpreter's tooling would: slice_us, preempt and spin_us through the named
 * setter, other threads' nice through their handles, calls on another
 * thread's handle that must be refused (EPERM) without effect, and an
 * event hook added and removed (a tracer switched on and off).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gil.h"
#include "stress.h"

/*
 * The hook chaos adds and removes.  Its callback checks what each event
 * claims against the lock's state word, and that it is never called
 * once removed: its data is poisoned, then freed, as soon as
 * bfsgil_hook_remove returns (so ASan, in CI, sees a late call too).
 */
#define HOOK_ALIVE 0x600d600du
#define HOOK_DEAD 0xdeadbeefu

struct hook_check {
	_Atomic unsigned magic;
	bfsgil_t *gil;
	_Atomic uint64_t events;
};

static struct hook_check *chaos_hook;	/* the one registered, or NULL */

static void expect(const char *call, int got, int want);

static void
hook_check_event(const struct bfsgil_event *ev, void *arg)
{
	struct hook_check *c = arg;
	struct bfsgil_thread *holder = gil_state_holder(
		atomic_load(&c->gil->state));

	if (atomic_load(&c->magic) != HOOK_ALIVE)
		stress_fail("hook: called after bfsgil_hook_remove returned");
	if (ev->time_ns > harness_now_ns())
		stress_fail("hook: event %u dated in the future", ev->type);
	switch (ev->type) {
	case BFSGIL_EVENT_ACQUIRED:	/* sent holding */
	case BFSGIL_EVENT_ASKED:	/* about the holder, mutex held */
		if (holder != ev->thread)
			stress_fail("hook: event %u about a thread that does "
				    "not hold the lock", ev->type);
		break;
	case BFSGIL_EVENT_DETACH:	/* mutex held, after the EBUSY test */
		/* Not RELEASED: a yield sends it once off the mutex, by
		 * which time the lock may have come back to the thread. */
		if (holder == ev->thread)
			stress_fail("hook: event %u about the holder", ev->type);
		break;
	}
	atomic_fetch_add_explicit(&c->events, 1, memory_order_relaxed);
}

/* Add the checking hook if there is none, else remove, poison, free. */
static void
chaos_toggle_hook(struct stress *st)
{
	struct hook_check *c = chaos_hook;

	if (c == NULL) {
		c = calloc(1, sizeof(*c));
		if (c == NULL)
			stress_fail("out of memory");
		atomic_store(&c->magic, HOOK_ALIVE);
		c->gil = st->gil;
		expect("bfsgil_hook_add", bfsgil_hook_add(st->gil,
			BFSGIL_EVENT_ALL, hook_check_event, c), 0);
		chaos_hook = c;
		return;
	}
	expect("bfsgil_hook_remove", bfsgil_hook_remove(st->gil,
		hook_check_event, c), 0);
	atomic_store(&c->magic, HOOK_DEAD);
	atomic_fetch_add(&st->hook_events, atomic_load(&c->events));
	free(c);
	chaos_hook = NULL;
}

/* At a phase's end (chaos joined): remove the hook if it is in. */
void
chaos_end_phase(struct stress *st)
{
	if (chaos_hook != NULL)
		chaos_toggle_hook(st);
}

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
	if (r < 44) {
		chaos_toggle_hook(st);
		return;
	}
	if (r < 48) {
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
