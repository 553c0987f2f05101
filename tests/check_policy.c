/*
 * check_policy.c: the deadline rules, driven with made-up times.  No
 * threads, no clock: every rule is proved deterministically here, so the
 * threaded suites only have to prove the plumbing.
 */
#include "harness.h"
#include "policy.h"

#define MS 1000000ull
#define SLICE (5 * MS)
#define ONE POLICY_RATIO_ONE

START_TEST(nice_zero_has_ratio_one)
{
	ck_assert_uint_eq(policy_prio_ratio(0), ONE);
}
END_TEST

START_TEST(ratio_grows_ten_percent_per_nice_level)
{
	for (int n = POLICY_NICE_MIN; n < POLICY_NICE_MAX; n++) {
		double lo = policy_prio_ratio(n), hi = policy_prio_ratio(n + 1);

		/* Integer rounding allows a hair either way of 1.1. */
		ck_assert_double_ge(hi / lo, 1.099);
		ck_assert_double_le(hi / lo, 1.101);
	}
	/* The ends, as 1.1^-20 and 1.1^19. */
	ck_assert_double_eq_tol(policy_prio_ratio(-20) / (double)ONE, 0.14864, 0.0005);
	ck_assert_double_eq_tol(policy_prio_ratio(19) / (double)ONE, 6.1159, 0.005);
}
END_TEST

START_TEST(first_request_issues_slice_and_deadline)
{
	struct policy_slice s = { 0 };

	policy_request(&s, 1000 * MS, SLICE, ONE);
	ck_assert_uint_eq(s.left, SLICE);
	ck_assert_uint_eq(s.deadline, 1000 * MS + SLICE);
}
END_TEST

START_TEST(deadline_offset_scales_with_nice)
{
	struct policy_slice lo = { 0 }, hi = { 0 };

	policy_request(&lo, 0, SLICE, policy_prio_ratio(-5));
	policy_request(&hi, 0, SLICE, policy_prio_ratio(5));
	ck_assert_uint_lt(lo.deadline, SLICE);
	ck_assert_uint_gt(hi.deadline, SLICE);
	/* nice scales the deadline, never the slice itself (BFS). */
	ck_assert_uint_eq(lo.left, SLICE);
	ck_assert_uint_eq(hi.left, SLICE);
	ck_assert_uint_eq(policy_deadline(0, SLICE, policy_prio_ratio(5)),
			  (SLICE * policy_prio_ratio(5)) >> POLICY_RATIO_SHIFT);
}
END_TEST

START_TEST(early_release_keeps_deadline_and_rest_of_slice)
{
	struct policy_slice s = { 0 };
	uint64_t deadline;

	policy_request(&s, 0, SLICE, ONE);
	deadline = s.deadline;
	policy_start(&s, 0);
	ck_assert_uint_eq(policy_charge(&s, 2 * MS, SLICE, ONE), 0);
	ck_assert_uint_eq(s.left, 3 * MS);
	ck_assert_uint_eq(s.deadline, deadline);
	/* Asking again much later keeps both: that is what lets an I/O
	 * thread come back with an early deadline. */
	policy_request(&s, 500 * MS, SLICE, ONE);
	ck_assert_uint_eq(s.left, 3 * MS);
	ck_assert_uint_eq(s.deadline, deadline);
}
END_TEST

START_TEST(exhausted_slice_reissues_deadline_from_expiry)
{
	struct policy_slice s = { 0 };

	policy_request(&s, 0, SLICE, ONE);
	policy_start(&s, 0);
	/* Held 7 ms of a 5 ms slice: it ran out at 5 ms, a new one began
	 * then, with deadline 5 + 5, and 2 ms of it are used. */
	ck_assert_uint_eq(policy_charge(&s, 7 * MS, SLICE, ONE), 1);
	ck_assert_uint_eq(s.deadline, 10 * MS);
	ck_assert_uint_eq(s.left, 3 * MS);
}
END_TEST

START_TEST(exactly_used_slice_counts_as_exhausted)
{
	struct policy_slice s = { 0 };

	policy_request(&s, 0, SLICE, ONE);
	policy_start(&s, 0);
	ck_assert_uint_eq(policy_charge(&s, SLICE, SLICE, ONE), 1);
	ck_assert_uint_eq(s.left, SLICE);
	ck_assert_uint_eq(s.deadline, 2 * SLICE);
}
END_TEST

START_TEST(several_slices_held_reissue_each_time)
{
	struct policy_slice s = { 0 };

	policy_request(&s, 0, SLICE, ONE);
	policy_start(&s, 0);
	/* 23 ms = slices ending at 5, 10, 15, 20, and 3 ms into the fifth. */
	ck_assert_uint_eq(policy_charge(&s, 23 * MS, SLICE, ONE), 4);
	ck_assert_uint_eq(s.deadline, 25 * MS);
	ck_assert_uint_eq(s.left, 2 * MS);
}
END_TEST

START_TEST(reissued_deadline_uses_current_nice)
{
	struct policy_slice s = { 0 };
	uint32_t r = policy_prio_ratio(10);

	policy_request(&s, 0, SLICE, ONE);
	policy_start(&s, 0);
	policy_charge(&s, 6 * MS, SLICE, r);
	ck_assert_uint_eq(s.deadline, policy_deadline(5 * MS, SLICE, r));
}
END_TEST

START_TEST(holder_past_its_slice_has_reissued_effective_deadline)
{
	struct policy_slice h = { 0 };

	policy_request(&h, 0, SLICE, ONE);
	policy_start(&h, 0);
	/* Within the slice: its own deadline. */
	ck_assert_uint_eq(policy_effective_deadline(&h, 4 * MS, SLICE, ONE),
			  SLICE);
	/* Ran 12 ms alone: as if reissued at 5 and at 10. */
	ck_assert_uint_eq(policy_effective_deadline(&h, 12 * MS, SLICE, ONE),
			  15 * MS);
	/* Looking does not charge. */
	ck_assert_uint_eq(h.left, SLICE);
	ck_assert_uint_eq(h.deadline, SLICE);
}
END_TEST

/* A handoff starts the clock, but not before the new holder runs; a hold
 * nobody waits for is not timed; a clock restarted after the thread woke
 * runs from the restart. */
START_TEST(clock_runs_from_when_the_holder_woke)
{
	/* Handed the lock at 10 ms, not yet running at 12: nothing used. */
	ck_assert_uint_eq(policy_running_start(10 * MS, POLICY_ASLEEP, 12 * MS),
			  12 * MS);
	/* Woke at 11 ms: the clock runs from 11, not 10. */
	ck_assert_uint_eq(policy_running_start(10 * MS, 11 * MS, 12 * MS),
			  11 * MS);
	/* Woke long ago, clock (re)started at 10 ms by a waiter: from 10. */
	ck_assert_uint_eq(policy_running_start(10 * MS, 3 * MS, 12 * MS),
			  10 * MS);
	/* Nobody waits: stays untimed, however it came to hold. */
	ck_assert_uint_eq(policy_running_start(POLICY_UNTIMED, 11 * MS, 12 * MS),
			  POLICY_UNTIMED);
	ck_assert_uint_eq(policy_running_start(POLICY_UNTIMED, POLICY_ASLEEP,
					       12 * MS), POLICY_UNTIMED);
}
END_TEST

/* An untimed hold charges nothing however long it lasts. */
START_TEST(untimed_hold_charges_nothing)
{
	struct policy_slice s = { 0 };

	policy_request(&s, 0, SLICE, ONE);
	policy_start(&s, POLICY_UNTIMED);
	ck_assert_uint_eq(policy_charge(&s, 100 * SLICE, SLICE, ONE), 0);
	ck_assert_uint_eq(s.left, SLICE);
	ck_assert_uint_eq(s.deadline, SLICE);
}
END_TEST

START_TEST(slice_end_is_when_the_current_slice_runs_out)
{
	struct policy_slice h = { 0 };

	policy_request(&h, 0, SLICE, ONE);
	policy_start(&h, 0);
	ck_assert_uint_eq(policy_slice_end(&h, 1 * MS, SLICE, ONE), 5 * MS);
	ck_assert_uint_eq(policy_slice_end(&h, 7 * MS, SLICE, ONE), 10 * MS);
	/* A holder that kept 2 ms from an early release, starting at 100. */
	h.left = 2 * MS;
	policy_start(&h, 100 * MS);
	ck_assert_uint_eq(policy_slice_end(&h, 100 * MS, SLICE, ONE), 102 * MS);
}
END_TEST

START_TEST(slice_ran_out_only_once_used_up_and_leaves_it_unchanged)
{
	struct policy_slice h = { 0 }, before;

	policy_request(&h, 0, SLICE, ONE);
	policy_start(&h, 0);
	before = h;
	ck_assert(!policy_slice_ran_out(&h, 4 * MS, SLICE, ONE));
	ck_assert(policy_slice_ran_out(&h, 5 * MS, SLICE, ONE));
	ck_assert(policy_slice_ran_out(&h, 12 * MS, SLICE, ONE));
	/* A question, not a charge. */
	ck_assert_mem_eq(&h, &before, sizeof(h));
	/* Untimed (nobody waits): nothing is used, nothing runs out. */
	policy_start(&h, POLICY_UNTIMED);
	ck_assert(!policy_slice_ran_out(&h, 100 * MS, SLICE, ONE));
}
END_TEST

START_TEST(earlier_waiter_asks_holder_at_once)
{
	struct policy_slice h = { .deadline = 20 * MS, .left = SLICE };

	policy_start(&h, 10 * MS);
	ck_assert(policy_should_ask(19 * MS, &h, 11 * MS, SLICE, ONE, true, 0));
	/* Equal is not earlier: the holder keeps it. */
	ck_assert(!policy_should_ask(20 * MS, &h, 11 * MS, SLICE, ONE, true, 0));
	ck_assert(!policy_should_ask(21 * MS, &h, 11 * MS, SLICE, ONE, true, 0));
}
END_TEST

START_TEST(later_waiter_asks_when_holder_slice_ends)
{
	/* The holder kept an early deadline (12) from an earlier slice and
	 * started holding at 10 with a full slice: it runs out at 15. */
	struct policy_slice h = { .deadline = 12 * MS, .left = SLICE };

	policy_start(&h, 10 * MS);
	/* A waiter with deadline 18 is later than 12: it waits... */
	ck_assert(!policy_should_ask(18 * MS, &h, 14 * MS, SLICE, ONE, true, 0));
	/* ...until 15, when the holder's deadline is reissued to 20. */
	ck_assert(policy_should_ask(18 * MS, &h, 15 * MS, SLICE, ONE, true, 0));
	/* A waiter later than even the reissued deadline (nice 19, say)
	 * keeps waiting for the next slice end. */
	ck_assert(!policy_should_ask(22 * MS, &h, 15 * MS, SLICE, ONE, true, 0));
	ck_assert(policy_should_ask(22 * MS, &h, 20 * MS, SLICE, ONE, true, 0));
}
END_TEST

START_TEST(without_preempt_only_slice_end_asks)
{
	struct policy_slice h = { .deadline = 20 * MS, .left = SLICE };

	policy_start(&h, 10 * MS);
	/* Earlier deadline, but the slice has not run out. */
	ck_assert(!policy_should_ask(1 * MS, &h, 14 * MS, SLICE, ONE, false, 0));
	ck_assert(policy_should_ask(1 * MS, &h, 15 * MS, SLICE, ONE, false, 0));
}
END_TEST

START_TEST(slice_change_applies_from_next_slice)
{
	struct policy_slice s = { 0 };

	policy_request(&s, 0, SLICE, ONE);
	policy_start(&s, 0);
	/* slice_us goes 5 ms -> 20 ms while 2 ms are used: the current
	 * slice keeps its 5 ms... */
	ck_assert_uint_eq(policy_charge(&s, 2 * MS, 20 * MS, ONE), 0);
	ck_assert_uint_eq(s.left, 3 * MS);
	ck_assert_uint_eq(policy_slice_end(&s, 2 * MS, 20 * MS, ONE), 5 * MS);
	/* ...and the next one is 20 ms long, with a 20 ms deadline offset. */
	ck_assert_uint_eq(policy_charge(&s, 6 * MS, 20 * MS, ONE), 1);
	ck_assert_uint_eq(s.deadline, 25 * MS);
	ck_assert_uint_eq(s.left, 19 * MS);
}
END_TEST

/* The share rule (policy_over_share): a thread that keeps coming back
 * for short holds while others wait loses the deadline it kept; an I/O
 * thread, off the lock most of the time, keeps it. */
START_TEST(short_holds_past_the_share_lose_the_kept_deadline)
{
	struct policy_slice s = { 0 };
	uint64_t t = 1000 * MS;

	policy_request(&s, t, SLICE, ONE);
	/* Off the lock 1 ms, then 5 us of it, 99 others waiting: 5 us of
	 * a 1.005 ms window is under its share (10 us). */
	policy_occupy(&s, t + MS, t + MS + 5000);
	ck_assert(!policy_over_share(&s, t + MS + 5000, SLICE, ONE, 99));
	/* Straight back, queued 2 ms (left out of the window), then
	 * 10 us more: 15 us of 1.015 ms is over. */
	policy_waited(&s, t + MS + 5000, t + 3 * MS + 5000, SLICE, ONE);
	policy_occupy(&s, t + 3 * MS + 5000, t + 3 * MS + 15000);
	ck_assert(policy_over_share(&s, t + 3 * MS + 15000, SLICE, ONE, 99));
	/* Nobody waiting: nobody to be fair to. */
	ck_assert(!policy_over_share(&s, t + 3 * MS + 15000, SLICE, ONE, 0));
}
END_TEST

START_TEST(an_io_thread_off_the_lock_keeps_its_deadline)
{
	struct policy_slice s = { 0 };
	uint64_t t = 1000 * MS;

	policy_request(&s, t, SLICE, ONE);
	/* A ping every 10 ms, 80 us of the lock each after a 20 us wait,
	 * 4 CPU threads waiting: 0.8% of the lock against a share of
	 * 20%. */
	for (int i = 1; i <= 1000; i++) {
		uint64_t asked = t + (uint64_t)i * 10 * MS;

		policy_waited(&s, asked, asked + 20000, SLICE, ONE);
		policy_occupy(&s, asked + 20000, asked + 100000);
		ck_assert_msg(!policy_over_share(&s, asked + 100000, SLICE, ONE, 4),
			      "lost its deadline at ping %d", i);
	}
	ck_assert_uint_eq(s.deadline, t + SLICE);
}
END_TEST

/* A thread's first turn is all its window holds: over, with anyone
 * waiting.  Queued time never counts for it. */
START_TEST(a_first_turn_straight_from_the_queue_is_over)
{
	struct policy_slice s = { 0 };
	uint64_t t = 1000 * MS;

	policy_request(&s, t, SLICE, ONE);
	policy_waited(&s, t, t + 3 * MS, SLICE, ONE);
	policy_occupy(&s, t + 3 * MS, t + 3 * MS + 1000);
	ck_assert(policy_over_share(&s, t + 3 * MS + 1000, SLICE, ONE, 1));
}
END_TEST

START_TEST(nice_weights_the_share)
{
	struct policy_slice s = { 0 };
	uint64_t t = 1000 * MS;

	policy_request(&s, t, SLICE, ONE);
	/* 4 ms off the lock, then 2 ms on it, one other waiting: a share
	 * of 3 ms at nice 0. */
	policy_occupy(&s, t + 4 * MS, t + 6 * MS);
	ck_assert(!policy_over_share(&s, t + 6 * MS, SLICE, ONE, 1));
	/* nice 5 (ratio 1.61): 1.86 ms. */
	ck_assert(policy_over_share(&s, t + 6 * MS, SLICE, policy_prio_ratio(5), 1));
	/* 2.5 ms more: 4.5 ms of 8.5; over at nice 0 (4.25 ms), not at
	 * nice -5 (6.85 ms). */
	policy_occupy(&s, t + 6 * MS, t + 8500000);
	ck_assert(policy_over_share(&s, t + 8500000, SLICE, ONE, 1));
	ck_assert(!policy_over_share(&s, t + 8500000, SLICE, policy_prio_ratio(-5), 1));
}
END_TEST

START_TEST(a_pushed_deadline_keeps_the_rest_of_the_slice)
{
	struct policy_slice s = { 0 };
	uint64_t t = 1000 * MS;

	policy_request(&s, t, SLICE, ONE);
	policy_start(&s, t);
	policy_occupy(&s, t, t + MS);
	ck_assert_uint_eq(policy_charge(&s, t + MS, SLICE, ONE), 0);
	policy_waited(&s, t, t + MS, SLICE, ONE);
	/* Not late yet: a push leaves the deadline as it is. */
	policy_push_deadline(&s, t + 2 * MS, SLICE, ONE);
	ck_assert_uint_eq(s.deadline, t + SLICE);
	/* Late: the deadline becomes now, no earlier; the rest of the
	 * slice stays (not a fresh slice). */
	policy_push_deadline(&s, t + 7 * MS, SLICE, ONE);
	ck_assert_uint_eq(s.deadline, t + 7 * MS);
	ck_assert_uint_eq(s.left, SLICE - MS);
	ck_assert_uint_eq(s.issued, t + 2 * MS);
	/* The share's history stays with the slice. */
	ck_assert_uint_eq(s.share_from, t);
	ck_assert_uint_eq(s.occupied, MS);
	ck_assert_uint_eq(s.waited, MS);
	/* Untimed holds occupy nothing. */
	policy_occupy(&s, POLICY_UNTIMED, t + 3 * MS);
	ck_assert_uint_eq(s.occupied, MS);
	/* A reissue is a fresh slice, and a fresh history. */
	policy_reissue(&s, t + 4 * MS, SLICE, ONE);
	ck_assert_uint_eq(s.left, SLICE);
	ck_assert_uint_eq(s.deadline, t + 4 * MS + SLICE);
	ck_assert_uint_eq(s.share_from, t + 4 * MS);
	ck_assert_uint_eq(s.occupied, 0);
	ck_assert_uint_eq(s.waited, 0);
}
END_TEST

/* An I/O thread that fell behind (its next packet already waiting, as
 * a ping client catching up sends it) comes straight back for a few
 * turns: its history off the lock keeps it under its share, where a
 * window restarted at each push would push it at every turn. */
START_TEST(an_io_thread_catching_up_keeps_its_deadline)
{
	struct policy_slice s = { 0 };
	uint64_t t = 1000 * MS, d;

	policy_request(&s, t, SLICE, ONE);
	for (int i = 1; i <= 100; i++) {	/* a second of pings */
		uint64_t got = t + (uint64_t)i * 10 * MS;

		policy_occupy(&s, got, got + 80000);
	}
	/* Pushed once (say its first turn, or one after a long wait). */
	policy_push_deadline(&s, t + 1010 * MS - 50000, SLICE, ONE);
	d = s.deadline;
	/* Then ten back to back, queued 1 ms behind 2 CPU threads each. */
	for (int i = 0; i < 10; i++) {
		uint64_t asked = t + 1010 * MS + (uint64_t)i * 1100000;

		policy_waited(&s, asked, asked + MS, SLICE, ONE);
		policy_occupy(&s, asked + MS, asked + MS + 100000);
		ck_assert_msg(!policy_over_share(&s, asked + MS + 100000, SLICE, ONE, 2),
			      "pushed at catch-up turn %d", i);
	}
	ck_assert_uint_eq(s.deadline, d);
}
END_TEST

/* A thread that waited a slice or more for its turn did not jump the
 * queue: not over, however little it was off the lock (an I/O thread
 * behind CPU-bound threads, its next packet always there). */
START_TEST(a_thread_that_waited_a_slice_is_not_over)
{
	struct policy_slice s = { 0 }, low = { 0 }, plain = { 0 };
	uint64_t t = 1000 * MS;
	uint32_t nice_m10 = policy_prio_ratio(-10);

	policy_request(&s, t, SLICE, ONE);
	/* 50 us straight from a 10 us wait: over. */
	policy_waited(&s, t, t + 10000, SLICE, ONE);
	policy_occupy(&s, t + 10000, t + 60000);
	ck_assert(policy_over_share(&s, t + 60000, SLICE, ONE, 2));
	/* The same from a 10 ms wait: not over. */
	policy_waited(&s, t + 60000, t + 10 * MS + 60000, SLICE, ONE);
	policy_occupy(&s, t + 10 * MS + 60000, t + 10 * MS + 110000);
	ck_assert(!policy_over_share(&s, t + 10 * MS + 110000, SLICE, ONE, 2));
	/* Nice scales the wait that counts as a turn: at nice -10 (0.39)
	 * a 2.5 ms wait is more than its slice, at nice 0 it is not. */
	policy_request(&low, t, SLICE, nice_m10);
	policy_waited(&low, t, t + 2500000, SLICE, nice_m10);
	policy_occupy(&low, t + 2500000, t + 3100000);
	ck_assert(!policy_over_share(&low, t + 3100000, SLICE, nice_m10, 2));
	policy_request(&plain, t, SLICE, ONE);
	policy_waited(&plain, t, t + 2500000, SLICE, ONE);
	policy_occupy(&plain, t + 2500000, t + 3100000);
	ck_assert(policy_over_share(&plain, t + 3100000, SLICE, ONE, 2));
}
END_TEST

/* Turns after a long wait, however short the waits for them (the lock
 * taken back, or asked for again at once), still follow it: up to one a
 * span waited and the thread's share of one slice held.  A new I/O
 * thread that waited out 4 CPU-bound threads' first slices keeps its
 * deadline for the packets that queued meanwhile. */
START_TEST(turns_after_a_long_wait_keep_the_deadline_a_while)
{
	struct policy_slice s = { 0 }, h = { 0 };
	uint64_t t = 1000 * MS, at = t + 18 * MS;

	/* 18 ms waited, a span is 5 ms: the first turn and one more
	 * (POLICY_CATCH_UP_TURNS), not three. */
	policy_request(&s, t, SLICE, ONE);
	policy_waited(&s, t, at, SLICE, ONE);
	for (int i = 0; i < 1 + POLICY_CATCH_UP_TURNS; i++) {
		uint64_t from = at + (uint64_t)i * 30000;

		policy_start(&s, from);
		policy_occupy(&s, from, from + 10000);
		policy_charge(&s, from + 10000, SLICE, ONE);
		ck_assert_msg(!policy_over_share(&s, from + 10000, SLICE, ONE, 4),
			      "over at turn %d", i + 1);
	}
	policy_waited(&s, at + 60000, at + 70000, SLICE, ONE);
	policy_start(&s, at + 70000);
	policy_occupy(&s, at + 70000, at + 80000);
	policy_charge(&s, at + 80000, SLICE, ONE);
	ck_assert(policy_over_share(&s, at + 80000, SLICE, ONE, 4));

	/* 50 ms waited (ten turns), but its second turn holds 1.1 ms, past
	 * a fifth of the slice beside 4: over. */
	policy_request(&h, t, SLICE, ONE);
	policy_waited(&h, t, t + 50 * MS, SLICE, ONE);
	policy_start(&h, t + 50 * MS);
	policy_occupy(&h, t + 50 * MS, t + 50 * MS + 10000);
	policy_charge(&h, t + 50 * MS + 10000, SLICE, ONE);
	ck_assert(!policy_over_share(&h, t + 50 * MS + 10000, SLICE, ONE, 4));
	policy_start(&h, t + 50 * MS + 20000);
	policy_occupy(&h, t + 50 * MS + 20000, t + 51 * MS + 120000);
	policy_charge(&h, t + 51 * MS + 120000, SLICE, ONE);
	ck_assert(policy_over_share(&h, t + 51 * MS + 120000, SLICE, ONE, 4));
}
END_TEST

START_TEST(a_revoked_grant_ends_the_long_wait)
{
	struct policy_slice kept = { 0 }, revoked = { 0 };
	uint64_t t = 1000 * MS, at = t + 18 * MS;

	/* Both granted after 18 ms; one grant is taken back before it ran
	 * and given again 10 us later.  The same short turn then keeps the
	 * deadline of the thread that waited, not of the one whose long
	 * wait ended in the take-back: it is judged by its share. */
	policy_request(&kept, t, SLICE, ONE);
	policy_waited(&kept, t, at + 10000, SLICE, ONE);
	policy_request(&revoked, t, SLICE, ONE);
	policy_waited(&revoked, t, at, SLICE, ONE);
	policy_revoked(&revoked);
	policy_waited(&revoked, at, at + 10000, SLICE, ONE);
	ck_assert_uint_eq(revoked.long_wait, 0);
	policy_start(&kept, at + 10000);
	policy_occupy(&kept, at + 10000, at + 40000);
	policy_charge(&kept, at + 40000, SLICE, ONE);
	ck_assert(!policy_over_share(&kept, at + 40000, SLICE, ONE, 4));
	policy_start(&revoked, at + 10000);
	policy_occupy(&revoked, at + 10000, at + 40000);
	policy_charge(&revoked, at + 40000, SLICE, ONE);
	ck_assert(policy_over_share(&revoked, at + 40000, SLICE, ONE, 4));
}
END_TEST

START_TEST(a_slice_that_runs_out_halves_the_share_history)
{
	struct policy_slice s = { 0 };
	uint64_t t = 1000 * MS;

	policy_request(&s, t, SLICE, ONE);
	policy_start(&s, t);
	policy_waited(&s, t - MS, t, SLICE, ONE);
	policy_occupy(&s, t, t + 7 * MS);
	ck_assert_uint_eq(policy_charge(&s, t + 7 * MS, SLICE, ONE), 1);
	/* The new slice began at t + 5 ms; 2 ms of it held, counted in
	 * full; the 5 ms window before it, the 5 ms held in it and the
	 * 1 ms waited count half. */
	ck_assert_uint_eq(s.issued, t + 5 * MS);
	ck_assert_uint_eq(s.share_from, t + 5 * MS - 5 * MS / 2);
	ck_assert_uint_eq(s.occupied, 2 * MS + 5 * MS / 2);
	ck_assert_uint_eq(s.waited, MS / 2);
}
END_TEST

START_TEST(a_huge_share_window_does_not_overflow)
{
	struct policy_slice s = { 0 };

	policy_request(&s, 1, SLICE, ONE);
	s.occupied = 3600ull * 1000 * MS;	/* an hour */
	/* Ten years later, one other waiting: far from over. */
	ck_assert(!policy_over_share(&s, 10ull * 365 * 86400 * 1000 * MS,
				     SLICE, policy_prio_ratio(-20), 1));
	ck_assert(!policy_over_share(&s, UINT64_MAX, SLICE, ONE, 1));
}
END_TEST

/* policy_within_share is policy_over_share's measure without its
 * exemption: a CPU-bound thread that waited out the others' slices and
 * then held its whole slice is past its share, waited or not. */
START_TEST(a_whole_slice_held_after_a_long_wait_is_past_the_share)
{
	struct policy_slice s = { 0 };
	uint64_t t = 1000 * MS;

	policy_request(&s, t, SLICE, ONE);
	policy_waited(&s, t, t + 15 * MS, SLICE, ONE);
	policy_start(&s, t + 15 * MS);
	policy_occupy(&s, t + 15 * MS, t + 20 * MS);
	/* Exempt from the push: its last wait was three slices... */
	ck_assert(!policy_over_share(&s, t + 20 * MS, SLICE, ONE, 3));
	/* ...but 5 ms held of 5 ms not queued, against a quarter. */
	ck_assert(!policy_within_share(&s, t + 20 * MS, ONE, 3));
	/* Nobody waiting: nobody to be fair to. */
	ck_assert(policy_within_share(&s, t + 20 * MS, ONE, 0));
}
END_TEST

/* An I/O thread: 50 us held per 10 ms for a second is within a fifth. */
START_TEST(light_use_is_within_the_share)
{
	struct policy_slice s = { 0 };
	uint64_t t = 1000 * MS, at = t;

	policy_request(&s, t, SLICE, ONE);
	for (int i = 0; i < 100; i++, at += 10 * MS)
		policy_occupy(&s, at, at + 50000);
	ck_assert(policy_within_share(&s, at, ONE, 4));
	/* Nice 19 may take 1/6.1 of that fifth (3.3%): 0.5% is within. */
	ck_assert(policy_within_share(&s, at, policy_prio_ratio(19), 4));
	/* Held all the while instead, it is not. */
	policy_occupy(&s, t, at);
	ck_assert(!policy_within_share(&s, at, ONE, 4));
}
END_TEST

/* A slice that ran out is reissued from the old deadline, not from now,
 * when that is earlier; never later than from now. */
START_TEST(keeping_its_place_reissues_from_the_old_deadline)
{
	struct policy_slice s = { 0 };
	uint64_t t = 1000 * MS, old;

	policy_request(&s, t, SLICE, ONE);
	old = s.deadline;
	policy_start(&s, t + 900 * MS);
	ck_assert_uint_eq(policy_charge(&s, t + 906 * MS, SLICE, ONE), 1);
	ck_assert_uint_eq(s.deadline, t + 905 * MS + SLICE);
	policy_keep_place(&s, old, SLICE, ONE);
	ck_assert_uint_eq(s.deadline, old + SLICE);
	ck_assert_uint_eq(s.issued, old);
	/* The rest of the new slice, and its share's start, are the
	 * charge's. */
	ck_assert_uint_eq(s.left, SLICE - MS);
	ck_assert_uint_eq(s.share_from, t + 905 * MS - 905 * MS / 2);
	/* An old deadline a span or less before the new one changes
	 * nothing. */
	old = s.deadline;
	policy_keep_place(&s, old, SLICE, ONE);
	ck_assert_uint_eq(s.deadline, old);
	/* The span is nice-weighted. */
	s.deadline = t + 2000 * MS;
	policy_keep_place(&s, t, SLICE, policy_prio_ratio(5));
	ck_assert_uint_eq(s.deadline,
			  t + ((SLICE * policy_prio_ratio(5)) >> POLICY_RATIO_SHIFT));
}
END_TEST

/* The first turn after a slice's end is judged with the share's history
 * halved, not dropped: an I/O thread holding 1.2 ms in every 6 beside 3
 * waiters (a fifth of the lock, its share a quarter; first 30 ms off
 * it) stays within it.  Measured from the slice's end alone (7 ms, 2.2
 * ms of it held), it was over, and pushed behind every CPU-bound
 * thread. */
START_TEST(the_turn_after_a_slice_end_keeps_the_history)
{
	struct policy_slice s = { 0 };
	uint64_t t = 1000 * MS, expired = 0, end = 0;

	policy_request(&s, t, SLICE, ONE);
	for (int i = 0; i < 6; i++) {
		uint64_t start = t + 30 * MS + i * 6 * MS, n;

		end = start + 1200000;
		policy_waited(&s, start - 10000, start, SLICE, ONE);
		policy_start(&s, start);
		policy_occupy(&s, start, end);
		n = policy_charge(&s, end, SLICE, ONE);
		expired += n;
		if (n == 0)
			ck_assert_msg(!policy_over_share(&s, end, SLICE, ONE, 3),
				      "turn %d over its share", i);
	}
	/* The fifth turn used up the slice; the sixth came after it. */
	ck_assert_uint_eq(expired, 1);
	ck_assert(policy_within_share(&s, end, ONE, 3));
}
END_TEST

/* Spend a slice of @s in @turns equal turns from @t, each occupying the
 * lock (nobody else's time in between); returns when it ran out.  Every
 * turn but the last leaves the slice running. */
static uint64_t
spend_slice(struct policy_slice *s, uint64_t t, uint64_t turns)
{
	uint64_t each = SLICE / turns;

	for (uint64_t i = 1; i < turns; i++) {
		policy_start(s, t);
		policy_occupy(s, t, t + each);
		t += each;
		ck_assert_uint_eq(policy_charge(s, t, SLICE, ONE), 0);
	}
	policy_start(s, t);
	policy_occupy(s, t, t + s->left);
	t += s->left;
	ck_assert_uint_eq(policy_charge(s, t, SLICE, ONE), 1);
	return t;
}

START_TEST(charges_count_the_turns_a_slice_is_spent_in)
{
	struct policy_slice s = { 0 };
	uint64_t t = 1000 * MS;

	policy_request(&s, t, SLICE, ONE);
	t = spend_slice(&s, t, 4);
	ck_assert_uint_eq(s.spent_turns, 4);
	ck_assert_uint_eq(s.spent_before, 0);
	ck_assert_uint_eq(s.turns, 0);
	t = spend_slice(&s, t, 1);
	ck_assert_uint_eq(s.spent_turns, 1);
	ck_assert_uint_eq(s.spent_before, 4);
	/* A reissue starts the count again, and keeps the history. */
	policy_start(&s, t);
	policy_charge(&s, t + MS, SLICE, ONE);
	ck_assert_uint_eq(s.turns, 1);
	policy_reissue(&s, t + MS, SLICE, ONE);
	ck_assert_uint_eq(s.turns, 0);
	ck_assert_uint_eq(s.spent_turns, 1);
}
END_TEST

/* A CPU-bound thread, its slices spent whole, is reissued a span from
 * when its slice ran out and a span more for each thread waiting: it is
 * due when each has had as much.  Its first slice pays nothing: there
 * is no history to tell it from a turn the kernel stretched. */
START_TEST(a_slice_spent_whole_pays_a_span_per_waiter)
{
	struct policy_slice s = { 0 };
	uint64_t t = 1000 * MS, before;

	policy_request(&s, t, SLICE, ONE);
	t = spend_slice(&s, t, 1);
	before = s.deadline;
	policy_pay_turn(&s, 11, SLICE, ONE);
	ck_assert_uint_eq(s.deadline, before);
	ck_assert_uint_eq(s.deadline, t + SLICE);

	t = spend_slice(&s, t + 50 * MS, 1);
	policy_pay_turn(&s, 11, SLICE, ONE);
	ck_assert_uint_eq(s.deadline, t + 12 * SLICE);
	/* As if issued 11 spans later: a nice change keeps the place. */
	ck_assert_uint_eq(s.issued, t + 11 * SLICE);
	ck_assert_uint_eq(s.left, SLICE);

	/* Preempted once a slice: two turns, half as much. */
	t = spend_slice(&s, t + 50 * MS, 2);
	policy_pay_turn(&s, 11, SLICE, ONE);
	ck_assert_uint_eq(s.deadline, t + SLICE + 11 * SLICE / 2);

	/* Nice 5 (ratio 1.61): its spans are longer. */
	t = spend_slice(&s, t + 50 * MS, 1);
	t = spend_slice(&s, t + 50 * MS, 1);
	s.deadline = policy_deadline(t, SLICE, policy_prio_ratio(5));
	policy_pay_turn(&s, 2, SLICE, policy_prio_ratio(5));
	ck_assert_uint_eq(s.deadline,
			  policy_deadline(t, SLICE, policy_prio_ratio(5)) +
				  2 * ((SLICE * policy_prio_ratio(5)) >>
				       POLICY_RATIO_SHIFT));
}
END_TEST

/* A slice spent in a thousand short turns, each already followed by a
 * push, costs the others what its average turn did. */
START_TEST(a_slice_spent_in_short_turns_pays_its_average_turn)
{
	struct policy_slice s = { 0 };
	uint64_t t = 1000 * MS;

	policy_request(&s, t, SLICE, ONE);
	t = spend_slice(&s, t, 1000);
	t = spend_slice(&s, t, 1000);
	policy_pay_turn(&s, 9, SLICE, ONE);
	ck_assert_uint_eq(s.deadline, t + SLICE + 9 * SLICE / 1000);
	/* The larger of the last two counts: one slice spent in few turns
	 * after one of many is a short holder's that the kernel
	 * stretched. */
	t = spend_slice(&s, t, 1);
	ck_assert_uint_eq(s.spent_before, 1000);
	policy_pay_turn(&s, 9, SLICE, ONE);
	ck_assert_uint_eq(s.deadline, t + SLICE + 9 * SLICE / 1000);
}
END_TEST

/* Slices spent in a few turns each, twice running: a short holder the
 * kernel kept off its CPU while it held, or a thread that holds for
 * milliseconds.  Either way at most two spans more, whatever the crowd
 * (a span per thread kept such a holder waiting a second among 1,000). */
START_TEST(a_slice_spent_in_a_few_turns_pays_at_most_two_spans)
{
	struct policy_slice s = { 0 };
	uint64_t t = 1000 * MS;

	policy_request(&s, t, SLICE, ONE);
	t = spend_slice(&s, t, 5);
	t = spend_slice(&s, t, 3);
	policy_pay_turn(&s, 999, SLICE, ONE);
	ck_assert_uint_eq(s.deadline, t + (1 + POLICY_PAY_MAX_SPANS) * SLICE);
	/* Three turns and two: past POLICY_WHOLE_TURNS once, so bounded. */
	t = spend_slice(&s, t, 2);
	policy_pay_turn(&s, 999, SLICE, ONE);
	ck_assert_uint_eq(s.deadline, t + (1 + POLICY_PAY_MAX_SPANS) * SLICE);
	/* A crowd past any count is clamped to 2^20 threads, and does not
	 * overflow. */
	t = spend_slice(&s, t, 1);
	policy_pay_turn(&s, UINT64_MAX, SLICE, ONE);
	ck_assert_uint_eq(s.deadline, t + SLICE + (SLICE << 20) / 2);
	t = spend_slice(&s, t, 1);
	policy_pay_turn(&s, UINT64_MAX, SLICE, ONE);
	ck_assert_uint_eq(s.deadline, t + SLICE + (SLICE << 20));
	ck_assert_uint_eq(s.deadline - s.issued, SLICE);
}
END_TEST

/* One turn that held several slices (a long C call keeping the lock)
 * spent each of them whole after the first, and pays as a thread that
 * spends its slices whole, for the last slice, as BFS reissues from the
 * last. */
START_TEST(a_turn_of_several_slices_pays_as_slices_spent_whole)
{
	struct policy_slice s = { 0 };
	uint64_t t = 1000 * MS;

	policy_request(&s, t, SLICE, ONE);
	t = spend_slice(&s, t, 1000);
	t = spend_slice(&s, t, 1000);
	/* 3 slices and 1 ms in one turn, 11 waiting. */
	policy_start(&s, t);
	ck_assert_uint_eq(policy_charge(&s, t + 3 * SLICE + MS, SLICE, ONE), 3);
	ck_assert_uint_eq(s.spent_turns, 1);
	ck_assert_uint_eq(s.spent_before, 1);
	policy_pay_turn(&s, 11, SLICE, ONE);
	ck_assert_uint_eq(s.deadline, t + 3 * SLICE + 12 * SLICE);
	/* Two slices in one turn after a slice's worth of short turns: the
	 * first of them was spent in those turns and this one. */
	t += 3 * SLICE + MS;
	for (int i = 0; i < 3; i++) {
		policy_start(&s, t);
		t += MS;
		ck_assert_uint_eq(policy_charge(&s, t, SLICE, ONE), 0);
	}
	policy_start(&s, t);
	ck_assert_uint_eq(policy_charge(&s, t + 2 * SLICE, SLICE, ONE), 2);
	ck_assert_uint_eq(s.spent_before, 4);
	ck_assert_uint_eq(s.spent_turns, 1);
}
END_TEST

/* At the holder's slice end a waiter compares with the deadline the
 * holder's turn would end with, payment included: 4 CPU-bound threads,
 * each paid 3 spans at its slice's end, tie with the holder's deadline
 * without the payment, and the holder would run a second slice. */
START_TEST(a_waiter_compares_with_the_holders_paid_deadline)
{
	struct policy_slice h = { 0 };
	uint64_t t = 1000 * MS, waiter;

	policy_request(&h, t, SLICE, ONE);
	t = spend_slice(&h, t, 1);
	t = spend_slice(&h, t + 15 * MS, 1);
	policy_start(&h, t + 15 * MS);
	/* A waiter paid as it will be: a span and 3 more from the end of
	 * its slice, the one before the holder's (20 ms to the end). */
	waiter = t + 15 * MS + 4 * SLICE;
	ck_assert(!policy_should_ask(waiter, &h, t + 15 * MS + SLICE - 1,
				     SLICE, ONE, true, 3));
	ck_assert(policy_should_ask(waiter, &h, t + 15 * MS + SLICE, SLICE,
				    ONE, true, 3));
	/* Unpaid (nobody else waiting to pay for), it would tie. */
	ck_assert(!policy_should_ask(t + 15 * MS + 2 * SLICE, &h,
				     t + 15 * MS + SLICE, SLICE, ONE, true, 0));
	/* The copy is the holder's own business: nothing changed. */
	ck_assert_uint_eq(h.spent_turns, 1);
	ck_assert_uint_eq(h.turns, 0);
}
END_TEST

Suite *
make_suite(void)
{
	Suite *s = suite_create("policy");
	const struct harness_case cases[] = {
		{ "nice_zero", nice_zero_has_ratio_one, 10 },
		{ "nice_ratio", ratio_grows_ten_percent_per_nice_level, 10 },
		{ "first_request", first_request_issues_slice_and_deadline, 10 },
		{ "nice_deadline", deadline_offset_scales_with_nice, 10 },
		{ "early_release", early_release_keeps_deadline_and_rest_of_slice, 10 },
		{ "exhausted", exhausted_slice_reissues_deadline_from_expiry, 10 },
		{ "exact_slice", exactly_used_slice_counts_as_exhausted, 10 },
		{ "several_slices", several_slices_held_reissue_each_time, 10 },
		{ "reissue_nice", reissued_deadline_uses_current_nice, 10 },
		{ "effective_deadline", holder_past_its_slice_has_reissued_effective_deadline, 10 },
		{ "running_start", clock_runs_from_when_the_holder_woke, 10 },
		{ "untimed_free", untimed_hold_charges_nothing, 10 },
		{ "slice_end", slice_end_is_when_the_current_slice_runs_out, 10 },
		{ "ran_out", slice_ran_out_only_once_used_up_and_leaves_it_unchanged, 10 },
		{ "preempt_earlier", earlier_waiter_asks_holder_at_once, 10 },
		{ "ask_at_slice_end", later_waiter_asks_when_holder_slice_ends, 10 },
		{ "no_preempt", without_preempt_only_slice_end_asks, 10 },
		{ "slice_change", slice_change_applies_from_next_slice, 10 },
		{ "share_short_holds", short_holds_past_the_share_lose_the_kept_deadline, 10 },
		{ "share_io_keeps", an_io_thread_off_the_lock_keeps_its_deadline, 10 },
		{ "share_first_turn", a_first_turn_straight_from_the_queue_is_over, 10 },
		{ "share_nice", nice_weights_the_share, 10 },
		{ "share_push", a_pushed_deadline_keeps_the_rest_of_the_slice, 10 },
		{ "share_catch_up", an_io_thread_catching_up_keeps_its_deadline, 10 },
		{ "share_waited_turn", a_thread_that_waited_a_slice_is_not_over, 10 },
		{ "share_after_long_wait",
		  turns_after_a_long_wait_keep_the_deadline_a_while,
		  10 },
		{ "revoked_ends_long_wait", a_revoked_grant_ends_the_long_wait, 10 },
		{ "share_slice_end", a_slice_that_runs_out_halves_the_share_history, 10 },
		{ "share_overflow", a_huge_share_window_does_not_overflow, 10 },
		{ "share_within_waited", a_whole_slice_held_after_a_long_wait_is_past_the_share, 10 },
		{ "share_within_light", light_use_is_within_the_share, 10 },
		{ "keep_place", keeping_its_place_reissues_from_the_old_deadline, 10 },
		{ "share_after_slice_end", the_turn_after_a_slice_end_keeps_the_history, 10 },
		{ "pay_count_turns", charges_count_the_turns_a_slice_is_spent_in, 10 },
		{ "pay_whole", a_slice_spent_whole_pays_a_span_per_waiter, 10 },
		{ "pay_short_turns", a_slice_spent_in_short_turns_pays_its_average_turn, 10 },
		{ "pay_few_turns", a_slice_spent_in_a_few_turns_pays_at_most_two_spans, 10 },
		{ "pay_long_turn", a_turn_of_several_slices_pays_as_slices_spent_whole, 10 },
		{ "pay_asked", a_waiter_compares_with_the_holders_paid_deadline, 10 },
	};

	harness_add_cases(s, cases, HARNESS_NCASES(cases), NULL, NULL);
	return s;
}
