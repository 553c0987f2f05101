/*
 * fixture_lock.h: the fixture of the suites whose cases need a lock with
 * the default tunables and the main thread attached to it as @self.
 * Include after harness.h; pass setup and teardown to harness_add_cases.
 * (fixture_nice.h is the same with one-second slices.)
 */
#ifndef BFSGIL_TEST_FIXTURE_LOCK_H
#define BFSGIL_TEST_FIXTURE_LOCK_H

#include "harness.h"

static bfsgil_t *gil;
static bfsgil_thread_t *self;

static void
setup(void)
{
	ck_assert_int_eq(bfsgil_create(&gil), 0);
	ck_assert_int_eq(bfsgil_attach(gil, &self), 0);
}

static void
teardown(void)
{
	ck_assert_int_eq(bfsgil_detach(self), 0);
	ck_assert_int_eq(bfsgil_destroy(gil), 0);
}

#endif /* BFSGIL_TEST_FIXTURE_LOCK_H */
