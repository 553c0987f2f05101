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
#include <stdint.h>
#include <time.h>
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

/** bfsgil_create_flags() flag: read no environment variable at all. */
#define BFSGIL_CREATE_IGNORE_ENV 1u

/**
 * bfsgil_create_flags - bfsgil_create(), with @flags.
 *
 * With BFSGIL_CREATE_IGNORE_ENV the lock reads none of BFSGIL,
 * BFSGIL_TRACE, BFSGIL_TRACE_EVENTS and BFSGIL_STATS: it starts at the
 * process defaults (bfsgil_ctl_set() with a NULL lock) and nothing
 * watches it unless the host asks (bfsgil/hook.h, bfsgil/trace.h).  An
 * interpreter's isolated mode (python -I) wants this.  With 0 it is
 * bfsgil_create().  Either way the variables are read with
 * secure_getenv() where the C library has it, so a set-user-ID program
 * reads none.  A BFSGIL that cannot be applied is named on stderr, one
 * line: the item and what is wrong with it.
 *
 * Returns as bfsgil_create(); also EINVAL if @flags has a bit other than
 * BFSGIL_CREATE_IGNORE_ENV.
 */
BFSGIL_API int bfsgil_create_flags(bfsgil_t **gilp, unsigned flags);

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
 * Returns 0 with the lock held; EINTR, not holding, if bfsgil_interrupt()
 * ended the wait or had been kept for it (see there); EINVAL if @self is
 * NULL; EPERM if called from a thread other than the one that attached
 * @self; EDEADLK if the caller already holds the lock (through @self or
 * through another handle of the same thread).
 */
BFSGIL_API int bfsgil_acquire(bfsgil_thread_t *self);

/**
 * bfsgil_timedacquire - bfsgil_acquire(), waiting no later than @abstime.
 * @abstime: a time of CLOCK_MONOTONIC (clock_gettime), as
 *   pthread_mutex_clocklock() takes it.
 *
 * Takes the lock as bfsgil_acquire() does if it is free or comes before
 * @abstime.  If @abstime passes first, the caller leaves the queue
 * without the lock; its deadline stays as it was.  A grant already on
 * its way when the time runs out wins: the call then returns 0,
 * holding.  A time already past still takes a free lock at once.  Also
 * ends early, without the lock, on bfsgil_interrupt().
 *
 * Returns 0 with the lock held; ETIMEDOUT at @abstime, not holding;
 * EINTR if bfsgil_interrupt() ended the wait (or one was kept for it),
 * not holding; EINVAL if @self or @abstime is NULL or @abstime is not a
 * valid time (tv_nsec outside 0..999999999, or tv_sec negative); EPERM
 * and EDEADLK as bfsgil_acquire().
 */
BFSGIL_API int bfsgil_timedacquire(bfsgil_thread_t *self,
				   const struct timespec *abstime);

/**
 * bfsgil_interrupt - end @t's wait for the lock, without the lock.
 *
 * For a host that must get a waiting thread out: an interpreter that
 * finalizes and makes its daemon threads exit, or a signal that needs
 * the thread to do something else first.  May be called from any
 * thread, @t's own included; takes the internal mutex briefly and never
 * waits for the GIL.  Not from a signal handler (it takes a mutex).
 *
 * If @t is queued (in bfsgil_acquire, bfsgil_timedacquire or
 * bfsgil_yield), it leaves the queue at once and that call returns EINTR
 * without the lock.  If the lock was already handed to @t (the grant is
 * on its way), that stands: @t returns holding, and the interruption is
 * kept, as below.  Otherwise the interruption is kept for @t's next
 * wait: its next acquire, timed acquire or yield that would have to
 * wait returns EINTR at once instead (a yield first hands the lock
 * over); one that finds the lock free takes it and keeps the
 * interruption for later.  Either way the lock is held by exactly one
 * thread or free: never lost.  Several interruptions before a wait count
 * as one.
 *
 * Returns 0; EINVAL if @t is NULL.
 */
BFSGIL_API int bfsgil_interrupt(bfsgil_thread_t *t);

/**
 * bfsgil_urge - put @t before every deadline in the queue.
 *
 * For a host that must run a thread soon whatever its deadline: the
 * main thread of an interpreter, to handle Ctrl-C.  If @t is queued it
 * moves to the front (behind threads urged before it), and the holder
 * is asked to give way at once, also with preempt=0
 * (bfsgil_should_yield() turns true; ASKED says BFSGIL_ASK_URGENT).  If
 * @t neither waits nor holds the lock, its next wait starts so.  If it
 * holds the lock, nothing changes.  Its deadline is not changed: once it
 * has had the lock it is scheduled as before.  May be called from any
 * thread; takes the internal mutex briefly and never waits for the GIL.
 * Not from a signal handler (it takes a mutex): set a flag there, and
 * call this from a thread that sees it.
 *
 * Returns 0; EINVAL if @t is NULL.
 */
BFSGIL_API int bfsgil_urge(bfsgil_thread_t *t);

/**
 * bfsgil_thread_id - a number naming @self, unique in the process and
 * never reused (unlike a handle's address once it is freed); from 1.
 * Events carry it (bfsgil/hook.h).  Returns 0 for NULL.  Never blocks.
 */
BFSGIL_API uint64_t bfsgil_thread_id(const bfsgil_thread_t *self);

/**
 * bfsgil_release - give the lock up, e.g. before a blocking call.
 *
 * Charges the time held while others waited to the caller's slice
 * (nothing, and no clock read, if nobody waited).  Each time the slice ran
 * out, a fresh one began at that instant with a new deadline from that
 * instant (so a thread that held for 7 ms of 5 ms slices keeps 3 ms of
 * a slice that began 2 ms ago); a slice that ran out while others
 * waited, the caller over its share or holding more than a slice at
 * once, has its deadline moved later by up to a span per waiter, less
 * the more turns it was spent in (the share rule of bfsgil(7)).  If it
 * did not run out, the caller keeps what is left and its deadline, so
 * that when it asks again it can preempt a CPU-bound holder: unless, with others waiting, its last
 * wait was shorter than a slice and it has had more than its share of
 * the lock since its slice began (an equal part among itself and the
 * waiters, weighted by nice, of the time since less the time it spent
 * queued; its turns counted from each handoff to it).  Then a deadline
 * that has passed moves to now, behind every waiter whose deadline has
 * passed too, and it keeps the rest of its slice: a thread that comes
 * straight
 * back for many short holds takes turns with the others rather than
 * keep ahead of them, while an I/O thread, off the lock most of the
 * time, keeps its deadline.  If anyone waits, the lock goes straight to
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
 * Cancellation and signals are treated as in bfsgil_acquire().  Its wait
 * ends early on bfsgil_interrupt(), without the lock.
 *
 * Returns 0 with the lock held; EINTR, not holding, if bfsgil_interrupt()
 * ended the wait or had been kept for it (the lock was handed over
 * first); EINVAL if @self is NULL; EPERM if the caller does not hold the
 * lock or is not the thread that attached @self.
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
 * per level, nice 0 = 1.0.  A waiting thread's deadline becomes at once
 * the one it would have had with @nice when it was issued, it moves to
 * its new place in the queue, and the holder is asked to give way if
 * that now puts it first.  A thread that holds the lock or does not
 * wait keeps its current deadline; its next one uses @nice.  May be
 * called from any thread; takes the internal mutex briefly.
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
