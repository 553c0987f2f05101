/*
 * policy_fifo.c: a GVL in the style of Ruby's (up to 3.2).  Waiters queue
 * in arrival order and the lock is handed straight to the head of the
 * queue.  The first waiter doubles as the timer: it sleeps one quantum
 * (Ruby's TIME_QUANTUM, 100 ms), then sets the holder's interrupt flag;
 * the holder's eval loop sees it, hands over to the head and joins the
 * tail.  A thread that released for I/O queues behind everyone.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "bench.h"
#include "policy.h"

#define FIFO_QUANTUM_NS (100 * MS)

struct fifo_thread {
	struct fifo *gil;
	pthread_cond_t cond;		/* waits on CLOCK_MONOTONIC */
	struct fifo_thread *next;	/* in the queue */
	atomic_int interrupt;		/* asked to give way */
	void *udata;
};

struct fifo {
	pthread_mutex_t mutex;
	struct fifo_thread *owner;
	struct fifo_thread *head, *tail;	/* waiters, oldest first */
	const struct policy_asker *asker;	/* set before threads run */
};

static int
fifo_create(void **lockp)
{
	struct fifo *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return ENOMEM;
	pthread_mutex_init(&g->mutex, NULL);
	*lockp = g;
	return 0;
}

static void
fifo_destroy(void *lock)
{
	struct fifo *g = lock;

	pthread_mutex_destroy(&g->mutex);
	free(g);
}

static int
fifo_attach(void *lock, void **threadp, void *udata)
{
	struct fifo_thread *t = calloc(1, sizeof(*t));
	int err;

	if (t == NULL)
		return ENOMEM;
	err = cond_init_monotonic(&t->cond);
	if (err != 0) {
		free(t);
		return err;
	}
	t->gil = lock;
	t->udata = udata;
	*threadp = t;
	return 0;
}

static void
fifo_detach(void *thread)
{
	struct fifo_thread *t = thread;

	pthread_cond_destroy(&t->cond);
	free(t);
}

/* Hand the lock to the head of the queue, if any (mutex held).  The new
 * head, if any, becomes the timer: wake it too. */
static void
fifo_pass(struct fifo *g)
{
	struct fifo_thread *next = g->head;

	g->owner = next;
	if (next == NULL)
		return;
	g->head = next->next;
	if (g->head == NULL)
		g->tail = NULL;
	next->next = NULL;
	atomic_store_explicit(&next->interrupt, 0, memory_order_relaxed);
	pthread_cond_signal(&next->cond);
	if (g->head != NULL)
		pthread_cond_signal(&g->head->cond);
}

/* Queue at the tail and sleep until the lock is ours (mutex held). */
static void
fifo_wait_turn(struct fifo *g, struct fifo_thread *t)
{
	if (g->tail != NULL)
		g->tail->next = t;
	else
		g->head = t;
	g->tail = t;
	while (g->owner != t) {
		if (g->head == t) {
			/* The timer: one quantum, then interrupt the owner. */
			struct timespec until = timespec_after_ns(FIFO_QUANTUM_NS);

			if (pthread_cond_timedwait(&t->cond, &g->mutex, &until) ==
				    ETIMEDOUT &&
			    g->owner != t && g->owner != NULL) {
				atomic_store_explicit(&g->owner->interrupt, 1,
						      memory_order_relaxed);
				if (g->asker != NULL)
					g->asker->asked(g->owner->udata);
			}
		} else {
			pthread_cond_wait(&t->cond, &g->mutex);
		}
	}
}

static void
fifo_acquire(void *thread)
{
	struct fifo_thread *t = thread;
	struct fifo *g = t->gil;

	pthread_mutex_lock(&g->mutex);
	if (g->owner == NULL && g->head == NULL)
		g->owner = t;
	else
		fifo_wait_turn(g, t);
	pthread_mutex_unlock(&g->mutex);
}

static void
fifo_release(void *thread)
{
	struct fifo_thread *t = thread;
	struct fifo *g = t->gil;

	pthread_mutex_lock(&g->mutex);
	atomic_store_explicit(&t->interrupt, 0, memory_order_relaxed);
	fifo_pass(g);
	pthread_mutex_unlock(&g->mutex);
}

static bool
fifo_should_yield(void *thread)
{
	struct fifo_thread *t = thread;

	return atomic_load_explicit(&t->interrupt, memory_order_relaxed) != 0;
}

/* Hand over to the head and go to the back of the queue. */
static void
fifo_yield(void *thread)
{
	struct fifo_thread *t = thread;
	struct fifo *g = t->gil;

	pthread_mutex_lock(&g->mutex);
	atomic_store_explicit(&t->interrupt, 0, memory_order_relaxed);
	if (g->head != NULL) {
		fifo_pass(g);
		fifo_wait_turn(g, t);
	}
	pthread_mutex_unlock(&g->mutex);
}

static int
fifo_set_asker(void *lock, const struct policy_asker *a)
{
	struct fifo *g = lock;

	pthread_mutex_lock(&g->mutex);
	g->asker = a;
	pthread_mutex_unlock(&g->mutex);
	return 0;
}

const struct policy policy_fifo = {
	.name = "fifo",
	.about = "Ruby's GVL: FIFO queue, direct handoff, 100 ms quantum",
	.create = fifo_create,
	.destroy = fifo_destroy,
	.attach = fifo_attach,
	.detach = fifo_detach,
	.acquire = fifo_acquire,
	.release = fifo_release,
	.should_yield = fifo_should_yield,
	.yield = fifo_yield,
	.set_asker = fifo_set_asker,
};
