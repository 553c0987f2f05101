/*
 * handoff.c: acquire, release and yield; the pthreads plumbing around the
 * decisions in policy.c.
 *
 * Fast paths (nobody waiting) are one CAS on gil->state each, with no
 * clock read: held time counts against a slice only while another thread
 * waits (policy.h's POLICY_UNTIMED), so with nobody waiting there is
 * nothing to time.  Whoever makes the lock contended starts the holder's
 * clock, with the mutex held.  Everything else happens with gil->lock
 * held: queueing by deadline, asking the holder to give way, and handing
 * the lock straight to the earliest waiter, which alone is woken, in its
 * own park (park.h: a futex word on Linux, else a condvar).
 * A woken waiter returns holding the GIL without re-taking gil->lock.
 *
 * Events (hook.h): each place that would send one first asks
 * gil_hooked() (gil_hooked_fast() on the fast paths), one relaxed load;
 * the rest lives in cold helpers.  Own
 * events are built under the mutex where there is one, with the time the
 * scheduler used, and sent once it is released.  A release's time is
 * read before the lock is let go and an acquire's after it is had, so in
 * a trace no two threads ever seem to hold at once.
 */
#include <errno.h>
#include <pthread.h>

#include "annotate.h"
#include "clock.h"
#include "gil.h"
#include "invariant.h"

/* The argument check shared by acquire, release and yield: a handle,
 * used by the thread that attached it. */
static inline int
thread_check_caller(const struct bfsgil_thread *t)
{
	if (t == NULL)
		return EINVAL;
	if (!pthread_equal(t->owner, pthread_self()))
		return EPERM;
	return 0;
}

static inline void
thread_set_yield_request(struct bfsgil_thread *t, int v)
{
	__atomic_store_n(&t->head.yield_requested, v, __ATOMIC_RELAXED);
}

/* @t's slice as it stands at @now, its clock started when it began to
 * run (policy_running_start); mutex held or @t the caller. */
static struct policy_slice
thread_slice_view(const struct bfsgil_thread *t, uint64_t now)
{
	struct policy_slice s = t->slice;

	s.start = policy_running_start(
		s.start, atomic_load_explicit(&t->woke_at, memory_order_relaxed),
		now);
	return s;
}

/* Would a waiter with @deadline ask @holder to give way at @now (mutex
 * held)?  The holder's slice as it stands goes in *@view. */
static bool
gil_should_ask(const struct bfsgil *gil, const struct bfsgil_thread *holder,
	       uint64_t deadline, uint64_t now, struct policy_slice *view)
{
	*view = thread_slice_view(holder, now);
	return policy_should_ask(deadline, view, now, gil_slice_ns(gil),
				 thread_ratio(holder),
				 tunable_get(&gil->tunables, TUNABLE_PREEMPT) != 0);
}

/* The thread stops holding at @now: charge its slice, count the time
 * (zero if nobody waited: its start is then POLICY_UNTIMED). */
static void
thread_charge(struct bfsgil_thread *t, uint64_t now)
{
	uint64_t expired, held;

	t->slice = thread_slice_view(t, now);
	held = now > t->slice.start ? now - t->slice.start : 0;
	expired = policy_charge(&t->slice, now, gil_slice_ns(t->gil),
				thread_ratio(t));

	counter_add(&t->counters.contended_hold_ns, held);
	if (expired)
		counter_add(&t->counters.slice_expiries, expired);
}

/* Tell the hooks that @holder, whose slice stands as @view, was asked
 * to give way at @now for @waiter (mutex held). */
static void __attribute__((noinline, cold))
gil_send_asked(struct bfsgil *gil, struct bfsgil_thread *holder,
	       const struct policy_slice *view, struct bfsgil_thread *waiter,
	       uint64_t now)
{
	struct bfsgil_event ev = gil_event(BFSGIL_EVENT_ASKED, holder, now,
					   waiter);

	ev.deadline_ns = view->deadline;
	ev.reason = policy_slice_ran_out(view, now, gil_slice_ns(gil),
					 thread_ratio(holder))
			    ? BFSGIL_ASK_SLICE_END
			    : BFSGIL_ASK_PREEMPT;
	hook_send_locked(gil, &ev);
}

/* An acquire's ACQUIRED, its time read now that the lock is ours (after
 * a CAS on the state word: its line is at hand). */
static inline void
thread_acquired(struct bfsgil_thread *self, struct bfsgil_thread *from)
{
	if (gil_hooked_fast(self->gil, BFSGIL_EVENT_ACQUIRED))
		hook_send_own_at(self, BFSGIL_EVENT_ACQUIRED, clock_now_ns(),
				 from);
}

/*
 * Make sure the holder will be asked to give way when it should (mutex
 * held): at once if the earliest waiter's deadline beats the holder's
 * effective one (policy_should_ask), else when the holder's slice ends.
 * For the latter one waiter, the watcher, sleeps in a timed wait until
 * then; every other waiter sleeps untimed, so a queue of a thousand costs
 * one timer, not a thousand.
 *
 * Called whenever the holder, its slice, or the head of the queue changed.
 * @self is the calling thread if it is about to wait (it can then watch
 * without anyone being woken), else NULL.
 */
static void
gil_watch(struct bfsgil *gil, struct bfsgil_thread *self, uint64_t now)
{
	uintptr_t s = atomic_load_explicit(&gil->state, memory_order_relaxed);
	struct bfsgil_thread *holder = gil_state_holder(s);
	struct runq_node *first = runq_peek_earliest(&gil->runq);
	struct policy_slice view;
	struct bfsgil_thread *w;
	uint64_t end;

	if (first == NULL) {
		gil->watcher = NULL;
		return;
	}
	BFSGIL_ASSERT(holder != NULL && (s & GIL_WAITERS));
	/* Whoever made the lock contended started the holder's clock. */
	BFSGIL_DEBUG_ASSERT(holder->slice.start != POLICY_UNTIMED);
	if (__atomic_load_n(&holder->head.yield_requested, __ATOMIC_RELAXED)) {
		/* Already asked; the handoff that follows calls us again. */
		gil->watcher = NULL;
		return;
	}
	if (gil_should_ask(gil, holder, first->deadline, now, &view)) {
		thread_set_yield_request(holder, 1);
		counter_add(&holder->counters.preempt_requests, 1);
		/* After the flag: a host armed by the event reads it. */
		if (gil_hooked(gil, BFSGIL_EVENT_ASKED))
			gil_send_asked(gil, holder, &view, thread_of_node(first),
				       now);
		gil->watcher = NULL;
		return;
	}
	end = policy_slice_end(&view, now, gil_slice_ns(gil),
			       thread_ratio(holder));
	if (gil->watcher != NULL && gil->watcher->watch_until <= end)
		return;	/* it wakes early enough and will look again */
	w = self != NULL ? self : gil->watcher != NULL ? gil->watcher
						        : thread_of_node(first);
	BFSGIL_DEBUG_ASSERT(w != holder);
	w->watch_until = end;
	gil->watcher = w;
	if (w != self)
		park_post(&w->park, PARK_POKE);
}

/*
 * How long @self should poll for the lock before it sleeps (mutex
 * held), or 0 not to.  Only a waiter that is next in line while the
 * holder has been asked to give way: the grant is then on its way, and
 * polling for it is cheaper than being woken.  Holders poll
 * should_yield() at their own pace: a C eval loop answers within a
 * microsecond, but a host that must be interrupted (bfsgil-lua signals
 * its holder) answers in tens of microseconds, by which time a waiter
 * that went straight to sleep pays a wake-up on every switch, 100 us or
 * more on a VM (doc/bench/NOTES.md).  Bounded by spin_us, so a holder
 * that does not answer (a long C call keeping the lock) costs at most
 * that much CPU per request.  One poller at a time: becoming the
 * spinner ends an earlier poll (thread_spin looks), so a newcomer that
 * takes the head of the queue does not leave two CPUs polling while
 * the holder needs one to answer.  Never with one CPU (may_spin).
 */
static uint64_t
gil_spin_ns(struct bfsgil *gil, struct bfsgil_thread *self, bool watching)
{
	struct bfsgil_thread *holder = gil_state_holder(
		atomic_load_explicit(&gil->state, memory_order_relaxed));
	uint64_t ns = (uint64_t)tunable_get(&gil->tunables, TUNABLE_SPIN_US) *
		      1000u;

	if (ns == 0 || !gil->may_spin || watching || holder == NULL ||
	    !__atomic_load_n(&holder->head.yield_requested, __ATOMIC_RELAXED) ||
	    runq_peek_earliest(&gil->runq) != &self->node)
		return 0;
	atomic_store_explicit(&gil->spinner, self, memory_order_relaxed);
	return ns;
}

/*
 * Poll our park for up to @ns (gil_spin_ns), until something is posted
 * or another waiter has become the spinner; count what it cost.  What is
 * posted is left for park_wait.  True if a grant came while polling.
 */
static bool
thread_spin(struct bfsgil *gil, struct bfsgil_thread *self, uint64_t ns)
{
	uint64_t start = clock_now_ns(), now = start;
	uint32_t posted;

	for (unsigned i = 1;; i++) {
		posted = park_peek(&self->park);
		if (posted != 0 ||
		    atomic_load_explicit(&gil->spinner, memory_order_relaxed) !=
			    self)
			break;
		cpu_relax();
		/* A clock read costs about 26 ns: one every 64 looks. */
		if (i % 64 == 0 && (now = clock_now_ns()) >= start + ns)
			break;
	}
	if (now < start + ns)
		now = clock_now_ns();
	counter_add(&self->counters.spins, 1);
	counter_add(&self->counters.spin_ns, now - start);
	return (posted & PARK_GRANT) != 0;
}

/*
 * Sleep until a releaser hands us the lock.  Called with gil->lock held
 * and @self queued at @since; returns holding the GIL, with gil->lock
 * released, and says when it woke (it then stores that in woke_at: its
 * clock runs from then, see policy_running_start).  Sends the WAIT
 * event, after a yield's RELEASED if @self just yielded to @yielded_to,
 * and ACQUIRED.
 *
 * The watcher role is read under gil->lock, then the thread sleeps in its
 * park.  Anything that changes the role pokes the park, so a change made
 * between the two cannot be missed; a grant sets a flag in the park, so
 * neither can a handoff.
 */
static uint64_t
gil_wait_for_grant(struct bfsgil *gil, struct bfsgil_thread *self,
		   uint64_t since, struct bfsgil_thread *yielded_to)
{
	bool hooked = gil_hooked(gil, BFSGIL_EVENT_RELEASED |
					      BFSGIL_EVENT_WAIT);
	struct bfsgil_event released, wait;

	if (hooked) {
		released = gil_event(BFSGIL_EVENT_RELEASED, self, since,
				     yielded_to);
		wait = gil_event(BFSGIL_EVENT_WAIT, self, since, NULL);
	}
	for (;;) {
		bool watching = gil->watcher == self;
		uint64_t until = self->watch_until, now;
		uint64_t spin = gil_spin_ns(gil, self, watching);
		uint32_t posted;
		bool spun_in = false;

		pthread_mutex_unlock(&gil->lock);
		if (hooked) {
			/* Once: the grant waits in the park meanwhile. */
			if (yielded_to != NULL)
				hook_send_own(self, &released);
			hook_send_own(self, &wait);
			hooked = false;
		}
		if (spin != 0)
			spun_in = thread_spin(gil, self, spin);
		posted = park_wait(&self->park, watching, until);
		counter_add(&self->counters.wakeups, 1);
		if (posted & PARK_GRANT) {
			/* Seen while polling and still ours: a take-back
			 * (park_revoke) may have taken it in between. */
			if (spun_in)
				counter_add(&self->counters.spin_grants, 1);
			BFSGIL_DEBUG_ASSERT(gil_state_holder(atomic_load_explicit(
				&gil->state, memory_order_acquire)) == self);
			now = clock_now_ns();
			atomic_store_explicit(&self->woke_at, now,
					      memory_order_relaxed);
			if (gil_hooked(gil, BFSGIL_EVENT_ACQUIRED))
				hook_send_own_at(self, BFSGIL_EVENT_ACQUIRED,
						 now, self->handed_by);
			return now;
		}
		pthread_mutex_lock(&gil->lock);
		if (gil->watcher != self)
			continue;
		now = clock_now_ns();
		if (now >= self->watch_until) {
			gil->watcher = NULL;
			gil_watch(gil, self, now);
		}
	}
}

/*
 * Make @to the holder (mutex held), as a handoff and a take-back both do:
 * no longer the watcher, its held time counting from @start, woken at
 * @woke_at (POLICY_ASLEEP until it runs), not asked to give way, and the
 * state word naming it with @waiters (GIL_WAITERS or 0).  The state word
 * is stored last, with release order, so that whoever sees @to as holder
 * sees the rest.
 */
static void
gil_set_holder(struct bfsgil *gil, struct bfsgil_thread *to, uint64_t start,
	       uint64_t woke_at, uintptr_t waiters)
{
	if (gil->watcher == to)
		gil->watcher = NULL;
	policy_start(&to->slice, start);
	atomic_store_explicit(&to->woke_at, woke_at, memory_order_relaxed);
	thread_set_yield_request(to, 0);
	BFSGIL_HAPPENS_BEFORE(&gil->state);
	atomic_store_explicit(&gil->state, (uintptr_t)to | waiters,
			      memory_order_release);
}

/*
 * Pass the lock from @from to the earliest waiter (mutex held, queue not
 * empty).  The state word names the new holder before anyone is woken,
 * so @from cannot take the lock back: its CAS from 0 would fail.
 */
static struct bfsgil_thread *
gil_handoff(struct bfsgil *gil, struct bfsgil_thread *from, uint64_t now)
{
	struct bfsgil_thread *to = thread_of_node(runq_pop_earliest(&gil->runq));
	uintptr_t waiters = runq_len(&gil->runq) ? GIL_WAITERS : 0;

	/* The new holder is timed if others still wait, its clock running
	 * from when it wakes (woke_at, policy_running_start); until then
	 * the watcher sees it as having used nothing.  If nobody waits,
	 * nothing is timed until someone does. */
	gil_set_holder(gil, to, waiters ? now : POLICY_UNTIMED, POLICY_ASLEEP,
		       waiters);
	counter_add(&from->counters.handoffs, 1);
	to->handed_by = from;	/* read by @to once the grant is its own */
	park_post(&to->park, PARK_GRANT);
	return to;
}

/* Count a contended acquisition that began at @asked and ended at @now. */
static void
thread_count_wait(struct bfsgil_thread *t, uint64_t asked, uint64_t now)
{
	uint64_t waited = now > asked ? now - asked : 0;

	counter_add(&t->counters.acquires, 1);
	counter_add(&t->counters.contended, 1);
	counter_add(&t->counters.wait_ns, waited);
	counter_max(&t->counters.max_wait_ns, waited);
}

/*
 * Take the lock back from a holder that was handed it but has not run
 * yet, when @self would ask it to give way at once anyway (mutex held,
 * @self not queued, its deadline issued).  The holder goes back into the
 * queue with its deadline, as if it had yielded the moment it woke, and
 * @self holds without sleeping.  Without this an urgent thread waits for
 * the wake-up of a thread that will only hand the lock straight to it:
 * on this VM such wake-ups took up to 8 ms now and then (traced), the
 * I/O thread's p99.  Returns true if the lock is now ours.
 *
 * The holder's park is the arbiter (park_revoke): either we clear the
 * grant first (it wakes, finds nothing, sleeps on) or it has consumed
 * the grant and we leave it be.
 */
static bool
gil_take_back(struct bfsgil *gil, struct bfsgil_thread *self,
	      struct bfsgil_thread *holder, uint64_t now)
{
	struct policy_slice view;

	if (atomic_load_explicit(&holder->woke_at, memory_order_relaxed) !=
	    POLICY_ASLEEP)
		return false;
	if (!gil_should_ask(gil, holder, self->slice.deadline, now, &view))
		return false;
	if (!park_revoke(&holder->park, PARK_GRANT))
		return false;
	thread_set_yield_request(holder, 0);
	holder->node.deadline = holder->slice.deadline;
	runq_push(&gil->runq, &holder->node);
	/* Running already, and the revoked holder waits. */
	gil_set_holder(gil, self, now, now, GIL_WAITERS);
	gil_watch(gil, NULL, now);
	return true;
}

static int
gil_acquire_slow(struct bfsgil_thread *self)
{
	struct bfsgil *gil = self->gil;
	struct bfsgil_thread *holder, *from = NULL;
	uint64_t now;
	uintptr_t s;
	int cancel, err = 0;
	bool announced = false;

	/* Waiting is not a cancellation point: a thread cancelled in the
	 * middle of the queue would leave it inconsistent. */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	pthread_mutex_lock(&gil->lock);
	for (;;) {
		s = atomic_load_explicit(&gil->state, memory_order_acquire);
		if (s == 0) {
			/* Free, hence nobody queued: take it as the fast
			 * path would, issuing a first slice if need be. */
			now = clock_now_ns();
			policy_request(&self->slice, now, gil_slice_ns(gil),
				       thread_ratio(self));
			policy_start(&self->slice, POLICY_UNTIMED);
			/* Our slice, as the fast path publishes it. */
			BFSGIL_HAPPENS_BEFORE(&gil->state);
			if (atomic_compare_exchange_strong_explicit(
				    &gil->state, &s, (uintptr_t)self,
				    memory_order_acq_rel, memory_order_acquire)) {
				/* From a fast release, which took no mutex. */
				BFSGIL_HAPPENS_AFTER(&gil->state);
				counter_add(&self->counters.acquires, 1);
				goto out;
			}
			continue;
		}
		if (gil_state_holder(s) == self) {
			err = EDEADLK;
			goto out;
		}
		if (s & GIL_WAITERS)
			break;
		/* Announce a waiter; from then on the holder cannot release
		 * without this mutex, so its fields stay put while we read. */
		if (atomic_compare_exchange_strong_explicit(
			    &gil->state, &s, s | GIL_WAITERS,
			    memory_order_acq_rel, memory_order_acquire)) {
			/* The holder's slice, written before its fast
			 * acquire, is ours to read. */
			BFSGIL_HAPPENS_AFTER(&gil->state);
			s |= GIL_WAITERS;
			announced = true;
			break;
		}
	}
	holder = gil_state_holder(s);
	if (pthread_equal(holder->owner, self->owner)) {
		/* Same OS thread, another handle: waiting would never end. */
		if (runq_len(&gil->runq) == 0)
			atomic_store_explicit(&gil->state, (uintptr_t)holder,
					      memory_order_relaxed);
		err = EDEADLK;
		goto out;
	}
	now = clock_now_ns();
	/* We made the lock contended: the holder's time counts from now. */
	if (announced)
		policy_start(&holder->slice, now);
	policy_request(&self->slice, now, gil_slice_ns(gil), thread_ratio(self));
	if (gil_take_back(gil, self, holder, now)) {
		thread_count_wait(self, now, now);
		from = holder;
		goto out;
	}
	self->node.deadline = self->slice.deadline;
	runq_push(&gil->runq, &self->node);
	gil_watch(gil, self, now);
	thread_count_wait(self, now, gil_wait_for_grant(gil, self, now, NULL));
	pthread_setcancelstate(cancel, NULL);
	return 0;
out:
	pthread_mutex_unlock(&gil->lock);
	if (err == 0)
		thread_acquired(self, from);
	pthread_setcancelstate(cancel, NULL);
	return err;
}

int
bfsgil_acquire(bfsgil_thread_t *self)
{
	int err = thread_check_caller(self);
	struct bfsgil *gil;
	uintptr_t s;

	if (err != 0)
		return err;
	gil = self->gil;
	s = atomic_load_explicit(&gil->state, memory_order_relaxed);
	/* A thread with no slice yet (its first acquire) takes the slow
	 * path, which reads the clock to issue one. */
	if (s == 0 && self->slice.left != 0) {
		/* Written before the CAS that makes us holder, so that a
		 * waiter that sees us as holder sees our slice too. */
		policy_start(&self->slice, POLICY_UNTIMED);
		BFSGIL_HAPPENS_BEFORE(&gil->state);
		if (atomic_compare_exchange_strong_explicit(
			    &gil->state, &s, (uintptr_t)self,
			    memory_order_acq_rel, memory_order_relaxed)) {
			BFSGIL_HAPPENS_AFTER(&gil->state);
			counter_add(&self->counters.acquires, 1);
			thread_acquired(self, NULL);
			return 0;
		}
	}
	return gil_acquire_slow(self);
}

static int
gil_release_slow(struct bfsgil_thread *self)
{
	struct bfsgil *gil = self->gil;
	struct bfsgil_thread *to = NULL;
	uint64_t now;
	uintptr_t s;

	pthread_mutex_lock(&gil->lock);
	/* Read after the mutex: under contention taking it can take long,
	 * and the new holder's slice starts now, not before it queued. */
	now = clock_now_ns();
	s = atomic_load_explicit(&gil->state, memory_order_relaxed);
	if (gil_state_holder(s) != self) {
		pthread_mutex_unlock(&gil->lock);
		return EPERM;
	}
	thread_charge(self, now);
	thread_set_yield_request(self, 0);
	if (s & GIL_WAITERS) {
		to = gil_handoff(gil, self, now);
		gil_watch(gil, NULL, now);
	} else {
		BFSGIL_HAPPENS_BEFORE(&gil->state);
		atomic_store_explicit(&gil->state, 0, memory_order_release);
	}
	/* RELEASED goes after the unlock, with the time read before the
	 * handoff; the deadline it reads is ours alone again, as nobody
	 * writes the slice of a thread that neither holds nor waits. */
	pthread_mutex_unlock(&gil->lock);
	if (gil_hooked(gil, BFSGIL_EVENT_RELEASED))
		hook_send_own_at(self, BFSGIL_EVENT_RELEASED, now, to);
	return 0;
}

/*
 * A release watched by a hook: its time is read while still holding (see
 * the top), and RELEASED sent once the lock is let go.  Out of line, so
 * that the unwatched release pays only the test that brought it here.
 */
static int __attribute__((noinline, cold))
thread_release_watched(struct bfsgil_thread *self)
{
	uint64_t now = clock_now_ns();
	uintptr_t expect = (uintptr_t)self;

	BFSGIL_HAPPENS_BEFORE(&self->gil->state);
	if (atomic_compare_exchange_strong_explicit(&self->gil->state, &expect, 0,
						    memory_order_release,
						    memory_order_relaxed)) {
		hook_send_own_at(self, BFSGIL_EVENT_RELEASED, now, NULL);
		return 0;
	}
	return gil_release_slow(self);
}

int
bfsgil_release(bfsgil_thread_t *self)
{
	int err = thread_check_caller(self);
	uintptr_t expect;

	if (err != 0)
		return err;
	if (gil_hooked_fast(self->gil, BFSGIL_EVENT_RELEASED))
		return thread_release_watched(self);
	expect = (uintptr_t)self;
	/* Succeeds only if nobody waited during the whole hold (GIL_WAITERS,
	 * once set, stays until a handoff), so there is nothing to charge. */
	BFSGIL_HAPPENS_BEFORE(&self->gil->state);
	if (atomic_compare_exchange_strong_explicit(&self->gil->state, &expect, 0,
						    memory_order_release,
						    memory_order_relaxed))
		return 0;
	return gil_release_slow(self);
}

int
bfsgil_yield(bfsgil_thread_t *self)
{
	struct bfsgil *gil;
	struct runq_node *first;
	uint64_t now;
	int err = thread_check_caller(self);
	uintptr_t s;
	int cancel;

	if (err != 0)
		return err;
	gil = self->gil;
	s = atomic_load_explicit(&gil->state, memory_order_relaxed);
	if (gil_state_holder(s) != self)
		return EPERM;
	/* Nobody to give way to.  A set request means someone asked; on a
	 * weakly ordered CPU we may see it before GIL_WAITERS, so let the
	 * mutex sort that out (and clear the request either way). */
	if (!(s & GIL_WAITERS) &&
	    !__atomic_load_n(&self->head.yield_requested, __ATOMIC_RELAXED))
		return 0;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	pthread_mutex_lock(&gil->lock);
	now = clock_now_ns();
	thread_charge(self, now);
	thread_set_yield_request(self, 0);
	first = runq_peek_earliest(&gil->runq);
	if (first != NULL)
		counter_add(&self->counters.yields, 1);
	if (first != NULL && self->slice.deadline >= first->deadline) {
		struct bfsgil_thread *to;

		self->node.deadline = self->slice.deadline;
		runq_push(&gil->runq, &self->node);
		to = gil_handoff(gil, self, now);
		gil_watch(gil, self, now);
		thread_count_wait(self, now,
				  gil_wait_for_grant(gil, self, now, to));
		pthread_setcancelstate(cancel, NULL);
		return 0;
	}
	/* Still the earliest deadline (ties go to whoever queued first), or
	 * the queue emptied while we took the mutex: this is our turn, keep
	 * the lock.  Our slice restarted, so the watcher must look again. */
	if (first != NULL)
		gil_watch(gil, NULL, now);
	else
		policy_start(&self->slice, POLICY_UNTIMED);
	pthread_mutex_unlock(&gil->lock);
	pthread_setcancelstate(cancel, NULL);
	return 0;
}
