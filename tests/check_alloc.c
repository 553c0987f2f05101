/*
 * check_alloc.c: allocation failure in create and attach: ENOMEM, and
 * nothing leaked or changed.
 *
 * This program links the library's objects statically with ld's --wrap
 * for aligned_alloc, realloc and free (tests/Makefile.am), so the shim
 * below sees every allocation the library makes, can fail the nth, and
 * counts the blocks still live.  configure builds it only where the
 * linker has --wrap.
 */
#include <errno.h>
#include <stdatomic.h>

#include "harness.h"

void *__real_aligned_alloc(size_t align, size_t size);
void *__real_realloc(void *p, size_t size);
void __real_free(void *p);
void *__wrap_aligned_alloc(size_t align, size_t size);
void *__wrap_realloc(void *p, size_t size);
void __wrap_free(void *p);

/* Which allocation from arming on fails (-1: none), and how many were
 * asked for since. */
static atomic_int shim_fail_at = -1;
static atomic_int shim_seen;

/* The blocks the shim handed out and nobody has freed yet.  Frees of
 * anything else (Check's own memory, linked statically, goes through
 * the wrapped free too) pass by uncounted. */
enum { SHIM_MAX = 256 };
static void *shim_blocks[SHIM_MAX];
static pthread_mutex_t shim_lock = PTHREAD_MUTEX_INITIALIZER;

static bool
shim_should_fail(void)
{
	return atomic_fetch_add(&shim_seen, 1) == atomic_load(&shim_fail_at);
}

/* Replace @old with @new in the table (NULL for none); false if @old is
 * not there. */
static bool
shim_swap(void *old, void *new)
{
	bool found = false;

	pthread_mutex_lock(&shim_lock);
	for (int i = 0; i < SHIM_MAX && !found; i++) {
		if (shim_blocks[i] == old) {
			shim_blocks[i] = new;
			found = true;
		}
	}
	pthread_mutex_unlock(&shim_lock);
	return found;
}

static long
shim_live(void)
{
	long n = 0;

	pthread_mutex_lock(&shim_lock);
	for (int i = 0; i < SHIM_MAX; i++)
		n += shim_blocks[i] != NULL;
	pthread_mutex_unlock(&shim_lock);
	return n;
}

void *
__wrap_aligned_alloc(size_t align, size_t size)
{
	void *p;

	if (shim_should_fail())
		return NULL;
	p = __real_aligned_alloc(align, size);
	if (p != NULL && !shim_swap(NULL, p))
		abort();	/* table full: make SHIM_MAX bigger */
	return p;
}

void *
__wrap_realloc(void *p, size_t size)
{
	void *q;

	if (shim_should_fail())
		return NULL;	/* as realloc does: @p left as it was */
	q = __real_realloc(p, size);
	if (q != NULL && !shim_swap(p, q) && p == NULL)
		abort();
	return q;
}

void
__wrap_free(void *p)
{
	if (p != NULL)
		shim_swap(p, NULL);
	__real_free(p);
}

/* Fail the @nth allocation from now (counting from 0). */
static void
shim_arm(int nth)
{
	atomic_store(&shim_seen, 0);
	atomic_store(&shim_fail_at, nth);
}

/* Stop failing; returns how many allocations were asked for. */
static int
shim_disarm(void)
{
	atomic_store(&shim_fail_at, -1);
	return atomic_load(&shim_seen);
}

START_TEST(create_out_of_memory_is_enomem_and_leaks_nothing)
{
	bfsgil_t *const untouched = (bfsgil_t *)&shim_seen;
	int failures = 0;

	/* Fail each allocation create makes in turn, until one run makes no
	 * more allocations than the one failed: that run succeeded. */
	for (int nth = 0;; nth++) {
		long live = shim_live();
		bfsgil_t *gil = untouched;
		int err;

		shim_arm(nth);
		err = bfsgil_create(&gil);
		if (shim_disarm() <= nth) {
			ck_assert_int_eq(err, 0);
			ck_assert_int_eq(bfsgil_destroy(gil), 0);
			ck_assert_int_eq(shim_live(), live);
			break;
		}
		ck_assert_int_eq(err, ENOMEM);
		ck_assert_ptr_eq(gil, untouched);
		ck_assert_int_eq(shim_live(), live);
		failures++;
	}
	ck_assert_int_ge(failures, 1);
}
END_TEST

START_TEST(attach_out_of_memory_is_enomem_and_leaks_nothing)
{
	/* Eight handles fill the run queue's first reservation, so the
	 * ninth attach must grow it: both its allocations get failed. */
	enum { FULL = 8 };
	bfsgil_thread_t *const untouched = (bfsgil_thread_t *)&shim_seen;
	bfsgil_thread_t *h[FULL + 1];
	struct bfsgil_stats st;
	bfsgil_t *gil;
	long baseline = shim_live();
	int failures = 0;

	ck_assert_int_eq(bfsgil_create(&gil), 0);
	for (int i = 0; i < FULL; i++)
		ck_assert_int_eq(bfsgil_attach(gil, &h[i]), 0);
	for (int nth = 0;; nth++) {
		long live = shim_live();
		int err;

		h[FULL] = untouched;
		shim_arm(nth);
		err = bfsgil_attach(gil, &h[FULL]);
		if (shim_disarm() <= nth) {
			ck_assert_int_eq(err, 0);
			break;
		}
		ck_assert_int_eq(err, ENOMEM);
		ck_assert_ptr_eq(h[FULL], untouched);
		ck_assert_int_eq(shim_live(), live);
		ck_assert_int_eq(bfsgil_stats(gil, &st), 0);
		ck_assert_uint_eq(st.threads, FULL);
		/* The lock still works for those attached. */
		ck_assert_int_eq(bfsgil_acquire(h[0]), 0);
		ck_assert_int_eq(bfsgil_release(h[0]), 0);
		failures++;
	}
	ck_assert_int_eq(failures, 2);	/* the handle, the queue's growth */
	ck_assert_int_eq(bfsgil_acquire(h[FULL]), 0);
	ck_assert_int_eq(bfsgil_release(h[FULL]), 0);
	for (int i = 0; i <= FULL; i++)
		ck_assert_int_eq(bfsgil_detach(h[i]), 0);
	ck_assert_int_eq(bfsgil_destroy(gil), 0);
	ck_assert_int_eq(shim_live(), baseline);
}
END_TEST

Suite *
make_suite(void)
{
	const struct harness_case cases[] = {
		{ "create_out_of_memory_is_enomem_and_leaks_nothing",
		  create_out_of_memory_is_enomem_and_leaks_nothing, 10 },
		{ "attach_out_of_memory_is_enomem_and_leaks_nothing",
		  attach_out_of_memory_is_enomem_and_leaks_nothing, 10 },
	};
	Suite *s = suite_create("alloc");

	harness_add_cases(s, cases, HARNESS_NCASES(cases), NULL, NULL);
	return s;
}
