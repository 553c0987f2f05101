/*
 * check_api.c: every errno the lock API promises, each shown to change
 * nothing, then the plain single-thread happy paths.
 */
#include <errno.h>

#include <string.h>

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

START_TEST(create_flags_refuses_unknown_flags)
{
	bfsgil_t *g = (bfsgil_t *)&g;

	ck_assert_int_eq(bfsgil_create_flags(NULL, 0), EINVAL);
	ck_assert_int_eq(bfsgil_create_flags(&g, 2), EINVAL);
	ck_assert_int_eq(bfsgil_create_flags(&g, ~0u), EINVAL);
	ck_assert_ptr_eq(g, (bfsgil_t *)&g);
	ck_assert_int_eq(bfsgil_create_flags(&g, BFSGIL_CREATE_IGNORE_ENV), 0);
	ck_assert_int_eq(bfsgil_destroy(g), 0);
}
END_TEST

START_TEST(version_is_the_packages)
{
	ck_assert_uint_eq(bfsgil_version(), BFSGIL_VERSION);
	ck_assert_str_eq(bfsgil_version_string(), BFSGIL_VERSION_STRING);
	ck_assert_str_eq(BFSGIL_VERSION_STRING, PACKAGE_VERSION);
	ck_assert_uint_eq(BFSGIL_VERSION >> 16, BFSGIL_VERSION_MAJOR);
	ck_assert_uint_eq((BFSGIL_VERSION >> 8) & 0xff, BFSGIL_VERSION_MINOR);
	ck_assert_uint_eq(BFSGIL_VERSION & 0xff, BFSGIL_VERSION_PATCH);
}
END_TEST

/* The stats calls take the caller's size: an older program's smaller
 * struct gets the counters it knows, a newer one's larger struct gets
 * zeroes past ours, and a size that is no struct is refused. */
START_TEST(stats_fill_the_callers_size)
{
	struct bfsgil_stats st;
	uint64_t big[sizeof(st) / 8 + 4];

	ck_assert_int_eq(bfsgil_acquire(self), 0);
	ck_assert_int_eq(bfsgil_release(self), 0);
	memset(&st, 0xa5, sizeof(st));
	ck_assert_int_eq(bfsgil_stats_get(gil, &st, 0), EINVAL);
	ck_assert_int_eq(bfsgil_stats_get(gil, &st, 12), EINVAL);
	ck_assert_int_eq(bfsgil_stats_get(NULL, &st, sizeof(st)), EINVAL);
	ck_assert_int_eq(bfsgil_thread_stats_get(self, NULL, sizeof(st)), EINVAL);
	ck_assert_int_eq(bfsgil_thread_stats_get(self, &st, 7), EINVAL);
	ck_assert_uint_eq(st.acquires, 0xa5a5a5a5a5a5a5a5ull); /* untouched */
	/* One counter: acquires alone, the rest untouched. */
	ck_assert_int_eq(bfsgil_stats_get(gil, &st, 8), 0);
	ck_assert_uint_eq(st.acquires, 1);
	ck_assert_uint_eq(st.contended, 0xa5a5a5a5a5a5a5a5ull);
	memset(big, 0xa5, sizeof(big));
	ck_assert_int_eq(bfsgil_thread_stats_get(self, (struct bfsgil_stats *)big,
						 sizeof(big)), 0);
	ck_assert_uint_eq(big[0], 1);
	for (size_t i = sizeof(st) / 8; i < sizeof(big) / 8; i++)
		ck_assert_uint_eq(big[i], 0);
	ck_assert_int_eq(bfsgil_stats(gil, &st), 0);
	ck_assert_uint_eq(st.acquires, 1);
	ck_assert_uint_eq(st.interrupts, 0);
}
END_TEST

/* Interface 2's functions stay for programs linked against it: they
 * fill the 15 counters that interface's struct had, nothing past. */
int (bfsgil_stats)(const bfsgil_t *gil, struct bfsgil_stats *out);
int (bfsgil_thread_stats)(const bfsgil_thread_t *self,
			  struct bfsgil_stats *out);

START_TEST(interface_2_stats_calls_fill_their_struct_only)
{
	struct bfsgil_stats st;

	memset(&st, 0xa5, sizeof(st));
	ck_assert_int_eq((bfsgil_stats)(gil, &st), 0);
	ck_assert_uint_eq(st.threads, 1);
	ck_assert_uint_eq(st.spin_ns, 0);
	ck_assert_uint_eq(st.share_expiries, 0xa5a5a5a5a5a5a5a5ull);
	memset(&st, 0xa5, sizeof(st));
	ck_assert_int_eq((bfsgil_thread_stats)(self, &st), 0);
	ck_assert_uint_eq(st.threads, 1);
	ck_assert_uint_eq(st.interrupts, 0xa5a5a5a5a5a5a5a5ull);
	ck_assert_int_eq((bfsgil_stats)(NULL, &st), EINVAL);
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
		{ "create_flags", create_flags_refuses_unknown_flags, 10 },
		{ "version", version_is_the_packages, 10 },
		{ "stats_size", stats_fill_the_callers_size, 10 },
		{ "stats_v2", interface_2_stats_calls_fill_their_struct_only, 10 },
	};

	harness_add_cases(s, cases, HARNESS_NCASES(cases), setup, teardown);
	return s;
}
