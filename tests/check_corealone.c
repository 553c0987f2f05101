/*
 * check_corealone.c: the scheduler core alone (src/core/ with
 * observe_none.c, libbfsgil-corealone), as a host that vendors the lock
 * without the watching layer builds it.  That this program links at all
 * proves the core names nothing of src/watch/; its cases prove the core
 * works there, and that the environment's watchers are not in it.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"

START_TEST(the_core_alone_schedules)
{
	bfsgil_t *gil;
	bfsgil_thread_t *self;
	struct bfsgil_stats st;
	pthread_t t;

	ck_assert_int_eq(bfsgil_create(&gil), 0);
	ck_assert_int_eq(bfsgil_attach(gil, &self), 0);
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	t = harness_spawn(harness_acquire_once, gil);
	harness_wait_for_waiters(gil, 1);
	ck_assert_int_eq(bfsgil_release(self), 0);
	harness_join(t);
	ck_assert_int_eq(bfsgil_stats(gil, &st), 0);
	ck_assert_uint_eq(st.acquires, 2);
	ck_assert_uint_eq(st.handoffs, 1);
	ck_assert_int_eq(bfsgil_detach(self), 0);
	ck_assert_int_eq(bfsgil_destroy(gil), 0);
}
END_TEST

/* BFSGIL still sets tunables (that is the core's); BFSGIL_TRACE and
 * BFSGIL_STATS, the watching layer's, mean nothing here. */
START_TEST(the_core_alone_has_no_watchers)
{
	char path[] = "/tmp/bfsgil-corealone-XXXXXX";
	bfsgil_t *gil;
	long long v;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(setenv("BFSGIL", "slice_us=2500", 1), 0);
	ck_assert_int_eq(setenv("BFSGIL_TRACE", path, 1), 0);
	ck_assert_int_eq(setenv("BFSGIL_STATS", path, 1), 0);
	ck_assert_int_eq(bfsgil_create(&gil), 0);
	ck_assert_int_eq(bfsgil_ctl_get(gil, "slice_us", &v), 0);
	ck_assert_int_eq(v, 2500);
	ck_assert_int_eq(bfsgil_destroy(gil), 0);
	ck_assert_int_ne(access(path, F_OK), 0);
}
END_TEST

Suite *
make_suite(void)
{
	Suite *s = suite_create("corealone");
	const struct harness_case cases[] = {
		{ "schedules", the_core_alone_schedules, 10 },
		{ "no_watchers", the_core_alone_has_no_watchers, 10 },
	};

	harness_add_cases(s, cases, HARNESS_NCASES(cases), NULL, NULL);
	return s;
}
