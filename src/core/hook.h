/*
 * hook.h: the lock's table of event callbacks (bfsgil/hook.h), and the
 * calls the scheduler makes to send an event.
 *
 * Who may touch what:
 *  - The table is written (bfsgil_hook_add/remove) with the lock's
 *    internal mutex held, and read by senders with or without it: every
 *    field is an atomic.  A slot is in use while its mask is nonzero;
 *    add fills fn and data first and publishes the mask last (release),
 *    so a sender that sees the mask (acquire) sees the rest.
 *  - The union of the slots' masks is kept in gil->hook_mask, beside
 *    gil->state, so that sending an event nobody listens for on the
 *    fast path costs one relaxed load of a line the caller has just
 *    touched; and in hooks.mask, a read-mostly line, for the slow paths
 *    (gil_hooked_fast and gil_hooked in gil.h).
 *  - Locked events (ASKED, DETACH) are sent with the mutex held, so a
 *    remover, who holds it too, cannot overlap them.
 *  - Own events (WAIT, ACQUIRED, RELEASED, ATTACH) are sent without it,
 *    by the thread they are about, bracketed by that thread's hook_seq:
 *    odd while it is inside callbacks.  A remover clears the slot, then
 *    waits, still holding the mutex, until no attached thread is still
 *    in the callbacks it was in when the slot was cleared (its hook_seq
 *    is even or has moved on).  Clearing and the remover's reads of
 *    hook_seq, and a sender's odd store and its reads of the slots, are
 *    all sequentially consistent: in their single order either the
 *    sender reads the slot after it was cleared, or the remover reads
 *    the odd hook_seq and waits.  The attached list cannot change while
 *    the remover holds the mutex, and a thread attaching afterwards
 *    sees the cleared slot through that mutex.
 */
#ifndef BFSGIL_SRC_HOOK_H
#define BFSGIL_SRC_HOOK_H

#include <stdatomic.h>
#include <stdint.h>

#include <bfsgil/hook.h>

struct bfsgil;
struct bfsgil_thread;

struct hook_entry {
	_Atomic unsigned mask;		/* 0: free slot */
	_Atomic(bfsgil_hook_fn) fn;
	_Atomic(void *) data;
};

struct hook_table {
	/* The union of the slots' masks, as gil->hook_mask, for the slow
	 * paths: a waiter that wakes reads this read-mostly copy rather
	 * than the state word's line, which its waker may be writing. */
	_Atomic unsigned mask;
	struct hook_entry entry[BFSGIL_HOOKS_MAX];
};

/* Send @ev to every hook registered for its type, with the internal
 * mutex held (locked events). */
void hook_send_locked(struct bfsgil *gil, const struct bfsgil_event *ev);

/* Send @ev, an own event of @self (the caller, not holding the internal
 * mutex), to every hook registered for its type. */
void hook_send_own(struct bfsgil_thread *self, const struct bfsgil_event *ev);

/* The same for the event @type of @self at @now, @other as the event has
 * it, built here; out of line and cold, so that the places that send it
 * keep only the gil_hooked() test inline. */
void hook_send_own_at(struct bfsgil_thread *self, unsigned type, uint64_t now,
		      struct bfsgil_thread *other, uint64_t other_id);

/* Recompute gil->hook_mask from the table (mutex held, or a fork child
 * where nobody else runs). */
void hook_update_mask(struct bfsgil *gil);

#endif /* BFSGIL_SRC_HOOK_H */
