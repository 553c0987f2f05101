/*
 * policy.c: deadline and slice arithmetic (see policy.h).
 */
#include "policy.h"

#include "invariant.h"

uint32_t
policy_prio_ratio(int nice)
{
	/* Built by repeated x1.1 / x(1/1.1) rather than pow() so that the
	 * table is exact integer arithmetic, identical on every machine, and
	 * the library needs no libm.  nice 19 gives ~6.12, nice -20 ~0.149. */
	uint64_t r = POLICY_RATIO_ONE;

	BFSGIL_ASSERT(nice >= POLICY_NICE_MIN && nice <= POLICY_NICE_MAX);
	for (int n = 0; n < nice; n++)
		r = r * 11 / 10;
	for (int n = 0; n > nice; n--)
		r = r * 10 / 11;
	return (uint32_t)r;
}

uint64_t
policy_deadline(uint64_t now, uint64_t slice_ns, uint32_t ratio)
{
	/* slice_ns <= 1e10 and ratio < 2^19, so the product fits in 64 bits. */
	return now + ((slice_ns * ratio) >> POLICY_RATIO_SHIFT);
}

void
policy_request(struct policy_slice *s, uint64_t now, uint64_t slice_ns,
	       uint32_t ratio)
{
	if (s->left == 0)
		policy_reissue(s, now, slice_ns, ratio);
}

void
policy_reissue(struct policy_slice *s, uint64_t now, uint64_t slice_ns,
	       uint32_t ratio)
{
	s->left = slice_ns;
	s->deadline = policy_deadline(now, slice_ns, ratio);
	s->issued = now;
	s->share_from = now;
	s->occupied = 0;
	s->waited = 0;
	s->turns = 0;
}

void
policy_push_deadline(struct policy_slice *s, uint64_t now, uint64_t slice_ns,
		     uint32_t ratio)
{
	uint64_t span = (slice_ns * ratio) >> POLICY_RATIO_SHIFT;

	if (s->deadline >= now)
		return;
	s->deadline = now;
	/* As if issued a span ago, so that a nice change (gil_renice)
	 * recomputes this deadline. */
	s->issued = now > span ? now - span : 0;
}

void
policy_occupy(struct policy_slice *s, uint64_t from, uint64_t now)
{
	if (from != POLICY_UNTIMED && now > from) {
		s->occupied += now - from;
		s->long_held += now - from;
	}
}

void
policy_waited(struct policy_slice *s, uint64_t from, uint64_t now,
	      uint64_t slice_ns, uint32_t ratio)
{
	uint64_t wait = now > from ? now - from : 0;

	s->waited += wait;
	if (wait != 0 && wait >= ((slice_ns * ratio) >> POLICY_RATIO_SHIFT)) {
		s->long_wait = wait;
		s->long_held = 0;
		s->long_turns = 0;
	}
}

bool
policy_within_share(const struct policy_slice *s, uint64_t now,
		    uint32_t ratio, uint64_t others)
{
	uint64_t window = now > s->share_from ? now - s->share_from : 0;
	uint64_t allowance;

	if (others == 0)
		return true;	/* nobody to be fair to */
	window = window > s->waited ? window - s->waited : 0;
	allowance = window / (others + 1);
	/* An allowance of 2^48 ns (three days) or more is past anything
	 * held, and would overflow the scaling. */
	if (allowance >> (64 - POLICY_RATIO_SHIFT) != 0)
		return true;
	allowance = (allowance << POLICY_RATIO_SHIFT) / ratio;
	return s->occupied <= allowance;
}

bool
policy_over_share(const struct policy_slice *s, uint64_t now,
		  uint64_t slice_ns, uint32_t ratio, uint64_t others)
{
	uint64_t span = (slice_ns * ratio) >> POLICY_RATIO_SHIFT;

	/* It waited its turn (policy.h).  span >= 1: slice_ns >= 10 us,
	 * ratio >= 0.149. */
	if (s->long_wait != 0 &&
	    (s->long_turns <= 1 ||
	     (s->long_turns <= 1 + POLICY_CATCH_UP_TURNS &&
	      s->long_turns <= s->long_wait / span &&
	      s->long_held <= ((slice_ns / (others + 1)) << POLICY_RATIO_SHIFT) /
				      ratio)))
		return false;
	return !policy_within_share(s, now, ratio, others);
}

void
policy_keep_place(struct policy_slice *s, uint64_t old_deadline,
		  uint64_t slice_ns, uint32_t ratio)
{
	uint64_t span = (slice_ns * ratio) >> POLICY_RATIO_SHIFT;

	if (old_deadline + span >= s->deadline)
		return;
	s->deadline = old_deadline + span;
	/* As if issued a span before it, so that a nice change
	 * (gil_renice) recomputes this deadline. */
	s->issued = old_deadline;
}

void
policy_pay_turn(struct policy_slice *s, uint64_t others, uint64_t slice_ns,
		uint32_t ratio)
{
	uint64_t span = (slice_ns * ratio) >> POLICY_RATIO_SHIFT;
	uint64_t turns = s->spent_turns > s->spent_before ? s->spent_turns
							   : s->spent_before;
	uint64_t extra;

	if (s->spent_before == 0)
		return;		/* its first slice: no history to judge by */
	/* span < 2^36: a crowd clamped to 2^20 keeps the product far from
	 * overflow. */
	if (others > (UINT64_C(1) << 20))
		others = UINT64_C(1) << 20;
	extra = span * others / turns;
	if (turns > POLICY_WHOLE_TURNS && extra > POLICY_PAY_MAX_SPANS * span)
		extra = POLICY_PAY_MAX_SPANS * span;
	s->deadline += extra;
	/* As if issued that much later, so that a nice change
	 * (gil_renice) keeps it: kept as it is, not rescaled to the new
	 * nice. */
	s->issued += extra;
}

void
policy_start(struct policy_slice *s, uint64_t now)
{
	s->start = now;
}

uint64_t
policy_running_start(uint64_t start, uint64_t woke_at, uint64_t now)
{
	if (start == POLICY_UNTIMED)
		return start;
	if (woke_at == POLICY_ASLEEP)
		return now;	/* not running yet: nothing used */
	return woke_at > start ? woke_at : start;
}

uint64_t
policy_charge(struct policy_slice *s, uint64_t now, uint64_t slice_ns,
	      uint32_t ratio)
{
	uint64_t used = now > s->start ? now - s->start : 0;
	uint64_t expired, over, refill_at;

	s->start = now;
	s->turns++;
	s->long_turns++;
	if (used < s->left) {
		s->left -= used;
		return 0;
	}
	/* The slice ran out at start + left; whole slices after that each
	 * ran out too.  The last refill happened at refill_at. */
	over = used - s->left;
	refill_at = now - over;
	expired = 1;
	if (over >= slice_ns) {
		uint64_t more = over / slice_ns;

		refill_at += more * slice_ns;
		expired += more;
		over -= more * slice_ns;
	}
	s->left = slice_ns - over;
	/* The first slice to run out was spent in the turns counted so
	 * far (this one included); any after it, in this one turn alone. */
	if (expired == 1) {
		s->spent_before = s->spent_turns;
		s->spent_turns = s->turns;
	} else {
		s->spent_before = expired > 2 ? 1 : s->turns;
		s->spent_turns = 1;
	}
	s->turns = 0;
	s->deadline = policy_deadline(refill_at, slice_ns, ratio);
	s->issued = refill_at;
	/* The share's history (policy_over_share) is halved, not dropped:
	 * measured afresh, the first turns of a slice would be judged over
	 * a window of a few milliseconds, and an I/O thread that holds 1 ms
	 * in 6 beside 3 others (a sixth, its share a quarter) was found
	 * over it at the first turn after its slice ran out, and pushed
	 * behind every CPU-bound thread.  Halved at each slice, a thread's
	 * past counts for less and less: one long idle before it turned
	 * CPU-bound keeps it within its share for a few slices, not for as
	 * long as it was idle.  What it held of the new slice counts in
	 * full. */
	s->share_from = refill_at - (refill_at > s->share_from
					     ? (refill_at - s->share_from) / 2
					     : 0);
	s->occupied = (s->occupied > over ? (s->occupied - over) / 2 : 0) +
		      over;
	s->waited /= 2;
	return expired;
}

uint64_t
policy_effective_deadline(const struct policy_slice *s, uint64_t now,
			  uint64_t slice_ns, uint32_t ratio)
{
	struct policy_slice copy = *s;

	policy_charge(&copy, now, slice_ns, ratio);
	return copy.deadline;
}

uint64_t
policy_slice_end(const struct policy_slice *s, uint64_t now, uint64_t slice_ns,
		 uint32_t ratio)
{
	struct policy_slice copy = *s;

	policy_charge(&copy, now, slice_ns, ratio);
	return now + copy.left;
}

bool
policy_slice_ran_out(const struct policy_slice *s, uint64_t now,
		     uint64_t slice_ns, uint32_t ratio)
{
	struct policy_slice copy = *s;

	return policy_charge(&copy, now, slice_ns, ratio) != 0;
}

/* Charge the turn that ends at @now (policy_charge), and say in
 * *@within whether the thread had at most its share with @others
 * waiting, judged on the slice that ends here, before the charge starts
 * a new one.  What policy_end_turn and policy_should_ask both place
 * the new deadline by. */
static uint64_t
charge_judged(struct policy_slice *s, uint64_t now, uint64_t slice_ns,
	      uint32_t ratio, uint64_t others, bool *within)
{
	*within = others != 0 && policy_within_share(s, now, ratio, others);
	return policy_charge(s, now, slice_ns, ratio);
}

uint64_t
policy_end_turn(struct policy_slice *s, uint64_t now, uint64_t slice_ns,
		uint32_t ratio, uint64_t others)
{
	uint64_t before = s->deadline;
	bool within;
	uint64_t expired = charge_judged(s, now, slice_ns, ratio, others,
					 &within);

	if (expired == 1 && within)
		policy_keep_place(s, before, slice_ns, ratio);
	else if (expired != 0 && others != 0)
		policy_pay_turn(s, others, slice_ns, ratio);
	return expired;
}

bool
policy_should_ask(uint64_t waiter_deadline, const struct policy_slice *holder,
		  uint64_t now, uint64_t slice_ns, uint32_t holder_ratio,
		  bool preempt, uint64_t others)
{
	struct policy_slice copy = *holder;
	uint64_t expired;
	bool within;

	/* The turn so far counts, as it will at its end (thread_charge).
	 * A holder within its share is compared as reissued from now, not
	 * from its place (rule 2b): one that held alone for long is within
	 * it, and a newcomer would wait two of its slices, not one. */
	policy_occupy(&copy, copy.start, now);
	expired = charge_judged(&copy, now, slice_ns, holder_ratio, others,
				&within);
	if (expired != 0 && !within && others != 0)
		policy_pay_turn(&copy, others, slice_ns, holder_ratio);

	if (!preempt && expired == 0)
		return false;
	return waiter_deadline < copy.deadline;
}
