/*
 * check_spin.c: the asker's poll (tunable spin_us).  A waiter that is
 * next in line once the holder has been asked to give way polls for the
 * lock before it sleeps, so a holder that answers at once hands over to
 * a thread that is awake; a waiter that is not next sleeps at once; with
 * spin_us=0 nobody polls; and a poll ends at its bound when the holder
 * does not answer.  What polling did is read off the thread's own
 * counters (spins, spin_grants, spin_ns: bfsgil/stats.h), never off the
 * clock, so no case here bounds a time.
 */
#define _GNU_SOURCE	/* CPU affinity, for the one-CPU case */
#include <sched.h>
#include <stdatomic.h>

#include "harness.h"
#include "fixture_nice.h"

#define MS UINT64_C(1000000)
#define ROUNDS 20

static atomic_int holder_turns, holder_stop;

/* A C eval loop: holds the lock, polls should_yield at every "opcode",
 * gives way within a microsecond of being asked, and counts each time
 * it has the lock back.  Nice 19: every other thread's deadline is
 * earlier, so each acquire asks it to give way at once. */
static void *
answering_holder_main(void *arg)
{
	bfsgil_thread_t *t;

	(void)arg;
	ck_assert_int_eq(bfsgil_attach(gil, &t), 0);
	ck_assert_int_eq(bfsgil_set_nice(t, 19), 0);
	ck_assert_int_eq(bfsgil_acquire(t), 0);
	while (!atomic_load(&holder_stop)) {
		atomic_fetch_add(&holder_turns, 1);
		while (!bfsgil_should_yield(t) && !atomic_load(&holder_stop))
			;
		ck_assert_int_eq(bfsgil_yield(t), 0);
	}
	ck_assert_int_eq(bfsgil_release(t), 0);
	ck_assert_int_eq(bfsgil_detach(t), 0);
	return NULL;
}

/* Take the lock from the answering holder ROUNDS times, each time once
 * it is running again (so it is never taken back while asleep, which
 * would need no wait at all), and return our counters. */
static struct bfsgil_stats
ask_answering_holder(void)
{
	struct bfsgil_stats st;
	pthread_t holder;

	atomic_store(&holder_turns, 0);
	atomic_store(&holder_stop, 0);
	holder = harness_spawn(answering_holder_main, NULL);
	for (int i = 0; i < ROUNDS; i++) {
		while (atomic_load(&holder_turns) <= i)
			sched_yield();
		ck_assert_int_eq(bfsgil_acquire(self), 0);
		ck_assert_int_eq(bfsgil_release(self), 0);
	}
	atomic_store(&holder_stop, 1);
	harness_join(holder);
	ck_assert_int_eq(bfsgil_thread_stats(self, &st), 0);
	ck_assert_uint_eq(st.contended, ROUNDS);
	return st;
}

START_TEST(asker_next_in_line_gets_the_lock_while_polling)
{
	struct bfsgil_stats st;

	ck_assert_int_eq(bfsgil_ctl_set(gil, "spin_us", 10000), 0);
	st = ask_answering_holder();
	/* Every acquire asked, as the next in line: one poll each. */
	ck_assert_uint_eq(st.spins, ROUNDS);
	/* The holder answers within microseconds; a poll misses only if
	 * the holder loses its CPU for the whole 10 ms, which a busy
	 * machine does now and then, never for half the rounds. */
	ck_assert_msg(st.spin_grants >= ROUNDS / 2,
		      "%llu of %d polls got the lock",
		      (unsigned long long)st.spin_grants, ROUNDS);
	ck_assert_uint_gt(st.spin_ns, 0);
}
END_TEST

START_TEST(with_spin_us_0_an_asker_sleeps_at_once)
{
	struct bfsgil_stats st;

	ck_assert_int_eq(bfsgil_ctl_set(gil, "spin_us", 0), 0);
	st = ask_answering_holder();
	ck_assert_uint_eq(st.spins, 0);
	ck_assert_uint_eq(st.spin_grants, 0);
	ck_assert_uint_eq(st.spin_ns, 0);
}
END_TEST

/* A holder that does not answer: it keeps the lock until @until says
 * so, then releases.  As a C call that keeps the lock would. */
struct stubborn {
	bool (*until)(void);
	atomic_int holding;
};

static void *
stubborn_holder_main(void *arg)
{
	struct stubborn *h = arg;
	bfsgil_thread_t *t;

	ck_assert_int_eq(bfsgil_attach(gil, &t), 0);
	ck_assert_int_eq(bfsgil_set_nice(t, 19), 0);
	ck_assert_int_eq(bfsgil_acquire(t), 0);
	atomic_store(&h->holding, 1);
	/* Off the CPU between looks: self may be polling on one CPU,
	 * and the thread it waits to be relieved by needs the other. */
	while (!h->until())
		harness_block_ns(20000);
	ck_assert_int_eq(bfsgil_release(t), 0);
	ck_assert_int_eq(bfsgil_detach(t), 0);
	return NULL;
}

static pthread_t
stubborn_start(struct stubborn *h, bool (*until)(void))
{
	pthread_t t;

	h->until = until;
	atomic_store(&h->holding, 0);
	t = harness_spawn(stubborn_holder_main, h);
	while (!atomic_load(&h->holding))
		sched_yield();
	return t;
}

static uint64_t
spins_of(const bfsgil_thread_t *t)
{
	struct bfsgil_stats st;

	ck_assert_int_eq(bfsgil_thread_stats(t, &st), 0);
	return st.spins;
}

/* Our polls before the one a case waits for (a case that tries again
 * counts from its last try). */
static uint64_t spins_before;

/* Until our poll has ended: its count goes up only when it does. */
static bool
self_done_polling(void)
{
	return spins_of(self) == spins_before + 1;
}

struct visitor;
static void *visitor_main(void *arg);

/* A stubborn holder that lets go once @until says so, @other (may be
 * NULL) taking the lock once beside us, and self taking it once: the
 * shape of the cases below, which differ in who comes when. */
static void
self_asks_stubborn_holder(bool (*until)(void), const struct visitor *other)
{
	struct stubborn h;
	pthread_t holder, t;

	holder = stubborn_start(&h, until);
	if (other != NULL)
		t = harness_spawn(visitor_main, (void *)other);
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	ck_assert_int_eq(bfsgil_release(self), 0);
	harness_join(holder);
	if (other != NULL)
		harness_join(t);
}

START_TEST(polling_ends_at_spin_us_when_the_holder_does_not_answer)
{
	struct bfsgil_stats st;

	ck_assert_int_eq(bfsgil_ctl_set(gil, "spin_us", 2000), 0);
	/* Asks, polls for 2 ms, sleeps; the holder lets go only once the
	 * poll is over, so a poll that did not end would hang the case. */
	self_asks_stubborn_holder(self_done_polling, NULL);
	ck_assert_int_eq(bfsgil_thread_stats(self, &st), 0);
	ck_assert_uint_eq(st.spins, 1);
	ck_assert_uint_eq(st.spin_grants, 0);
	ck_assert_uint_ge(st.spin_ns, 2 * MS);
}
END_TEST

static uint64_t
waiting_now(void)
{
	struct bfsgil_stats st;

	ck_assert_int_eq(bfsgil_stats(gil, &st), 0);
	return st.waiting;
}

/* A thread that takes the lock once, at @nice, once @after threads are
 * queued (0: at once), then leaves. */
struct visitor {
	int nice;
	uint64_t after;
};

static void *
visitor_main(void *arg)
{
	const struct visitor *v = arg;
	bfsgil_thread_t *t;

	ck_assert_int_eq(bfsgil_attach(gil, &t), 0);
	ck_assert_int_eq(bfsgil_set_nice(t, v->nice), 0);
	/* Off the CPU between looks, as the stubborn holder does: a
	 * thread that slept is the one the kernel runs first when it
	 * wakes, and a poller and a busy machine may hold both CPUs. */
	while (v->after > 0 && waiting_now() < v->after)
		harness_block_ns(20000);
	ck_assert_int_eq(bfsgil_acquire(t), 0);
	ck_assert_int_eq(bfsgil_release(t), 0);
	ck_assert_int_eq(bfsgil_detach(t), 0);
	return NULL;
}

/* only_next_polls: queues once self has asked, behind it (nice 10
 * against self's 0).  unasked_no_poll: a nice-19 waiter, then a nice-10
 * one.  newcomer_ends_poll: queues ahead of the polling self. */
static const struct visitor second = { .nice = 10, .after = 1 };
static const struct visitor late_v = { .nice = 19 };
static const struct visitor next_v = { .nice = 10 };
static const struct visitor newcomer_v = { .nice = 0, .after = 1 };

static bool
both_queued(void)
{
	return waiting_now() >= 2;
}

START_TEST(only_the_next_in_line_polls)
{
	struct bfsgil_stats st;

	ck_assert_int_eq(bfsgil_ctl_set(gil, "spin_us", 2000), 0);
	/* We ask the holder and are next in line; the second waiter
	 * queues behind us, the holder asked already. */
	self_asks_stubborn_holder(both_queued, &second);
	ck_assert_uint_eq(spins_of(self), 1);
	/* The lock's total keeps the counts of the threads that have
	 * detached: the second waiter never polled, nor the holder. */
	ck_assert_int_eq(bfsgil_stats(gil, &st), 0);
	ck_assert_uint_eq(st.spins, 1);
}
END_TEST

/* Behind a holder nobody has asked: nice 0 holds, nice 19 queues and
 * watches its slice, nice 10 queues ahead of it (first in line, not
 * the watcher): neither may poll, the grant is not on its way. */
START_TEST(waiters_behind_a_holder_nobody_asked_do_not_poll)
{
	struct bfsgil_stats st;
	pthread_t late, next;

	ck_assert_int_eq(bfsgil_ctl_set(gil, "spin_us", 10000), 0);
	/* self is the holder here, at nice 0. */
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	late = harness_spawn(visitor_main, (void *)&late_v);
	harness_wait_for_waiters(gil, 1);
	next = harness_spawn(visitor_main, (void *)&next_v);
	harness_wait_for_waiters(gil, 2);
	ck_assert_int_eq(bfsgil_stats(gil, &st), 0);
	ck_assert_uint_eq(st.preempt_requests, 0);
	ck_assert_int_eq(bfsgil_release(self), 0);
	harness_join(late);
	harness_join(next);
	ck_assert_int_eq(bfsgil_stats(gil, &st), 0);
	ck_assert_uint_eq(st.spins, 0);
}
END_TEST

/* A newcomer that takes the head of the queue while an earlier waiter
 * polls ends that poll: one poller at a time, since on two CPUs two
 * pollers leave the holder none to answer on. */
static bool
both_queued_and_self_done_polling(void)
{
	return both_queued() && self_done_polling();
}

START_TEST(a_newcomer_at_the_head_ends_the_earlier_poll)
{
	struct bfsgil_stats st;
	uint64_t ns_before = 0, grants_before = 0, polled = 0;

	/* The longest poll there is: ours must end long before it.  The
	 * newcomer needs a CPU within those 10 ms while we poll on one:
	 * it held 60 runs of 60 beside one busy process, and missed 3 of
	 * 30 beside two (four threads wanting two CPUs); CI's fresh
	 * machine missed once (11.9 ms).  A newcomer that comes after the
	 * poll ended cannot end it, and proves nothing either way, so up
	 * to three tries: a poll that newcomers never end fails all three. */
	ck_assert_int_eq(bfsgil_ctl_set(gil, "spin_us", 10000), 0);
	ck_assert_int_eq(bfsgil_set_nice(self, 10), 0);
	for (int try = 1; try <= 3; try++) {
		ck_assert_int_eq(bfsgil_thread_stats(self, &st), 0);
		spins_before = st.spins;
		ns_before = st.spin_ns;
		grants_before = st.spin_grants;
		/* Nice 10 beats the holder's 19: we ask and poll; the nice-0
		 * newcomer then queues ahead of us and takes over the
		 * poll. */
		self_asks_stubborn_holder(both_queued_and_self_done_polling,
					  &newcomer_v);
		ck_assert_int_eq(bfsgil_thread_stats(self, &st), 0);
		ck_assert_uint_eq(st.spins, spins_before + 1);
		ck_assert_uint_eq(st.spin_grants, grants_before);
		polled = st.spin_ns - ns_before;
		if (polled < 10 * MS)
			break;
		fprintf(stderr, "spin: try %d polled %llu us, the newcomer "
			"too late to end it; again\n", try,
			(unsigned long long)(polled / 1000));
	}
	spins_before = 0;
	ck_assert_msg(polled < 10 * MS, "polled %llu us of its 10000",
		      (unsigned long long)(polled / 1000));
}
END_TEST

#ifdef __linux__
START_TEST(on_one_cpu_nobody_polls)
{
	bfsgil_t *saved_gil = gil;
	bfsgil_thread_t *saved_self = self;
	cpu_set_t all, one;
	struct bfsgil_stats st;

	/* A lock created by a thread that may run on one CPU only, and
	 * every thread after it on that CPU (they inherit it). */
	ck_assert_int_eq(sched_getaffinity(0, sizeof(all), &all), 0);
	CPU_ZERO(&one);
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (CPU_ISSET(c, &all)) {
			CPU_SET(c, &one);
			break;
		}
	}
	ck_assert_int_eq(sched_setaffinity(0, sizeof(one), &one), 0);
	ck_assert_int_eq(bfsgil_create(&gil), 0);
	ck_assert_int_eq(bfsgil_ctl_set(gil, "spin_us", 10000), 0);
	ck_assert_int_eq(bfsgil_attach(gil, &self), 0);
	st = ask_answering_holder();
	ck_assert_int_eq(bfsgil_detach(self), 0);
	ck_assert_int_eq(bfsgil_destroy(gil), 0);
	gil = saved_gil;
	self = saved_self;
	ck_assert_int_eq(sched_setaffinity(0, sizeof(all), &all), 0);
	ck_assert_uint_eq(st.spins, 0);
}
END_TEST
#endif

Suite *
make_suite(void)
{
	Suite *s = suite_create("spin");
	const struct harness_case cases[] = {
		{ "next_in_line_polls", asker_next_in_line_gets_the_lock_while_polling, 30 },
		{ "spin_us_0_sleeps", with_spin_us_0_an_asker_sleeps_at_once, 30 },
		{ "poll_is_bounded", polling_ends_at_spin_us_when_the_holder_does_not_answer, 30 },
		{ "only_next_polls", only_the_next_in_line_polls, 30 },
		{ "unasked_no_poll", waiters_behind_a_holder_nobody_asked_do_not_poll, 30 },
		{ "newcomer_ends_poll", a_newcomer_at_the_head_ends_the_earlier_poll, 30 },
#ifdef __linux__
		{ "one_cpu_no_poll", on_one_cpu_nobody_polls, 30 },
#endif
	};

	harness_add_cases(s, cases, HARNESS_NCASES(cases), setup, teardown);
	return s;
}
