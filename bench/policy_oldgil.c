/*
 * policy_oldgil.c: Python 2's GIL.  A plain lock; the eval loop counts
 * "ticks" and every check_interval (100) of them releases the lock and
 * immediately takes it again, hoping another thread gets in between.  On
 * a multi-core machine it rarely does: the releaser is still running and
 * re-takes the lock before a woken waiter has been scheduled, so waiters
 * wake, find it taken and sleep again.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "policy.h"

#define OLDGIL_CHECK_INTERVAL 100	/* sys.getcheckinterval() */

struct oldgil {
	pthread_mutex_t mutex;
};

struct oldgil_thread {
	struct oldgil *gil;
	int ticks;
};



static int
oldgil_create(void **lockp)
{
	struct oldgil *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return ENOMEM;
	pthread_mutex_init(&g->mutex, NULL);
	*lockp = g;
	return 0;
}

static void
oldgil_destroy(void *lock)
{
	struct oldgil *g = lock;

	pthread_mutex_destroy(&g->mutex);
	free(g);
}

static int
oldgil_attach(void *lock, void **threadp, void *udata)
{
	struct oldgil_thread *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return ENOMEM;
	(void)udata;	/* oldgil never asks anyone */
	t->gil = lock;
	t->ticks = OLDGIL_CHECK_INTERVAL;
	*threadp = t;
	return 0;
}

static void
oldgil_detach(void *thread)
{
	free(thread);
}

static void
oldgil_acquire(void *thread)
{
	struct oldgil_thread *t = thread;

	pthread_mutex_lock(&t->gil->mutex);
}

static void
oldgil_release(void *thread)
{
	struct oldgil_thread *t = thread;

	pthread_mutex_unlock(&t->gil->mutex);
}

static bool
oldgil_should_yield(void *thread)
{
	struct oldgil_thread *t = thread;

	if (--t->ticks > 0)
		return false;
	t->ticks = OLDGIL_CHECK_INTERVAL;
	return true;
}

/* "Give another thread a chance": release, and take it straight back. */
static void
oldgil_yield(void *thread)
{
	struct oldgil_thread *t = thread;

	pthread_mutex_unlock(&t->gil->mutex);
	pthread_mutex_lock(&t->gil->mutex);
}

const struct policy policy_oldgil = {
	.name = "oldgil",
	.about = "Python 2: a plain lock released and re-taken every 100 ticks",
	.create = oldgil_create,
	.destroy = oldgil_destroy,
	.attach = oldgil_attach,
	.detach = oldgil_detach,
	.acquire = oldgil_acquire,
	.release = oldgil_release,
	.should_yield = oldgil_should_yield,
	.yield = oldgil_yield,
	/* Never asks: a host that counts opcodes in bulk yields every
	 * check interval. */
	.poll_every = OLDGIL_CHECK_INTERVAL,
};
