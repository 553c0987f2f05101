/*
 * check_fault.c: faults from outside the lock's control: cancellation
 * and signals aimed at waiting threads, threads that exit while
 * attached, and destroying a lock in use.  Each either gets a clear
 * error with nothing changed, or leaves the lock working.  (Allocation
 * failure is check_alloc's, fork check_fork's, signals at the park level
 * check_park's.)
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdatomic.h>
#include <string.h>

#include "harness.h"
#include "fixture_nice.h"

static void
wait_for_flag(atomic_int *flag)
{
	while (!atomic_load(flag))
		sched_yield();	/* the case's timeout bounds this */
}

/* A thread cancelled while it waits in bfsgil_acquire: waiting is not a
 * cancellation point (lock.h), so it gets the lock in its turn, runs its
 * critical section, and is cancelled at the next cancellation point of
 * its own, here after releasing and detaching.  Were the wait a
 * cancellation point (the condvar park's pthread_cond_wait is one), the
 * thread would die queued and the lock would never be handed on. */
static atomic_int cancel_got_lock, cancel_errors;

/* No Check assertions in here: they write to Check's pipe, a
 * cancellation point of their own.  Errors are counted for the main
 * thread to assert on. */
static void
count_error(int err)
{
	if (err != 0)
		atomic_fetch_add(&cancel_errors, 1);
}

static void *
cancelled_waiter(void *arg)
{
	bfsgil_thread_t *t;

	(void)arg;
	count_error(bfsgil_attach(gil, &t));
	count_error(bfsgil_acquire(t));
	atomic_store(&cancel_got_lock, 1);
	count_error(bfsgil_release(t));
	count_error(bfsgil_detach(t));
	pthread_testcancel();
	return NULL;	/* not reached: the cancellation is pending */
}

START_TEST(cancel_while_waiting_takes_effect_after_the_lock_is_passed_on)
{
	struct bfsgil_stats st;
	pthread_t t;
	void *ret;

	ck_assert_int_eq(bfsgil_acquire(self), 0);
	t = harness_spawn(cancelled_waiter, NULL);
	harness_wait_for_waiters(gil, 1);
	ck_assert_int_eq(pthread_cancel(t), 0);
	ck_assert_int_eq(bfsgil_release(self), 0);
	ck_assert_int_eq(pthread_join(t, &ret), 0);
	ck_assert_ptr_eq(ret, PTHREAD_CANCELED);
	ck_assert_int_eq(atomic_load(&cancel_got_lock), 1);
	ck_assert_int_eq(atomic_load(&cancel_errors), 0);
	ck_assert_int_eq(bfsgil_stats(gil, &st), 0);
	ck_assert_uint_eq(st.waiting, 0);
	ck_assert_uint_eq(st.threads, 1);
	ck_assert_uint_eq(st.handoffs, st.contended);
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	ck_assert_int_eq(bfsgil_release(self), 0);
}
END_TEST

/* The same for a thread asleep in bfsgil_yield, waiting for its turn to
 * come back: A (nice 19) holds, B (nice -20) queues, A yields to B. */
static atomic_int yield_a_holds, yield_b_holds, yield_b_may_release,
	yield_a_back;

static void *
yielder_a(void *arg)
{
	bfsgil_thread_t *t;
	struct bfsgil_stats st;

	(void)arg;
	count_error(bfsgil_attach(gil, &t));
	count_error(bfsgil_set_nice(t, 19));
	count_error(bfsgil_acquire(t));
	atomic_store(&yield_a_holds, 1);
	do	/* until B is queued */
		count_error(bfsgil_stats(gil, &st));
	while (st.waiting == 0 && (sched_yield(), true));
	count_error(bfsgil_yield(t));
	atomic_store(&yield_a_back, 1);
	count_error(bfsgil_release(t));
	count_error(bfsgil_detach(t));
	pthread_testcancel();
	return NULL;
}

static void *
yielder_b(void *arg)
{
	bfsgil_thread_t *t;

	(void)arg;
	ck_assert_int_eq(bfsgil_attach(gil, &t), 0);
	ck_assert_int_eq(bfsgil_set_nice(t, -20), 0);
	wait_for_flag(&yield_a_holds);
	ck_assert_int_eq(bfsgil_acquire(t), 0);
	atomic_store(&yield_b_holds, 1);
	wait_for_flag(&yield_b_may_release);
	ck_assert_int_eq(bfsgil_release(t), 0);
	ck_assert_int_eq(bfsgil_detach(t), 0);
	return NULL;
}

START_TEST(cancel_while_yielding_takes_effect_after_the_lock_comes_back)
{
	struct bfsgil_stats st;
	pthread_t a, b;
	void *ret;

	a = harness_spawn(yielder_a, NULL);
	b = harness_spawn(yielder_b, NULL);
	wait_for_flag(&yield_b_holds);
	harness_wait_for_waiters(gil, 1);	/* A, asleep in its yield */
	ck_assert_int_eq(pthread_cancel(a), 0);
	atomic_store(&yield_b_may_release, 1);
	harness_join(b);
	ck_assert_int_eq(pthread_join(a, &ret), 0);
	ck_assert_ptr_eq(ret, PTHREAD_CANCELED);
	ck_assert_int_eq(atomic_load(&yield_a_back), 1);
	ck_assert_int_eq(atomic_load(&cancel_errors), 0);
	ck_assert_int_eq(bfsgil_stats(gil, &st), 0);
	ck_assert_uint_eq(st.waiting, 0);
	ck_assert_uint_eq(st.threads, 1);
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	ck_assert_int_eq(bfsgil_release(self), 0);
}
END_TEST

/* Signals to threads asleep in bfsgil_acquire: no error comes out, and
 * nobody gets the lock out of its deadline turn. */
static atomic_int signals_handled;

static void
count_signal(int sig)
{
	(void)sig;
	atomic_fetch_add(&signals_handled, 1);
}

struct signalled {
	int nice;
	pthread_t thread;
};

static int signal_log[3];
static size_t signal_log_len;

static void *
signalled_waiter(void *arg)
{
	struct signalled *w = arg;
	bfsgil_thread_t *t;

	ck_assert_int_eq(bfsgil_attach(gil, &t), 0);
	ck_assert_int_eq(bfsgil_set_nice(t, w->nice), 0);
	ck_assert_int_eq(bfsgil_acquire(t), 0);
	signal_log[signal_log_len++] = w->nice;	/* the lock guards it */
	ck_assert_int_eq(bfsgil_release(t), 0);
	ck_assert_int_eq(bfsgil_detach(t), 0);
	return NULL;
}

START_TEST(signals_to_waiters_neither_end_the_wait_nor_change_the_order)
{
	/* Arrival order differs from deadline order on purpose. */
	struct signalled w[3] = { { .nice = 5 }, { .nice = -5 }, { .nice = 0 } };
	enum { ROUNDS = 50 };
	struct sigaction sa;
	struct bfsgil_stats st;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = count_signal;	/* no SA_RESTART: calls see EINTR */
	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);

	ck_assert_int_eq(bfsgil_acquire(self), 0);
	for (int i = 0; i < 3; i++) {
		w[i].thread = harness_spawn(signalled_waiter, &w[i]);
		harness_wait_for_waiters(gil, (uint64_t)i + 1);
	}
	/* A round's signals are all handled before the next round is sent:
	 * a signal sent while the same one is pending would be lost. */
	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < 3; i++)
			ck_assert_int_eq(pthread_kill(w[i].thread, SIGUSR1), 0);
		while (atomic_load(&signals_handled) < 3 * (r + 1))
			sched_yield();
	}
	ck_assert_int_eq(bfsgil_stats(gil, &st), 0);
	ck_assert_uint_eq(st.waiting, 3);
	ck_assert_uint_eq(signal_log_len, 0);
	ck_assert_int_eq(bfsgil_release(self), 0);
	for (int i = 0; i < 3; i++)
		harness_join(w[i].thread);
	ck_assert_uint_eq(signal_log_len, 3);
	ck_assert_int_eq(signal_log[0], -5);
	ck_assert_int_eq(signal_log[1], 0);
	ck_assert_int_eq(signal_log[2], 5);
}
END_TEST

/* A thread that exits while attached, not holding: its handle stays
 * attached (counted, and destroy refuses) until another thread detaches
 * it, which lock.h allows once the owner has exited. */
static void *
exit_attached(void *arg)
{
	bfsgil_thread_t *t;

	(void)arg;
	ck_assert_int_eq(bfsgil_attach(gil, &t), 0);
	ck_assert_int_eq(bfsgil_acquire(t), 0);
	ck_assert_int_eq(bfsgil_release(t), 0);
	return t;
}

START_TEST(thread_exit_while_attached_leaves_its_handle_to_detach)
{
	struct bfsgil_stats st;
	bfsgil_thread_t *orphan;
	void *ret;

	ck_assert_int_eq(pthread_join(harness_spawn(exit_attached, NULL), &ret), 0);
	orphan = ret;
	ck_assert_int_eq(bfsgil_stats(gil, &st), 0);
	ck_assert_uint_eq(st.threads, 2);
	ck_assert_int_eq(bfsgil_destroy(gil), EBUSY);
	/* The lock works meanwhile. */
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	ck_assert_int_eq(bfsgil_release(self), 0);
	ck_assert_int_eq(bfsgil_detach(orphan), 0);
	ck_assert_int_eq(bfsgil_stats(gil, &st), 0);
	ck_assert_uint_eq(st.threads, 1);
	ck_assert_uint_eq(st.acquires, 2);	/* its figures stay in the totals */
}
END_TEST

/* A thread that exits holding the lock leaves it held for good, as a
 * mutex would be: nothing may release it for a dead thread.  Its handle
 * cannot be detached (EBUSY) and the lock cannot be destroyed (EBUSY). */
static void *
exit_holding(void *arg)
{
	bfsgil_thread_t *t;

	(void)arg;
	ck_assert_int_eq(bfsgil_attach(gil, &t), 0);
	ck_assert_int_eq(bfsgil_acquire(t), 0);
	return t;
}

static bfsgil_thread_t *orphan;	/* kept reachable: it cannot be freed */

START_TEST(thread_exit_while_holding_leaves_the_lock_held)
{
	struct bfsgil_stats st;
	void *ret;

	/* No fixture: a held lock cannot be destroyed at teardown.  Its
	 * memory stays reachable through gil and orphan until this case's
	 * process ends. */
	ck_assert_int_eq(bfsgil_create(&gil), 0);
	ck_assert_int_eq(pthread_join(harness_spawn(exit_holding, NULL), &ret), 0);
	orphan = ret;
	ck_assert_int_eq(bfsgil_detach(orphan), EBUSY);
	ck_assert_int_eq(bfsgil_release(orphan), EPERM);	/* not ours */
	ck_assert_int_eq(bfsgil_destroy(gil), EBUSY);
	ck_assert_int_eq(bfsgil_stats(gil, &st), 0);
	ck_assert_uint_eq(st.threads, 1);
	ck_assert_uint_eq(st.waiting, 0);
}
END_TEST

/* Destroy while one thread holds and another waits: EBUSY, and the
 * waiter is served as if nothing had been asked. */
static atomic_int destroy_waiter_served;

static void *
destroy_waiter(void *arg)
{
	bfsgil_thread_t *t;

	(void)arg;
	ck_assert_int_eq(bfsgil_attach(gil, &t), 0);
	ck_assert_int_eq(bfsgil_acquire(t), 0);
	atomic_store(&destroy_waiter_served, 1);
	ck_assert_int_eq(bfsgil_release(t), 0);
	ck_assert_int_eq(bfsgil_detach(t), 0);
	return NULL;
}

START_TEST(destroy_while_held_and_awaited_is_ebusy_and_harms_nothing)
{
	struct bfsgil_stats before, after;
	pthread_t t;

	ck_assert_int_eq(bfsgil_acquire(self), 0);
	t = harness_spawn(destroy_waiter, NULL);
	harness_wait_for_waiters(gil, 1);
	ck_assert_int_eq(bfsgil_stats(gil, &before), 0);
	ck_assert_int_eq(bfsgil_destroy(gil), EBUSY);
	ck_assert_int_eq(bfsgil_stats(gil, &after), 0);
	ck_assert_uint_eq(after.threads, before.threads);
	ck_assert_uint_eq(after.waiting, 1);
	ck_assert_uint_eq(after.acquires, before.acquires);
	ck_assert_int_eq(bfsgil_release(self), 0);
	harness_join(t);
	ck_assert_int_eq(atomic_load(&destroy_waiter_served), 1);
}
END_TEST

Suite *
make_suite(void)
{
	const struct harness_case cases[] = {
		{ "cancel_while_waiting_takes_effect_after_the_lock_is_passed_on",
		  cancel_while_waiting_takes_effect_after_the_lock_is_passed_on, 10 },
		{ "cancel_while_yielding_takes_effect_after_the_lock_comes_back",
		  cancel_while_yielding_takes_effect_after_the_lock_comes_back, 10 },
		{ "thread_exit_while_attached_leaves_its_handle_to_detach",
		  thread_exit_while_attached_leaves_its_handle_to_detach, 10 },
		{ "destroy_while_held_and_awaited_is_ebusy_and_harms_nothing",
		  destroy_while_held_and_awaited_is_ebusy_and_harms_nothing, 10 },
		/* Last, so that it can be left out below. */
		{ "signals_to_waiters_neither_end_the_wait_nor_change_the_order",
		  signals_to_waiters_neither_end_the_wait_nor_change_the_order, 10 },
	};
	const struct harness_case unfixed[] = {
		{ "thread_exit_while_holding_leaves_the_lock_held",
		  thread_exit_while_holding_leaves_the_lock_held, 10 },
	};
	size_t n = HARNESS_NCASES(cases);
	Suite *s = suite_create("fault");

	/* ThreadSanitizer may put a signal's handler off until the thread
	 * next enters a call it intercepts, and a thread asleep on the
	 * futex park (a raw system call) enters none until it is handed
	 * the lock.  In one CI run the handlers this case waits for, round
	 * by round, did not run within its 10 s; in a run here they did.
	 * A case that depends on how TSan schedules handlers proves nothing
	 * about bfsgil: the other builds, helgrind's included, run it. */
	if (HARNESS_UNDER_TSAN) {
		n--;
		printf("fault: signals_to_waiters left out under ThreadSanitizer\n");
	}
	harness_add_cases(s, cases, n, setup, teardown);
	harness_add_cases(s, unfixed, HARNESS_NCASES(unfixed), NULL, NULL);
	return s;
}
