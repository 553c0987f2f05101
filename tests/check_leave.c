/*
 * check_leave.c: waiters that leave the queue without the lock
 * (bfsgil_timedacquire, bfsgil_interrupt) or go to its front
 * (bfsgil_urge), and a nice change that moves a waiter.  What a host
 * needs to finalize (daemon threads waiting for the lock must exit) and
 * to handle a signal promptly.  The main thread is attached as @self
 * (fixture_lock.h); helper threads hold or wait.
 */
#include <errno.h>
#include <stdatomic.h>

#include "harness.h"
#include "fixture_lock.h"

#define MS 1000000ull

static struct timespec
ts_in(uint64_t ns)
{
	return harness_timespec(harness_now_ns() + ns);
}

/* A thread that attaches, then waits for the lock with @call, and says
 * what it returned; if it got the lock it releases it at once. */
struct waiter {
	pthread_t thread;
	int (*call)(bfsgil_thread_t *t, void *arg);
	void *arg;
	bfsgil_thread_t *handle;	/* set before it waits */
	atomic_int attached, done;
	int result;
	bool held;		/* the lock was its own when the call returned */
	uint64_t returned_ns;
};

static int
call_acquire(bfsgil_thread_t *t, void *arg)
{
	(void)arg;
	return bfsgil_acquire(t);
}

static int
call_timedacquire(bfsgil_thread_t *t, void *arg)
{
	return bfsgil_timedacquire(t, arg);
}

static void *
waiter_main(void *arg)
{
	struct waiter *w = arg;

	ck_assert_int_eq(bfsgil_attach(gil, &w->handle), 0);
	atomic_store(&w->attached, 1);
	w->result = w->call(w->handle, w->arg);
	w->returned_ns = harness_now_ns();
	/* Holding iff release succeeds. */
	w->held = bfsgil_release(w->handle) == 0;
	atomic_store(&w->done, 1);
	ck_assert_int_eq(bfsgil_detach(w->handle), 0);
	return NULL;
}

static void
waiter_start(struct waiter *w, int (*call)(bfsgil_thread_t *, void *),
	     void *arg)
{
	*w = (struct waiter){ .call = call, .arg = arg };
	w->thread = harness_spawn(waiter_main, w);
	while (!atomic_load(&w->attached))
		sched_yield();
}

static void
waiter_join(struct waiter *w)
{
	harness_join(w->thread);
}

/* Errors first: bad arguments change nothing. */
START_TEST(bad_arguments_are_refused)
{
	struct timespec ts = ts_in(MS), bad = ts;
	struct waiter w;

	ck_assert_int_eq(bfsgil_timedacquire(NULL, &ts), EINVAL);
	ck_assert_int_eq(bfsgil_timedacquire(self, NULL), EINVAL);
	bad.tv_nsec = 1000000000L;
	ck_assert_int_eq(bfsgil_timedacquire(self, &bad), EINVAL);
	bad.tv_nsec = -1;
	ck_assert_int_eq(bfsgil_timedacquire(self, &bad), EINVAL);
	bad = ts;
	bad.tv_sec = -1;
	ck_assert_int_eq(bfsgil_timedacquire(self, &bad), EINVAL);
	ck_assert_int_eq(bfsgil_interrupt(NULL), EINVAL);
	ck_assert_int_eq(bfsgil_urge(NULL), EINVAL);
	ck_assert_uint_eq(bfsgil_thread_id(NULL), 0);
	/* Still free: none of those took it. */
	ck_assert_int_eq(bfsgil_release(self), EPERM);
	/* Held: a second timed acquire is a deadlock. */
	ck_assert_int_eq(bfsgil_timedacquire(self, &ts), 0);
	ck_assert_int_eq(bfsgil_timedacquire(self, &ts), EDEADLK);
	/* Another thread's handle. */
	waiter_start(&w, call_timedacquire, &ts);
	waiter_join(&w);
	ck_assert_int_eq(w.result, ETIMEDOUT);
	ck_assert_int_eq(bfsgil_release(self), 0);
}
END_TEST

START_TEST(thread_ids_are_unique_and_not_reused)
{
	bfsgil_thread_t *a, *b;
	uint64_t ida, idb, self_id = bfsgil_thread_id(self);

	ck_assert_int_eq(bfsgil_attach(gil, &a), 0);
	ida = bfsgil_thread_id(a);
	ck_assert_int_eq(bfsgil_detach(a), 0);
	ck_assert_int_eq(bfsgil_attach(gil, &b), 0);
	idb = bfsgil_thread_id(b);
	ck_assert_int_eq(bfsgil_detach(b), 0);
	ck_assert_uint_ne(self_id, 0);
	ck_assert_uint_ne(ida, self_id);
	ck_assert_uint_gt(idb, ida);
}
END_TEST

START_TEST(timed_acquire_takes_a_free_lock_even_when_late)
{
	struct timespec past = harness_timespec(1);

	ck_assert_int_eq(bfsgil_timedacquire(self, &past), 0);
	ck_assert_int_eq(bfsgil_release(self), 0);
}
END_TEST

/* The holder keeps the lock; the timed waiter gives up at its time,
 * without the lock, and the lock is the holder's as before: it releases
 * it on the fast path (nobody waits) and the waiter can have it later. */
START_TEST(timed_acquire_gives_up_at_its_time)
{
	struct timespec at;
	struct bfsgil_stats st;
	struct waiter w;
	uint64_t at_ns;

	ck_assert_int_eq(bfsgil_acquire(self), 0);
	at_ns = harness_now_ns() + 20 * MS;
	at = harness_timespec(at_ns);
	waiter_start(&w, call_timedacquire, &at);
	waiter_join(&w);
	ck_assert_int_eq(w.result, ETIMEDOUT);
	ck_assert(!w.held);
	ck_assert_uint_ge(w.returned_ns, at_ns);
	ck_assert_int_eq(bfsgil_stats(gil, &st), 0);
	ck_assert_uint_eq(st.waiting, 0);
	ck_assert_uint_eq(st.timeouts, 1);
	ck_assert(!bfsgil_should_yield(self));
	ck_assert_int_eq(bfsgil_release(self), 0);
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	ck_assert_int_eq(bfsgil_release(self), 0);
}
END_TEST

START_TEST(timed_acquire_gets_the_lock_released_in_time)
{
	struct timespec at = ts_in(10000 * MS);
	struct waiter w;

	ck_assert_int_eq(bfsgil_acquire(self), 0);
	waiter_start(&w, call_timedacquire, &at);
	harness_wait_for_waiters(gil, 1);
	ck_assert_int_eq(bfsgil_release(self), 0);
	waiter_join(&w);
	ck_assert_int_eq(w.result, 0);
	ck_assert(w.held);
}
END_TEST

START_TEST(interrupt_ends_a_wait_without_the_lock)
{
	struct bfsgil_stats st;
	struct waiter w;

	ck_assert_int_eq(bfsgil_acquire(self), 0);
	waiter_start(&w, call_acquire, NULL);
	harness_wait_for_waiters(gil, 1);
	ck_assert_int_eq(bfsgil_interrupt(w.handle), 0);
	waiter_join(&w);
	ck_assert_int_eq(w.result, EINTR);
	ck_assert(!w.held);
	ck_assert_int_eq(bfsgil_stats(gil, &st), 0);
	ck_assert_uint_eq(st.waiting, 0);
	ck_assert_uint_eq(st.interrupts, 1);
	/* The holder was asked to give way for it; it is not any more. */
	ck_assert(!bfsgil_should_yield(self));
	ck_assert_int_eq(bfsgil_release(self), 0);
}
END_TEST

static int
call_hold_until_done(bfsgil_thread_t *t, void *arg)
{
	atomic_int *go = arg;
	int err = bfsgil_acquire(t);

	atomic_store(&go[0], 1);
	while (!atomic_load(&go[1]))
		sched_yield();
	return err;
}

/* An interruption made while the thread does not wait is kept for its
 * next wait, which returns at once; an acquire of a free lock in
 * between takes the lock and leaves it kept. */
START_TEST(interrupt_kept_ends_the_next_wait_at_once)
{
	atomic_int go[2] = { 0, 0 };
	struct waiter h;

	ck_assert_int_eq(bfsgil_interrupt(self), 0);
	ck_assert_int_eq(bfsgil_interrupt(self), 0);	/* counts once */
	ck_assert_int_eq(bfsgil_acquire(self), 0);	/* free: taken */
	ck_assert_int_eq(bfsgil_release(self), 0);
	waiter_start(&h, call_hold_until_done, go);
	while (!atomic_load(&go[0]))
		sched_yield();
	/* Held by the other thread: this would wait, and does not. */
	ck_assert_int_eq(bfsgil_acquire(self), EINTR);
	ck_assert_int_eq(bfsgil_release(self), EPERM);
	atomic_store(&go[1], 1);
	waiter_join(&h);
	ck_assert_int_eq(h.result, 0);
	/* Used up: the next acquire is an ordinary one. */
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	ck_assert_int_eq(bfsgil_release(self), 0);
}
END_TEST

/* A thread waiting in bfsgil_yield (it gave the lock to a waiter and
 * queued to get it back) is interrupted: its yield returns EINTR, not
 * holding. */
static void *
yield_until_interrupted_main(void *arg)
{
	struct waiter *w = arg;

	ck_assert_int_eq(bfsgil_attach(gil, &w->handle), 0);
	/* A later deadline than the main thread's will be: the yield
	 * then gives way rather than keep its turn. */
	ck_assert_int_eq(bfsgil_set_nice(w->handle, 19), 0);
	ck_assert_int_eq(bfsgil_acquire(w->handle), 0);
	atomic_store(&w->attached, 1);
	/* Give way once the main thread waits. */
	harness_wait_for_waiters(gil, 1);
	w->result = bfsgil_yield(w->handle);
	w->held = bfsgil_release(w->handle) == 0;
	atomic_store(&w->done, 1);
	ck_assert_int_eq(bfsgil_detach(w->handle), 0);
	return NULL;
}

START_TEST(interrupt_ends_a_yield_without_the_lock)
{
	struct waiter w = { 0 };

	w.thread = harness_spawn(yield_until_interrupted_main, &w);
	while (!atomic_load(&w.attached))
		sched_yield();
	ck_assert_int_eq(bfsgil_acquire(self), 0);	/* it yielded to us */
	harness_wait_for_waiters(gil, 1);		/* it waits in yield */
	ck_assert_int_eq(bfsgil_interrupt(w.handle), 0);
	waiter_join(&w);
	ck_assert_int_eq(w.result, EINTR);
	ck_assert(!w.held);
	ck_assert_int_eq(bfsgil_release(self), 0);
}
END_TEST

/* Three waiters; the middle one leaves: the other two still get the
 * lock, in deadline order, and nobody is left waiting. */
START_TEST(a_waiter_can_leave_from_the_middle_of_the_queue)
{
	struct waiter w[3];
	struct bfsgil_stats st;

	ck_assert_int_eq(bfsgil_acquire(self), 0);
	for (int i = 0; i < 3; i++) {
		waiter_start(&w[i], call_acquire, NULL);
		harness_wait_for_waiters(gil, (uint64_t)i + 1);
	}
	ck_assert_int_eq(bfsgil_interrupt(w[1].handle), 0);
	waiter_join(&w[1]);
	ck_assert_int_eq(w[1].result, EINTR);
	ck_assert_int_eq(bfsgil_stats(gil, &st), 0);
	ck_assert_uint_eq(st.waiting, 2);
	ck_assert_int_eq(bfsgil_release(self), 0);
	waiter_join(&w[0]);
	waiter_join(&w[2]);
	ck_assert_int_eq(w[0].result, 0);
	ck_assert_int_eq(w[2].result, 0);
	ck_assert_uint_le(w[0].returned_ns, w[2].returned_ns);
}
END_TEST

/*
 * Grants racing interruptions and time-outs, many rounds: whatever wins,
 * the waiter either returned 0 holding or an error not holding, and the
 * lock is never lost (the holder can always take it again after).
 */
/* Under valgrind every round is 20-50 times slower, one thread at a
 * time: fewer rounds there (harness.h). */
#define RACE_ROUNDS (HARNESS_UNDER_VALGRIND ? 200 : 2000)

struct racer {
	bfsgil_thread_t *handle;
	atomic_int round, ready, finished;
	int wins, losses, bad;
	bool timed;
};

static void *
racer_main(void *arg)
{
	struct racer *r = arg;

	ck_assert_int_eq(bfsgil_attach(gil, &r->handle), 0);
	for (int i = 1; i <= RACE_ROUNDS; i++) {
		struct timespec at;
		int err;

		atomic_store(&r->ready, i);
		while (atomic_load(&r->round) < i)
			sched_yield();
		at = ts_in((uint64_t)(i % 13) * 5000);
		err = r->timed ? bfsgil_timedacquire(r->handle, &at)
			       : bfsgil_acquire(r->handle);
		if (err == 0) {
			r->wins++;
			r->bad += bfsgil_release(r->handle) != 0;
		} else {
			r->losses++;
			r->bad += err != (r->timed ? ETIMEDOUT : EINTR) ||
				  bfsgil_release(r->handle) != EPERM;
		}
		atomic_store(&r->finished, i);
	}
	/* The main thread may still be interrupting the last round: the
	 * handle must live until it says so. */
	while (atomic_load(&r->round) <= RACE_ROUNDS)
		sched_yield();
	ck_assert_int_eq(bfsgil_detach(r->handle), 0);
	return NULL;
}

static void
grants_race(bool timed)
{
	struct racer r = { .timed = timed };
	pthread_t t;

	atomic_init(&r.round, 0);
	atomic_init(&r.ready, 0);
	atomic_init(&r.finished, 0);
	t = harness_spawn(racer_main, &r);
	for (int i = 1; i <= RACE_ROUNDS; i++) {
		while (atomic_load(&r.ready) != i)
			sched_yield();
		ck_assert_int_eq(bfsgil_acquire(self), 0);
		atomic_store(&r.round, i);
		/* Wait for it to queue, half the time; then hold for 0 to
		 * 50 us more, so that the racer sometimes queues
		 * and sometimes times out first; interrupt it just before
		 * or just after the release. */
		while (i % 4 < 2 && atomic_load(&r.finished) != i) {
			struct bfsgil_stats st;

			ck_assert_int_eq(bfsgil_stats(gil, &st), 0);
			if (st.waiting == 1)
				break;
			sched_yield();
		}
		harness_burn_ns((uint64_t)(i % 11) * 5000);
		if (!timed && i % 2 == 0)
			ck_assert_int_eq(bfsgil_interrupt(r.handle), 0);
		ck_assert_int_eq(bfsgil_release(self), 0);
		if (!timed && i % 2 == 1)
			ck_assert_int_eq(bfsgil_interrupt(r.handle), 0);
		while (atomic_load(&r.finished) != i)
			sched_yield();
		/* Never lost: free again, or taken and given back. */
		ck_assert_int_eq(bfsgil_acquire(self), 0);
		ck_assert_int_eq(bfsgil_release(self), 0);
		/* An interruption that found it not waiting is kept for
		 * its next wait: a later round may see EINTR at once,
		 * which is within the contract checked above. */
	}
	atomic_store(&r.round, RACE_ROUNDS + 1);
	harness_join(t);
	fprintf(stderr, "leave: %s race: %d rounds won, %d left\n",
		timed ? "time-out" : "interrupt", r.wins, r.losses);
	ck_assert_int_eq(r.bad, 0);
	ck_assert_int_eq(r.wins + r.losses, RACE_ROUNDS);
}

START_TEST(an_interrupt_racing_a_grant_never_loses_the_lock)
{
	grants_race(false);
}
END_TEST

START_TEST(a_time_out_racing_a_grant_never_loses_the_lock)
{
	grants_race(true);
}
END_TEST

/* No preemption and ten-second slices: within a case's timeout, a
 * holder is asked to give way only for an urged waiter. */
static void
nobody_asks_unless_urged(void)
{
	ck_assert_int_eq(bfsgil_ctl_set(gil, "preempt", 0), 0);
	ck_assert_int_eq(bfsgil_ctl_set(gil, "slice_us", 10000000), 0);
}

/* bfsgil_urge: the urged waiter goes before an earlier deadline, and the
 * holder is asked at once even without preemption. */
START_TEST(an_urged_waiter_goes_first_and_asks_at_once)
{
	struct waiter early, late;

	nobody_asks_unless_urged();
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	waiter_start(&early, call_acquire, NULL);
	harness_wait_for_waiters(gil, 1);
	waiter_start(&late, call_acquire, NULL);
	harness_wait_for_waiters(gil, 2);
	/* Ten-second slices, no preemption: nobody asks yet. */
	ck_assert(!bfsgil_should_yield(self));
	ck_assert_int_eq(bfsgil_urge(late.handle), 0);
	ck_assert(bfsgil_should_yield(self));
	ck_assert_int_eq(bfsgil_release(self), 0);
	waiter_join(&late);
	waiter_join(&early);
	ck_assert_int_eq(late.result, 0);
	ck_assert_int_eq(early.result, 0);
	ck_assert_uint_lt(late.returned_ns, early.returned_ns);
}
END_TEST

/* Urged while not waiting: its next wait starts urgent, and asks the
 * holder at once, which (ten-second slices, no preemption) nothing else
 * would do within the case's timeout. */
static int
call_hold_until_asked(bfsgil_thread_t *t, void *arg)
{
	atomic_int *held = arg;
	int err = bfsgil_acquire(t);

	atomic_store(held, 1);
	while (!bfsgil_should_yield(t))
		sched_yield();
	return err;
}

START_TEST(an_urge_is_kept_for_the_next_wait)
{
	atomic_int held = 0;
	struct waiter h;

	nobody_asks_unless_urged();
	ck_assert_int_eq(bfsgil_urge(self), 0);
	waiter_start(&h, call_hold_until_asked, &held);
	while (!atomic_load(&held))
		sched_yield();
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	ck_assert_int_eq(bfsgil_release(self), 0);
	waiter_join(&h);
	ck_assert_int_eq(h.result, 0);
}
END_TEST

/* Urged while idle, it takes the free lock and keeps the urge for its
 * next wait; a yield with a waiter is that wait, and an urgent waiter
 * is first: it keeps the lock, once.  The next yield gives way.  (It
 * used to queue itself with the urgent key and hand the lock to
 * itself.) */
START_TEST(an_urge_kept_makes_the_next_yield_a_kept_turn)
{
	struct bfsgil_stats st;
	struct waiter w;

	nobody_asks_unless_urged();
	/* Nice 19: without the urge, its deadline is the later one, and
	 * a yield gives way. */
	ck_assert_int_eq(bfsgil_set_nice(self, 19), 0);
	ck_assert_int_eq(bfsgil_urge(self), 0);
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	waiter_start(&w, call_acquire, NULL);
	harness_wait_for_waiters(gil, 1);
	ck_assert_int_eq(bfsgil_yield(self), 0);
	ck_assert_int_eq(bfsgil_thread_stats(self, &st), 0);
	ck_assert_uint_eq(st.handoffs, 0);
	ck_assert_uint_eq(st.waiting, 0);
	ck_assert_int_eq(bfsgil_stats(gil, &st), 0);
	ck_assert_uint_eq(st.waiting, 1);
	ck_assert_int_eq(bfsgil_yield(self), 0);	/* gives way, then back */
	ck_assert_int_eq(bfsgil_thread_stats(self, &st), 0);
	ck_assert_uint_eq(st.handoffs, 1);
	waiter_join(&w);
	ck_assert_int_eq(w.result, 0);
	ck_assert_int_eq(bfsgil_release(self), 0);
}
END_TEST

/* Urging the holder changes nothing. */
START_TEST(urging_the_holder_changes_nothing)
{
	struct waiter w;

	nobody_asks_unless_urged();
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	ck_assert_int_eq(bfsgil_urge(self), 0);
	waiter_start(&w, call_acquire, NULL);
	harness_wait_for_waiters(gil, 1);
	ck_assert(!bfsgil_should_yield(self));
	ck_assert_int_eq(bfsgil_release(self), 0);
	waiter_join(&w);
	ck_assert_int_eq(w.result, 0);
}
END_TEST

/* A nice change applies to a waiter at once: two waiters of equal nice
 * are served first come, first served, unless the later one is made
 * more urgent while it waits. */
START_TEST(a_nice_change_moves_a_waiter_in_the_queue)
{
	struct waiter first, second;

	nobody_asks_unless_urged();
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	waiter_start(&first, call_acquire, NULL);
	harness_wait_for_waiters(gil, 1);
	waiter_start(&second, call_acquire, NULL);
	harness_wait_for_waiters(gil, 2);
	ck_assert_int_eq(bfsgil_set_nice(second.handle, -20), 0);
	ck_assert_int_eq(bfsgil_release(self), 0);
	waiter_join(&first);
	waiter_join(&second);
	ck_assert_uint_lt(second.returned_ns, first.returned_ns);
}
END_TEST

Suite *
make_suite(void)
{
	Suite *s = suite_create("leave");
	const struct harness_case cases[] = {
		{ "bad_arguments", bad_arguments_are_refused, 10 },
		{ "thread_ids", thread_ids_are_unique_and_not_reused, 10 },
		{ "timed_free_late", timed_acquire_takes_a_free_lock_even_when_late, 10 },
		{ "timed_gives_up", timed_acquire_gives_up_at_its_time, 10 },
		{ "timed_in_time", timed_acquire_gets_the_lock_released_in_time, 10 },
		{ "interrupt_wait", interrupt_ends_a_wait_without_the_lock, 10 },
		{ "interrupt_kept_ends_wait", interrupt_kept_ends_the_next_wait_at_once, 10 },
		{ "interrupt_yield", interrupt_ends_a_yield_without_the_lock, 10 },
		{ "leave_middle", a_waiter_can_leave_from_the_middle_of_the_queue, 10 },
		{ "race_interrupt", an_interrupt_racing_a_grant_never_loses_the_lock, 60 },
		{ "race_timeout", a_time_out_racing_a_grant_never_loses_the_lock, 60 },
		{ "urge_first", an_urged_waiter_goes_first_and_asks_at_once, 10 },
		{ "urge_kept", an_urge_is_kept_for_the_next_wait, 10 },
		{ "urge_holder", urging_the_holder_changes_nothing, 10 },
		{ "urge_kept_yield", an_urge_kept_makes_the_next_yield_a_kept_turn, 10 },
		{ "nice_moves_waiter", a_nice_change_moves_a_waiter_in_the_queue, 10 },
	};

	harness_add_cases(s, cases, HARNESS_NCASES(cases), setup, teardown);
	return s;
}
