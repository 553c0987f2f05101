/*
 * hook.c: registering event callbacks and sending events (bfsgil/hook.h;
 * the rules of who touches what are in hook.h).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>

#include "annotate.h"
#include "clock.h"
#include "gil.h"
#include "hook.h"

/* Call every hook registered for @ev's type.  Each slot's mask is read
 * sequentially consistent: see hook.h for the order it must keep with
 * hook_seq. */
static void
hook_call(struct hook_table *h, const struct bfsgil_event *ev)
{
	for (int i = 0; i < BFSGIL_HOOKS_MAX; i++) {
		struct hook_entry *e = &h->entry[i];

		if ((atomic_load(&e->mask) & ev->type) == 0)
			continue;
		atomic_load_explicit(&e->fn, memory_order_relaxed)(
			ev, atomic_load_explicit(&e->data, memory_order_relaxed));
	}
}

void
hook_send_locked(struct bfsgil *gil, const struct bfsgil_event *ev)
{
	int cancel;

	/* Cancelled in a callback, the thread would leave the mutex held. */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	hook_call(&gil->hooks, ev);
	pthread_setcancelstate(cancel, NULL);
}

void
hook_send_own(struct bfsgil_thread *self, const struct bfsgil_event *ev)
{
	unsigned seq = atomic_load_explicit(&self->hook_seq,
					    memory_order_relaxed);
	int cancel;

	/* A thread cancelled inside a callback would stay odd for ever, and
	 * every later remover would wait for it, holding the mutex: so no
	 * cancellation in callbacks (a request waits for the next point
	 * after the call). */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	/* Odd: inside.  Sequentially consistent, against the remover's
	 * clearing of a slot (hook.h). */
	atomic_store(&self->hook_seq, seq + 1);
	hook_call(&self->gil->hooks, ev);
	/* What the callbacks did happens before a remover that sees this. */
	BFSGIL_HAPPENS_BEFORE(&self->hook_seq);
	atomic_store_explicit(&self->hook_seq, seq + 2, memory_order_release);
	pthread_setcancelstate(cancel, NULL);
}

void __attribute__((cold))
hook_send_own_at(struct bfsgil_thread *self, unsigned type, uint64_t now,
		 struct bfsgil_thread *other, uint64_t other_id)
{
	struct bfsgil_event ev = gil_event(type, self, now, other, other_id);

	hook_send_own(self, &ev);
}

void
hook_update_mask(struct bfsgil *gil)
{
	unsigned mask = 0;

	for (int i = 0; i < BFSGIL_HOOKS_MAX; i++)
		mask |= atomic_load_explicit(&gil->hooks.entry[i].mask,
					     memory_order_relaxed);
	atomic_store_explicit(&gil->hook_mask, mask, memory_order_relaxed);
	atomic_store_explicit(&gil->hooks.mask, mask, memory_order_relaxed);
}

/* The slot holding (@fn, @data), or -1 (mutex held). */
static int
hook_find(const struct hook_table *h, bfsgil_hook_fn fn, const void *data)
{
	for (int i = 0; i < BFSGIL_HOOKS_MAX; i++) {
		const struct hook_entry *e = &h->entry[i];

		if (atomic_load_explicit(&e->mask, memory_order_relaxed) != 0 &&
		    atomic_load_explicit(&e->fn, memory_order_relaxed) == fn &&
		    atomic_load_explicit(&e->data, memory_order_relaxed) == data)
			return i;
	}
	return -1;
}

/*
 * Wait until no attached thread is still inside the own-event callbacks
 * it was in when this was called (mutex held; hook.h).  A thread seen
 * odd is waited for until its hook_seq moves, which its next exit does
 * whatever it enters afterwards, so a busy thread cannot hold us up
 * past one round of its callbacks.
 */
static void
hook_wait_for_senders(struct bfsgil *gil)
{
	for (struct bfsgil_thread *t = gil->threads; t != NULL; t = t->next) {
		unsigned seq = atomic_load(&t->hook_seq);

		for (unsigned spins = 0; (seq & 1) != 0 &&
					 atomic_load(&t->hook_seq) == seq;
		     spins++) {
			/* Callbacks are short: look a few times, then let
			 * the CPU go in case the sender lost its own. */
			if (spins < 64)
				cpu_relax();
			else
				sched_yield();
		}
		BFSGIL_HAPPENS_AFTER(&t->hook_seq);
	}
}

int
bfsgil_hook_add(bfsgil_t *gil, unsigned mask, bfsgil_hook_fn fn, void *data)
{
	struct hook_table *h;
	int err = EAGAIN;

	if (gil == NULL || fn == NULL || mask == 0 ||
	    (mask & ~BFSGIL_EVENT_ALL) != 0)
		return EINVAL;
	h = &gil->hooks;
	pthread_mutex_lock(&gil->lock);
	if (hook_find(h, fn, data) >= 0) {
		err = EEXIST;
	} else {
		for (int i = 0; i < BFSGIL_HOOKS_MAX; i++) {
			struct hook_entry *e = &h->entry[i];

			if (atomic_load_explicit(&e->mask,
						 memory_order_relaxed) != 0)
				continue;
			/* Free, and no sender still uses it: its remover
			 * waited for them.  The mask goes last. */
			atomic_store_explicit(&e->fn, fn, memory_order_relaxed);
			atomic_store_explicit(&e->data, data,
					      memory_order_relaxed);
			atomic_store_explicit(&e->mask, mask,
					      memory_order_release);
			hook_update_mask(gil);
			err = 0;
			break;
		}
	}
	pthread_mutex_unlock(&gil->lock);
	return err;
}

int
bfsgil_hook_remove(bfsgil_t *gil, bfsgil_hook_fn fn, void *data)
{
	int i;

	if (gil == NULL || fn == NULL)
		return EINVAL;
	pthread_mutex_lock(&gil->lock);
	i = hook_find(&gil->hooks, fn, data);
	if (i >= 0) {
		atomic_store(&gil->hooks.entry[i].mask, 0u);
		hook_update_mask(gil);
		hook_wait_for_senders(gil);
	}
	pthread_mutex_unlock(&gil->lock);
	return i >= 0 ? 0 : ENOENT;
}

int
bfsgil_thread_set_data(bfsgil_thread_t *self, void *data)
{
	if (self == NULL)
		return EINVAL;
	atomic_store_explicit(&self->data, data, memory_order_release);
	return 0;
}

void *
bfsgil_thread_data(const bfsgil_thread_t *self)
{
	if (self == NULL)
		return NULL;
	return atomic_load_explicit(&((struct bfsgil_thread *)self)->data,
				    memory_order_acquire);
}
