/*
 * hook.h: the lock's table of event callbacks (bfsgil/hook.h), and the one
 * call the scheduler makes to send an event.
 *
 * The table is guarded by the lock's internal mutex.  Its mask of every
 * registered event is also kept in an atomic, so that sending an event
 * nobody listens for costs one relaxed load.
 */
#ifndef BFSGIL_SRC_HOOK_H
#define BFSGIL_SRC_HOOK_H

#include <stdatomic.h>
#include <stdint.h>

#include <bfsgil/hook.h>

struct hook_entry {
	unsigned mask;		/* 0: free slot */
	bfsgil_hook_fn fn;
	void *data;
};

struct hook_table {
	_Atomic unsigned mask;	/* union of the entries' masks */
	struct hook_entry entry[BFSGIL_HOOKS_MAX];
};

/* Call every hook registered for @type (mutex held). */
void hook_send_locked(struct hook_table *h, unsigned type,
		      bfsgil_thread_t *thread, uint64_t now, uint64_t deadline);

static inline void
hook_send(struct hook_table *h, unsigned type, bfsgil_thread_t *thread,
	  uint64_t now, uint64_t deadline)
{
	if (atomic_load_explicit(&h->mask, memory_order_relaxed) & type)
		hook_send_locked(h, type, thread, now, deadline);
}

#endif /* BFSGIL_SRC_HOOK_H */
