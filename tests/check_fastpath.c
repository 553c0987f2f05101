/*
 * check_fastpath.c: rule 6, uncontended acquire and release make no
 * system call and take no internal mutex; and rule 5's other half, a
 * handoff wakes the chosen thread alone.
 *
 * Looks inside the lock (src/core/gil.h) to hold its internal mutex.
 */
#include <errno.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "gil.h"

static bfsgil_t *gil;

static void
setup(void)
{
	ck_assert_int_eq(bfsgil_create(&gil), 0);
}

static void
teardown(void)
{
	ck_assert_int_eq(bfsgil_destroy(gil), 0);
}

START_TEST(uncontended_acquire_release_make_no_system_call)
{
	bfsgil_thread_t *self;
	pid_t pid;
	int status;

	ck_assert_int_eq(bfsgil_attach(gil, &self), 0);
	/* Warm up: a first acquire issues the first slice, which takes the
	 * mutex and reads the clock. */
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	ck_assert_int_eq(bfsgil_release(self), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		long bad = 0;

		/* Strict seccomp: any system call but read, write, exit and
		 * sigreturn kills us with SIGKILL.  (The handle belongs to
		 * this thread: fork keeps the thread's identity.) */
		if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT) != 0)
			syscall(SYS_exit, 90);
		for (int i = 0; i < 10000; i++) {
			bad += bfsgil_acquire(self) != 0;
			bad += bfsgil_should_yield(self);
			bad += bfsgil_yield(self) != 0; /* nobody waits */
			bad += bfsgil_release(self) != 0;
		}
		syscall(SYS_exit, bad != 0); /* exit_group is not allowed */
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(!WIFSIGNALED(status),
		      "killed by signal %d: a system call was made",
		      WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_int_eq(bfsgil_detach(self), 0);
}
END_TEST

/* A thread that attaches (which needs the internal mutex), says so,
 * waits for the go, then runs uncontended rounds. */
static atomic_int worker_attached, worker_go, worker_result;

static void *
fast_rounds_main(void *arg)
{
	bfsgil_thread_t *t;
	int bad = 0;

	(void)arg;
	if (bfsgil_attach(gil, &t) != 0) {
		atomic_store(&worker_result, -1);
		return NULL;
	}
	/* A first acquire takes the mutex to issue the first slice; the
	 * rounds under test come after it. */
	if (bfsgil_acquire(t) != 0 || bfsgil_release(t) != 0) {
		atomic_store(&worker_result, -1);
		return NULL;
	}
	atomic_store(&worker_attached, 1);
	while (!atomic_load(&worker_go))
		sched_yield();
	for (int i = 0; i < 10000; i++) {
		bad += bfsgil_acquire(t) != 0;
		bad += bfsgil_release(t) != 0;
	}
	atomic_store(&worker_result, bad == 0 ? 1 : -1);
	while (atomic_load(&worker_go) != 2)
		sched_yield();	/* detach needs the mutex: wait for it */
	bfsgil_detach(t);
	return NULL;
}

START_TEST(uncontended_acquire_release_take_no_internal_mutex)
{
	uint64_t deadline;
	pthread_t th;
	int result;

	atomic_store(&worker_attached, 0);
	atomic_store(&worker_go, 0);
	atomic_store(&worker_result, 0);
	th = harness_spawn(fast_rounds_main, NULL);
	while (!atomic_load(&worker_attached))
		sched_yield();
	/* Hold the internal mutex for the whole run: a fast path that took
	 * it would stall until we let go. */
	ck_assert_int_eq(pthread_mutex_lock(&gil->lock), 0);
	atomic_store(&worker_go, 1);
	deadline = harness_now_ns() + 10000000000ull;
	while ((result = atomic_load(&worker_result)) == 0 &&
	       harness_now_ns() < deadline)
		sched_yield();
	ck_assert_int_eq(pthread_mutex_unlock(&gil->lock), 0);
	atomic_store(&worker_go, 2);
	harness_join(th);
	ck_assert_msg(result == 1, "10,000 uncontended rounds did not finish "
		      "while the internal mutex was held (result %d)", result);
}
END_TEST

/* A waiter that, once it has the lock, holds it until told to go. */
#define WAKE_WAITERS 20

static atomic_int hold_until_told;
static atomic_int first_holder;

struct wake_waiter {
	int id;
	pthread_t thread;
	bfsgil_thread_t *handle;
};

static void *
wake_waiter_main(void *arg)
{
	struct wake_waiter *w = arg;

	ck_assert_int_eq(bfsgil_attach(gil, &w->handle), 0);
	ck_assert_int_eq(bfsgil_set_nice(w->handle, w->id - 10), 0);
	ck_assert_int_eq(bfsgil_acquire(w->handle), 0);
	if (atomic_load(&first_holder) < 0) {
		atomic_store(&first_holder, w->id);
		while (atomic_load(&hold_until_told))
			sched_yield();
	}
	ck_assert_int_eq(bfsgil_release(w->handle), 0);
	return NULL;
}

START_TEST(handoff_wakes_the_chosen_waiter_alone)
{
	struct wake_waiter w[WAKE_WAITERS];
	bfsgil_thread_t *self;
	struct bfsgil_stats st;
	uint64_t others = 0;

	/* Ten-second slices: no watcher's timer fires during the test. */
	ck_assert_int_eq(bfsgil_ctl_set(gil, "slice_us", 10000000), 0);
	ck_assert_int_eq(bfsgil_attach(gil, &self), 0);
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	atomic_store(&first_holder, -1);
	atomic_store(&hold_until_told, 1);
	for (int i = 0; i < WAKE_WAITERS; i++) {
		w[i].id = i;
		w[i].thread = harness_spawn(wake_waiter_main, &w[i]);
		harness_wait_for_waiters(gil, (uint64_t)i + 1);
	}
	ck_assert_int_eq(bfsgil_release(self), 0);
	while (atomic_load(&first_holder) < 0)
		sched_yield();
	/* Nice -10 (id 0) has the earliest deadline: it holds now. */
	ck_assert_int_eq(atomic_load(&first_holder), 0);
	ck_assert_int_eq(bfsgil_thread_stats(w[0].handle, &st), 0);
	ck_assert_uint_eq(st.wakeups, 1);
	for (int i = 1; i < WAKE_WAITERS; i++) {
		ck_assert_int_eq(bfsgil_thread_stats(w[i].handle, &st), 0);
		others += st.wakeups;
	}
	/* At most one other waiter was poked, to watch the new holder's
	 * slice; a broadcast would have woken all nineteen. */
	ck_assert_uint_le(others, 1);
	atomic_store(&hold_until_told, 0);
	for (int i = 0; i < WAKE_WAITERS; i++) {
		harness_join(w[i].thread);
		ck_assert_int_eq(bfsgil_detach(w[i].handle), 0);
	}
	ck_assert_int_eq(bfsgil_detach(self), 0);
}
END_TEST

Suite *
make_suite(void)
{
	Suite *s = suite_create("fastpath");
	const struct harness_case cases[] = {
		{ "no_mutex", uncontended_acquire_release_take_no_internal_mutex, 20 },
		{ "wake_alone", handoff_wakes_the_chosen_waiter_alone, 20 },
		{ "no_syscall", uncontended_acquire_release_make_no_system_call, 20 },
	};
	size_t n = HARNESS_NCASES(cases);

	/* The seccomp child cannot prove anything under ThreadSanitizer,
	 * whose own runtime makes system calls (it hung there), nor under
	 * valgrind, which makes them for every thread it runs. */
	if (HARNESS_UNDER_TSAN) {
		n--;
		printf("fastpath: no_syscall left out under ThreadSanitizer\n");
	} else if (HARNESS_UNDER_VALGRIND) {
		n--;
		printf("fastpath: no_syscall left out under valgrind\n");
	}
	harness_add_cases(s, cases, n, setup, teardown);
	return s;
}
