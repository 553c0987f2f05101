/*
 * monitor.c: the checks the stress test makes all along, every
 * millisecond while the workers run, and at the end of each phase.
 *
 * All along:
 *  - the watchdog: no worker waits in acquire or yield longer than the
 *    phase's bound (monitor_wait_bound_ns); if one does, it is named,
 *    with its nice, what it waits in and for how long;
 *  - the audit, white box, under the lock's internal mutex: the state
 *    word's waiter bit is set exactly when the run queue is non-empty,
 *    and the lock is never free while anyone is queued.  Since a release
 *    hands the lock straight to the earliest waiter, a free lock with a
 *    queue is a waiter asleep with nobody left to wake it: the lost
 *    wake-up.  Also: the holder is not queued, the watcher is a queued
 *    thread and not the holder, the queue is in deadline order;
 *  - the lock's statistics: no counter goes down, and every handoff ends
 *    one contended acquisition (at most one is in flight, to a thread
 *    that has not run yet).
 * Never two holders is checked by the workers themselves (worker.c).
 *
 * At each phase's end, with every worker joined: nobody attached or
 * queued, handoffs == contended exactly, the lock's totals equal the sum
 * of every handle's own figures taken just before it detached, and they
 * agree with the workers' own counts and clocks.
 */
#include <inttypes.h>
#include <stdio.h>

#include "gil.h"
#include "policy.h"
#include "stress.h"

static const char *
op_name(int op)
{
	return op == OP_ACQUIRE ? "bfsgil_acquire" : op == OP_YIELD ? "bfsgil_yield" : "nothing";
}

/*
 * How long any one wait may take.  A waiter with deadline d is served
 * once every thread with an earlier deadline has been; a thread's
 * deadline moves past d after at most one more slice of holding (it is
 * reissued from the moment the slice runs out, and d is at most one
 * slice x the largest prio_ratio away).  So: the largest slice x ratio,
 * plus one slice and one hold (a holder may ignore a request until its
 * hold ends) per other thread.  Then x4 and 2 s more for a shared VM
 * whose wake-ups sometimes take milliseconds: the bound exists to catch
 * a waiter that is never served, not to time the scheduler.
 */
uint64_t
monitor_wait_bound_ns(const struct stress *st, int nthreads)
{
	uint64_t slice = (uint64_t)chaos_slice_us_max() * 1000u;
	uint64_t ratio = policy_prio_ratio(POLICY_NICE_MAX);
	uint64_t one = slice * ratio / POLICY_RATIO_ONE;
	uint64_t each = slice + st->max_hold_ns + 20000u;

	return 4 * (one + (uint64_t)nthreads * each) + 2000000000u;
}

static void
watchdog(const struct stress *st, uint64_t now)
{
	for (int i = 0; i < st->nworkers; i++) {
		const struct worker *w = &st->workers[i];
		uint64_t since = atomic_load(&w->wait_since);

		if (since != 0 && now > since && now - since > st->bound_ns)
			stress_fail("watchdog: worker %d (nice %d) has waited %.3f s in %s, "
				    "over its bound of %.3f s for %d threads",
				    w->id, atomic_load(&w->nice), (double)(now - since) / 1e9,
				    op_name(atomic_load(&w->op)), (double)st->bound_ns / 1e9,
				    st->nworkers);
	}
}

static void
audit(struct stress *st)
{
	struct bfsgil *gil = st->gil;
	uintptr_t s;
	struct bfsgil_thread *holder, *watcher;
	size_t queued;
	bool ordered;

	pthread_mutex_lock(&gil->lock);
	s = atomic_load_explicit(&gil->state, memory_order_acquire);
	holder = gil_state_holder(s);
	watcher = gil->watcher;
	queued = runq_len(&gil->runq);
	ordered = runq_is_valid(&gil->runq);
	bool holder_queued = holder != NULL && runq_queued(&holder->node);
	bool watcher_queued = watcher != NULL && runq_queued(&watcher->node);
	pthread_mutex_unlock(&gil->lock);

	if (queued > 0 && holder == NULL)
		stress_fail("audit: the lock is free while %zu threads are queued: "
			    "nobody is left to wake them", queued);
	if ((queued > 0) != ((s & GIL_WAITERS) != 0))
		stress_fail("audit: the state word's waiter bit is %d with %zu threads queued",
			    (int)(s & GIL_WAITERS), queued);
	if (holder_queued)
		stress_fail("audit: the holder is also in the run queue");
	if (watcher != NULL && (!watcher_queued || watcher == holder))
		stress_fail("audit: the watcher is %s",
			    watcher == holder ? "the holder" : "not queued");
	if (!ordered)
		stress_fail("audit: the run queue is out of deadline order");
	atomic_fetch_add(&st->audits, 1);
}

#define MONOTONIC_FIELDS(X) X(acquires) X(contended) X(handoffs) X(yields) \
	X(preempt_requests) X(slice_expiries) X(wakeups) X(wait_ns) \
	X(contended_hold_ns) X(max_wait_ns) X(spins) X(spin_grants) X(spin_ns)

static void
check_live_stats(const struct stress *st, struct bfsgil_stats *prev)
{
	struct bfsgil_stats cur;

	if (bfsgil_stats(st->gil, &cur) != 0)
		stress_fail("bfsgil_stats failed");
#define NOT_DOWN(f) \
	if (cur.f < prev->f) \
		stress_fail("stats: %s went down, from %" PRIu64 " to %" PRIu64, \
			    #f, prev->f, cur.f);
	MONOTONIC_FIELDS(NOT_DOWN)
#undef NOT_DOWN
	if (cur.handoffs < cur.contended || cur.handoffs > cur.contended + 1)
		stress_fail("stats: %" PRIu64 " handoffs for %" PRIu64 " contended "
			    "acquisitions (at most one may be in flight)",
			    cur.handoffs, cur.contended);
	if (cur.waiting > cur.threads)
		stress_fail("stats: %" PRIu64 " waiting of %" PRIu64 " attached",
			    cur.waiting, cur.threads);
	*prev = cur;
}

void *
monitor_main(void *arg)
{
	struct stress *st = arg;
	struct bfsgil_stats prev = { 0 };

	while (!atomic_load(&st->monitor_stop)) {
		watchdog(st, harness_now_ns());
		audit(st);
		check_live_stats(st, &prev);
		/* The sampling period, not a wait for a condition. */
		harness_block_ns(1000000);
	}
	return NULL;
}

void
monitor_check_quiescent(struct stress *st, const struct bfsgil_stats *before,
			const struct bfsgil_stats *after,
			const struct worker_tally *tally)
{
	const struct bfsgil_stats now = *after;
	uint64_t acquires = tally->acquires, yields = tally->yields;

	if (now.threads != 0 || now.waiting != 0)
		stress_fail("end of phase: %" PRIu64 " threads still attached, %" PRIu64
			    " waiting", now.threads, now.waiting);
	if (atomic_load(&st->holder) != NULL)
		stress_fail("end of phase: the holder record still names worker %d",
			    atomic_load(&st->holder)->id);
	if (now.spin_grants > now.spins)
		stress_fail("end of phase: %" PRIu64 " polls got the lock, of %" PRIu64,
			    now.spin_grants, now.spins);
	/* A grant caught polling ends one contended acquisition. */
	if (now.spin_grants - before->spin_grants > now.contended - before->contended)
		stress_fail("end of phase: %" PRIu64 " polls got the lock in %" PRIu64
			    " contended acquisitions", now.spin_grants - before->spin_grants,
			    now.contended - before->contended);
	if (now.handoffs != now.contended)
		stress_fail("end of phase: %" PRIu64 " handoffs but %" PRIu64
			    " contended acquisitions", now.handoffs, now.contended);
	/* The lock's totals are the sum of every handle it ever had. */
#define SAME(f) \
	if (now.f != st->retired.f) \
		stress_fail("end of phase: the lock's %s is %" PRIu64 ", its handles' " \
			    "sum %" PRIu64, #f, now.f, st->retired.f);
	MONOTONIC_FIELDS(SAME)
#undef SAME
	/* Every acquire that returned 0 counts once; so does every yield
	 * that gave the lock away and got it back (at most every yield
	 * that found a waiter). */
	if (now.acquires - before->acquires < acquires ||
	    now.acquires - before->acquires > acquires + (now.yields - before->yields))
		stress_fail("end of phase: the lock counted %" PRIu64 " acquisitions and %"
			    PRIu64 " yields; the workers %" PRIu64 " and %" PRIu64,
			    now.acquires - before->acquires, now.yields - before->yields,
			    acquires, yields);
	if (now.yields - before->yields > yields)
		stress_fail("end of phase: %" PRIu64 " yields counted, %" PRIu64 " made",
			    now.yields - before->yields, yields);
	/* The library times each wait inside the calls the workers timed. */
	if (now.wait_ns - before->wait_ns > tally->wait_ns)
		stress_fail("end of phase: the lock counted %.6f s of waiting, the "
			    "workers timed only %.6f s", (now.wait_ns - before->wait_ns) / 1e9,
			    tally->wait_ns / 1e9);
	if (now.max_wait_ns > st->bound_ns && now.max_wait_ns > before->max_wait_ns)
		stress_fail("end of phase: a wait of %.3f s, over the bound of %.3f s",
			    now.max_wait_ns / 1e9, st->bound_ns / 1e9);
}
