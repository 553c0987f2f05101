/*
 * stats.c: reading the counters; per lock, the sum over its threads.
 */
#include <errno.h>
#include <stddef.h>
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
	out->share_expiries += counter_read(&c->share_expiries);
	out->repeated_asks += counter_read(&c->repeated_asks);
	out->timeouts += counter_read(&c->timeouts);
	out->interrupts += counter_read(&c->interrupts);
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

/* Copy @st into the caller's @size bytes (stats_size_ok): what both
 * know, zeroes past ours. */
static void
stats_copy_out(struct bfsgil_stats *out, size_t size,
	       const struct bfsgil_stats *st)
{
	size_t n = size < sizeof(*st) ? size : sizeof(*st);

	memcpy(out, st, n);
	if (size > n)
		memset((char *)out + n, 0, size - n);
}

static bool
stats_size_ok(size_t size)
{
	return size != 0 && size % sizeof(uint64_t) == 0;
}

static void
stats_of_lock(const struct bfsgil *gil, struct bfsgil_stats *out)
{
	struct bfsgil *g = (struct bfsgil *)gil; /* the mutex is not state */
	struct bfsgil_stats sum;

	pthread_mutex_lock(&g->lock);
	sum = g->retired;
	for (const struct bfsgil_thread *t = g->threads; t != NULL; t = t->next)
		stats_accumulate(&sum, &t->counters);
	sum.threads = g->nthreads;
	sum.waiting = runq_len(&g->runq);
	pthread_mutex_unlock(&g->lock);
	*out = sum;
}

static void
stats_of_handle(const struct bfsgil_thread *self, struct bfsgil_stats *out)
{
	struct bfsgil *g = self->gil;
	bool queued;

	pthread_mutex_lock(&g->lock);
	queued = runq_queued(&self->node);
	pthread_mutex_unlock(&g->lock);
	stats_of_thread(self, out);
	out->waiting = queued;
}

int
bfsgil_stats_get(const bfsgil_t *gil, struct bfsgil_stats *out, size_t size)
{
	struct bfsgil_stats st;

	if (gil == NULL || out == NULL || !stats_size_ok(size))
		return EINVAL;
	stats_of_lock(gil, &st);
	stats_copy_out(out, size, &st);
	return 0;
}

int
bfsgil_thread_stats_get(const bfsgil_thread_t *self, struct bfsgil_stats *out,
			size_t size)
{
	struct bfsgil_stats st;

	if (self == NULL || out == NULL || !stats_size_ok(size))
		return EINVAL;
	stats_of_handle(self, &st);
	stats_copy_out(out, size, &st);
	return 0;
}

/* Interface 2's functions, for programs linked against it: their
 * struct ended after spin_ns.  Not in any header any more (the macros
 * of the same names call the sized ones). */
#undef bfsgil_stats
#undef bfsgil_thread_stats
#define STATS_V2_SIZE (offsetof(struct bfsgil_stats, spin_ns) + sizeof(uint64_t))

BFSGIL_API int bfsgil_stats(const bfsgil_t *gil, struct bfsgil_stats *out);
BFSGIL_API int bfsgil_thread_stats(const bfsgil_thread_t *self,
				   struct bfsgil_stats *out);

int
bfsgil_stats(const bfsgil_t *gil, struct bfsgil_stats *out)
{
	return bfsgil_stats_get(gil, out, STATS_V2_SIZE);
}

int
bfsgil_thread_stats(const bfsgil_thread_t *self, struct bfsgil_stats *out)
{
	return bfsgil_thread_stats_get(self, out, STATS_V2_SIZE);
}
