/*
 * bfsgil/hook.h: being told what the scheduler does, as it does it.
 *
 * A host registers a callback for a set of events on one lock.  Events
 * say when a thread attaches, starts to wait, gets the lock, gives it up,
 * is asked to give way, and detaches: enough to draw every thread's
 * state over time (bfsgil/trace.h does) or to count where time goes.
 *
 * The one an embedding needs to preempt cheaply is "this holder has been
 * asked to give way": an eval loop that cannot afford to poll
 * bfsgil_should_yield() at every opcode (Lua's instruction hook costs
 * about 2x while installed) arms its check only when that event says so.
 *
 * With no hook registered for an event, the scheduler pays one relaxed
 * load (a word on the lock's own cache line) where it would send it.
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

/**
 * Event bits, for the mask of bfsgil_hook_add().  Each says where its
 * callback runs: "own" events run in the thread they are about, with no
 * lock of bfsgil's held; "locked" events run with the lock's internal
 * mutex held, possibly in another thread.
 */
enum bfsgil_event_type {
	/* Locked, in the asking thread (a thread arriving to wait, the
	 * waiter timing the holder's slice, a thread that has just
	 * released or yielded to the new holder, or one calling
	 * bfsgil_urge, bfsgil_interrupt or bfsgil_set_nice, which may be
	 * the holder itself; never the holder otherwise):
	 * the holder was asked to give way, and bfsgil_should_yield() has
	 * just turned true for it.  Sent when the request is made, and
	 * again at each of the holder's slice ends while it runs on
	 * without giving way (@asks counts them: 1 the first time), so
	 * that a host armed by this event cannot lose the request.
	 * @reason says why, @other is the waiter it was asked for. */
	BFSGIL_EVENT_ASKED = 1u << 0,
	/* Own: the thread found the lock held and has queued for it, at
	 * @time_ns, with @deadline_ns.  An acquire that finds the lock
	 * free, or takes it back from a holder that has not run yet (see
	 * bfsgil_acquire), sends ACQUIRED alone. */
	BFSGIL_EVENT_WAIT = 1u << 1,
	/* Own: the thread holds the lock from @time_ns (read after it got
	 * it).  @other is the thread that handed it over, or that it was
	 * taken back from; NULL if the lock was free. */
	BFSGIL_EVENT_ACQUIRED = 1u << 2,
	/* Own: the thread stopped holding the lock at @time_ns (read before
	 * it let go), by bfsgil_release() or by a bfsgil_yield() that let
	 * another thread run; that yield then sends WAIT at the same time.
	 * @other is the thread the lock was handed to, NULL if left free.
	 * @deadline_ns is the deadline the thread keeps. */
	BFSGIL_EVENT_RELEASED = 1u << 3,
	/* Own: the thread attached (bfsgil_attach); @deadline_ns is 0, it
	 * has none yet. */
	BFSGIL_EVENT_ATTACH = 1u << 4,
	/* Locked, in the thread calling bfsgil_detach() (normally the
	 * thread itself): the handle is about to be freed.  Also sent by
	 * bfsgil_after_fork_child() for each handle the child loses. */
	BFSGIL_EVENT_DETACH = 1u << 5,
	/* Own: the thread stopped waiting at @time_ns without the lock,
	 * and left the queue: @reason is ETIMEDOUT (bfsgil_timedacquire)
	 * or EINTR (bfsgil_interrupt).  Sent only after WAIT: an acquire
	 * that fails before it queues (a time-out already past, an
	 * interruption kept from before the call) sends neither. */
	BFSGIL_EVENT_LEFT = 1u << 6,
};

/** Every event bit this version knows. */
#define BFSGIL_EVENT_ALL 0x7fu

/** Why a holder was asked to give way (BFSGIL_EVENT_ASKED's @reason). */
enum bfsgil_ask_reason {
	/* A waiter's deadline is earlier than the holder's, whose slice
	 * has not run out: preemption (tunable preempt=1). */
	BFSGIL_ASK_PREEMPT = 1,
	/* The holder's slice has run out and a waiter's deadline is now
	 * the earlier. */
	BFSGIL_ASK_SLICE_END = 2,
	/* The waiter was put before every deadline (bfsgil_urge). */
	BFSGIL_ASK_URGENT = 3,
};

/**
 * What a callback is told.  Valid only during the call.  Fields may be
 * added at the end in later versions; the library always fills them.
 */
struct bfsgil_event {
	unsigned type;			/* one bfsgil_event_type bit */
	bfsgil_thread_t *thread;	/* the thread it is about */
	uint64_t time_ns;		/* CLOCK_MONOTONIC, when it happened */
	uint64_t deadline_ns;		/* the thread's virtual deadline,
					 * on the same clock (0: none yet) */
	/* The other thread involved, or NULL: see each event.  An
	 * identity only: by the time the callback runs, that thread may
	 * have detached and its handle been freed (a thread it handed the
	 * lock to, say), and a new handle may reuse the address.  Compare
	 * it, or use @other_id; never dereference it or pass it to
	 * bfsgil. */
	bfsgil_thread_t *other;
	unsigned reason;		/* ASKED: a bfsgil_ask_reason; LEFT:
					 * an errno value; else 0 */
	unsigned asks;			/* ASKED: times asked for this
					 * request, 1 the first; else 0 */
	uint64_t thread_id;		/* bfsgil_thread_id(@thread) */
	uint64_t other_id;		/* bfsgil_thread_id(@other), read
					 * while it was alive; 0 if none */
};

typedef void (*bfsgil_hook_fn)(const struct bfsgil_event *ev, void *data);

/** How many hooks one lock holds at once. */
#define BFSGIL_HOOKS_MAX 8

/**
 * bfsgil_hook_add - call @fn(event, @data) for every event in @mask.
 *
 * Where callbacks run: see enum bfsgil_event_type.  An own event's
 * callback runs in the thread the event is about, inside the bfsgil call
 * that caused it, holding no lock of bfsgil's; ACQUIRED's runs with the
 * GIL held, RELEASED's and ATTACH's without, WAIT's while the grant may
 * already have come (see below).  Callbacks for different threads run
 * at the same time, so @fn must be thread-safe.  A locked event's
 * callback runs with the internal mutex held.
 *
 * Either way a callback must be short, must not block, and may call no
 * bfsgil function on this lock but bfsgil_thread_data() and
 * bfsgil_should_yield(): anything else may deadlock (the stats calls and
 * the hook calls take the internal mutex) or recurse.  It must return:
 * cancellation is disabled while callbacks run (a request acts at the
 * caller's next cancellation point), and a callback that ends its
 * thread (pthread_exit, longjmp) wedges the lock.  WAIT's callback runs
 * before the thread looks for its grant, which may already be there: a
 * slow one delays a thread that may hold the lock.  Recording the event,
 * setting a flag or sending a signal (pthread_kill) is what it is for.
 * An event that happens while bfsgil_hook_add() runs may or may not
 * reach @fn; every event after it returns does.
 *
 * Takes the internal mutex briefly; never waits for the GIL.  Hooks
 * survive fork: after bfsgil_after_fork_child() the child's lock keeps
 * them, even if another thread of the parent was inside a callback (or
 * inside bfsgil_hook_add/remove) at the moment of fork().
 *
 * Returns 0; EINVAL if @gil or @fn is NULL, or @mask is 0 or has a bit
 * not in BFSGIL_EVENT_ALL; EEXIST if (@fn, @data) is already registered;
 * EAGAIN if BFSGIL_HOOKS_MAX hooks are registered.  On error nothing
 * changes.
 */
BFSGIL_API int bfsgil_hook_add(bfsgil_t *gil, unsigned mask, bfsgil_hook_fn fn,
			       void *data);

/**
 * bfsgil_hook_remove - stop calling (@fn, @data).
 *
 * Once it returns, the callback is not running in any thread and will
 * not be called again, so @data may be freed.  To make sure, it takes the
 * internal mutex and, holding it, waits for every callback already
 * running outside it to return (callbacks are short; it never waits for
 * the GIL).  So it must not be called from a callback: it would wait for
 * itself.
 *
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
