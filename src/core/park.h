/*
 * park.h: where one thread sleeps until another posts to it.  Every
 * thread handle has one; a handoff posts PARK_GRANT to the new holder, and
 * a change of watcher posts PARK_POKE.  Exactly one thread, the owner,
 * ever waits on a park; any thread may post to it.
 *
 * Two implementations with one contract, chosen by configure
 * (--with-park):
 *  - park_futex.c (Linux, the default there): one atomic word, a futex.
 *    Posting is one atomic OR, plus a FUTEX_WAKE only if the owner
 *    sleeps; waking takes no lock at all.
 *  - park_cond.c (anywhere with pthreads): a small mutex, a condition
 *    variable on CLOCK_MONOTONIC and the flags.
 * Why two: on the development VM a two-thread handoff round trip cost
 * about 1.2x a plain condvar ping-pong with the condvar park, and about
 * 1.0x with the futex (doc/design.md section 4, doc/bench/NOTES.md): the
 * waker's held mutex and the condvar's own bookkeeping were the
 * difference.
 *
 * Memory order: a post is a release and the wait that sees it an
 * acquire, so whatever the poster wrote before posting, the owner sees
 * after waking.
 *
 * Lifetime: a post may still be touching the park after the owner has
 * seen the flag.  The caller must keep the park alive until park_post
 * returns; bfsgil does by posting only with gil->lock held, which the
 * owner needs before it can detach and free its handle.
 */
#ifndef BFSGIL_PARK_H
#define BFSGIL_PARK_H

#ifdef HAVE_CONFIG_H
# include <config.h>
#endif

#include <stdbool.h>
#include <stdint.h>

/* configure's choice (config.h), unless a unit test build forces one. */
#if defined(BFSGIL_PARK_FORCE_FUTEX) || \
	(defined(BFSGIL_PARK_FUTEX) && !defined(BFSGIL_PARK_FORCE_COND))
# define PARK_USES_FUTEX 1
# include <stdatomic.h>
#else
# define PARK_USES_FUTEX 0
# include <pthread.h>
#endif

/* The flags a post can carry; a wait returns the ones it consumed. */
#define PARK_GRANT 1u	/* the lock was handed to the owner */
#define PARK_POKE 2u	/* look again: the owner may be the watcher */
/* The owner was taken out of the queue without the lock
 * (bfsgil_interrupt).  8: park_futex.c keeps 4 for itself. */
#define PARK_CANCEL 8u

struct park {
#if PARK_USES_FUTEX
	/* PARK_GRANT | PARK_POKE as posted, plus park_futex.c's "owner is
	 * asleep" bit. */
	_Atomic uint32_t word;
#else
	pthread_mutex_t lock;
	pthread_cond_t cond;	/* waits on CLOCK_MONOTONIC */
	uint32_t posted;
#endif
};

/* Set @p up with nothing posted.  0, or an errno value from pthreads
 * (the futex park cannot fail). */
int park_init(struct park *p);

/* Tear @p down; nobody may be waiting on or posting to it. */
void park_destroy(struct park *p);

/* Start @p over in a fork child, where another thread of the parent may
 * have been inside it: whatever it held is forgotten, never destroyed
 * (glibc's pthread_cond_destroy may wait for waiters that no longer
 * exist).  0 or an errno value. */
int park_reset_after_fork(struct park *p);

/* Post @flags (PARK_GRANT and/or PARK_POKE) to @p and wake its owner if
 * it sleeps.  Never blocks for long (the condvar park takes its small
 * mutex).  See "Lifetime" above. */
void park_post(struct park *p, uint32_t flags);

/*
 * Owner only: sleep until something is posted, or until CLOCK_MONOTONIC
 * reaches @until_ns if @timed.  Returns the flags posted since the last
 * wait, now consumed (cleared); 0 only if it timed out with nothing
 * posted.  Returns at once if something was already posted.  Not a
 * cancellation point on the futex park; callers disable cancellation
 * around it either way.  Signals do not end the wait early.
 */
uint32_t park_wait(struct park *p, bool timed, uint64_t until_ns);

/*
 * Owner only: the flags posted to @p and not yet consumed, without
 * consuming them or sleeping: one look, for a waiter that polls before
 * it sleeps (handoff.c's thread_spin).  A post that lands while the
 * owner polls finds it awake and makes no FUTEX_WAKE; the park_wait that
 * follows returns at once.  On the condvar park the look takes the
 * small mutex only if it is free, so a poster is never held up by it.
 */
uint32_t park_peek(struct park *p);

/* Clear @flag if it is posted and not yet consumed; true if it was.
 * Racing park_wait, exactly one of the two gets the flag: this is how
 * a grant is taken back (handoff.c's gil_take_back). */
bool park_revoke(struct park *p, uint32_t flag);

#endif /* BFSGIL_PARK_H */
