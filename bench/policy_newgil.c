/*
 * policy_newgil.c: CPython 3.2+'s GIL ("new GIL"), rebuilt here from its
 * description in CPython's Python/ceval_gil.c, to measure it beside
 * bfsgil on the same workloads.
 *
 * - The GIL is a flag guarded by a mutex; changes are signalled on a
 *   condition variable.
 * - A thread that wants the GIL waits on that condvar for `interval`
 *   (5 ms).  If it timed out, the GIL is still taken and nobody switched
 *   in the meantime, it sets the drop request, which the holder's eval
 *   loop sees at its next check.
 * - Forced switching: a holder that drops because it was asked waits
 *   until some other thread has taken the GIL, so it cannot take it
 *   straight back.
 * - Releasing wakes one waiter, whichever the condvar picks: no order.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "bench.h"
#include "policy.h"

#define NEWGIL_INTERVAL_NS (5 * MS)	/* sys.getswitchinterval() = 5 ms */

struct newgil {
	pthread_mutex_t mutex;
	pthread_cond_t cond;		/* the GIL was dropped */
	bool locked;
	/* Read by a forced dropper under switch_mutex, written under mutex. */
	_Atomic(struct newgil_thread *) last_holder;
	unsigned long switch_number;	/* times the GIL changed hands */
	atomic_int drop_request;	/* CPython's eval_breaker, in effect */
	pthread_mutex_t switch_mutex;
	pthread_cond_t switch_cond;	/* someone else took the GIL */
	const struct policy_asker *asker;	/* set before threads run */
};

struct newgil_thread {
	struct newgil *gil;
	void *udata;
};

static int
newgil_create(void **lockp)
{
	struct newgil *g = calloc(1, sizeof(*g));
	int err;

	if (g == NULL)
		return ENOMEM;
	err = cond_init_monotonic(&g->cond);
	if (err != 0) {
		free(g);
		return err;
	}
	pthread_mutex_init(&g->mutex, NULL);
	pthread_mutex_init(&g->switch_mutex, NULL);
	pthread_cond_init(&g->switch_cond, NULL);
	*lockp = g;
	return 0;
}

static void
newgil_destroy(void *lock)
{
	struct newgil *g = lock;

	pthread_mutex_destroy(&g->mutex);
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->switch_mutex);
	pthread_cond_destroy(&g->switch_cond);
	free(g);
}

static int
newgil_attach(void *lock, void **threadp, void *udata)
{
	struct newgil_thread *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return ENOMEM;
	t->gil = lock;
	t->udata = udata;
	*threadp = t;
	return 0;
}

static void
newgil_detach(void *thread)
{
	free(thread);
}

/* take_gil() */
static void
newgil_acquire(void *thread)
{
	struct newgil_thread *t = thread;
	struct newgil *g = t->gil;

	pthread_mutex_lock(&g->mutex);
	while (g->locked) {
		unsigned long saved = g->switch_number;
		struct timespec until = timespec_after_ns(NEWGIL_INTERVAL_NS);
		int timed_out = pthread_cond_timedwait(&g->cond, &g->mutex,
						       &until) == ETIMEDOUT;

		/* Timed out with nobody switched in the meantime: ask. */
		if (timed_out && g->locked && g->switch_number == saved) {
			atomic_store_explicit(&g->drop_request, 1,
					      memory_order_relaxed);
			/* While locked, the last to take it is the holder. */
			if (g->asker != NULL)
				g->asker->asked(atomic_load_explicit(
					&g->last_holder,
					memory_order_relaxed)->udata);
		}
	}
	g->locked = true;
	if (atomic_load_explicit(&g->last_holder, memory_order_relaxed) != t) {
		atomic_store_explicit(&g->last_holder, t, memory_order_relaxed);
		g->switch_number++;
	}
	/* Tell a forced-switching dropper that someone else has it. */
	pthread_mutex_lock(&g->switch_mutex);
	pthread_cond_signal(&g->switch_cond);
	pthread_mutex_unlock(&g->switch_mutex);
	/* A request aimed at the previous holder is satisfied. */
	atomic_store_explicit(&g->drop_request, 0, memory_order_relaxed);
	pthread_mutex_unlock(&g->mutex);
}

/* drop_gil(), @forced when dropping because we were asked to. */
static void
newgil_drop(struct newgil_thread *t, bool forced)
{
	struct newgil *g = t->gil;

	pthread_mutex_lock(&g->mutex);
	g->locked = false;
	pthread_cond_signal(&g->cond);
	pthread_mutex_unlock(&g->mutex);
	if (forced) {
		/* Not switched yet: wait until someone else has it. */
		pthread_mutex_lock(&g->switch_mutex);
		if (atomic_load_explicit(&g->last_holder,
					 memory_order_relaxed) == t) {
			atomic_store_explicit(&g->drop_request, 0,
					      memory_order_relaxed);
			pthread_cond_wait(&g->switch_cond, &g->switch_mutex);
		}
		pthread_mutex_unlock(&g->switch_mutex);
	}
}

static void
newgil_release(void *thread)
{
	struct newgil_thread *t = thread;

	/* A blocking call: CPython's drop_gil also forces the switch if a
	 * drop request is pending at that moment. */
	newgil_drop(t, atomic_load_explicit(&t->gil->drop_request,
					    memory_order_relaxed) != 0);
}

static bool
newgil_should_yield(void *thread)
{
	struct newgil_thread *t = thread;

	return atomic_load_explicit(&t->gil->drop_request,
				    memory_order_relaxed) != 0;
}

/* The eval loop's answer to a drop request: drop, then take again. */
static void
newgil_yield(void *thread)
{
	newgil_drop(thread, true);
	newgil_acquire(thread);
}

static int
newgil_set_asker(void *lock, const struct policy_asker *a)
{
	struct newgil *g = lock;

	pthread_mutex_lock(&g->mutex);
	g->asker = a;
	pthread_mutex_unlock(&g->mutex);
	return 0;
}

const struct policy policy_newgil = {
	.name = "newgil",
	.about = "CPython 3.2+: waiters ask after a 5 ms timed wait, forced switch",
	.create = newgil_create,
	.destroy = newgil_destroy,
	.attach = newgil_attach,
	.detach = newgil_detach,
	.acquire = newgil_acquire,
	.release = newgil_release,
	.should_yield = newgil_should_yield,
	.yield = newgil_yield,
	.set_asker = newgil_set_asker,
};
