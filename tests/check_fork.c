/*
 * check_fork.c: bfsgil_after_fork_child.  Forks from a process whose
 * lock has a holder and a queued waiter; the child must be able to use
 * the lock (acquire, release, new threads), the parent must not notice.
 */
#include <errno.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "fixture_lock.h"

static atomic_int waiter_done;

static void *
queued_waiter_main(void *arg)
{
	harness_acquire_once(gil);
	atomic_store(&waiter_done, 1);
	(void)arg;
	return NULL;
}

static unsigned long child_counter;

static void *
child_worker_main(void *arg)
{
	bfsgil_thread_t *t;

	(void)arg;
	if (bfsgil_attach(gil, &t) != 0)
		return (void *)1;
	for (int i = 0; i < 1000; i++) {
		if (bfsgil_acquire(t) != 0)
			return (void *)2;
		child_counter++;
		if (bfsgil_release(t) != 0)
			return (void *)3;
	}
	return (void *)(intptr_t)(bfsgil_detach(t) != 0 ? 4 : 0);
}

/* The child's whole life; its exit status says which step failed. */
static int
child_checks(void)
{
	struct bfsgil_stats st;
	pthread_t w[2];
	void *ret;

	if (bfsgil_after_fork_child(gil, self) != 0)
		return 10;
	/* We hold it, alone: the parent's waiter does not exist here. */
	if (bfsgil_acquire(self) != EDEADLK)
		return 11;
	if (bfsgil_stats(gil, &st) != 0 || st.threads != 1 || st.waiting != 0)
		return 12;
	if (bfsgil_release(self) != 0 || bfsgil_acquire(self) != 0)
		return 13;
	/* ThreadSanitizer cannot start threads in the child of a
	 * multi-threaded fork (it says so and may hang), so under it the
	 * child checks everything but new threads. */
	if (HARNESS_UNDER_TSAN)
		return bfsgil_release(self) != 0 ? 19 : 0;
	child_counter = 0;
	for (int i = 0; i < 2; i++)
		if (pthread_create(&w[i], NULL, child_worker_main, NULL) != 0)
			return 14;
	if (bfsgil_release(self) != 0)
		return 15;
	for (int i = 0; i < 2; i++)
		if (pthread_join(w[i], &ret) != 0 || ret != NULL)
			return 16;
	if (child_counter != 2000)
		return 17;
	if (bfsgil_stats(gil, &st) != 0 || st.threads != 1)
		return 18;
	return 0;
}

static int
run_child(void)
{
	pid_t pid = fork();
	int status;

	ck_assert_int_ne(pid, -1);
	if (pid == 0)
		_exit(child_checks());
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

START_TEST(child_of_holder_with_waiter_can_use_the_lock)
{
	pthread_t w;

	atomic_store(&waiter_done, 0);
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	w = harness_spawn(queued_waiter_main, NULL);
	harness_wait_for_waiters(gil, 1);
	ck_assert_int_eq(run_child(), 0);
	/* The parent is unaffected: its waiter still gets the lock. */
	ck_assert_int_eq(atomic_load(&waiter_done), 0);
	ck_assert_int_eq(bfsgil_release(self), 0);
	harness_join(w);
	ck_assert_int_eq(atomic_load(&waiter_done), 1);
}
END_TEST

START_TEST(child_of_non_holder_ends_up_holding)
{
	/* Fork while not holding: the child still comes out holding. */
	ck_assert_int_eq(run_child(), 0);
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	ck_assert_int_eq(bfsgil_release(self), 0);
}
END_TEST

Suite *
make_suite(void)
{
	Suite *s = suite_create("fork");
	const struct harness_case cases[] = {
		{ "holder_with_waiter", child_of_holder_with_waiter_can_use_the_lock, 20 },
		{ "non_holder", child_of_non_holder_ends_up_holding, 20 },
	};

	harness_add_cases(s, cases, HARNESS_NCASES(cases), setup, teardown);
	return s;
}
