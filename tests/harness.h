/*
 * harness.h: what the Check suites share: a main() per suite file, time,
 * threads, and waiting for a condition on the lock instead of sleeping.
 */
#ifndef BFSGIL_TEST_HARNESS_H
#define BFSGIL_TEST_HARNESS_H

#ifdef HAVE_CONFIG_H
# include <config.h>
#endif
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <bfsgil.h>

#include "harness_time.h"

/* Built with ThreadSanitizer (./configure --enable-sanitizers=thread)?
 * A few cases cannot run under it; they say so where they are left out. */
#if defined(__SANITIZE_THREAD__)
# define HARNESS_UNDER_TSAN 1
#elif defined(__has_feature)
# if __has_feature(thread_sanitizer)
#  define HARNESS_UNDER_TSAN 1
# endif
#endif
#ifndef HARNESS_UNDER_TSAN
# define HARNESS_UNDER_TSAN 0
#endif

/* Running under valgrind (make helgrind, make drd)?  Known only in a
 * build configured --enable-valgrind-annotations, the only one those
 * targets run.  Everything runs 20-50 times slower and one thread at a
 * time: a case that cannot run there says so and is left out. */
#ifdef BFSGIL_VALGRIND_ANNOTATIONS
# include <valgrind/valgrind.h>
# define HARNESS_UNDER_VALGRIND (RUNNING_ON_VALGRIND != 0)
#else
# define HARNESS_UNDER_VALGRIND 0
#endif

/* Every suite file defines this; harness_main runs it. */
Suite *make_suite(void);

/* One test case: a TCase of its own, named after the behaviour. */
struct harness_case {
	const char *name;
	const TTest *test;
	int timeout;	/* seconds */
};

#define HARNESS_NCASES(cases) (sizeof(cases) / sizeof((cases)[0]))

/* Add each case to @s as its own TCase, with the fixture (may be NULL)
 * and a timeout, so every case can block only so long. */
static inline void
harness_add_cases(Suite *s, const struct harness_case *cases, size_t n,
		  SFun setup, SFun teardown)
{
	for (size_t i = 0; i < n; i++) {
		TCase *tc = tcase_create(cases[i].name);

		if (setup != NULL || teardown != NULL)
			tcase_add_checked_fixture(tc, setup, teardown);
		tcase_set_timeout(tc, cases[i].timeout);
		tcase_add_test(tc, cases[i].test);
		suite_add_tcase(s, tc);
	}
}

/* Wait until @n threads are queued for @gil.  Polls the lock's own count;
 * the Check timeout bounds it. */
static inline void
harness_wait_for_waiters(bfsgil_t *gil, uint64_t n)
{
	struct bfsgil_stats st;

	for (;;) {
		ck_assert_int_eq(bfsgil_stats(gil, &st), 0);
		if (st.waiting >= n)
			return;
		sched_yield();
	}
}

static inline pthread_t
harness_spawn(void *(*fn)(void *), void *arg)
{
	pthread_t t;

	ck_assert_int_eq(pthread_create(&t, NULL, fn, arg), 0);
	return t;
}

static inline void
harness_join(pthread_t t)
{
	ck_assert_int_eq(pthread_join(t, NULL), 0);
}

/* A thread body (harness_spawn): attach to the lock @arg, take it once,
 * give it up, detach. */
static inline void *
harness_acquire_once(void *arg)
{
	bfsgil_t *lock = arg;
	bfsgil_thread_t *t;

	ck_assert_int_eq(bfsgil_attach(lock, &t), 0);
	ck_assert_int_eq(bfsgil_acquire(t), 0);
	ck_assert_int_eq(bfsgil_release(t), 0);
	ck_assert_int_eq(bfsgil_detach(t), 0);
	return NULL;
}

static int
harness_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The median of @v (sorted in place). */
static inline uint64_t
harness_median(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), harness_cmp_u64);
	return v[n / 2];
}

int
main(void)
{
	SRunner *sr = srunner_create(make_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif /* BFSGIL_TEST_HARNESS_H */
