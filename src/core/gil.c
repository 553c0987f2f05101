/*
 * gil.c: the life of a lock and of its thread handles: create, destroy,
 * attach, detach, nice.
 */
#ifndef _GNU_SOURCE
# define _GNU_SOURCE	/* sched_getaffinity, CPU_COUNT */
#endif
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "annotate.h"
#include "clock.h"
#include "gil.h"
#include "invariant.h"
#include "observe.h"

/* Round @size up to whole cache lines, as aligned_alloc requires a
 * multiple of the alignment. */
static void *
alloc_cacheline(size_t size)
{
	void *p = aligned_alloc(GIL_CACHELINE,
				(size + GIL_CACHELINE - 1) & ~(size_t)(GIL_CACHELINE - 1));

	if (p != NULL)
		memset(p, 0, size);
	return p;
}

/* Can this process's threads run on more than one CPU?  If not, a
 * waiter that polls for the lock keeps the holder it waits for off the
 * only CPU (handoff.c, gil_spin_ns).  Threads inherit their creator's
 * affinity, so the creating thread's is the best guess a lock can make
 * without a system call per wait.  Unknown: assume more than one. */
static bool
gil_more_than_one_cpu(void)
{
	long n;
#if defined(__linux__) && defined(CPU_COUNT)
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		return CPU_COUNT(&set) > 1;
#endif
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n != 1;
}

int
bfsgil_create(bfsgil_t **gilp)
{
	return bfsgil_create_flags(gilp, 0);
}

int
bfsgil_create_flags(bfsgil_t **gilp, unsigned flags)
{
	bool use_env = !(flags & BFSGIL_CREATE_IGNORE_ENV);
	struct bfsgil *gil;
	int err;

	if (gilp == NULL || (flags & ~BFSGIL_CREATE_IGNORE_ENV) != 0)
		return EINVAL;
	gil = alloc_cacheline(sizeof(*gil));
	if (gil == NULL)
		return ENOMEM;
	err = tunables_init_for_create(&gil->tunables, use_env);
	if (err == 0)
		err = pthread_mutex_init(&gil->lock, NULL);
	if (err != 0) {
		free(gil);
		return err;
	}
	atomic_init(&gil->state, 0);
	atomic_init(&gil->spinner, NULL);
	gil->may_spin = gil_more_than_one_cpu();
	/* Written under the mutex, read by a polling waiter without it,
	 * and only compared (gil.h). */
	BFSGIL_RACY_BY_DESIGN(&gil->spinner, sizeof(gil->spinner));
	/* Only ever touched through atomics, racing by design: what its
	 * release and acquire order is told to the tools where they happen
	 * (handoff.c, annotate.h).  The tunables are atomics that setters
	 * change under running threads (tunables.h); a reader sees the old
	 * value or the new, and either is a valid setting. */
	BFSGIL_RACY_BY_DESIGN(&gil->state, sizeof(gil->state));
	BFSGIL_RACY_BY_DESIGN(&gil->tunables, sizeof(gil->tunables));
	/* The hooks' mask and table are atomics that senders read without
	 * the mutex; a remover waits for them through each thread's
	 * hook_seq, whose edge the tools are told of (hook.c). */
	atomic_init(&gil->hook_mask, 0);
	atomic_init(&gil->hooks.mask, 0);
	BFSGIL_RACY_BY_DESIGN(&gil->hook_mask, sizeof(gil->hook_mask));
	BFSGIL_RACY_BY_DESIGN(&gil->hooks, sizeof(gil->hooks));
	runq_init(&gil->runq);
	/* Last: its hooks need a working lock. */
	gil->watch = NULL;
	err = use_env ? observe_create(gil) : 0;
	if (err != 0) {
		runq_fini(&gil->runq);
		pthread_mutex_destroy(&gil->lock);
		free(gil);
		return err;
	}
	*gilp = gil;
	return 0;
}

int
bfsgil_destroy(bfsgil_t *gil)
{
	uint64_t attached;

	if (gil == NULL)
		return EINVAL;
	pthread_mutex_lock(&gil->lock);
	attached = gil->nthreads;
	pthread_mutex_unlock(&gil->lock);
	if (attached != 0)
		return EBUSY;
	observe_destroy(gil);
	pthread_mutex_destroy(&gil->lock);
	runq_fini(&gil->runq);
	free(gil);
	return 0;
}

/* Thread ids: process-wide, from 1, never reused (bfsgil_thread_id). */
static _Atomic uint64_t next_thread_id = 1;

int
bfsgil_attach(bfsgil_t *gil, bfsgil_thread_t **selfp)
{
	struct bfsgil_thread *t;
	int err;

	if (gil == NULL || selfp == NULL)
		return EINVAL;
	t = alloc_cacheline(sizeof(*t));
	if (t == NULL)
		return ENOMEM;
	err = park_init(&t->park);
	if (err != 0) {
		free(t);
		return err;
	}
	t->gil = gil;
	t->owner = pthread_self();
	t->id = atomic_fetch_add_explicit(&next_thread_id, 1,
					  memory_order_relaxed);
	runq_node_init(&t->node);
	atomic_init(&t->nice, 0);
	atomic_init(&t->ratio, policy_prio_ratio(0));
	/* The fields other threads read or write without the mutex, on
	 * purpose and through relaxed atomics (gil.h), which the thread
	 * checkers would take for races (annotate.h):
	 *  - yield_requested: set by a waiter under the mutex, polled by
	 *    the holder without it; seen late, the holder yields a little
	 *    later (the request stands until it does).
	 *  - woke_at: stored by its own thread as it wakes holding, read by
	 *    waiters under the mutex; a stale POLICY_ASLEEP makes the
	 *    holder look unstarted a moment longer, and a take-back it
	 *    seems to allow is settled by park_revoke.
	 *  - nice, ratio: set from any thread; read when the next deadline
	 *    is issued, which may use the old ratio or the new.
	 *  - counters: one writer at a time; stats readers may see a count
	 *    one operation behind.
	 *  - data: the host's pointer, an atomic set from any thread and
	 *    read by hook callbacks (bfsgil/hook.h says either value may
	 *    be seen). */
	BFSGIL_RACY_BY_DESIGN(&t->head.yield_requested,
			      sizeof(t->head.yield_requested));
	BFSGIL_RACY_BY_DESIGN(&t->woke_at, sizeof(t->woke_at));
	BFSGIL_RACY_BY_DESIGN(&t->nice, sizeof(t->nice));
	BFSGIL_RACY_BY_DESIGN(&t->ratio, sizeof(t->ratio));
	BFSGIL_RACY_BY_DESIGN(&t->counters, sizeof(t->counters));
	BFSGIL_RACY_BY_DESIGN(&t->data, sizeof(t->data));
	/*  - hook_seq: written by its thread around its callbacks, read
	 *    by a hook remover (hook.h). */
	atomic_init(&t->hook_seq, 0);
	BFSGIL_RACY_BY_DESIGN(&t->hook_seq, sizeof(t->hook_seq));
	/*  - watch_data: the watching layer's, set by the thread's own
	 *    hook callback, read under the mutex. */
	atomic_init(&t->watch_data, NULL);
	BFSGIL_RACY_BY_DESIGN(&t->watch_data, sizeof(t->watch_data));

	pthread_mutex_lock(&gil->lock);
	/* Reserve a queue slot per attached thread now, so that queueing
	 * to wait can never fail for want of memory. */
	err = runq_reserve(&gil->runq, (size_t)gil->nthreads + 1);
	if (err == 0) {
		t->next = gil->threads;
		if (gil->threads != NULL)
			gil->threads->prev = t;
		gil->threads = t;
		gil->nthreads++;
	}
	pthread_mutex_unlock(&gil->lock);
	if (err != 0) {
		park_destroy(&t->park);
		free(t);
		return err;
	}
	*selfp = t;
	if (gil_hooked(gil, BFSGIL_EVENT_ATTACH))
		hook_send_own_at(t, BFSGIL_EVENT_ATTACH, clock_now_ns(), NULL,
				 0);
	return 0;
}

/* Tell the hooks @t is about to go (mutex held). */
void
gil_send_detach(struct bfsgil *gil, struct bfsgil_thread *t)
{
	struct bfsgil_event ev;

	if (!gil_hooked(gil, BFSGIL_EVENT_DETACH))
		return;
	ev = gil_event(BFSGIL_EVENT_DETACH, t, clock_now_ns(), NULL, 0);
	hook_send_locked(gil, &ev);
}

/* Take @t off the attached list (mutex held). */
void
gil_unlink_thread(struct bfsgil *gil, struct bfsgil_thread *t)
{
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		gil->threads = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	gil->nthreads--;
	stats_retire(gil, t);
}

int
bfsgil_detach(bfsgil_thread_t *self)
{
	struct bfsgil *gil;
	uintptr_t s;

	if (self == NULL)
		return EINVAL;
	gil = self->gil;
	pthread_mutex_lock(&gil->lock);
	s = atomic_load_explicit(&gil->state, memory_order_relaxed);
	if (gil_state_holder(s) == self || runq_queued(&self->node)) {
		pthread_mutex_unlock(&gil->lock);
		return EBUSY;
	}
	BFSGIL_ASSERT(gil->watcher != self);
	gil_send_detach(gil, self);
	gil_unlink_thread(gil, self);
	pthread_mutex_unlock(&gil->lock);
	park_destroy(&self->park);
	free(self);
	return 0;
}

int
bfsgil_set_nice(bfsgil_thread_t *self, int nice)
{
	if (self == NULL)
		return EINVAL;
	if (nice < POLICY_NICE_MIN || nice > POLICY_NICE_MAX)
		return ERANGE;
	/* ratio is what the scheduler reads; nice only answers get_nice.
	 * Readers tolerate seeing one updated before the other. */
	atomic_store_explicit(&self->ratio, policy_prio_ratio(nice),
			      memory_order_relaxed);
	atomic_store_explicit(&self->nice, nice, memory_order_relaxed);
	gil_renice(self);
	return 0;
}

uint64_t
bfsgil_thread_id(const bfsgil_thread_t *self)
{
	return self != NULL ? self->id : 0;
}

int
bfsgil_get_nice(const bfsgil_thread_t *self, int *nicep)
{
	if (self == NULL || nicep == NULL)
		return EINVAL;
	*nicep = atomic_load_explicit(&self->nice, memory_order_relaxed);
	return 0;
}
