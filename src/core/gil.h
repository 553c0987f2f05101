/*
 * gil.h: the layout of the lock and of a thread handle, shared by the
 * files that implement them.  Never installed: users see opaque types.
 *
 * Who may touch what:
 *  - gil->state: atomics only.  It is (uintptr_t)holder | GIL_WAITERS.
 *    GIL_WAITERS is set iff the run queue is non-empty, and only with the
 *    mutex held; so a holder whose release CAS (holder -> 0) succeeds knows
 *    nobody waits, and one whose CAS fails takes the slow path.
 *  - gil->lock (the internal mutex) guards the run queue, the watcher, the
 *    attached list, the retired counters, and every field of a thread that
 *    another thread reads: a waiter reads the holder's slice only after
 *    seeing GIL_WAITERS set with the mutex held, at which point the holder
 *    cannot leave without that mutex.
 *  - A thread writes its own slice without the mutex only on the fast
 *    path, before the CAS that makes it holder, when no waiter can be
 *    looking at it.  With the mutex held, the waiter that sets
 *    GIL_WAITERS starts the holder's clock, and a take-back
 *    (gil_take_back) re-queues the holder it revokes.
 *  - woke_at is written by its thread when it wakes holding the lock,
 *    and by a handoff to it (POLICY_ASLEEP) and fork, both under the
 *    mutex; it is atomic because the thread's own write is not.
 */
#ifndef BFSGIL_GIL_H
#define BFSGIL_GIL_H

#include <pthread.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <bfsgil/lock.h>
#include <bfsgil/stats.h>

#include "hook.h"
#include "park.h"
#include "policy.h"
#include "runq.h"
#include "tunables.h"

#define GIL_WAITERS ((uintptr_t)1)
/* The queue key of an urgent waiter (bfsgil_urge): before every real
 * deadline, which is a time plus a slice; ties among urgent waiters go
 * first come, first served. */
#define GIL_URGENT 0
/* Thread handles are aligned to a cache line: keeps the low bit of their
 * address free for GIL_WAITERS, and keeps one thread's hot fields off
 * another's line. */
#define GIL_CACHELINE 64

/* One thread's counters.  Each is written by one thread at a time (the
 * owner, or a waiter with the mutex held) and read by stats readers
 * without it, hence relaxed atomics. */
struct thread_counters {
	_Atomic uint64_t acquires;
	_Atomic uint64_t contended;
	_Atomic uint64_t handoffs;
	_Atomic uint64_t yields;
	_Atomic uint64_t preempt_requests;
	_Atomic uint64_t slice_expiries;
	_Atomic uint64_t wakeups;
	_Atomic uint64_t wait_ns;
	_Atomic uint64_t max_wait_ns;
	_Atomic uint64_t contended_hold_ns;
	_Atomic uint64_t spins;		/* the thread's own: see gil_wait_for_grant */
	_Atomic uint64_t spin_grants;
	_Atomic uint64_t spin_ns;
	_Atomic uint64_t share_expiries;	/* policy_over_share */
	_Atomic uint64_t repeated_asks;	/* gil_watch's re-asks */
	_Atomic uint64_t timeouts;
	_Atomic uint64_t interrupts;
};

struct envwatch;

struct bfsgil_thread {
	/* Must stay first: bfsgil_should_yield() reads it through a cast. */
	struct bfsgil_thread_head head;
	bfsgil_t *gil;
	pthread_t owner;
	/* Where this thread sleeps while it waits (park.h): a handoff
	 * posts to exactly this thread, and the woken thread never touches
	 * the lock's shared mutex: under contention that mutex is the
	 * bottleneck (8 threads ping-ponging ran 4x slower when woken
	 * threads re-took it). */
	struct park park;
	struct runq_node node;	/* deadline copy + place in the run queue */
	struct policy_slice slice;
	/* When this thread last woke holding the lock, POLICY_ASLEEP from a
	 * handoff to it until it runs (see "who may touch what"). */
	_Atomic uint64_t woke_at;
	_Atomic int nice;
	_Atomic uint32_t ratio;	/* policy_prio_ratio(nice) */
	uint64_t watch_until;	/* when the watcher wakes (mutex) */
	uint64_t queued_at;	/* when it last queued (mutex) */
	struct bfsgil_thread *prev, *next;	/* attached list (mutex) */
	_Atomic(void *) data;	/* the host's (bfsgil_thread_set_data) */
	/* Odd while this thread runs callbacks of its own events outside
	 * the mutex (hook.h): what bfsgil_hook_remove waits on. */
	_Atomic unsigned hook_seq;
	/* Who handed this thread the lock last, and its id (mutex; read by
	 * this thread once the grant is its own), for its ACQUIRED event:
	 * by then the giver may have detached, so its id is read now. */
	struct bfsgil_thread *handed_by;
	uint64_t handed_by_id;
	/* Process-unique, never reused (bfsgil_thread_id). */
	uint64_t id;
	/* Mutex: times asked for the request that stands (0: none). */
	unsigned asks;
	/* Mutex: a bfsgil_interrupt or bfsgil_urge that found the thread
	 * not queued, kept for its next wait; and whether its place in
	 * the queue is the urgent one (node.deadline GIL_URGENT). */
	bool interrupt_pending;
	bool urgent_pending;
	/* The watching layer's own per-thread record (src/watch/: the
	 * BFSGIL_STATS report's), or NULL; the core never looks at it. */
	_Atomic(void *) watch_data;
	struct thread_counters counters;
};

struct bfsgil {
	_Atomic uintptr_t state;
	/* Which events some hook wants (hook.h): read where each event
	 * would be sent, on every acquire and release, so it shares the
	 * line those have just touched; written only when a hook is added
	 * or removed. */
	_Atomic unsigned hook_mask;
	/* Keep the contended word off the line of everything else. */
	char pad[GIL_CACHELINE - sizeof(_Atomic uintptr_t) -
		 sizeof(_Atomic unsigned)];
	pthread_mutex_t lock;
	struct runq runq;
	/* The waiter sleeping in a timed wait until the holder's slice ends,
	 * so that someone asks the holder to give way then.  NULL when the
	 * queue is empty or the holder has already been asked. */
	struct bfsgil_thread *watcher;
	/* When a standing request to give way is made again, if the
	 * holder has not answered it by then (gil_watch; mutex). */
	uint64_t reask_at;
	/* The waiter that last started to poll for the lock (gil_spin_ns),
	 * written under the mutex.  A poller stops as soon as it is no
	 * longer this one, so a newcomer that takes the head of the queue
	 * ends the old poll without waking anyone.  Only ever compared,
	 * never dereferenced: a stale value is harmless. */
	_Atomic(struct bfsgil_thread *) spinner;
	/* More than one CPU to run on when the lock was created: a poll
	 * on the only CPU keeps the holder it waits for off it. */
	bool may_spin;
	struct bfsgil_thread *threads;	/* attached list */
	uint64_t nthreads;
	/* Counters of threads that detached (or vanished in a fork). */
	struct bfsgil_stats retired;
	struct tunable_values tunables;
	/* Event callbacks (hook.h): read on every watched event, written
	 * when a hook comes or goes; a line of their own. */
	_Alignas(GIL_CACHELINE) struct hook_table hooks;
	/* What the environment watches on this lock (src/watch/), or
	 * NULL; the core only clears it. */
	struct envwatch *watch;
};

static inline struct bfsgil_thread *
gil_state_holder(uintptr_t state)
{
	return (struct bfsgil_thread *)(state & ~GIL_WAITERS);
}

static inline uint64_t
gil_slice_ns(const struct bfsgil *gil)
{
	return (uint64_t)tunable_get(&gil->tunables, TUNABLE_SLICE_US) * 1000u;
}

/* Does some hook want events of @type?  One relaxed load: the whole cost
 * of an event nobody listens for.  On the fast paths, right after (or
 * before) a CAS on gil->state: the mask on the same line. */
static inline bool
gil_hooked_fast(const struct bfsgil *gil, unsigned type)
{
	return (atomic_load_explicit(&gil->hook_mask, memory_order_relaxed) &
		type) != 0;
}

/* The same anywhere else: the copy on a read-mostly line, so that a
 * waiter waking up, say, does not pull in the state word's line. */
static inline bool
gil_hooked(const struct bfsgil *gil, unsigned type)
{
	return (atomic_load_explicit(&gil->hooks.mask, memory_order_relaxed) &
		type) != 0;
}

/* The event @type about @t at @now; the deadline is @t's own.  @other
 * is never dereferenced here: it may be gone by the time an own event
 * is sent, so its id comes read beforehand, under the mutex. */
static inline struct bfsgil_event
gil_event(unsigned type, struct bfsgil_thread *t, uint64_t now,
	  struct bfsgil_thread *other, uint64_t other_id)
{
	return (struct bfsgil_event){
		.type = type,
		.thread = t,
		.time_ns = now,
		.deadline_ns = t->slice.deadline,
		.other = other,
		.thread_id = t->id,
		.other_id = other_id,
	};
}

/* @t's id, 0 for NULL: only where @t is known to be alive (mutex held,
 * or @t the caller). */
static inline uint64_t
gil_id_of(const struct bfsgil_thread *t)
{
	return t != NULL ? t->id : 0;
}

static inline uint32_t
thread_ratio(const struct bfsgil_thread *t)
{
	return atomic_load_explicit(&t->ratio, memory_order_relaxed);
}

/* Counter helpers: single writer at a time, so load + store, no RMW. */
static inline void
counter_add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

static inline void
counter_max(_Atomic uint64_t *c, uint64_t n)
{
	if (atomic_load_explicit(c, memory_order_relaxed) < n)
		atomic_store_explicit(c, n, memory_order_relaxed);
}

#define thread_of_node(n) \
	((struct bfsgil_thread *)(void *)((char *)(n) - \
		offsetof(struct bfsgil_thread, node)))

/* handoff.c: bfsgil_set_nice's part under the mutex. */
void gil_renice(struct bfsgil_thread *t);

/* gil.c: send the DETACH event of @t if a hook wants it (mutex held). */
void gil_send_detach(struct bfsgil *gil, struct bfsgil_thread *t);

/* gil.c: take @t off the attached list and retire its counters (mutex
 * held). */
void gil_unlink_thread(struct bfsgil *gil, struct bfsgil_thread *t);

/* stats.c: @t's counters alone into @out (threads 1, waiting 0). */
void stats_of_thread(const struct bfsgil_thread *t, struct bfsgil_stats *out);

/* stats.c: fold a leaving thread's counters into the lock's retired
 * totals (mutex held). */
void stats_retire(struct bfsgil *gil, struct bfsgil_thread *t);

#endif /* BFSGIL_GIL_H */
