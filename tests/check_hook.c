/*
 * check_hook.c: event hooks and per-thread data (bfsgil/hook.h).
 *
 * The ASKED event is what lets a host preempt without polling: each case
 * makes the lock ask a holder to give way in a way that cannot be missed
 * (a nice -20 waiter behind a nice 19 holder, with one-second slices, is
 * asked for at once) and checks what the hook was told, and when.
 */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "fixture_nice.h"

/* What one hook saw (written by the asking thread, under the lock's
 * mutex; read after joining it). */
struct seen {
	atomic_int calls;
	bfsgil_thread_t *thread;
	void *data;
	bool flag_was_set;	/* should_yield already true for it */
	uint64_t time_ns, deadline_ns;
	unsigned type;
};

static void
record(const struct bfsgil_event *ev, void *arg)
{
	struct seen *s = arg;

	s->thread = ev->thread;
	s->data = bfsgil_thread_data(ev->thread);
	s->flag_was_set = bfsgil_should_yield(ev->thread);
	s->time_ns = ev->time_ns;
	s->deadline_ns = ev->deadline_ns;
	s->type = ev->type;
	atomic_fetch_add(&s->calls, 1);
}

static void
other_hook(const struct bfsgil_event *ev, void *arg)
{
	(void)ev;
	atomic_fetch_add((atomic_int *)arg, 1);
}

/* An urgent thread: attach at nice -20, acquire (which asks the main
 * thread, holding at nice 19, to give way), release, detach. */
static void *
urgent_waiter(void *arg)
{
	bfsgil_thread_t *t;

	(void)arg;
	ck_assert_int_eq(bfsgil_attach(gil, &t), 0);
	ck_assert_int_eq(bfsgil_set_nice(t, -20), 0);
	ck_assert_int_eq(bfsgil_acquire(t), 0);
	ck_assert_int_eq(bfsgil_release(t), 0);
	ck_assert_int_eq(bfsgil_detach(t), 0);
	return NULL;
}

/* Hold at nice 19 until an urgent waiter has asked, then yield to it. */
static void
get_asked_once(void)
{
	pthread_t w;

	ck_assert_int_eq(bfsgil_set_nice(self, 19), 0);
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	w = harness_spawn(urgent_waiter, NULL);
	while (!bfsgil_should_yield(self))
		sched_yield();
	ck_assert_int_eq(bfsgil_yield(self), 0);
	ck_assert_int_eq(bfsgil_release(self), 0);
	harness_join(w);
}

START_TEST(asked_event_names_the_holder_after_its_flag_is_set)
{
	struct seen s = { 0 };
	int mine;
	uint64_t before, after;

	ck_assert_int_eq(bfsgil_thread_set_data(self, &mine), 0);
	ck_assert_int_eq(bfsgil_hook_add(gil, BFSGIL_EVENT_ASKED, record, &s),
			 0);
	before = harness_now_ns();
	get_asked_once();
	after = harness_now_ns();
	ck_assert_int_eq(atomic_load(&s.calls), 1);
	ck_assert_ptr_eq(s.thread, self);
	ck_assert_ptr_eq(s.data, &mine);
	ck_assert_uint_eq(s.type, BFSGIL_EVENT_ASKED);
	ck_assert(s.flag_was_set);
	ck_assert_uint_ge(s.time_ns, before);
	ck_assert_uint_le(s.time_ns, after);
	/* Nice 19 with one-second slices: the deadline is seconds out. */
	ck_assert_uint_gt(s.deadline_ns, s.time_ns + 1000000000ull);
	ck_assert_int_eq(bfsgil_hook_remove(gil, record, &s), 0);
}
END_TEST

START_TEST(one_event_per_request_to_every_hook_registered_for_it)
{
	struct seen a = { 0 }, b = { 0 };
	struct bfsgil_stats before, after;
	int i;

	ck_assert_int_eq(bfsgil_hook_add(gil, BFSGIL_EVENT_ASKED, record, &a),
			 0);
	ck_assert_int_eq(bfsgil_hook_add(gil, BFSGIL_EVENT_ALL, record, &b),
			 0);
	ck_assert_int_eq(bfsgil_stats(gil, &before), 0);
	for (i = 0; i < 5; i++)
		get_asked_once();
	ck_assert_int_eq(bfsgil_stats(gil, &after), 0);
	ck_assert_uint_eq(after.preempt_requests - before.preempt_requests, 5);
	ck_assert_int_eq(atomic_load(&a.calls), 5);
	ck_assert_int_eq(atomic_load(&b.calls), 5);
	ck_assert_int_eq(bfsgil_hook_remove(gil, record, &a), 0);
	ck_assert_int_eq(bfsgil_hook_remove(gil, record, &b), 0);
}
END_TEST

START_TEST(removed_hook_is_not_called_again)
{
	struct seen s = { 0 };
	atomic_int other = 0;

	ck_assert_int_eq(bfsgil_hook_add(gil, BFSGIL_EVENT_ASKED, record, &s),
			 0);
	ck_assert_int_eq(bfsgil_hook_add(gil, BFSGIL_EVENT_ASKED, other_hook,
					 &other), 0);
	get_asked_once();
	ck_assert_int_eq(bfsgil_hook_remove(gil, record, &s), 0);
	get_asked_once();
	ck_assert_int_eq(atomic_load(&s.calls), 1);
	ck_assert_int_eq(atomic_load(&other), 2);
	ck_assert_int_eq(bfsgil_hook_remove(gil, record, &s), ENOENT);
	ck_assert_int_eq(bfsgil_hook_remove(gil, other_hook, &other), 0);
}
END_TEST

START_TEST(bad_hook_calls_are_refused_and_change_nothing)
{
	struct seen s = { 0 }, extra[BFSGIL_HOOKS_MAX];
	int i;

	ck_assert_int_eq(bfsgil_hook_add(NULL, BFSGIL_EVENT_ASKED, record, &s),
			 EINVAL);
	ck_assert_int_eq(bfsgil_hook_add(gil, BFSGIL_EVENT_ASKED, NULL, &s),
			 EINVAL);
	ck_assert_int_eq(bfsgil_hook_add(gil, 0, record, &s), EINVAL);
	ck_assert_int_eq(bfsgil_hook_add(gil, BFSGIL_EVENT_ALL << 1, record,
					 &s), EINVAL);
	ck_assert_int_eq(bfsgil_hook_remove(NULL, record, &s), EINVAL);
	ck_assert_int_eq(bfsgil_hook_remove(gil, NULL, &s), EINVAL);
	ck_assert_int_eq(bfsgil_hook_remove(gil, record, &s), ENOENT);

	ck_assert_int_eq(bfsgil_hook_add(gil, BFSGIL_EVENT_ASKED, record, &s),
			 0);
	ck_assert_int_eq(bfsgil_hook_add(gil, BFSGIL_EVENT_ASKED, record, &s),
			 EEXIST);
	/* The same function with other data is another hook. */
	memset(extra, 0, sizeof(extra));
	for (i = 0; i < BFSGIL_HOOKS_MAX - 1; i++)
		ck_assert_int_eq(bfsgil_hook_add(gil, BFSGIL_EVENT_ASKED,
						 record, &extra[i]), 0);
	ck_assert_int_eq(bfsgil_hook_add(gil, BFSGIL_EVENT_ASKED, record,
					 &extra[i]), EAGAIN);
	/* None of the refusals disturbed the hooks in place. */
	get_asked_once();
	ck_assert_int_eq(atomic_load(&s.calls), 1);
	for (i = 0; i < BFSGIL_HOOKS_MAX; i++)
		ck_assert_int_eq(atomic_load(&extra[i].calls),
				 i < BFSGIL_HOOKS_MAX - 1);
	for (i = 0; i < BFSGIL_HOOKS_MAX - 1; i++)
		ck_assert_int_eq(bfsgil_hook_remove(gil, record, &extra[i]), 0);
	ck_assert_int_eq(bfsgil_hook_remove(gil, record, &s), 0);
}
END_TEST

START_TEST(thread_data_is_the_hosts_own_pointer)
{
	int x;

	ck_assert_ptr_null(bfsgil_thread_data(self));
	ck_assert_int_eq(bfsgil_thread_set_data(self, &x), 0);
	ck_assert_ptr_eq(bfsgil_thread_data(self), &x);
	ck_assert_int_eq(bfsgil_thread_set_data(NULL, &x), EINVAL);
	ck_assert_ptr_null(bfsgil_thread_data(NULL));
	ck_assert_int_eq(bfsgil_thread_set_data(self, NULL), 0);
	ck_assert_ptr_null(bfsgil_thread_data(self));
}
END_TEST

/* A child of fork() keeps the parent's hooks: the ASKED event still
 * fires there (exit status: 0 if it did). */
START_TEST(hooks_survive_fork)
{
	struct seen s = { 0 };
	pid_t pid;
	int status;

	ck_assert_int_eq(bfsgil_hook_add(gil, BFSGIL_EVENT_ASKED, record, &s),
			 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		if (bfsgil_after_fork_child(gil, self) != 0)
			_exit(2);
		if (bfsgil_release(self) != 0)
			_exit(3);
		get_asked_once();
		_exit(atomic_load(&s.calls) == 1 ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_int_eq(bfsgil_hook_remove(gil, record, &s), 0);
}
END_TEST

Suite *
make_suite(void)
{
	Suite *s = suite_create("hook");
	const struct harness_case cases[] = {
		{ "asked_event_names_the_holder_after_its_flag_is_set",
		  asked_event_names_the_holder_after_its_flag_is_set, 20 },
		{ "one_event_per_request_to_every_hook_registered_for_it",
		  one_event_per_request_to_every_hook_registered_for_it, 20 },
		{ "removed_hook_is_not_called_again",
		  removed_hook_is_not_called_again, 20 },
		{ "bad_hook_calls_are_refused_and_change_nothing",
		  bad_hook_calls_are_refused_and_change_nothing, 20 },
		{ "thread_data_is_the_hosts_own_pointer",
		  thread_data_is_the_hosts_own_pointer, 10 },
		{ "hooks_survive_fork", hooks_survive_fork, 20 },
	};

	harness_add_cases(s, cases, HARNESS_NCASES(cases), setup, teardown);
	return s;
}
