/*
 * policy.h: the scheduler's decisions as pure functions of a thread's
 * slice state and a time value.  No locks, no clock, no globals: the tests
 * drive these with made-up times, and handoff.c calls them with the
 * internal mutex held (or, on the fast path, on the caller's own state).
 *
 * All times are nanoseconds of the monotonic clock.
 */
#ifndef BFSGIL_POLICY_H
#define BFSGIL_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#define POLICY_NICE_MIN (-20)
#define POLICY_NICE_MAX 19
/* prio_ratio is fixed point: POLICY_RATIO_ONE is 1.0 (nice 0). */
#define POLICY_RATIO_SHIFT 16
#define POLICY_RATIO_ONE (UINT32_C(1) << POLICY_RATIO_SHIFT)

/*
 * A thread's place in time.  @deadline is its virtual deadline, issued at
 * @issued; @left the part of its current slice not yet used; @start when
 * its held time began to count (meaningful while it holds), or
 * POLICY_UNTIMED while nobody waits and so nothing is counted.  @left ==
 * 0 means "no slice yet": a thread that never ran.  @occupied is the
 * lock's wall time this thread has had while others waited since
 * @share_from (when its first slice began, moved half-way to each
 * slice's end since: policy_charge), handoffs to it included: what its
 * turns cost the others; @waited the time it spent queued since then
 * (policy_over_share).
 */
struct policy_slice {
	uint64_t deadline;
	uint64_t left;
	uint64_t start;
	uint64_t issued;
	uint64_t share_from;
	uint64_t occupied;
	uint64_t waited;
	uint64_t long_wait;	/* its last stint in the queue of a span
				 * or more; 0: none yet */
	uint64_t long_held;	/* @occupied since that stint */
	uint64_t long_turns;	/* turns charged since that stint */
	uint64_t turns;		/* charges in the current slice */
	uint64_t spent_turns;	/* charges in the last slice that ran out */
	uint64_t spent_before;	/* in the one before it; 0: none yet */
};

/* policy_pay_turn: a slice spent in at most POLICY_WHOLE_TURNS turns,
 * twice running, was a CPU-bound thread's and pays in full; any other
 * pays at most POLICY_PAY_MAX_SPANS spans. */
#define POLICY_WHOLE_TURNS 2
#define POLICY_PAY_MAX_SPANS 2

/* policy_over_share: after a wait of two spans or more, how many turns
 * after the first it still exempts, at most. */
#define POLICY_CATCH_UP_TURNS 1

/* @start of a holder nobody waits for.  Charging from it charges nothing:
 * as it is the largest time there is, now - start is never positive. */
#define POLICY_UNTIMED UINT64_MAX

/* prio_ratio(nice): 1.0 at nice 0, x1.1 per level up, /1.1 per level
 * down.  @nice must be within POLICY_NICE_MIN..MAX. */
uint32_t policy_prio_ratio(int nice);

/* The deadline a fresh slice issued at @now gets. */
uint64_t policy_deadline(uint64_t now, uint64_t slice_ns, uint32_t ratio);

/* A thread asks for the lock at @now: if it has no slice left (it never
 * ran), issue a fresh slice and deadline; otherwise keep both (it released
 * early last time, which is what lets an I/O thread preempt). */
void policy_request(struct policy_slice *s, uint64_t now, uint64_t slice_ns,
		    uint32_t ratio);

/* The thread's held time counts from @now (POLICY_UNTIMED: from nowhere,
 * nobody waits). */
void policy_start(struct policy_slice *s, uint64_t now);

/* What woke_at holds from a handoff until the new holder runs. */
#define POLICY_ASLEEP UINT64_MAX

/* When a holder's used time starts, as of @now, given its slice's @start
 * and @woke_at, when it last woke holding the lock (POLICY_ASLEEP if it
 * was handed the lock and has not run yet; stale, hence earlier than
 * @start, if it took the lock some other way).  A handoff starts the
 * clock, but the time the new holder spends being woken is the system's,
 * not its own: charging it made a thread that does 1 us of work per
 * packet pay 76 us, and lose its deadline every 65 packets. */
uint64_t policy_running_start(uint64_t start, uint64_t woke_at, uint64_t now);

/* The thread stops holding at @now: charge now - start to the slice.  Each
 * time the slice runs out, a fresh one starts at that instant with a new
 * deadline from that instant, so a thread that held for several slices
 * ends with the deadline of its last one (policy_keep_place may then
 * move it earlier, policy_pay_turn later).  The share's history
 * (policy_over_share) is halved at a slice's end, and what was held of
 * the new slice added in full.  Each charge is a turn: the turns of the
 * slices that ran out are kept for policy_pay_turn.  @start becomes
 * @now.  Returns how many slices ran out. */
uint64_t policy_charge(struct policy_slice *s, uint64_t now, uint64_t slice_ns,
		       uint32_t ratio);

/*
 * The thread's slice ran out at this charge (policy_charge reissued it a
 * span from then), with @others threads waiting, and the thread was
 * over its share or held more than a slice in one turn (thread_charge):
 * move the new deadline later by a span (x prio_ratio) for each of the
 * @others, divided by the turns the slice was spent in, the larger of
 * @spent_turns and @spent_before.  Nothing if the thread has no
 * @spent_before (its first slice to run out).  At most
 * POLICY_PAY_MAX_SPANS spans, unless both counts are at most
 * POLICY_WHOLE_TURNS.  A turn that held several slices pays for the
 * last, as BFS reissues from the last.
 *
 * BFS reissues a span from now, and the deadlines of threads that use
 * whole slices lag the clock: with N of them each waits the others'
 * slices, so its deadline has passed by (N - 2) slices when its turn
 * comes.  Harmless among equals; but a short holder pushed to now
 * (policy_push_deadline) lands behind all of them, and 10 short holders
 * beside 2 CPU-bound threads got a round between two slices, leaving
 * the CPU-bound threads 92-96% of the lock (an equal share is 2/12).
 * Reissued a span per waiter further out, a CPU-bound thread is due
 * when each of the others has had as much: 16.6-16.9% (doc/design.md,
 * rule 2c).  Divided by the turns: a slice spent in a thousand short
 * turns, each already followed by a push, costs the others what its
 * average turn did, next to nothing.  Bounded unless spent whole twice
 * running: a turn the kernel stretched (the holder preempted, 5 ms
 * where the crowd's took 20 us) looks like a slice spent at once, and a
 * span for each other thread kept such a holder waiting a second among
 * 1,000; two spans keep what stretched turns cost within the wait the
 * benchmark's `many` test allows, 2 x (N handoffs + a slice), and a
 * short holder's slices are almost never stretched twice running.
 *
 * The payment is for the waiters of the moment: if they leave, it
 * stands until the thread's deadline comes, and a lone thread left
 * beside it waits out its slices until then, once.  With a 10 s slice at nice
 * 19 and 1,000 waiters the payment is 17 hours: what fair shares among
 * 1,001 threads of 61 s turns come to.
 */
void policy_pay_turn(struct policy_slice *s, uint64_t others,
		     uint64_t slice_ns, uint32_t ratio);

/* Issue a fresh slice and deadline at @now, whatever is left.  The
 * count of its turns starts again; the counts of the slices spent
 * before it (policy_pay_turn) are kept. */
void policy_reissue(struct policy_slice *s, uint64_t now, uint64_t slice_ns,
		    uint32_t ratio);

/* Move a deadline that has passed to @now, keeping what is left of the
 * slice (a fresh slice would reward a CPU-bound thread for being
 * preempted): the thread loses what it had gained by being late, and
 * goes behind every waiter whose deadline has passed too, which in a
 * crowd of short holders is everyone who has waited longer; a deadline
 * still ahead is left as it is.  Pushed to now + slice instead, an I/O
 * thread pushed once behind 4 CPU-bound threads waited out all of them
 * (20 ms) and fell further behind (p90 of 30 ms where it had 0.2 ms).
 * Its share's history is kept:
 * restarted at each push, the window of the next release would hold
 * only the time since, and an I/O thread that falls behind (its next
 * packet already there, as a ping client catching up sends it) would
 * be pushed at every turn, behind every CPU-bound thread, and never
 * catch up: a 2 ms tail became a 40 ms median. */
void policy_push_deadline(struct policy_slice *s, uint64_t now,
			  uint64_t slice_ns, uint32_t ratio);

/* The lock was this thread's, with others waiting, from @from to @now:
 * add that to @occupied (nothing if @from is POLICY_UNTIMED). */
void policy_occupy(struct policy_slice *s, uint64_t from, uint64_t now);

/* The thread waited in the queue from @from to @now, and was handed the
 * lock.  A wait of a span (@slice_ns x @ratio) or more becomes its
 * @long_wait, from which @long_held and @long_turns count
 * (policy_over_share). */
void policy_waited(struct policy_slice *s, uint64_t from, uint64_t now,
		   uint64_t slice_ns, uint32_t ratio);

/* The thread was handed the lock and had it taken back before it ran
 * (a take-back): the wait that ended there no longer counts as a long
 * one.  Counted, a crowd of short holders whose grants were taken back
 * kept their deadlines through their next turns and took the lock back
 * in turn, a handoff in 0.71 of acquisitions against 0.79, and 1,000 of
 * them waited 20-25% longer (bfsgil-bench --tests many). */
static inline void
policy_revoked(struct policy_slice *s)
{
	s->long_wait = 0;
}

/*
 * Has the thread had more than its share of the lock since its slice
 * began, as of @now with @others threads waiting?
 *
 * BFS lets a thread that gives the lock up early keep its deadline, so
 * that it can preempt when it comes back from I/O.  But a thread that
 * comes straight back keeps it for thousands of short turns, each
 * charged a microsecond, while every later deadline waits (100 threads
 * of short holds: 34 served in a second).  What tells the two apart is
 * the share of the lock each takes while it is not waiting for it: an
 * I/O thread is off the lock, blocked in recv, nearly all that time; a
 * thread that comes straight back holds it nearly all that time.
 *
 * So the window is the time since @share_from less the time spent queued
 * (@waited), and the share an equal part of it among the @others + 1,
 * weighted by nice (a nice -20 thread may take 1/0.149 as much, a nice
 * 19 one 1/6.1).  Time queued is left out of the window, or a thread
 * that waited long would come out of the queue with a long allowance
 * and keep the head of it.  The turns counted (@occupied) run from each
 * handoff to the thread, as the others wait through the handoff too.
 * A release that finds the thread over its share moves its deadline
 * (policy_push_deadline) behind every waiter of equal nice.  A thread's
 * first turn in a slice is over (its window is that turn) unless it
 * waited long for it (below), so a newly started I/O thread that waited
 * less than a slice preempts from its second request on.  The
 * history goes with the slice (policy_charge, policy_reissue): what a
 * thread did off the lock long ago buys at most what is left of one
 * slice.
 *
 * A thread whose last wait of a span (slice x prio_ratio) or more was
 * followed by at most one turn, or, if it waited two spans or more, by
 * POLICY_CATCH_UP_TURNS more holding no more of the lock than its share
 * of one slice (slice / (@others + 1), x 1/prio_ratio), is not over: it
 * did not jump the queue, it waited its turn.  Without this an
 * I/O thread whose client had fallen behind (the next packet already
 * there at each release, so no time off the lock) was pushed at every
 * turn behind the CPU-bound threads, waited two slices a packet and
 * never caught up: a 40 ms median where the lock had kept 0.1 ms.  The
 * turns after the first count, however short the waits for them, or a
 * newly started I/O thread that waited out four CPU-bound threads'
 * first slices, answered a packet and came straight back for the next
 * (taking the lock back, or waiting 30 us for it) was pushed to now,
 * behind their lagging deadlines, and waited 15 ms more.  A thread that
 * takes many short turns ahead of others gets them with short waits,
 * and is pushed at the first; one that waited long, once it has had its
 * share of a slice or its catch-up turns.  As many catch-up turns as
 * spans waited (no fixed bound) let 1,000 short holders that had each
 * waited a few slices keep their deadlines through several turns in
 * turn: the longest wait grew by about a quarter (bfsgil-bench --tests
 * many); one turn is enough for the I/O thread above.
 */
bool policy_over_share(const struct policy_slice *s, uint64_t now,
		       uint64_t slice_ns, uint32_t ratio, uint64_t others);

/* The measure policy_over_share applies, without its exemption for a
 * thread that waited a slice: has the thread had at most its share of
 * the lock since its slice began, as of @now with @others threads
 * waiting?  True if nobody waits. */
bool policy_within_share(const struct policy_slice *s, uint64_t now,
			 uint32_t ratio, uint64_t others);

/*
 * The slice of a thread that was within its share ran out
 * (policy_charge) and was reissued a deadline a span from then: make it
 * a span from its old deadline, @old_deadline, instead, if that is
 * earlier.  Deadlines of threads that take turns with whole slices lag
 * behind the clock: with N of them each waits the others' N - 1 slices
 * for its next turn, so its deadline, a span from when its last slice
 * ran out, is (N - 2) slices past when that turn comes.  A deadline a
 * span from now is behind all of them.  An I/O thread whose slice ran
 * out after a hundred short turns (5 ms of 50 us each: one ping in a
 * hundred) then waited out the slices of every CPU-bound thread but the
 * holder: p99 round trips of 4 to 8 ms beside 4 of them, 15 ms in the
 * trace.  From its old deadline it keeps the place its light use earned
 * it; one that took more than its share (a CPU-bound thread, whose
 * turns are its whole slice) is reissued from now, as BFS does.
 */
void policy_keep_place(struct policy_slice *s, uint64_t old_deadline,
		       uint64_t slice_ns, uint32_t ratio);

/* The holder's deadline as of @now: its own if its slice has not run out,
 * else the one it would have been reissued, even though nobody charged it
 * yet (a holder that ran past its slice alone is not more urgent for it). */
uint64_t policy_effective_deadline(const struct policy_slice *s, uint64_t now,
				   uint64_t slice_ns, uint32_t ratio);

/* When the holder's current slice (as of @now) will run out. */
uint64_t policy_slice_end(const struct policy_slice *s, uint64_t now,
			  uint64_t slice_ns, uint32_t ratio);

/* Has the slice @s describes run out by @now (so that a holder asked to
 * give way then is asked at its slice end, not preempted)? */
bool policy_slice_ran_out(const struct policy_slice *s, uint64_t now,
			  uint64_t slice_ns, uint32_t ratio);

/*
 * The thread's turn ends at @now with @others threads waiting (a
 * release or a yield): charge the slice (policy_charge), and if it ran
 * out, keep the thread's place if it had at most its share
 * (policy_keep_place, rule 2b) or else pay for the waiters
 * (policy_pay_turn, rule 2c).  Returns how many slices ran out.  The
 * share rule's push for a slice that did not run out (rule 2a) is the
 * caller's.
 */
uint64_t policy_end_turn(struct policy_slice *s, uint64_t now,
			 uint64_t slice_ns, uint32_t ratio, uint64_t others);

/* Should the earliest waiter, with @waiter_deadline, ask the holder to give
 * way at @now, @others threads waiting?  With @preempt, whenever its
 * deadline is earlier than the holder's as its turn would end now
 * (reissued, and paid for as policy_end_turn would if it was over its
 * share, if its slice ran out; not kept in place: see policy.c);
 * without, only once the holder's slice has run out (and then also only
 * if earlier, so nice still orders threads).  Compared with the
 * deadline the holder would be reissued without the payment, a waiter
 * whose deadline a payment had put a few spans out tied with it at
 * each slice end, was not asked, and the holder ran a second slice: 4
 * equal CPU-bound threads' longest wait grew from 19-20 to 23-24 ms. */
bool policy_should_ask(uint64_t waiter_deadline,
		       const struct policy_slice *holder, uint64_t now,
		       uint64_t slice_ns, uint32_t holder_ratio, bool preempt,
		       uint64_t others);

#endif /* BFSGIL_POLICY_H */
