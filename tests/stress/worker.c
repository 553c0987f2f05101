/*
 * worker.c: one stress worker.  It does what interpreter threads do with
 * the lock, in random mixes: take it, hold it (checking
 * bfsgil_should_yield and mostly, not always, obeying), yield, give it
 * up, run off the lock, detach and attach again, change its nice, and
 * now and then call something wrongly.  Every call's result is checked
 * against its contract, and the test's own holder record is claimed after
 * every return that grants the lock and cleared before every call that
 * gives it up: a claim that finds another worker there is two holders.
 */
#include <errno.h>
#include <string.h>

#include "stress.h"

static void
expect(const struct worker *w, const char *call, int got, int want)
{
	if (got != want)
		stress_fail("worker %d: %s returned %d (%s), its contract says %d (%s)",
			    w->id, call, got, strerror(got), want, strerror(want));
}

/* After acquire or yield returned 0: the lock is ours alone. */
static void
claim(struct worker *w)
{
	struct worker *other = NULL;

	if (!atomic_compare_exchange_strong(&w->st->holder, &other, w))
		stress_fail("two holders: worker %d was given the lock while worker %d holds it",
			    w->id, other->id);
}

/* Before release or yield: nobody took it from us meanwhile. */
static void
unclaim(struct worker *w)
{
	struct worker *self = w;

	if (!atomic_compare_exchange_strong(&w->st->holder, &self, NULL))
		stress_fail("two holders: worker %d holds the lock, but the record names %s",
			    w->id, self ? "another worker" : "nobody");
}

/* The watchdog (monitor.c) reads these while the worker waits. */
static void
wait_begin(struct worker *w, enum worker_op op)
{
	atomic_store(&w->op, op);
	atomic_store(&w->wait_since, harness_now_ns());
}

static void
wait_end(struct worker *w)
{
	uint64_t waited = harness_now_ns() - atomic_load(&w->wait_since);

	w->wait_ns += waited;
	if (waited > w->max_wait_ns)
		w->max_wait_ns = waited;
	atomic_store(&w->wait_since, 0);
	atomic_store(&w->op, OP_NONE);
}

static void
do_yield(struct worker *w)
{
	unclaim(w);
	wait_begin(w, OP_YIELD);
	expect(w, "bfsgil_yield", bfsgil_yield(w->handle), 0);
	wait_end(w);
	claim(w);
	w->yields++;
}

/* Hold for @ns of "bytecode", checking for a yield request between
 * 20 us chunks as an eval loop would, and obeying 4 times in 5: a holder
 * that ignores a request (a long C call) must not break anything. */
static void
hold(struct worker *w, uint64_t ns)
{
	uint64_t end = harness_now_ns() + ns, now;

	while ((now = harness_now_ns()) < end) {
		harness_burn_ns(end - now < 20000 ? end - now : 20000);
		if (bfsgil_should_yield(w->handle) &&
		    stress_between(&w->rng, 0, 4) != 0)
			do_yield(w);
	}
}

/* Mostly short holds, some long enough to use up small slices. */
static uint64_t
hold_length(struct worker *w)
{
	uint64_t r = stress_between(&w->rng, 0, 99);

	if (r < 70)
		return stress_between(&w->rng, 0, 20000);
	if (r < 95)
		return stress_between(&w->rng, 20000, 500000);
	return stress_between(&w->rng, 500000, w->st->max_hold_ns);
}

static void
session(struct worker *w)
{
	uint64_t r;

	wait_begin(w, OP_ACQUIRE);
	expect(w, "bfsgil_acquire", bfsgil_acquire(w->handle), 0);
	wait_end(w);
	claim(w);
	w->acquires++;

	r = stress_between(&w->rng, 0, 99);
	if (r < 2) {
		expect(w, "bfsgil_acquire while holding",
		       bfsgil_acquire(w->handle), EDEADLK);
		w->misuse++;
	} else if (r < 3) {
		expect(w, "bfsgil_detach while holding",
		       bfsgil_detach(w->handle), EBUSY);
		w->misuse++;
	}
	hold(w, hold_length(w));
	if (stress_between(&w->rng, 0, 19) == 0) {
		do_yield(w);	/* unasked, as a thread about to block might */
		hold(w, hold_length(w));
	}
	unclaim(w);
	expect(w, "bfsgil_release", bfsgil_release(w->handle), 0);
}

/* Between sessions: nothing, a little work, or a short block. */
static void
off_lock(struct worker *w)
{
	uint64_t r = stress_between(&w->rng, 0, 9);

	if (r < 3)
		return;
	if (r < 7)
		harness_burn_ns(stress_between(&w->rng, 0, 20000));
	else
		harness_block_ns(stress_between(&w->rng, 1000, 300000));
}

/* Half the time nice 0, else anything from -20 to 19. */
static int
random_nice(uint64_t *rng)
{
	return stress_between(rng, 0, 1) ? 0 : (int)stress_between(rng, 0, 39) - 20;
}

void
worker_attach(struct stress *st, struct worker *w)
{
	bfsgil_thread_t *h;
	int nice = random_nice(&w->rng);

	expect(w, "bfsgil_attach", bfsgil_attach(st->gil, &h), 0);
	expect(w, "bfsgil_set_nice", bfsgil_set_nice(h, nice), 0);
	pthread_mutex_lock(&st->handles);
	w->handle = h;
	atomic_store(&w->nice, nice);
	pthread_mutex_unlock(&st->handles);
}

/* Keep the handle's final figures (monitor.c checks that the lock's
 * totals equal their sum), then detach it. */
void
worker_detach(struct stress *st, struct worker *w)
{
	struct bfsgil_stats s;

	pthread_mutex_lock(&st->handles);
	expect(w, "bfsgil_thread_stats", bfsgil_thread_stats(w->handle, &s), 0);
	expect(w, "bfsgil_detach", bfsgil_detach(w->handle), 0);
	stress_stats_add(&st->retired, &s);
	w->handle = NULL;
	pthread_mutex_unlock(&st->handles);
}

void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct stress *st = w->st;

	worker_attach(st, w);
	while (!atomic_load(&st->stop)) {
		uint64_t r = stress_between(&w->rng, 0, 99);

		if (r < 2) {
			worker_detach(st, w);
			worker_attach(st, w);
			w->reattaches++;
		} else if (r < 5) {
			int nice = random_nice(&w->rng);

			expect(w, "bfsgil_set_nice", bfsgil_set_nice(w->handle, nice), 0);
			atomic_store(&w->nice, nice);
		} else if (r < 7) {
			expect(w, "bfsgil_release without holding",
			       bfsgil_release(w->handle), EPERM);
			expect(w, "bfsgil_yield without holding",
			       bfsgil_yield(w->handle), EPERM);
			expect(w, "bfsgil_set_nice(20)",
			       bfsgil_set_nice(w->handle, 20), ERANGE);
			w->misuse += 3;
		} else {
			session(w);
		}
		off_lock(w);
	}
	worker_detach(st, w);
	return NULL;
}
