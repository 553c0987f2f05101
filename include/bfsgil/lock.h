/*
 * bfsgil/lock.h: the lock, the per-thread handle, and the operations that
 * pass the lock between threads.
 *
 * Error convention for the whole API: functions return 0 on success or an
 * errno value (never -1 with errno set), as pthreads does.  A call that fails
 * changes nothing.  Bad arguments get an error, never an abort.
 *
 * Threading model: one bfsgil_t per interpreter.  Every OS thread that runs
 * interpreter code attaches once and gets its own bfsgil_thread_t; that
 * handle is then used by that thread only (acquire, release and yield
 * return EPERM from any other thread).
 */
#ifndef BFSGIL_LOCK_H
#define BFSGIL_LOCK_H

#include <stdbool.h>
#include <bfsgil/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/** One lock: one per interpreter.  Opaque. */
typedef struct bfsgil bfsgil_t;

/** One per OS thread that runs interpreter code.  Opaque except for the
 * public head below. */
typedef struct bfsgil_thread bfsgil_thread_t;

/**
 * The public head of every bfsgil_thread_t, so that bfsgil_should_yield()
 * can be one inline load.  Layout is part of the ABI; never write to it.
 * @yield_requested: nonzero when another thread has asked this one to give
 *   the lock up (an earlier deadline is waiting, or its slice has ended).
 *   Written by the library with the internal mutex held; read with a
 *   relaxed atomic load.
 */
struct bfsgil_thread_head {
	int yield_requested;
};

/**
 * bfsgil_create - make a new lock, free and with nobody attached.
 * @gilp: where to store the new lock.
 *
 * Tunables start at the process defaults (see bfsgil_ctl_set() with a NULL
 * lock), then the environment variable BFSGIL, in bfsgil_ctl_parse() syntax,
 * overrides them.  If BFSGIL_TRACE or BFSGIL_STATS is set, the lock is
 * traced or measured until it is destroyed or the process exits (see
 * bfsgil(7)); the files they name are created now.  Does not block.
 *
 * Returns 0; EINVAL if @gilp is NULL, or BFSGIL holds a setting that does
 * not parse, names no tunable, or is out of range, or BFSGIL_TRACE_EVENTS
 * is not a count from 1 to 16777216 (the lock is then not created: a
 * setting nobody asked for is worse than an error); the error of creating
 * a file BFSGIL_TRACE or BFSGIL_STATS names (ENOENT, EACCES...), which is
 * said on stderr too, and which may leave the other's file created;
 * ENOMEM or another pthreads error if resources ran out.
 */
BFSGIL_API int bfsgil_create(bfsgil_t **gilp);

/**
 * bfsgil_destroy - free a lock nobody is attached to.
 *
 * Hooks still registered on it (bfsgil/hook.h) go with it; a recorder
 * still attached to it (bfsgil/trace.h) is detached, and may then be
 * written and destroyed.  A trace or report the environment asked for
 * (BFSGIL_TRACE, BFSGIL_STATS) is written first.
 *
 * Returns 0; EINVAL if @gil is NULL; EBUSY while any thread is attached
 * (the lock is left as it was).  Destroying a lock twice is undefined.
 */
BFSGIL_API int bfsgil_destroy(bfsgil_t *gil);

/**
 * bfsgil_attach - give the calling thread a handle on @gil.
 * @selfp: where to store the handle; it belongs to the calling thread.
 *
 * The new thread starts with nice 0, no slice and no deadline: its first
 * acquire issues both.  Takes the lock's internal mutex briefly; does not
 * wait for the GIL itself.
 *
 * Returns 0; EINVAL if an argument is NULL; ENOMEM or another pthreads
 * error if resources ran out.
 */
BFSGIL_API int bfsgil_attach(bfsgil_t *gil, bfsgil_thread_t **selfp);

/**
 * bfsgil_detach - forget a handle and free it.
 *
 * Normally called by the thread that attached; another thread may detach
 * the handle of one that has exited, but never concurrently with the
 * owner's own calls.
 *
 * A thread that exits without detaching leaves its handle attached: it
 * still counts in bfsgil_stats() and bfsgil_destroy() returns EBUSY until
 * another thread detaches it.  If it exits holding the lock, the lock
 * stays held for good, as a mutex would: nobody else may release it
 * (EPERM), its handle cannot be detached (EBUSY) and the lock cannot be
 * destroyed.  So release and detach before a thread ends.
 *
 * Returns 0; EINVAL if @self is NULL; EBUSY while @self holds the lock or
 * waits for it (nothing is freed).
 */
BFSGIL_API int bfsgil_detach(bfsgil_thread_t *self);

/**
 * bfsgil_acquire - take the lock, blocking until it is ours.
 *
 * Uncontended, this is one compare-and-swap: no system call, no internal
 * mutex, no clock read.  A thread's first acquire issues it a slice and a
 * deadline, now + slice_us x prio_ratio(nice) (taking the internal mutex
 * briefly); after that it keeps the deadline and rest of slice its last
 * release or yield left it (see bfsgil_release()).  Held time counts
 * against the slice only while another thread waits: with nobody to be
 * fair to there is nothing to charge.  Contended, the caller queues by
 * that deadline and sleeps in its own park (a futex on Linux, else a
 * condition variable) until a releasing thread hands the lock over; if
 * it is next in line and the holder has been asked to give way, it first
 * polls for the handoff for up to spin_us (bfsgil/ctl.h), burning that
 * CPU at most.  If
 * its deadline is earlier than the holder's (the holder's as reissued, if
 * it has run past its slice), the holder is asked to give way at once:
 * bfsgil_should_yield() turns true for it.  Otherwise the comparison is
 * made again each time the holder's slice ends, and the holder is asked
 * as soon as the waiter's deadline is the earlier (at the first slice end
 * for equal nice; a nice 19 waiter behind a nice 0 holder may wait about
 * six slices, by design).
 *
 * If the holder was just handed the lock by a release and has not run
 * yet, a caller that would ask it to give way at once takes the lock
 * instead, without sleeping; that holder goes back into the queue with
 * its deadline (never with preempt=0, where nobody is asked at once).
 *
 * Not a cancellation point: while the caller waits, cancellation is
 * disabled, so a request that arrives then is acted on at the caller's
 * next cancellation point after it returns, holding the lock.  A thread
 * that may be cancelled should release in a cleanup handler
 * (pthread_cleanup_push).  Not async-cancel-safe.  Signals do not
 * interrupt the wait: handlers run, and the wait goes on.
 *
 * Returns 0 with the lock held; EINVAL if @self is NULL; EPERM if called
 * from a thread other than the one that attached @self; EDEADLK if the
 * caller already holds the lock (through @self or through another handle
 * of the same thread).
 */
BFSGIL_API int bfsgil_acquire(bfsgil_thread_t *self);

/**
 * bfsgil_release - give the lock up, e.g. before a blocking call.
 *
 * Charges the time held while others waited to the caller's slice
 * (nothing, and no clock read, if nobody waited).  Each time the slice ran
 * out, a fresh one began at that instant with a new deadline from that
 * instant (so a thread that held for 7 ms of 5 ms slices keeps 3 ms of
 * a slice that began 2 ms ago).  If it did not run out, the caller keeps
 * what is left and its deadline, so that when it asks again it can
 * preempt a CPU-bound holder.  If anyone waits, the lock goes straight to
 * the earliest-deadline waiter, which alone is woken; the caller cannot
 * take it back before that thread has it, unless its deadline is the
 * earlier (see bfsgil_acquire()).  Never blocks on the GIL; takes the
 * internal mutex only when someone waits.
 *
 * Returns 0; EINVAL if @self is NULL; EPERM if the caller does not hold
 * the lock or is not the thread that attached @self.
 */
BFSGIL_API int bfsgil_release(bfsgil_thread_t *self);

/**
 * bfsgil_yield - let the earliest-deadline waiter run, then come back in
 * turn.
 *
 * With nobody waiting it returns at once, still holding.  Otherwise the
 * caller's slice is charged as in bfsgil_release() and the caller joins
 * the run queue with its (kept or reissued) deadline; the lock goes to the
 * earliest deadline in the queue.  If that is still the caller's, it keeps
 * the lock and returns at once: that is its turn.  Otherwise it sleeps
 * until the lock is handed back to it.  The yield request flag is cleared
 * either way.  The eval loop calls this when bfsgil_should_yield() says so.
 * Cancellation and signals are treated as in bfsgil_acquire().
 *
 * Returns 0 with the lock held; EINVAL if @self is NULL; EPERM if the
 * caller does not hold the lock or is not the thread that attached @self.
 */
BFSGIL_API int bfsgil_yield(bfsgil_thread_t *self);

/**
 * bfsgil_should_yield - the eval-loop check: has another thread asked the
 * holder to give way?
 *
 * One relaxed atomic load (plus a NULL test): cheap enough to call at
 * every opcode.  Meaningful only while @self holds the lock.  Returns
 * false for a NULL handle.
 */
static inline bool
bfsgil_should_yield(const bfsgil_thread_t *self)
{
	const struct bfsgil_thread_head *head =
		(const struct bfsgil_thread_head *)(const void *)self;

	return head != 0 &&
	       __atomic_load_n(&head->yield_requested, __ATOMIC_RELAXED) != 0;
}

/**
 * bfsgil_set_nice - set the thread's nice level, -20 (most urgent) to 19.
 *
 * As in BFS, nice scales only the deadline offset: prio_ratio grows by 10%
 * per level, nice 0 = 1.0.  Takes effect from the thread's next deadline;
 * the current one is kept.  May be called from any thread.
 *
 * Returns 0; EINVAL if @self is NULL; ERANGE if @nice is outside -20..19.
 */
BFSGIL_API int bfsgil_set_nice(bfsgil_thread_t *self, int nice);

/**
 * bfsgil_get_nice - read the thread's nice level into @nicep.
 *
 * Returns 0; EINVAL if an argument is NULL.
 */
BFSGIL_API int bfsgil_get_nice(const bfsgil_thread_t *self, int *nicep);

/**
 * bfsgil_after_fork_child - make the lock usable in a child process.
 *
 * Call in the child of fork(), from the forking thread, before any other
 * bfsgil call.  Afterwards the calling thread holds @gil (whether or not
 * it held it when it forked), nobody waits, and every other handle of
 * @gil is gone: their memory is freed (their threads do not exist in the
 * child) and using one is undefined.  Their statistics stay in the lock's
 * totals.  The internal mutex and the caller's park (where it sleeps
 * while waiting) are re-initialised, since another parent thread may
 * have held them at the moment of fork().  New threads may attach as usual.
 *
 * Returns 0; EINVAL if an argument is NULL or @self is not attached to
 * @gil (nothing changed); or the error of re-initialising a mutex or
 * condition variable (glibc's never fail; the futex park has none),
 * after which the lock is not usable in the child.
 */
BFSGIL_API int bfsgil_after_fork_child(bfsgil_t *gil, bfsgil_thread_t *self);

#ifdef __cplusplus
}
#endif

#endif /* BFSGIL_LOCK_H */
