/*
 * stats.c: reading the counters; per lock, the sum over its threads.
 */
#include <errno.h>
#include <string.h>

#include "gil.h"

static uint64_t
counter_read(const _Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

static void
stats_accumulate(struct bfsgil_stats *out, const struct thread_counters *c)
{
	uint64_t max_wait = counter_read(&c->max_wait_ns);

	out->acquires += counter_read(&c->acquires);
	out->contended += counter_read(&c->contended);
	out->handoffs += counter_read(&c->handoffs);
	out->yields += counter_read(&c->yields);
	out->preempt_requests += counter_read(&c->preempt_requests);
	out->slice_expiries += counter_read(&c->slice_expiries);
	out->wakeups += counter_read(&c->wakeups);
	out->wait_ns += counter_read(&c->wait_ns);
	out->contended_hold_ns += counter_read(&c->contended_hold_ns);
	out->spins += counter_read(&c->spins);
	out->spin_grants += counter_read(&c->spin_grants);
	out->spin_ns += counter_read(&c->spin_ns);
	if (max_wait > out->max_wait_ns)
		out->max_wait_ns = max_wait;
}

void
stats_of_thread(const struct bfsgil_thread *t, struct bfsgil_stats *out)
{
	memset(out, 0, sizeof(*out));
	stats_accumulate(out, &t->counters);
	out->threads = 1;
}

void
stats_retire(struct bfsgil *gil, struct bfsgil_thread *t)
{
	stats_accumulate(&gil->retired, &t->counters);
}

int
bfsgil_stats(const bfsgil_t *gil, struct bfsgil_stats *out)
{
	struct bfsgil *g = (struct bfsgil *)gil; /* the mutex is not state */
	struct bfsgil_stats sum;

	if (gil == NULL || out == NULL)
		return EINVAL;
	pthread_mutex_lock(&g->lock);
	sum = g->retired;
	for (const struct bfsgil_thread *t = g->threads; t != NULL; t = t->next)
		stats_accumulate(&sum, &t->counters);
	sum.threads = g->nthreads;
	sum.waiting = runq_len(&g->runq);
	pthread_mutex_unlock(&g->lock);
	*out = sum;
	return 0;
}

int
bfsgil_thread_stats(const bfsgil_thread_t *self, struct bfsgil_stats *out)
{
	struct bfsgil *g;
	bool queued;

	if (self == NULL || out == NULL)
		return EINVAL;
	g = self->gil;
	pthread_mutex_lock(&g->lock);
	queued = runq_queued(&self->node);
	pthread_mutex_unlock(&g->lock);
	stats_of_thread(self, out);
	out->waiting = queued;
	return 0;
}
