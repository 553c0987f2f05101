/*
 * fixture_nice.h: the fixture of the suites whose cases order threads by
 * their nice: a lock with one-second slices, and the main thread
 * attached to it as @self.  Include after harness.h; pass setup and
 * teardown to harness_add_cases.
 */
#ifndef BFSGIL_TEST_FIXTURE_NICE_H
#define BFSGIL_TEST_FIXTURE_NICE_H

#include "harness.h"

static bfsgil_t *gil;
static bfsgil_thread_t *self;

static void
setup(void)
{
	ck_assert_int_eq(bfsgil_create(&gil), 0);
	/* One-second slices: deadlines that differ by a nice level differ
	 * by 100 ms or more, far beyond any jitter in when threads ask. */
	ck_assert_int_eq(bfsgil_ctl_set(gil, "slice_us", 1000000), 0);
	ck_assert_int_eq(bfsgil_attach(gil, &self), 0);
}

static void
teardown(void)
{
	ck_assert_int_eq(bfsgil_detach(self), 0);
	ck_assert_int_eq(bfsgil_destroy(gil), 0);
}

#endif /* BFSGIL_TEST_FIXTURE_NICE_H */
