/*
 * park_cond.c: the park (park.h) as a mutex, a condition variable and the
 * posted flags: portable POSIX, for systems without futexes (and built
 * on Linux too with ./configure --with-park=cond, which CI tests).
 */
#include <errno.h>
#include <pthread.h>

#include "clock.h"
#include "park.h"

int
park_init(struct park *p)
{
	pthread_mutexattr_t mattr;
	pthread_condattr_t cattr;
	int err;

	p->posted = 0;
	err = pthread_mutexattr_init(&mattr);
	if (err != 0)
		return err;
#if defined(PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP)
	/* A poster holds the lock only to set a flag and signal; a woken
	 * owner that finds it taken does better spinning a moment than
	 * sleeping again. */
	pthread_mutexattr_settype(&mattr, PTHREAD_MUTEX_ADAPTIVE_NP);
#endif
	err = pthread_mutex_init(&p->lock, &mattr);
	pthread_mutexattr_destroy(&mattr);
	if (err != 0)
		return err;
	err = pthread_condattr_init(&cattr);
	if (err == 0) {
		err = pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
		if (err == 0)
			err = pthread_cond_init(&p->cond, &cattr);
		pthread_condattr_destroy(&cattr);
	}
	if (err != 0)
		pthread_mutex_destroy(&p->lock);
	return err;
}

void
park_destroy(struct park *p)
{
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
}

int
park_reset_after_fork(struct park *p)
{
	/* Initialised over the old memory, never destroyed: see park.h. */
	return park_init(p);
}

void
park_post(struct park *p, uint32_t flags)
{
	pthread_mutex_lock(&p->lock);
	p->posted |= flags;
	pthread_mutex_unlock(&p->lock);
	/* Signalled after unlocking, so that the woken owner does not find
	 * the mutex still held; the caller keeps the park alive until we
	 * return (park.h, "Lifetime"). */
	pthread_cond_signal(&p->cond);
}

uint32_t
park_wait(struct park *p, bool timed, uint64_t until_ns)
{
	struct timespec until = clock_timespec(until_ns);
	uint32_t got;

	pthread_mutex_lock(&p->lock);
	while (p->posted == 0) {
		if (!timed)
			pthread_cond_wait(&p->cond, &p->lock);
		else if (pthread_cond_timedwait(&p->cond, &p->lock, &until) ==
			 ETIMEDOUT)
			break;
	}
	got = p->posted;
	p->posted = 0;
	pthread_mutex_unlock(&p->lock);
	return got;
}

uint32_t
park_peek(struct park *p)
{
	uint32_t posted;

	/* Busy: a poster has it, so whatever it posts is seen next look.
	 * Never lock(): a poller re-taking the mutex look after look
	 * could keep the poster, which holds the lock's own mutex, off
	 * it. */
	if (pthread_mutex_trylock(&p->lock) != 0)
		return 0;
	posted = p->posted;
	pthread_mutex_unlock(&p->lock);
	return posted;
}

bool
park_revoke(struct park *p, uint32_t flag)
{
	bool had;

	pthread_mutex_lock(&p->lock);
	had = (p->posted & flag) != 0;
	p->posted &= ~flag;
	pthread_mutex_unlock(&p->lock);
	return had;
}
