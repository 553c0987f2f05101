/*
 * fork.c: bfsgil_after_fork_child.  In the child only the forking thread
 * exists; the lock must come back to a state it can use.
 */
#include <errno.h>
#include <stdlib.h>

#include "annotate.h"
#include "clock.h"
#include "gil.h"
#include "observe.h"

int
bfsgil_after_fork_child(bfsgil_t *gil, bfsgil_thread_t *self)
{
	struct bfsgil_thread *t, *next;
	uintptr_t s;
	bool acquired;
	int err;

	if (gil == NULL || self == NULL || self->gil != gil)
		return EINVAL;
	/* Another parent thread may have held the mutex at fork(): its
	 * memory says "locked" forever.  Start it over.  Likewise our own
	 * park, which a granter may have been holding. */
	err = pthread_mutex_init(&gil->lock, NULL);
	if (err != 0)
		return err;
	err = park_reset_after_fork(&self->park);
	if (err != 0)
		return err;
	/* A hook_add cut short by fork() left a slot either free or whole
	 * (its mask is stored last), but perhaps not yet in the mask. */
	hook_update_mask(gil);
	/* Before the handles go: clearing marks each queued node. */
	runq_clear(&gil->runq);
	/* Held, as DETACH's callbacks are promised (bfsgil/hook.h); nobody
	 * else is there to want it. */
	pthread_mutex_lock(&gil->lock);
	for (t = gil->threads; t != NULL; t = next) {
		next = t->next;
		if (t == self)
			continue;
		gil_send_detach(gil, t);
		gil_unlink_thread(gil, t);
		/* Not park_destroy: see park_reset_after_fork.  The memory
		 * is all there is to reclaim. */
		free(t);
	}
	pthread_mutex_unlock(&gil->lock);
	gil->watcher = NULL;
	__atomic_store_n(&self->head.yield_requested, 0, __ATOMIC_RELAXED);
	/* What was asked of the parent's threads stays with the parent. */
	self->asks = 0;
	self->interrupt_pending = false;
	self->urgent_pending = false;
	self->owner = pthread_self();
	s = atomic_load_explicit(&gil->state, memory_order_relaxed);
	acquired = gil_state_holder(s) != self;
	if (acquired) {
		uint64_t now = clock_now_ns();

		policy_request(&self->slice, now, gil_slice_ns(gil),
			       thread_ratio(self));
		counter_add(&self->counters.acquires, 1);
	}
	/* Nobody waits in the child, so nothing is timed. */
	policy_start(&self->slice, POLICY_UNTIMED);
	atomic_store_explicit(&self->woke_at, 0, memory_order_relaxed);
	BFSGIL_HAPPENS_BEFORE(&gil->state);
	atomic_store_explicit(&gil->state, (uintptr_t)self, memory_order_release);
	/* The lock is the child's own now: so is what watches it. */
	observe_after_fork_child(gil);
	/* The child's caller holds now, whether or not it did in the
	 * parent: a trace must see it take the lock. */
	if (acquired && gil_hooked(gil, BFSGIL_EVENT_ACQUIRED))
		hook_send_own_at(self, BFSGIL_EVENT_ACQUIRED, clock_now_ns(),
				 NULL, 0);
	return 0;
}
