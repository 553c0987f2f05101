/*
 * bfsgil/hook.h: being told what the scheduler does, as it does it.
 *
 * A host registers a callback for a set of events on one lock.  The first
 * event is the one an embedding needs to preempt cheaply: "this holder has
 * been asked to give way".  An eval loop that cannot afford to poll
 * bfsgil_should_yield() at every opcode (Lua's instruction hook costs
 * about 2x while installed) arms its check only when this event says so.
 *
 * Per-thread user data (bfsgil_thread_set_data) lets a callback find the
 * host's own record for the thread an event is about.
 */
#ifndef BFSGIL_HOOK_H
#define BFSGIL_HOOK_H

#include <stdint.h>
#include <bfsgil/export.h>
#include <bfsgil/lock.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Event bits, for the mask of bfsgil_hook_add(). */
enum bfsgil_event_type {
	/* The holder was asked to give way: bfsgil_should_yield() has just
	 * turned true for it, because an earlier deadline waits or its
	 * slice ended with someone waiting.  Sent once per request. */
	BFSGIL_EVENT_ASKED = 1u << 0,
};

/** Every event bit this version knows. */
#define BFSGIL_EVENT_ALL ((unsigned)BFSGIL_EVENT_ASKED)

/** What a callback is told.  Valid only during the call. */
struct bfsgil_event {
	unsigned type;			/* one bfsgil_event_type bit */
	bfsgil_thread_t *thread;	/* the thread it is about */
	uint64_t time_ns;		/* CLOCK_MONOTONIC, when it happened */
	uint64_t deadline_ns;		/* the thread's virtual deadline,
					 * on the same clock */
};

typedef void (*bfsgil_hook_fn)(const struct bfsgil_event *ev, void *data);

/** How many hooks one lock holds at once. */
#define BFSGIL_HOOKS_MAX 8

/**
 * bfsgil_hook_add - call @fn(event, @data) for every event in @mask.
 * Where callbacks run: BFSGIL_EVENT_ASKED runs in the thread that asks
 * (a thread arriving to wait, the waiter timing the holder's slice, or a
 * thread that has just released or yielded to the new holder), never in
 * the holder itself, with the lock's internal mutex held.  So a callback must be
 * short and must not block, and must not call any bfsgil function on this
 * lock except bfsgil_thread_data() and bfsgil_should_yield(): anything
 * else may deadlock.  Sending a signal (pthread_kill) or setting a flag
 * is what it is for.
 * Takes the internal mutex briefly.  Hooks survive bfsgil_after_fork_child.
 * Returns 0; EINVAL if @gil or @fn is NULL, or @mask is 0 or has a bit
 * not in BFSGIL_EVENT_ALL; EEXIST if (@fn, @data) is already registered;
 * EAGAIN if BFSGIL_HOOKS_MAX hooks are registered.  On error nothing
 * changes.
 */
BFSGIL_API int bfsgil_hook_add(bfsgil_t *gil, unsigned mask, bfsgil_hook_fn fn,
			       void *data);

/**
 * bfsgil_hook_remove - stop calling (@fn, @data).
 * Takes the internal mutex, under which callbacks run: once it returns,
 * the callback is not running and will not be called again, so @data may
 * be freed.  Must not be called from a callback (it would deadlock).
 * Returns 0; EINVAL if @gil or @fn is NULL; ENOENT if (@fn, @data) is not
 * registered.
 */
BFSGIL_API int bfsgil_hook_remove(bfsgil_t *gil, bfsgil_hook_fn fn, void *data);

/**
 * bfsgil_thread_set_data - attach the host's own pointer to a handle, for
 * callbacks to find (bfsgil_thread_data).  The library never looks at it.
 * May be called from any thread; a callback running at the same moment
 * sees the old value or the new.  Returns 0; EINVAL if @self is NULL.
 */
BFSGIL_API int bfsgil_thread_set_data(bfsgil_thread_t *self, void *data);

/**
 * bfsgil_thread_data - the pointer last given to bfsgil_thread_set_data(),
 * NULL if none or if @self is NULL.  Never blocks.
 */
BFSGIL_API void *bfsgil_thread_data(const bfsgil_thread_t *self);

#ifdef __cplusplus
}
#endif

#endif /* BFSGIL_HOOK_H */
