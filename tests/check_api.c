/*
 * check_api.c: every errno the lock API promises, each shown to change
 * nothing, then the plain single-thread happy paths.
 */
#include <errno.h>

#include "harness.h"
#include "fixture_lock.h"


/* Run @fn on another thread and return what it returned. */
static int
on_other_thread(void *(*fn)(void *))
{
	pthread_t t = harness_spawn(fn, NULL);
	void *ret;

	ck_assert_int_eq(pthread_join(t, &ret), 0);
	return (int)(intptr_t)ret;
}

START_TEST(null_arguments_are_einval)
{
	struct bfsgil_stats st;
	long long v;
	int nice;

	ck_assert_int_eq(bfsgil_create(NULL), EINVAL);
	ck_assert_int_eq(bfsgil_destroy(NULL), EINVAL);
	ck_assert_int_eq(bfsgil_attach(NULL, &self), EINVAL);
	ck_assert_int_eq(bfsgil_attach(gil, NULL), EINVAL);
	ck_assert_int_eq(bfsgil_detach(NULL), EINVAL);
	ck_assert_int_eq(bfsgil_acquire(NULL), EINVAL);
	ck_assert_int_eq(bfsgil_release(NULL), EINVAL);
	ck_assert_int_eq(bfsgil_yield(NULL), EINVAL);
	ck_assert(!bfsgil_should_yield(NULL));
	ck_assert_int_eq(bfsgil_set_nice(NULL, 0), EINVAL);
	ck_assert_int_eq(bfsgil_get_nice(NULL, &nice), EINVAL);
	ck_assert_int_eq(bfsgil_get_nice(self, NULL), EINVAL);
	ck_assert_int_eq(bfsgil_stats(NULL, &st), EINVAL);
	ck_assert_int_eq(bfsgil_stats(gil, NULL), EINVAL);
	ck_assert_int_eq(bfsgil_thread_stats(NULL, &st), EINVAL);
	ck_assert_int_eq(bfsgil_thread_stats(self, NULL), EINVAL);
	ck_assert_int_eq(bfsgil_after_fork_child(NULL, self), EINVAL);
	ck_assert_int_eq(bfsgil_after_fork_child(gil, NULL), EINVAL);
	ck_assert_int_eq(bfsgil_ctl_get(gil, "slice_us", &v), 0);
	ck_assert_int_eq(v, 5000);
	/* Nothing above attached, acquired or counted anything. */
	ck_assert_int_eq(bfsgil_stats(gil, &st), 0);
	ck_assert_uint_eq(st.threads, 1);
	ck_assert_uint_eq(st.acquires, 0);
}
END_TEST

START_TEST(destroy_while_attached_is_ebusy)
{
	bfsgil_thread_t *other;

	ck_assert_int_eq(bfsgil_destroy(gil), EBUSY);
	/* Still a working lock. */
	ck_assert_int_eq(bfsgil_attach(gil, &other), 0);
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	ck_assert_int_eq(bfsgil_release(self), 0);
	ck_assert_int_eq(bfsgil_detach(other), 0);
}
END_TEST

START_TEST(detach_while_holding_is_ebusy)
{
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	ck_assert_int_eq(bfsgil_detach(self), EBUSY);
	/* Still holding, still attached. */
	ck_assert_int_eq(bfsgil_acquire(self), EDEADLK);
	ck_assert_int_eq(bfsgil_release(self), 0);
}
END_TEST

START_TEST(acquire_while_holding_is_edeadlk)
{
	struct bfsgil_stats st;

	ck_assert_int_eq(bfsgil_acquire(self), 0);
	ck_assert_int_eq(bfsgil_acquire(self), EDEADLK);
	ck_assert_int_eq(bfsgil_release(self), 0);
	/* Held once, not twice: a second release fails. */
	ck_assert_int_eq(bfsgil_release(self), EPERM);
	ck_assert_int_eq(bfsgil_thread_stats(self, &st), 0);
	ck_assert_uint_eq(st.acquires, 1);
}
END_TEST

START_TEST(second_handle_of_holding_thread_is_edeadlk)
{
	bfsgil_thread_t *twin;
	struct bfsgil_stats st;

	ck_assert_int_eq(bfsgil_attach(gil, &twin), 0);
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	ck_assert_int_eq(bfsgil_acquire(twin), EDEADLK);
	ck_assert_int_eq(bfsgil_stats(gil, &st), 0);
	ck_assert_uint_eq(st.waiting, 0);
	/* The holder's release still takes the fast path and works. */
	ck_assert_int_eq(bfsgil_release(self), 0);
	ck_assert_int_eq(bfsgil_acquire(twin), 0);
	ck_assert_int_eq(bfsgil_release(twin), 0);
	ck_assert_int_eq(bfsgil_detach(twin), 0);
}
END_TEST

START_TEST(release_or_yield_without_holding_is_eperm)
{
	ck_assert_int_eq(bfsgil_release(self), EPERM);
	ck_assert_int_eq(bfsgil_yield(self), EPERM);
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	ck_assert_int_eq(bfsgil_release(self), 0);
}
END_TEST

static void *
acquire_foreign(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)bfsgil_acquire(self);
}

static void *
release_foreign(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)bfsgil_release(self);
}

static void *
yield_foreign(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)bfsgil_yield(self);
}

START_TEST(using_another_threads_handle_is_eperm)
{
	ck_assert_int_eq(on_other_thread(acquire_foreign), EPERM);
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	ck_assert_int_eq(on_other_thread(release_foreign), EPERM);
	ck_assert_int_eq(on_other_thread(yield_foreign), EPERM);
	/* Still ours. */
	ck_assert_int_eq(bfsgil_release(self), 0);
}
END_TEST

START_TEST(nice_out_of_range_is_erange)
{
	int nice;

	ck_assert_int_eq(bfsgil_set_nice(self, 5), 0);
	ck_assert_int_eq(bfsgil_set_nice(self, -21), ERANGE);
	ck_assert_int_eq(bfsgil_set_nice(self, 20), ERANGE);
	ck_assert_int_eq(bfsgil_get_nice(self, &nice), 0);
	ck_assert_int_eq(nice, 5);
	ck_assert_int_eq(bfsgil_set_nice(self, -20), 0);
	ck_assert_int_eq(bfsgil_set_nice(self, 19), 0);
	ck_assert_int_eq(bfsgil_get_nice(self, &nice), 0);
	ck_assert_int_eq(nice, 19);
}
END_TEST

START_TEST(after_fork_with_foreign_handle_is_einval)
{
	bfsgil_t *other;

	ck_assert_int_eq(bfsgil_create(&other), 0);
	ck_assert_int_eq(bfsgil_after_fork_child(other, self), EINVAL);
	ck_assert_int_eq(bfsgil_destroy(other), 0);
}
END_TEST

START_TEST(uncontended_acquire_release_is_counted)
{
	struct bfsgil_stats st;

	for (int i = 0; i < 1000; i++) {
		ck_assert_int_eq(bfsgil_acquire(self), 0);
		ck_assert(!bfsgil_should_yield(self));
		ck_assert_int_eq(bfsgil_release(self), 0);
	}
	ck_assert_int_eq(bfsgil_stats(gil, &st), 0);
	ck_assert_uint_eq(st.acquires, 1000);
	ck_assert_uint_eq(st.contended, 0);
	ck_assert_uint_eq(st.handoffs, 0);
	ck_assert_uint_eq(st.waiting, 0);
}
END_TEST

START_TEST(yield_with_nobody_waiting_keeps_the_lock)
{
	struct bfsgil_stats st;

	ck_assert_int_eq(bfsgil_acquire(self), 0);
	ck_assert_int_eq(bfsgil_yield(self), 0);
	ck_assert_int_eq(bfsgil_acquire(self), EDEADLK); /* still held */
	ck_assert_int_eq(bfsgil_release(self), 0);
	ck_assert_int_eq(bfsgil_thread_stats(self, &st), 0);
	ck_assert_uint_eq(st.yields, 0);
	ck_assert_uint_eq(st.acquires, 1);
}
END_TEST

START_TEST(detach_then_destroy_retires_counters)
{
	bfsgil_thread_t *t;
	struct bfsgil_stats st;

	ck_assert_int_eq(bfsgil_attach(gil, &t), 0);
	ck_assert_int_eq(bfsgil_acquire(t), 0);
	ck_assert_int_eq(bfsgil_release(t), 0);
	ck_assert_int_eq(bfsgil_detach(t), 0);
	ck_assert_int_eq(bfsgil_stats(gil, &st), 0);
	ck_assert_uint_eq(st.threads, 1);
	ck_assert_uint_eq(st.acquires, 1);
}
END_TEST

Suite *
make_suite(void)
{
	Suite *s = suite_create("api");
	const struct harness_case cases[] = {
		{ "null_einval", null_arguments_are_einval, 10 },
		{ "destroy_ebusy", destroy_while_attached_is_ebusy, 10 },
		{ "detach_ebusy", detach_while_holding_is_ebusy, 10 },
		{ "acquire_edeadlk", acquire_while_holding_is_edeadlk, 10 },
		{ "twin_edeadlk", second_handle_of_holding_thread_is_edeadlk, 10 },
		{ "not_held_eperm", release_or_yield_without_holding_is_eperm, 10 },
		{ "foreign_eperm", using_another_threads_handle_is_eperm, 10 },
		{ "nice_erange", nice_out_of_range_is_erange, 10 },
		{ "fork_einval", after_fork_with_foreign_handle_is_einval, 10 },
		{ "uncontended", uncontended_acquire_release_is_counted, 10 },
		{ "yield_alone", yield_with_nobody_waiting_keeps_the_lock, 10 },
		{ "detach_retires", detach_then_destroy_retires_counters, 10 },
	};

	harness_add_cases(s, cases, HARNESS_NCASES(cases), setup, teardown);
	return s;
}
