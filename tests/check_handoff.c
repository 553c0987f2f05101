/*
 * check_handoff.c: the plumbing of a handoff: waiters get the lock in
 * deadline order, the releaser cannot take it back, yield gives way only
 * to an earlier deadline, and no two threads ever hold the lock at once.
 */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "harness.h"
#include "fixture_nice.h"

/* A waiter: attach with @nice, queue, and on getting the lock note its
 * nice in the log (the lock protects the log), then leave. */
struct waiter {
	int nice;
	int label;	/* what goes in the log; the nice if 0 */
	pthread_t thread;
};

static int handoff_log[16];
static size_t handoff_log_len;

static void *
waiter_main(void *arg)
{
	struct waiter *w = arg;
	bfsgil_thread_t *t;

	ck_assert_int_eq(bfsgil_attach(gil, &t), 0);
	ck_assert_int_eq(bfsgil_set_nice(t, w->nice), 0);
	ck_assert_int_eq(bfsgil_acquire(t), 0);
	handoff_log[handoff_log_len++] = w->label ? w->label : w->nice;
	ck_assert_int_eq(bfsgil_release(t), 0);
	ck_assert_int_eq(bfsgil_detach(t), 0);
	return NULL;
}

START_TEST(waiters_get_the_lock_in_deadline_order)
{
	/* Arrival order differs from deadline order on purpose. */
	struct waiter w[] = { { .nice = 3 }, { .nice = -5 }, { .nice = 10 },
			     { .nice = 0 }, { .nice = -15 }, { .nice = 7 } };
	static const int expect[] = { -15, -5, 0, 3, 7, 10 };
	size_t n = sizeof(w) / sizeof(w[0]);

	handoff_log_len = 0;
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	for (size_t i = 0; i < n; i++) {
		w[i].thread = harness_spawn(waiter_main, &w[i]);
		harness_wait_for_waiters(gil, i + 1);
	}
	ck_assert_int_eq(bfsgil_release(self), 0);
	for (size_t i = 0; i < n; i++)
		harness_join(w[i].thread);
	ck_assert_uint_eq(handoff_log_len, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(handoff_log[i], expect[i]);
}
END_TEST

START_TEST(equal_nice_waiters_are_served_in_arrival_order)
{
	struct waiter w[5];

	/* All nice 0: deadlines differ only by when each asked, so the
	 * order served must be the order of arrival.  (Exactly equal
	 * deadlines cannot be made with a real clock; check_runq proves
	 * that ties leave first in, first out.) */
	handoff_log_len = 0;
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	for (size_t i = 0; i < 5; i++) {
		w[i].nice = 0;
		w[i].label = (int)i + 1;
		w[i].thread = harness_spawn(waiter_main, &w[i]);
		harness_wait_for_waiters(gil, i + 1);
	}
	ck_assert_int_eq(bfsgil_release(self), 0);
	for (size_t i = 0; i < 5; i++)
		harness_join(w[i].thread);
	ck_assert_uint_eq(handoff_log_len, 5);
	for (size_t i = 0; i < 5; i++)
		ck_assert_int_eq(handoff_log[i], (int)i + 1);
}
END_TEST

static atomic_int waiter_had_it;

static void *
note_and_leave(void *arg)
{
	bfsgil_thread_t *t;

	ck_assert_int_eq(bfsgil_attach(gil, &t), 0);
	ck_assert_int_eq(bfsgil_set_nice(t, (int)(intptr_t)arg), 0);
	ck_assert_int_eq(bfsgil_acquire(t), 0);
	atomic_store(&waiter_had_it, 1);
	ck_assert_int_eq(bfsgil_release(t), 0);
	ck_assert_int_eq(bfsgil_detach(t), 0);
	return NULL;
}

/* Run: we hold at @our_nice, a waiter queues at @their_nice, we release
 * and ask straight back.  Returns whether the waiter had had the lock by
 * the time we got it back. */
static int
release_and_ask_back(int our_nice, int their_nice)
{
	struct bfsgil_stats st;
	pthread_t w;
	int had_it;

	atomic_store(&waiter_had_it, 0);
	ck_assert_int_eq(bfsgil_set_nice(self, our_nice), 0);
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	w = harness_spawn(note_and_leave, (void *)(intptr_t)their_nice);
	harness_wait_for_waiters(gil, 1);
	ck_assert_int_eq(bfsgil_release(self), 0);
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	had_it = atomic_load(&waiter_had_it);
	ck_assert_int_eq(bfsgil_release(self), 0);
	harness_join(w);
	ck_assert_int_eq(atomic_load(&waiter_had_it), 1);
	/* However it went (a handoff taken back, or one each way), every
	 * contended acquisition ended in exactly one handoff. */
	ck_assert_int_eq(bfsgil_stats(gil, &st), 0);
	ck_assert_uint_eq(st.handoffs, st.contended);
	return had_it;
}

/* No barging: a releaser whose deadline is later than the waiter's
 * cannot get the lock back before the waiter has had it. */
START_TEST(later_deadline_releaser_cannot_take_the_lock_back)
{
	ck_assert_int_eq(release_and_ask_back(19, -20), 1);
}
END_TEST

/* A releaser whose deadline is earlier may take the lock back before the
 * waiter it was handed to has run (it would preempt it at once anyway);
 * the waiter keeps its place and is served when the releaser lets go. */
START_TEST(earlier_deadline_releaser_may_take_back_and_waiter_is_served)
{
	release_and_ask_back(-20, 19);
}
END_TEST

START_TEST(more_urgent_waiter_asks_and_yield_hands_over)
{
	struct waiter w = { .nice = -10 };

	handoff_log_len = 0;
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	ck_assert(!bfsgil_should_yield(self));
	w.thread = harness_spawn(waiter_main, &w);
	harness_wait_for_waiters(gil, 1);
	/* Its deadline beats ours: we are asked at once, not at slice end. */
	ck_assert(bfsgil_should_yield(self));
	ck_assert_int_eq(bfsgil_yield(self), 0);
	/* Back in turn, after the waiter ran; the request is cleared. */
	handoff_log[handoff_log_len++] = 99;
	ck_assert(!bfsgil_should_yield(self));
	ck_assert_int_eq(bfsgil_release(self), 0);
	harness_join(w.thread);
	ck_assert_uint_eq(handoff_log_len, 2);
	ck_assert_int_eq(handoff_log[0], -10);
	ck_assert_int_eq(handoff_log[1], 99);
}
END_TEST

START_TEST(yield_keeps_the_lock_while_caller_deadline_is_earliest)
{
	struct waiter w = { .nice = 10 };
	struct bfsgil_stats st;

	handoff_log_len = 0;
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	w.thread = harness_spawn(waiter_main, &w);
	harness_wait_for_waiters(gil, 1);
	ck_assert(!bfsgil_should_yield(self)); /* a 1 s slice: not yet */
	ck_assert_int_eq(bfsgil_yield(self), 0);
	handoff_log[handoff_log_len++] = 99; /* still ours: no handoff */
	ck_assert_int_eq(bfsgil_stats(gil, &st), 0);
	ck_assert_uint_eq(st.handoffs, 0);
	ck_assert_uint_eq(st.yields, 1);
	ck_assert_int_eq(bfsgil_release(self), 0);
	harness_join(w.thread);
	ck_assert_int_eq(handoff_log[0], 99);
	ck_assert_int_eq(handoff_log[1], 10);
}
END_TEST

#define MUTEX_THREADS 8
#define MUTEX_ROUNDS 100000

static unsigned long plain_counter;	/* protected by the lock alone */
static atomic_int holders;
static atomic_int overlap_seen;
static struct bfsgil_stats per_thread[MUTEX_THREADS];

static atomic_int call_failures;

static void *
increment_main(void *arg)
{
	size_t id = (size_t)(uintptr_t)arg;
	bfsgil_thread_t *t;
	int failures = 0;

	ck_assert_int_eq(bfsgil_attach(gil, &t), 0);
	/* No ck_assert in the loop: each one writes to Check's pipe, and
	 * 800,000 system calls would measure Check, not the lock. */
	for (int i = 0; i < MUTEX_ROUNDS; i++) {
		failures += bfsgil_acquire(t) != 0;
		if (atomic_fetch_add(&holders, 1) != 0)
			atomic_store(&overlap_seen, 1);
		plain_counter++;
		atomic_fetch_sub(&holders, 1);
		/* Yielding lets others in, so it stays outside the window
		 * that counts holders. */
		if (bfsgil_should_yield(t))
			failures += bfsgil_yield(t) != 0;
		failures += bfsgil_release(t) != 0;
	}
	atomic_fetch_add(&call_failures, failures);
	ck_assert_int_eq(bfsgil_thread_stats(t, &per_thread[id]), 0);
	ck_assert_int_eq(bfsgil_detach(t), 0);
	return NULL;
}

START_TEST(eight_threads_never_hold_at_once)
{
	pthread_t th[MUTEX_THREADS];
	struct bfsgil_stats st, sum = { 0 };

	ck_assert_int_eq(bfsgil_ctl_set(gil, "slice_us", 5000), 0);
	plain_counter = 0;
	for (size_t i = 0; i < MUTEX_THREADS; i++)
		th[i] = harness_spawn(increment_main, (void *)(uintptr_t)i);
	for (size_t i = 0; i < MUTEX_THREADS; i++)
		harness_join(th[i]);
	ck_assert_int_eq(atomic_load(&call_failures), 0);
	ck_assert_int_eq(atomic_load(&overlap_seen), 0);
	ck_assert_uint_eq(plain_counter,
			  (unsigned long)MUTEX_THREADS * MUTEX_ROUNDS);

	/* The stats add up: the lock's totals are its threads' sums, and
	 * every contended acquisition ended in exactly one handoff. */
	ck_assert_int_eq(bfsgil_stats(gil, &st), 0);
	for (size_t i = 0; i < MUTEX_THREADS; i++) {
		/* Each acquire call, plus each yield that handed over and
		 * got the lock back. */
		ck_assert_uint_ge(per_thread[i].acquires, MUTEX_ROUNDS);
		ck_assert_uint_le(per_thread[i].acquires,
				  MUTEX_ROUNDS + per_thread[i].yields);
		ck_assert_uint_le(per_thread[i].contended, per_thread[i].acquires);
		sum.acquires += per_thread[i].acquires;
		sum.contended += per_thread[i].contended;
		sum.handoffs += per_thread[i].handoffs;
	}
	ck_assert_uint_eq(st.acquires, sum.acquires);
	ck_assert_uint_eq(st.contended, sum.contended);
	ck_assert_uint_eq(st.handoffs, sum.handoffs);
	ck_assert_uint_eq(st.handoffs, st.contended);
	ck_assert_uint_ge(st.acquires, (uint64_t)MUTEX_THREADS * MUTEX_ROUNDS);
	ck_assert_uint_eq(st.threads, 1);
	ck_assert_uint_eq(st.waiting, 0);
}
END_TEST

Suite *
make_suite(void)
{
	Suite *s = suite_create("handoff");
	const struct harness_case cases[] = {
		{ "deadline_order", waiters_get_the_lock_in_deadline_order, 20 },
		{ "arrival_order", equal_nice_waiters_are_served_in_arrival_order, 20 },
		{ "no_take_back", later_deadline_releaser_cannot_take_the_lock_back, 20 },
		{ "take_back", earlier_deadline_releaser_may_take_back_and_waiter_is_served, 20 },
		{ "yield_hands_over", more_urgent_waiter_asks_and_yield_hands_over, 20 },
		{ "yield_in_turn", yield_keeps_the_lock_while_caller_deadline_is_earliest, 20 },
		{ "mutual_exclusion", eight_threads_never_hold_at_once, 240 },
	};

	harness_add_cases(s, cases, HARNESS_NCASES(cases), setup, teardown);
	return s;
}
