/*
 * park_futex.c: the park (park.h) as one futex word, for Linux.
 *
 * The word holds the posted flags and PARK_ASLEEP, which the owner sets
 * (by CAS, with nothing posted) just before it sleeps in FUTEX_WAIT on
 * exactly that value.  A poster ORs its flag in and calls FUTEX_WAKE only
 * if it saw PARK_ASLEEP: the kernel compares the word before sleeping, so
 * a post that lands between the owner's CAS and its sleep makes the
 * FUTEX_WAIT return at once instead of being lost.
 */
#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "annotate.h"
#include "clock.h"
#include "park.h"

#define PARK_ASLEEP 4u
#define PARK_FLAGS (PARK_GRANT | PARK_POKE | PARK_CANCEL)

int
park_init(struct park *p)
{
	atomic_init(&p->word, 0);
	/* Atomics only; the post/wait edge is told where it happens. */
	BFSGIL_RACY_BY_DESIGN(&p->word, sizeof(p->word));
	return 0;
}

void
park_destroy(struct park *p)
{
	(void)p;
}

int
park_reset_after_fork(struct park *p)
{
	atomic_store_explicit(&p->word, 0, memory_order_relaxed);
	return 0;
}

void
park_post(struct park *p, uint32_t flags)
{
	uint32_t old;

	BFSGIL_HAPPENS_BEFORE(&p->word);
	old = atomic_fetch_or_explicit(&p->word, flags, memory_order_acq_rel);

	if (old & PARK_ASLEEP)
		syscall(SYS_futex, &p->word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC time (plain
 * FUTEX_WAIT takes a relative one). */
static bool
futex_sleep(_Atomic uint32_t *word, uint32_t expect, bool timed,
	    uint64_t until_ns)
{
	struct timespec until = clock_timespec(until_ns);

	return syscall(SYS_futex, word, FUTEX_WAIT_BITSET_PRIVATE, expect,
		       timed ? &until : NULL, NULL, FUTEX_BITSET_MATCH_ANY) != 0 &&
	       errno == ETIMEDOUT;
}

uint32_t
park_wait(struct park *p, bool timed, uint64_t until_ns)
{
	uint32_t v = atomic_load_explicit(&p->word, memory_order_acquire), got;
	bool timed_out = false;

	for (;;) {
		/* EINTR (a signal) and EAGAIN (the word changed) just look
		 * again. */
		while (!(v & PARK_FLAGS) && !timed_out) {
			if (!(v & PARK_ASLEEP)) {
				if (!atomic_compare_exchange_weak_explicit(
					    &p->word, &v, v | PARK_ASLEEP,
					    memory_order_acquire,
					    memory_order_acquire))
					continue;
				v |= PARK_ASLEEP;
			}
			timed_out = futex_sleep(&p->word, v, timed, until_ns);
			v = atomic_load_explicit(&p->word, memory_order_acquire);
		}
		/* Consume what is posted, also after a timeout: a post may
		 * have landed since, and a grant must never be dropped. */
		got = atomic_exchange_explicit(&p->word, 0, memory_order_acq_rel) &
		      PARK_FLAGS;
		if (got != 0)
			BFSGIL_HAPPENS_AFTER(&p->word);
		/* Empty-handed without a timeout: a revoke took what we saw
		 * between our look and the exchange.  Wait on. */
		if (got != 0 || timed_out)
			return got;
		v = 0;
	}
}

uint32_t
park_peek(struct park *p)
{
	return atomic_load_explicit(&p->word, memory_order_relaxed) & PARK_FLAGS;
}

bool
park_revoke(struct park *p, uint32_t flag)
{
	return (atomic_fetch_and_explicit(&p->word, ~flag,
					  memory_order_acq_rel) & flag) != 0;
}
