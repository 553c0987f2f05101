/*
 * check_hook.c: event hooks and per-thread data (bfsgil/hook.h).
 *
 * The ASKED event is what lets a host preempt without polling: its cases
 * make the lock ask a holder to give way in a way that cannot be missed
 * (a nice -20 waiter behind a nice 19 holder, with one-second slices, is
 * asked for at once) and check what the hook was told, and when.  The
 * own events (WAIT, ACQUIRED, RELEASED, ATTACH) and DETACH are what a
 * trace is drawn from: their cases check each thread's sequence, the
 * other thread each names, and that their times never show two holders.
 */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "fixture_nice.h"

/* What one hook saw of the ASKED events (written by the asking thread,
 * under the lock's mutex; read after joining it). */
struct seen {
	atomic_int calls;
	bfsgil_thread_t *thread, *other;
	void *data;
	bool flag_was_set;	/* should_yield already true for it */
	uint64_t time_ns, deadline_ns;
	unsigned type, reason, asks;
};

static void
record(const struct bfsgil_event *ev, void *arg)
{
	struct seen *s = arg;

	if (ev->type != BFSGIL_EVENT_ASKED)
		return;
	s->thread = ev->thread;
	s->other = ev->other;
	s->data = bfsgil_thread_data(ev->thread);
	s->flag_was_set = bfsgil_should_yield(ev->thread);
	s->time_ns = ev->time_ns;
	s->deadline_ns = ev->deadline_ns;
	s->asks = ev->asks;
	s->type = ev->type;
	s->reason = ev->reason;
	atomic_fetch_add(&s->calls, 1);
}

static void
other_hook(const struct bfsgil_event *ev, void *arg)
{
	(void)ev;
	atomic_fetch_add((atomic_int *)arg, 1);
}

/*
 * A log of events, in the order their callbacks ran.  Callbacks of
 * different threads run at once, so it has a mutex of its own (a test's
 * callback may block briefly; a host's should not).
 */
#define LOG_MAX 4096
struct log {
	pthread_mutex_t lock;
	int n;
	struct bfsgil_event ev[LOG_MAX];
};

static struct log the_log = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void
log_event(const struct bfsgil_event *ev, void *arg)
{
	struct log *l = arg;

	pthread_mutex_lock(&l->lock);
	if (l->n < LOG_MAX)
		l->ev[l->n++] = *ev;
	pthread_mutex_unlock(&l->lock);
}

/* The types of @t's events in @l, in order, as a string of letters:
 * a(sked) w(ait) A(cquired) R(eleased) +(attach) -(detach). */
static const char *
log_types(const struct log *l, const bfsgil_thread_t *t)
{
	static char out[LOG_MAX + 1];
	int k = 0;

	for (int i = 0; i < l->n; i++) {
		const char *letters = "awAR+-";

		if (l->ev[i].thread != t)
			continue;
		for (int b = 0; b < 6; b++)
			if (l->ev[i].type == 1u << b)
				out[k++] = letters[b];
	}
	out[k] = '\0';
	return out;
}

/* The @nth (from 0) event of @t in @l of @type. */
static const struct bfsgil_event *
log_find(const struct log *l, const bfsgil_thread_t *t, unsigned type, int nth)
{
	for (int i = 0; i < l->n; i++)
		if (l->ev[i].thread == t && l->ev[i].type == type && nth-- == 0)
			return &l->ev[i];
	ck_abort_msg("no event %u #%d", type, nth);
	return NULL;
}

/* An urgent thread: attach at nice -20, acquire (which asks the main
 * thread, holding at nice 19, to give way), release, detach.  Its
 * handle goes to *@arg if not NULL (it is freed by then: compare only). */
static void *
urgent_waiter(void *arg)
{
	bfsgil_thread_t *t;

	ck_assert_int_eq(bfsgil_attach(gil, &t), 0);
	if (arg != NULL)
		*(bfsgil_thread_t **)arg = t;
	ck_assert_int_eq(bfsgil_set_nice(t, -20), 0);
	ck_assert_int_eq(bfsgil_acquire(t), 0);
	ck_assert_int_eq(bfsgil_release(t), 0);
	ck_assert_int_eq(bfsgil_detach(t), 0);
	return NULL;
}

/* Hold at nice 19 until an urgent waiter has asked, then yield to it;
 * the waiter's handle goes to *@urgent if not NULL. */
static void
get_asked_once_by(bfsgil_thread_t **urgent)
{
	pthread_t w;

	ck_assert_int_eq(bfsgil_set_nice(self, 19), 0);
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	w = harness_spawn(urgent_waiter, urgent);
	while (!bfsgil_should_yield(self))
		sched_yield();
	ck_assert_int_eq(bfsgil_yield(self), 0);
	ck_assert_int_eq(bfsgil_release(self), 0);
	harness_join(w);
}

static void
get_asked_once(void)
{
	get_asked_once_by(NULL);
}

START_TEST(asked_event_names_the_holder_after_its_flag_is_set)
{
	struct seen s = { 0 };
	bfsgil_thread_t *urgent;
	int mine;
	uint64_t before, after;

	ck_assert_int_eq(bfsgil_thread_set_data(self, &mine), 0);
	ck_assert_int_eq(bfsgil_hook_add(gil, BFSGIL_EVENT_ASKED, record, &s),
			 0);
	before = harness_now_ns();
	get_asked_once_by(&urgent);
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
	/* Asked for the urgent waiter, long before the slice ran out. */
	ck_assert_ptr_eq(s.other, urgent);
	ck_assert_uint_eq(s.reason, BFSGIL_ASK_PREEMPT);
	ck_assert_int_eq(bfsgil_hook_remove(gil, record, &s), 0);
}
END_TEST

/* A waiter behind a holder that keeps the lock past its slice, with
 * preemption off: the holder is asked at its slice end, and told so.
 * A holder slow to notice (a loaded machine) is asked again at each
 * slice end after that: each time counted in @asks. */

START_TEST(asked_at_slice_end_says_so)
{
	struct seen s = { 0 };
	pthread_t w;

	ck_assert_int_eq(bfsgil_ctl_set(gil, "preempt", 0), 0);
	ck_assert_int_eq(bfsgil_ctl_set(gil, "slice_us", 2000), 0);
	ck_assert_int_eq(bfsgil_hook_add(gil, BFSGIL_EVENT_ASKED, record, &s),
			 0);
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	w = harness_spawn(harness_acquire_once, gil);
	harness_wait_for_waiters(gil, 1);
	while (!bfsgil_should_yield(self))
		harness_burn_ns(100000);
	ck_assert_int_eq(bfsgil_yield(self), 0);
	ck_assert_int_eq(bfsgil_release(self), 0);
	harness_join(w);
	ck_assert_int_ge(atomic_load(&s.calls), 1);
	ck_assert_uint_eq(s.asks, (unsigned)atomic_load(&s.calls));
	ck_assert_uint_eq(s.reason, BFSGIL_ASK_SLICE_END);
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
	/* record() counts only the ASKED events of the many b gets. */
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

/* Counts events by type: a hook that asked for @mask only. */
struct by_type {
	atomic_int n[6];
};

static void
count_types(const struct bfsgil_event *ev, void *arg)
{
	struct by_type *c = arg;

	for (int b = 0; b < 6; b++)
		if (ev->type == 1u << b)
			atomic_fetch_add(&c->n[b], 1);
}

START_TEST(a_hook_gets_only_the_events_of_its_mask)
{
	struct by_type c = { 0 };

	ck_assert_int_eq(bfsgil_hook_add(gil, BFSGIL_EVENT_ACQUIRED |
					 BFSGIL_EVENT_DETACH, count_types, &c),
			 0);
	/* main: 3 acquires; urgent: attach, wait, acquire, release, detach */
	get_asked_once();
	ck_assert_int_eq(atomic_load(&c.n[2]), 3);	/* ACQUIRED */
	ck_assert_int_eq(atomic_load(&c.n[5]), 1);	/* DETACH */
	for (int b = 0; b < 6; b++)
		if (b != 2 && b != 5)
			ck_assert_int_eq(atomic_load(&c.n[b]), 0);
	ck_assert_int_eq(bfsgil_hook_remove(gil, count_types, &c), 0);
}
END_TEST

/* A thread that takes the free lock, holds it until the main thread
 * waits, then releases and detaches; its handle goes to *@arg. */
static void *
first_holder(void *arg)
{
	bfsgil_thread_t *t;

	ck_assert_int_eq(bfsgil_attach(gil, &t), 0);
	ck_assert_int_eq(bfsgil_acquire(t), 0);
	*(_Atomic(bfsgil_thread_t *) *)arg = t;
	harness_wait_for_waiters(gil, 1);
	ck_assert_int_eq(bfsgil_release(t), 0);
	ck_assert_int_eq(bfsgil_detach(t), 0);
	return NULL;
}

START_TEST(each_thread_sees_its_own_states_in_order_and_who_handed_over)
{
	_Atomic(bfsgil_thread_t *) other = NULL;
	const struct bfsgil_event *rel, *acq;
	bfsgil_thread_t *t;
	pthread_t w;

	the_log.n = 0;
	ck_assert_int_eq(bfsgil_hook_add(gil, BFSGIL_EVENT_ALL, log_event,
					 &the_log), 0);
	w = harness_spawn(first_holder, &other);
	while ((t = atomic_load(&other)) == NULL)
		sched_yield();
	ck_assert_int_eq(bfsgil_acquire(self), 0);	/* waits for t */
	ck_assert_int_eq(bfsgil_release(self), 0);
	harness_join(w);
	ck_assert_int_eq(bfsgil_hook_remove(gil, log_event, &the_log), 0);

	/* t: attached, took the free lock, handed it to us, left. */
	ck_assert_str_eq(log_types(&the_log, t), "+AR-");
	ck_assert_ptr_null(log_find(&the_log, t, BFSGIL_EVENT_ACQUIRED, 0)->other);
	rel = log_find(&the_log, t, BFSGIL_EVENT_RELEASED, 0);
	ck_assert_ptr_eq(rel->other, self);
	/* We waited, were handed the lock by t, and left it free. */
	ck_assert_str_eq(log_types(&the_log, self), "wAR");
	acq = log_find(&the_log, self, BFSGIL_EVENT_ACQUIRED, 0);
	ck_assert_ptr_eq(acq->other, t);
	ck_assert_uint_le(log_find(&the_log, self, BFSGIL_EVENT_WAIT, 0)->time_ns,
			  acq->time_ns);
	/* t's release was timed before it let go, our acquire after. */
	ck_assert_uint_le(rel->time_ns, acq->time_ns);
	ck_assert_ptr_null(log_find(&the_log, self, BFSGIL_EVENT_RELEASED,
				    0)->other);
	/* A deadline once the thread has run; none at attach. */
	ck_assert_uint_eq(log_find(&the_log, t, BFSGIL_EVENT_ATTACH,
				   0)->deadline_ns, 0);
	ck_assert_uint_gt(acq->deadline_ns, 0);
}
END_TEST

START_TEST(a_yield_to_another_sends_released_then_wait)
{
	bfsgil_thread_t *urgent;
	const struct bfsgil_event *rel, *wait, *acq;

	the_log.n = 0;
	ck_assert_int_eq(bfsgil_hook_add(gil, BFSGIL_EVENT_ALL, log_event,
					 &the_log), 0);
	get_asked_once_by(&urgent);
	ck_assert_int_eq(bfsgil_hook_remove(gil, log_event, &the_log), 0);
	/* Took it free, was asked, yielded (released, waited), got it back
	 * from the urgent thread, released it. */
	ck_assert_str_eq(log_types(&the_log, self), "AaRwAR");
	rel = log_find(&the_log, self, BFSGIL_EVENT_RELEASED, 0);
	wait = log_find(&the_log, self, BFSGIL_EVENT_WAIT, 0);
	acq = log_find(&the_log, self, BFSGIL_EVENT_ACQUIRED, 1);
	ck_assert_ptr_eq(rel->other, urgent);
	ck_assert_uint_eq(rel->time_ns, wait->time_ns);
	ck_assert_ptr_eq(acq->other, urgent);
	ck_assert_str_eq(log_types(&the_log, urgent), "+wAR-");
	ck_assert_ptr_eq(log_find(&the_log, urgent, BFSGIL_EVENT_ACQUIRED,
				  0)->other, self);
}
END_TEST

/*
 * Threads taking turns under every kind of handoff (release, yield,
 * blocking calls), each logging its own events in a log of its own
 * (found through its thread data), checked afterwards: every thread's
 * events follow the state machine, and no two threads' holds, from
 * ACQUIRED to RELEASED, overlap in time.
 */
#define TURN_THREADS 4
#define TURN_ROUNDS 300
#define TURN_LOG (10 * TURN_ROUNDS + 8)

struct turn_log {
	int n;
	struct bfsgil_event ev[TURN_LOG];
};

static void
log_own(const struct bfsgil_event *ev, void *arg)
{
	struct turn_log *l = bfsgil_thread_data(ev->thread);

	(void)arg;
	/* ATTACH comes before the thread could set its data. */
	if (l != NULL && l->n < TURN_LOG)
		l->ev[l->n++] = *ev;
}

static void *
taking_turns(void *arg)
{
	struct turn_log *l = arg;
	bfsgil_thread_t *t;

	ck_assert_int_eq(bfsgil_attach(gil, &t), 0);
	ck_assert_int_eq(bfsgil_thread_set_data(t, l), 0);
	for (int i = 0; i < TURN_ROUNDS; i++) {
		ck_assert_int_eq(bfsgil_acquire(t), 0);
		harness_burn_ns(2000);
		if (i % 3 == 0)
			ck_assert_int_eq(bfsgil_yield(t), 0);
		if (bfsgil_should_yield(t))
			ck_assert_int_eq(bfsgil_yield(t), 0);
		ck_assert_int_eq(bfsgil_release(t), 0);
		if (i % 5 == 0)
			harness_block_ns(20000);
	}
	ck_assert_int_eq(bfsgil_thread_set_data(t, NULL), 0);
	ck_assert_int_eq(bfsgil_detach(t), 0);
	return NULL;
}

START_TEST(event_times_never_show_two_holders)
{
	static struct turn_log logs[TURN_THREADS];
	static struct { uint64_t from, to; } holds[TURN_THREADS * TURN_ROUNDS * 3];
	pthread_t w[TURN_THREADS];
	int nholds = 0;

	memset(logs, 0, sizeof(logs));
	/* Short slices, so that holders are also asked and yield. */
	ck_assert_int_eq(bfsgil_ctl_set(gil, "slice_us", 50), 0);
	ck_assert_int_eq(bfsgil_hook_add(gil, BFSGIL_EVENT_ALL &
					 ~BFSGIL_EVENT_ASKED, log_own, NULL), 0);
	for (int i = 0; i < TURN_THREADS; i++)
		w[i] = harness_spawn(taking_turns, &logs[i]);
	for (int i = 0; i < TURN_THREADS; i++)
		harness_join(w[i]);
	ck_assert_int_eq(bfsgil_hook_remove(gil, log_own, NULL), 0);

	for (int i = 0; i < TURN_THREADS; i++) {
		const struct turn_log *l = &logs[i];
		bool holding = false;
		uint64_t last = 0, since = 0;

		ck_assert_int_lt(l->n, TURN_LOG);
		for (int k = 0; k < l->n; k++) {
			const struct bfsgil_event *ev = &l->ev[k];

			ck_assert_uint_ge(ev->time_ns, last);
			last = ev->time_ns;
			switch (ev->type) {
			case BFSGIL_EVENT_WAIT:
				ck_assert(!holding);
				break;
			case BFSGIL_EVENT_ACQUIRED:
				ck_assert(!holding);
				holding = true;
				since = ev->time_ns;
				break;
			case BFSGIL_EVENT_RELEASED:
				ck_assert(holding);
				holding = false;
				ck_assert_int_lt(nholds, (int)(sizeof(holds) /
							       sizeof(holds[0])));
				holds[nholds].from = since;
				holds[nholds++].to = ev->time_ns;
				break;
			default:
				ck_abort_msg("unexpected event %u", ev->type);
			}
		}
		ck_assert(!holding);
	}
	/* Sorted by start, each hold ends before the next begins. */
	for (int i = 1; i < nholds; i++)
		for (int k = i; k > 0 && holds[k].from < holds[k - 1].from; k--) {
			__typeof__(holds[0]) x = holds[k];

			holds[k] = holds[k - 1];
			holds[k - 1] = x;
		}
	for (int i = 1; i < nholds; i++)
		ck_assert_msg(holds[i - 1].to <= holds[i].from,
			      "holds overlap: [%llu, %llu] and [%llu, %llu]",
			      (unsigned long long)holds[i - 1].from,
			      (unsigned long long)holds[i - 1].to,
			      (unsigned long long)holds[i].from,
			      (unsigned long long)holds[i].to);
	ck_assert_int_ge(nholds, TURN_THREADS * TURN_ROUNDS);
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

/*
 * bfsgil_hook_remove must not return while a callback it removes is still
 * running in another thread, outside the internal mutex: the caller frees
 * the callback's data next.  The callback, in a thread taking the lock,
 * takes 50 ms once a remover has started; the remover must return after
 * the callback does.
 */
struct slow_cb {
	atomic_int entered, removing;
	_Atomic uint64_t left_ns, removed_ns;
};

static void
slow_callback(const struct bfsgil_event *ev, void *arg)
{
	struct slow_cb *c = arg;

	(void)ev;
	if (atomic_exchange(&c->entered, 1) != 0)
		return;	/* only the first call is slow */
	while (!atomic_load(&c->removing))
		sched_yield();
	harness_burn_ns(50000000);
	atomic_store(&c->left_ns, harness_now_ns());
}

static void *
remove_slow(void *arg)
{
	struct slow_cb *c = arg;

	atomic_store(&c->removing, 1);
	ck_assert_int_eq(bfsgil_hook_remove(gil, slow_callback, c), 0);
	atomic_store(&c->removed_ns, harness_now_ns());
	return NULL;
}

START_TEST(remove_waits_for_a_callback_running_in_another_thread)
{
	struct slow_cb c = { 0 };
	pthread_t taker, remover;
	uint64_t left, removed;

	ck_assert_int_eq(bfsgil_hook_add(gil, BFSGIL_EVENT_ACQUIRED,
					 slow_callback, &c), 0);
	taker = harness_spawn(harness_acquire_once, gil);
	while (!atomic_load(&c.entered))
		sched_yield();
	remover = harness_spawn(remove_slow, &c);
	harness_join(remover);
	harness_join(taker);
	left = atomic_load(&c.left_ns);
	removed = atomic_load(&c.removed_ns);
	ck_assert_uint_ne(left, 0);
	ck_assert_uint_ge(removed, left);
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
	ck_assert_int_eq(bfsgil_hook_add(gil, BFSGIL_EVENT_ALL + 1, record,
					 &s), EINVAL);
	ck_assert_int_eq(bfsgil_hook_add(gil, (BFSGIL_EVENT_ALL + 1) |
					 BFSGIL_EVENT_ASKED, record, &s),
			 EINVAL);
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

/*
 * Ruby's bug 21959: a thread inside a hook callback when another forks
 * left the child's hook lock taken, and the child hung at its next event.
 * Here a thread sits inside an ACQUIRED callback while the main thread
 * forks.  In the child, events still flow, and removing that very hook
 * (whose callback is "running" in a thread the child does not have)
 * returns; its DETACH reports the lost handle.  Exit status 0 if all did.
 */
struct stuck_cb {
	atomic_int inside, let_go;
};

static void
stuck_callback(const struct bfsgil_event *ev, void *arg)
{
	struct stuck_cb *c = arg;

	if (ev->type != BFSGIL_EVENT_ACQUIRED || ev->thread == self)
		return;
	atomic_store(&c->inside, 1);
	while (!atomic_load(&c->let_go))
		sched_yield();
}

static int
child_after_fork_inside_a_callback(struct stuck_cb *c, struct by_type *k)
{
	struct by_type fresh = { 0 };

	if (bfsgil_after_fork_child(gil, self) != 0)
		return 2;
	/* The stuck thread's handle is gone: one DETACH for it. */
	if (atomic_load(&k->n[5]) != 1)
		return 3;
	if (bfsgil_hook_remove(gil, stuck_callback, c) != 0)
		return 4;
	if (bfsgil_hook_add(gil, BFSGIL_EVENT_ALL, count_types, &fresh) != 0)
		return 5;
	if (bfsgil_release(self) != 0 || bfsgil_acquire(self) != 0 ||
	    bfsgil_release(self) != 0)
		return 6;
	if (atomic_load(&fresh.n[2]) != 1 || atomic_load(&fresh.n[3]) != 2)
		return 7;
	return bfsgil_hook_remove(gil, count_types, &fresh) == 0 ? 0 : 8;
}

START_TEST(hooks_survive_fork_while_another_thread_is_inside_a_callback)
{
	struct stuck_cb c = { 0 };
	struct by_type k = { 0 };
	pthread_t w;
	pid_t pid;
	int status;

	ck_assert_int_eq(bfsgil_hook_add(gil, BFSGIL_EVENT_ACQUIRED,
					 stuck_callback, &c), 0);
	ck_assert_int_eq(bfsgil_hook_add(gil, BFSGIL_EVENT_DETACH,
					 count_types, &k), 0);
	w = harness_spawn(harness_acquire_once, gil);
	while (!atomic_load(&c.inside))
		sched_yield();
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0)
		_exit(child_after_fork_inside_a_callback(&c, &k));
	atomic_store(&c.let_go, 1);
	harness_join(w);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_int_eq(bfsgil_hook_remove(gil, stuck_callback, &c), 0);
	ck_assert_int_eq(bfsgil_hook_remove(gil, count_types, &k), 0);
}
END_TEST

/*
 * A callback that reaches a cancellation point in a thread with a
 * cancellation pending: were it cancelled there, its thread would stay
 * "inside" for ever and every later bfsgil_hook_remove would wait for it,
 * holding the internal mutex.  Callbacks run with cancellation disabled:
 * the thread is cancelled at its next point after the call, and the
 * remove returns (the case's timeout bounds it).
 */
static atomic_int cancel_seen;
static bfsgil_thread_t *cancelled_handle;	/* read after the join */
static int released = -1;			/* likewise */

static void
cancel_point_callback(const struct bfsgil_event *ev, void *arg)
{
	(void)ev;
	(void)arg;
	atomic_fetch_add(&cancel_seen, 1);
	pthread_testcancel();	/* a cancellation point, like write() */
}

static void *
cancelled_releaser(void *arg)
{
	bfsgil_thread_t *t;

	(void)arg;
	ck_assert_int_eq(bfsgil_attach(gil, &t), 0);
	cancelled_handle = t;
	ck_assert_int_eq(bfsgil_acquire(t), 0);
	/* Cancel ourselves: pending, acted on at the next point.  No
	 * ck_assert until then: Check's asserts write to a pipe, which is
	 * a cancellation point. */
	pthread_cancel(pthread_self());
	released = bfsgil_release(t);		/* RELEASED's callback */
	pthread_testcancel();			/* cancelled here */
	ck_abort_msg("not cancelled after the callback");
	return NULL;
}

START_TEST(a_cancellation_inside_a_callback_waits_until_after_it)
{
	pthread_t w;
	void *ret;

	atomic_store(&cancel_seen, 0);
	ck_assert_int_eq(bfsgil_hook_add(gil, BFSGIL_EVENT_RELEASED,
					 cancel_point_callback, NULL), 0);
	w = harness_spawn(cancelled_releaser, NULL);
	ck_assert_int_eq(pthread_join(w, &ret), 0);
	ck_assert_ptr_eq(ret, PTHREAD_CANCELED);
	ck_assert_int_eq(released, 0);
	ck_assert_int_eq(atomic_load(&cancel_seen), 1);
	/* Returns: the cancelled thread left its callback. */
	ck_assert_int_eq(bfsgil_hook_remove(gil, cancel_point_callback, NULL),
			 0);
	/* The lock is free and usable, and the dead thread's handle can be
	 * detached. */
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	ck_assert_int_eq(bfsgil_release(self), 0);
	ck_assert_int_eq(bfsgil_detach(cancelled_handle), 0);
}
END_TEST

/* A handle left by a thread that exited, detached by another thread: the
 * DETACH event names it and runs in the detaching thread. */
static void *
attach_and_exit(void *arg)
{
	ck_assert_int_eq(bfsgil_attach(gil, (bfsgil_thread_t **)arg), 0);
	return NULL;
}

START_TEST(detach_by_another_thread_names_the_handle)
{
	bfsgil_thread_t *gone;
	uint64_t before;

	the_log.n = 0;
	ck_assert_int_eq(bfsgil_hook_add(gil, BFSGIL_EVENT_ATTACH |
					 BFSGIL_EVENT_DETACH, log_event,
					 &the_log), 0);
	harness_join(harness_spawn(attach_and_exit, &gone));
	before = harness_now_ns();
	ck_assert_int_eq(bfsgil_detach(gone), 0);
	ck_assert_int_eq(bfsgil_hook_remove(gil, log_event, &the_log), 0);
	ck_assert_str_eq(log_types(&the_log, gone), "+-");
	ck_assert_uint_ge(log_find(&the_log, gone, BFSGIL_EVENT_DETACH,
				   0)->time_ns, before);
	/* A refused detach (we hold the lock) sends nothing. */
	the_log.n = 0;
	ck_assert_int_eq(bfsgil_hook_add(gil, BFSGIL_EVENT_DETACH, log_event,
					 &the_log), 0);
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	ck_assert_int_eq(bfsgil_detach(self), EBUSY);
	ck_assert_int_eq(bfsgil_release(self), 0);
	ck_assert_int_eq(bfsgil_hook_remove(gil, log_event, &the_log), 0);
	ck_assert_int_eq(the_log.n, 0);
}
END_TEST

/*
 * An event's @other is an identity only: here the thread that handed
 * the lock over detaches (its handle freed) before the receiver's
 * ACQUIRED callback runs.  The callback gets the old pointer, to
 * compare, and the giver's id, read while it was alive; the library
 * itself never touches the freed handle (ASan would say so).
 */
struct giver_gone {
	bfsgil_thread_t *receiver, *giver;
	uint64_t giver_id;
	atomic_int giver_detached, seen;
	bfsgil_thread_t *other;
	uint64_t other_id, thread_id;
};

static struct giver_gone gg;

static void
acquired_after_giver_left(const struct bfsgil_event *ev, void *data)
{
	(void)data;
	if (ev->type != BFSGIL_EVENT_ACQUIRED || ev->thread != gg.receiver ||
	    ev->other == NULL)
		return;
	/* Hold the receiver here until the giver is gone (test only: a
	 * real callback must not wait). */
	while (!atomic_load(&gg.giver_detached))
		sched_yield();
	gg.other = ev->other;
	gg.other_id = ev->other_id;
	gg.thread_id = ev->thread_id;
	atomic_store(&gg.seen, 1);
}

static void *
receiver_main(void *arg)
{
	(void)arg;
	ck_assert_int_eq(bfsgil_attach(gil, &gg.receiver), 0);
	ck_assert_int_eq(bfsgil_acquire(gg.receiver), 0);
	ck_assert_int_eq(bfsgil_release(gg.receiver), 0);
	ck_assert_int_eq(bfsgil_detach(gg.receiver), 0);
	return NULL;
}

START_TEST(other_names_a_thread_that_has_since_detached)
{
	pthread_t r;
	uint64_t receiver_id;

	memset(&gg, 0, sizeof(gg));
	ck_assert_int_eq(bfsgil_hook_add(gil, BFSGIL_EVENT_ACQUIRED,
					 acquired_after_giver_left, NULL), 0);
	ck_assert_int_eq(bfsgil_attach(gil, &gg.giver), 0);
	gg.giver_id = bfsgil_thread_id(gg.giver);
	ck_assert_int_eq(bfsgil_acquire(gg.giver), 0);
	r = harness_spawn(receiver_main, NULL);
	harness_wait_for_waiters(gil, 1);
	receiver_id = bfsgil_thread_id(gg.receiver);
	ck_assert_int_eq(bfsgil_release(gg.giver), 0);
	ck_assert_int_eq(bfsgil_detach(gg.giver), 0);
	atomic_store(&gg.giver_detached, 1);
	harness_join(r);
	ck_assert_int_eq(atomic_load(&gg.seen), 1);
	ck_assert_ptr_eq(gg.other, gg.giver);	/* the old pointer, compared */
	ck_assert_uint_eq(gg.other_id, gg.giver_id);
	ck_assert_uint_eq(gg.thread_id, receiver_id);
	ck_assert_int_eq(bfsgil_hook_remove(gil, acquired_after_giver_left,
					    NULL), 0);
}
END_TEST

/* LEFT: a waiter that times out or is interrupted says so, with why. */
static atomic_uint left_reason;
static atomic_int left_calls;

static void
record_left(const struct bfsgil_event *ev, void *data)
{
	(void)data;
	if (ev->type != BFSGIL_EVENT_LEFT)
		return;
	atomic_store(&left_reason, ev->reason);
	atomic_fetch_add(&left_calls, 1);
}

/*
 * The time-out is far enough ahead that the thread queues before it
 * passes even under valgrind (2 ms was not: helgrind reached the call
 * after it, and a time-out already past fails before queuing, which
 * sends no LEFT; the case below checks that too).
 */
static void *
timed_out_main(void *arg)
{
	bfsgil_thread_t *t;
	struct timespec at;

	(void)arg;
	ck_assert_int_eq(bfsgil_attach(gil, &t), 0);
	at = harness_timespec(harness_now_ns() + 100000000);
	ck_assert_int_eq(bfsgil_timedacquire(t, &at), ETIMEDOUT);
	ck_assert_int_eq(bfsgil_detach(t), 0);
	return NULL;
}

static void *
past_time_out_main(void *arg)
{
	bfsgil_thread_t *t;
	struct timespec past = harness_timespec(1);

	(void)arg;
	ck_assert_int_eq(bfsgil_attach(gil, &t), 0);
	ck_assert_int_eq(bfsgil_timedacquire(t, &past), ETIMEDOUT);
	ck_assert_int_eq(bfsgil_detach(t), 0);
	return NULL;
}

static bfsgil_thread_t *interrupted;
static atomic_int interrupted_ready;

static void *
interrupted_main(void *arg)
{
	(void)arg;
	ck_assert_int_eq(bfsgil_attach(gil, &interrupted), 0);
	atomic_store(&interrupted_ready, 1);
	ck_assert_int_eq(bfsgil_acquire(interrupted), EINTR);
	ck_assert_int_eq(bfsgil_detach(interrupted), 0);
	return NULL;
}

START_TEST(a_waiter_that_leaves_says_why)
{
	pthread_t t;

	atomic_store(&left_calls, 0);
	atomic_store(&interrupted_ready, 0);
	ck_assert_int_eq(bfsgil_hook_add(gil, BFSGIL_EVENT_LEFT, record_left,
					 NULL), 0);
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	t = harness_spawn(past_time_out_main, NULL);
	harness_join(t);
	ck_assert_int_eq(atomic_load(&left_calls), 0);	/* never queued */
	t = harness_spawn(timed_out_main, NULL);
	harness_join(t);
	ck_assert_int_eq(atomic_load(&left_calls), 1);
	ck_assert_uint_eq(atomic_load(&left_reason), ETIMEDOUT);
	t = harness_spawn(interrupted_main, NULL);
	while (!atomic_load(&interrupted_ready))
		sched_yield();
	harness_wait_for_waiters(gil, 1);
	ck_assert_int_eq(bfsgil_interrupt(interrupted), 0);
	harness_join(t);
	ck_assert_int_eq(atomic_load(&left_calls), 2);
	ck_assert_uint_eq(atomic_load(&left_reason), EINTR);
	ck_assert_int_eq(bfsgil_release(self), 0);
	ck_assert_int_eq(bfsgil_hook_remove(gil, record_left, NULL), 0);
}
END_TEST

Suite *
make_suite(void)
{
	Suite *s = suite_create("hook");
	const struct harness_case cases[] = {
		{ "bad_hook_calls_are_refused_and_change_nothing",
		  bad_hook_calls_are_refused_and_change_nothing, 20 },
		{ "asked_event_names_the_holder_after_its_flag_is_set",
		  asked_event_names_the_holder_after_its_flag_is_set, 20 },
		{ "asked_at_slice_end_says_so", asked_at_slice_end_says_so,
		  20 },
		{ "one_event_per_request_to_every_hook_registered_for_it",
		  one_event_per_request_to_every_hook_registered_for_it, 20 },
		{ "a_hook_gets_only_the_events_of_its_mask",
		  a_hook_gets_only_the_events_of_its_mask, 20 },
		{ "each_thread_sees_its_own_states_in_order_and_who_handed_over",
		  each_thread_sees_its_own_states_in_order_and_who_handed_over,
		  20 },
		{ "a_yield_to_another_sends_released_then_wait",
		  a_yield_to_another_sends_released_then_wait, 20 },
		{ "event_times_never_show_two_holders",
		  event_times_never_show_two_holders, 60 },
		{ "removed_hook_is_not_called_again",
		  removed_hook_is_not_called_again, 20 },
		{ "remove_waits_for_a_callback_running_in_another_thread",
		  remove_waits_for_a_callback_running_in_another_thread, 20 },
		{ "a_cancellation_inside_a_callback_waits_until_after_it",
		  a_cancellation_inside_a_callback_waits_until_after_it, 10 },
		{ "detach_by_another_thread_names_the_handle",
		  detach_by_another_thread_names_the_handle, 20 },
		{ "thread_data_is_the_hosts_own_pointer",
		  thread_data_is_the_hosts_own_pointer, 10 },
		{ "hooks_survive_fork", hooks_survive_fork, 20 },
		{ "hooks_survive_fork_while_another_thread_is_inside_a_callback",
		  hooks_survive_fork_while_another_thread_is_inside_a_callback,
		  20 },
		{ "other_after_detach", other_names_a_thread_that_has_since_detached, 10 },
		{ "left_says_why", a_waiter_that_leaves_says_why, 10 },
	};

	harness_add_cases(s, cases, HARNESS_NCASES(cases), setup, teardown);
	return s;
}
