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
				 tunable_get(&gil->tunables, TUNABLE_PREEMPT) != 0,
				 runq_len(&gil->runq));
}

/* The thread stops holding at @now, with @others threads waiting:
 * charge its slice, count the time (zero if nobody waited: its start is
 * then POLICY_UNTIMED).  If the slice ran out, the new deadline keeps
 * the thread's place if it was within its share (rule 2b), and is
 * otherwise paid for the waiters (rule 2c); if not, a deadline it kept
 * moves to now if it has had more than its share of the lock since
 * (rule 2a, policy_over_share). */
static void
thread_charge(struct bfsgil_thread *t, uint64_t now, uint64_t others)
{
	uint64_t expired, held, slice_ns = gil_slice_ns(t->gil);
	uint32_t ratio = thread_ratio(t);

	/* From the handoff, not from the wake-up: the others waited
	 * through both. */
	policy_occupy(&t->slice, t->slice.start, now);
	t->slice = thread_slice_view(t, now);
	held = now > t->slice.start ? now - t->slice.start : 0;
	expired = policy_end_turn(&t->slice, now, slice_ns, ratio, others);

	counter_add(&t->counters.contended_hold_ns, held);
	if (expired) {
		counter_add(&t->counters.slice_expiries, expired);
	} else if (policy_over_share(&t->slice, now, slice_ns, ratio, others)) {
		policy_push_deadline(&t->slice, now, slice_ns, ratio);
		counter_add(&t->counters.share_expiries, 1);
	}
}

/* Tell the hooks that @holder, whose slice stands as @view, was asked
 * to give way at @now for @waiter (mutex held). */
static void __attribute__((noinline, cold))
gil_send_asked(struct bfsgil *gil, struct bfsgil_thread *holder,
	       const struct policy_slice *view, struct bfsgil_thread *waiter,
	       uint64_t now)
{
	struct bfsgil_event ev = gil_event(BFSGIL_EVENT_ASKED, holder, now,
					   waiter, waiter->id);

	ev.deadline_ns = view->deadline;
	ev.reason = waiter->node.deadline == GIL_URGENT ? BFSGIL_ASK_URGENT
		    : policy_slice_ran_out(view, now, gil_slice_ns(gil),
					   thread_ratio(holder))
			    ? BFSGIL_ASK_SLICE_END
			    : BFSGIL_ASK_PREEMPT;
	ev.asks = holder->asks;
	hook_send_locked(gil, &ev);
}

/* An acquire's ACQUIRED, its time read now that the lock is ours (after
 * a CAS on the state word: its line is at hand). */
static inline void
thread_acquired(struct bfsgil_thread *self, struct bfsgil_thread *from,
		uint64_t from_id)
{
	if (gil_hooked_fast(self->gil, BFSGIL_EVENT_ACQUIRED))
		hook_send_own_at(self, BFSGIL_EVENT_ACQUIRED, clock_now_ns(),
				 from, from_id);
}

/* Ask @holder, whose slice stands as @view, to give way at @now for the
 * waiter @first (mutex held): the flag its eval loop polls, the count,
 * and the ASKED event.  Made again at each of its slice ends while it
 * runs on without answering (gil_watch): a host armed by the event
 * (an eval-breaker bit, a signal) that lost the first one gets
 * another.  The next repeat is due at the end of its current slice. */
static void
gil_ask(struct bfsgil *gil, struct bfsgil_thread *holder,
	const struct policy_slice *view, struct bfsgil_thread *first,
	uint64_t now)
{
	thread_set_yield_request(holder, 1);
	if (holder->asks++ == 0)
		counter_add(&holder->counters.preempt_requests, 1);
	else
		counter_add(&holder->counters.repeated_asks, 1);
	/* After the flag: a host armed by the event reads it. */
	if (gil_hooked(gil, BFSGIL_EVENT_ASKED))
		gil_send_asked(gil, holder, view, first, now);
	gil->reask_at = policy_slice_end(view, now, gil_slice_ns(gil),
					 thread_ratio(holder));
}

/*
 * Make sure the holder will be asked to give way when it should (mutex
 * held): at once if the earliest waiter's deadline beats the holder's
 * effective one (policy_should_ask) or the waiter is urgent
 * (bfsgil_urge), else when the holder's slice ends; and, once asked,
 * again at each of its slice ends until it answers (gil_ask).  For the
 * latter one waiter, the watcher, sleeps in a timed wait until then;
 * every other waiter sleeps untimed, so a queue of a thousand costs one
 * timer, not a thousand.
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
	view = thread_slice_view(holder, now);
	if (holder->asks != 0) {
		/* Asked already, and running on: ask again once the slice
		 * it was asked in has ended.  The handoff that answers
		 * resets the count (gil_set_holder). */
		if (now >= gil->reask_at)
			gil_ask(gil, holder, &view, thread_of_node(first), now);
		end = gil->reask_at;
	} else if (first->deadline == GIL_URGENT ||
		   gil_should_ask(gil, holder, first->deadline, now, &view)) {
		gil_ask(gil, holder, &view, thread_of_node(first), now);
		end = gil->reask_at;
	} else {
		end = policy_slice_end(&view, now, gil_slice_ns(gil),
				       thread_ratio(holder));
	}
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
gil_spin_ns(struct bfsgil *gil, struct bfsgil_thread *self)
{
	struct bfsgil_thread *holder = gil_state_holder(
		atomic_load_explicit(&gil->state, memory_order_relaxed));
	uint64_t ns = (uint64_t)tunable_get(&gil->tunables, TUNABLE_SPIN_US) *
		      1000u;

	if (ns == 0 || !gil->may_spin || holder == NULL ||
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

/* Send @self's LEFT event: it stopped waiting at @now without the
 * lock, for @why (ETIMEDOUT, EINTR). */
static void __attribute__((noinline, cold))
thread_send_left(struct bfsgil_thread *self, uint64_t now, int why)
{
	struct bfsgil_event ev = gil_event(BFSGIL_EVENT_LEFT, self, now, NULL,
					   0);

	ev.reason = (unsigned)why;
	hook_send_own(self, &ev);
}

static void gil_leave_queue(struct bfsgil *gil, struct bfsgil_thread *t,
			    uint64_t now);

/*
 * Sleep until a releaser hands us the lock, until CLOCK_MONOTONIC reaches
 * @timeout_at (0: never), or until bfsgil_interrupt takes us out of the
 * queue.  Called with gil->lock held and @self queued at @since; returns
 * with gil->lock released: 0 holding the GIL, having stored in *@woke
 * when it woke (it then stores that in woke_at: its clock runs from
 * then, see policy_running_start); or ETIMEDOUT or EINTR, not holding
 * and no longer queued.  Sends the WAIT event, after a yield's RELEASED
 * if @self just yielded to @yielded_to (id @yielded_to_id), then
 * ACQUIRED or LEFT.
 *
 * The watcher role is read under gil->lock, then the thread sleeps in its
 * park.  Anything that changes the role pokes the park, so a change made
 * between the two cannot be missed; a grant sets a flag in the park, so
 * neither can a handoff, and an interruption likewise (PARK_CANCEL).
 * Grants and interruptions are both made under gil->lock, to a queued
 * thread only, which they take out of the queue: so a thread that finds
 * itself no longer queued, under the mutex, has one of them in its park,
 * and a time-out that loses the race to a grant returns holding.
 */
static int
gil_wait_for_grant(struct bfsgil *gil, struct bfsgil_thread *self,
		   uint64_t since, struct bfsgil_thread *yielded_to,
		   uint64_t yielded_to_id, uint64_t timeout_at, uint64_t *woke)
{
	bool hooked = gil_hooked(gil, BFSGIL_EVENT_RELEASED |
					      BFSGIL_EVENT_WAIT);
	struct bfsgil_event released, wait;

	if (hooked) {
		released = gil_event(BFSGIL_EVENT_RELEASED, self, since,
				     yielded_to, yielded_to_id);
		wait = gil_event(BFSGIL_EVENT_WAIT, self, since, NULL, 0);
	}
	for (;;) {
		bool watching = gil->watcher == self;
		bool queued = runq_queued(&self->node);
		uint64_t until = watching ? self->watch_until : UINT64_MAX, now;
		uint64_t spin = queued ? gil_spin_ns(gil, self) : 0;
		uint32_t posted;
		bool spun_in = false;

		if (queued && timeout_at != 0 && timeout_at < until)
			until = timeout_at;
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
		/* Not queued: a grant or an interruption is posted. */
		posted = park_wait(&self->park, until != UINT64_MAX, until);
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
						 now, self->handed_by,
						 self->handed_by_id);
			*woke = now;
			return 0;
		}
		if (posted & PARK_CANCEL) {
			/* bfsgil_interrupt took us out of the queue. */
			counter_add(&self->counters.interrupts, 1);
			if (gil_hooked(gil, BFSGIL_EVENT_LEFT))
				thread_send_left(self, clock_now_ns(), EINTR);
			return EINTR;
		}
		pthread_mutex_lock(&gil->lock);
		if (!runq_queued(&self->node))
			continue;	/* granted or interrupted meanwhile */
		now = clock_now_ns();
		if (timeout_at != 0 && now >= timeout_at) {
			gil_leave_queue(gil, self, now);
			pthread_mutex_unlock(&gil->lock);
			counter_add(&self->counters.timeouts, 1);
			if (gil_hooked(gil, BFSGIL_EVENT_LEFT))
				thread_send_left(self, now, ETIMEDOUT);
			return ETIMEDOUT;
		}
		if (gil->watcher == self && now >= self->watch_until) {
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
	to->asks = 0;
	policy_start(&to->slice, start);
	atomic_store_explicit(&to->woke_at, woke_at, memory_order_relaxed);
	thread_set_yield_request(to, 0);
	BFSGIL_HAPPENS_BEFORE(&gil->state);
	atomic_store_explicit(&gil->state, (uintptr_t)to | waiters,
			      memory_order_release);
}

/* Queue @t with @key (its deadline, or GIL_URGENT) at @now (mutex
 * held). */
static void
gil_enqueue(struct bfsgil *gil, struct bfsgil_thread *t, uint64_t key,
	    uint64_t now)
{
	t->node.deadline = key;
	t->queued_at = now;
	runq_push(&gil->runq, &t->node);
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

	policy_waited(&to->slice, to->queued_at, now, gil_slice_ns(gil),
		      thread_ratio(to));
	/* The new holder is timed if others still wait, its clock running
	 * from when it wakes (woke_at, policy_running_start); until then
	 * the watcher sees it as having used nothing.  If nobody waits,
	 * nothing is timed until someone does. */
	gil_set_holder(gil, to, waiters ? now : POLICY_UNTIMED, POLICY_ASLEEP,
		       waiters);
	counter_add(&from->counters.handoffs, 1);
	/* Read by @to once the grant is its own. */
	to->handed_by = from;
	to->handed_by_id = from->id;
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
	      struct bfsgil_thread *holder, uint64_t key, uint64_t now)
{
	struct policy_slice view;

	if (atomic_load_explicit(&holder->woke_at, memory_order_relaxed) !=
	    POLICY_ASLEEP)
		return false;
	/* Interrupted while its grant was on its way: the grant stands
	 * (bfsgil_interrupt).  Taken back and queued again, it would wait
	 * on, the interruption kept for some later wait (the model found
	 * it). */
	if (holder->interrupt_pending)
		return false;
	if (key != GIL_URGENT &&
	    !gil_should_ask(gil, holder, key, now, &view))
		return false;
	if (!park_revoke(&holder->park, PARK_GRANT))
		return false;
	thread_set_yield_request(holder, 0);
	policy_revoked(&holder->slice);
	gil_enqueue(gil, holder, holder->slice.deadline, now);
	/* Running already, and the revoked holder waits. */
	gil_set_holder(gil, self, now, now, GIL_WAITERS);
	gil_watch(gil, NULL, now);
	return true;
}

/*
 * Take @t out of the queue (mutex held, @t queued, not granted): a
 * waiter that timed out, or that bfsgil_interrupt took out.  If nobody
 * is left waiting, the holder is no longer asked to give way, and the
 * state word loses GIL_WAITERS; its fast release could not succeed
 * while the bit was set, so it is either still holding or waiting for
 * this mutex in its slow path, which reads the word again.  Its slice
 * is left alone: once the bit is clear it may release and acquire
 * again on the fast path, which reads and writes its slice with no
 * mutex and no ordering against ours (helgrind caught charging it
 * here).  So the time it held while @t waited goes uncharged, and its
 * clock's start is stale until the next waiter announces itself and
 * restarts it.  Otherwise the watch is looked at again, as the head of
 * the queue may have changed.
 */
static void
gil_leave_queue(struct bfsgil *gil, struct bfsgil_thread *t, uint64_t now)
{
	uintptr_t s = atomic_load_explicit(&gil->state, memory_order_relaxed);
	struct bfsgil_thread *holder = gil_state_holder(s);

	runq_remove(&gil->runq, &t->node);
	if (gil->watcher == t)
		gil->watcher = NULL;
	if (runq_len(&gil->runq) != 0) {
		gil_watch(gil, NULL, now);
		return;
	}
	BFSGIL_ASSERT(holder != NULL && (s & GIL_WAITERS));
	holder->asks = 0;
	thread_set_yield_request(holder, 0);
	gil->watcher = NULL;
	/* A release: the waiter that announced itself wrote the holder's
	 * slice (its clock's start), and the holder, free to release and
	 * acquire on the fast path from here, writes it with no mutex.
	 * Its fast release acquires this store (bfsgil_release), which
	 * orders the two; helgrind found them unordered (check_leave's
	 * race_timeout). */
	BFSGIL_HAPPENS_BEFORE(&gil->state);
	atomic_store_explicit(&gil->state, (uintptr_t)holder,
			      memory_order_release);
}

/* Where @self queues (mutex held, its deadline issued): its deadline,
 * or before every deadline if bfsgil_urge asked so. */
static uint64_t
thread_queue_key(struct bfsgil_thread *self)
{
	if (self->urgent_pending) {
		self->urgent_pending = false;
		return GIL_URGENT;
	}
	return self->slice.deadline;
}

static int
gil_acquire_slow(struct bfsgil_thread *self, uint64_t timeout_at)
{
	struct bfsgil *gil = self->gil;
	struct bfsgil_thread *holder, *from = NULL;
	uint64_t now, from_id = 0, woke, key;
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
		/* Would wait: an interruption kept for this wait ends it
		 * before it begins.  A time-out already past does too. */
		if (self->interrupt_pending) {
			self->interrupt_pending = false;
			counter_add(&self->counters.interrupts, 1);
			err = EINTR;
			goto out;
		}
		if (timeout_at != 0 && clock_now_ns() >= timeout_at) {
			counter_add(&self->counters.timeouts, 1);
			err = ETIMEDOUT;
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
	key = thread_queue_key(self);
	if (gil_take_back(gil, self, holder, key, now)) {
		thread_count_wait(self, now, now);
		from = holder;
		from_id = holder->id;
		goto out;
	}
	gil_enqueue(gil, self, key, now);
	gil_watch(gil, self, now);
	err = gil_wait_for_grant(gil, self, now, NULL, 0, timeout_at, &woke);
	if (err == 0)
		thread_count_wait(self, now, woke);
	pthread_setcancelstate(cancel, NULL);
	return err;
out:
	pthread_mutex_unlock(&gil->lock);
	if (err == 0)
		thread_acquired(self, from, from_id);
	pthread_setcancelstate(cancel, NULL);
	return err;
}

/* The fast path shared by bfsgil_acquire and bfsgil_timedacquire: one
 * CAS if the lock is free and we have a slice; -1 to take the slow
 * path. */
static inline int
thread_acquire_fast(struct bfsgil_thread *self)
{
	struct bfsgil *gil = self->gil;
	uintptr_t s = atomic_load_explicit(&gil->state, memory_order_relaxed);

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
			thread_acquired(self, NULL, 0);
			return 0;
		}
	}
	return -1;
}

int
bfsgil_acquire(bfsgil_thread_t *self)
{
	int err = thread_check_caller(self);

	if (err != 0)
		return err;
	if (thread_acquire_fast(self) == 0)
		return 0;
	return gil_acquire_slow(self, 0);
}

int
bfsgil_timedacquire(bfsgil_thread_t *self, const struct timespec *abstime)
{
	int err = thread_check_caller(self);
	uint64_t at;

	if (err != 0)
		return err;
	if (abstime == NULL || abstime->tv_sec < 0 || abstime->tv_nsec < 0 ||
	    abstime->tv_nsec >= 1000000000L)
		return EINVAL;
	/* 0 means "no time-out" inside: the epoch itself is long past. */
	if ((uint64_t)abstime->tv_sec >= UINT64_MAX / 1000000000u - 1)
		at = UINT64_MAX - 1;
	else
		at = (uint64_t)abstime->tv_sec * 1000000000u +
		     (uint64_t)abstime->tv_nsec;
	if (at == 0)
		at = 1;
	if (thread_acquire_fast(self) == 0)
		return 0;
	return gil_acquire_slow(self, at);
}

int
bfsgil_interrupt(bfsgil_thread_t *t)
{
	struct bfsgil *gil;

	if (t == NULL)
		return EINVAL;
	gil = t->gil;
	pthread_mutex_lock(&gil->lock);
	if (runq_queued(&t->node)) {
		gil_leave_queue(gil, t, clock_now_ns());
		/* Under the mutex, which t needs before it can detach. */
		park_post(&t->park, PARK_CANCEL);
	} else {
		t->interrupt_pending = true;
	}
	pthread_mutex_unlock(&gil->lock);
	return 0;
}

int
bfsgil_urge(bfsgil_thread_t *t)
{
	struct bfsgil *gil;
	uintptr_t s;

	if (t == NULL)
		return EINVAL;
	gil = t->gil;
	pthread_mutex_lock(&gil->lock);
	s = atomic_load_explicit(&gil->state, memory_order_relaxed);
	if (runq_queued(&t->node)) {
		if (t->node.deadline != GIL_URGENT) {
			runq_remove(&gil->runq, &t->node);
			t->node.deadline = GIL_URGENT;
			runq_push(&gil->runq, &t->node);
			gil_watch(gil, NULL, clock_now_ns());
		}
	} else if (gil_state_holder(s) != t) {
		t->urgent_pending = true;
	}
	pthread_mutex_unlock(&gil->lock);
	return 0;
}

/* bfsgil_set_nice's part with the mutex (gil.c): a new ratio applies to
 * the deadline @t has now, from when it was issued, and a queued @t
 * moves to its new place. */
void
gil_renice(struct bfsgil_thread *t)
{
	struct bfsgil *gil = t->gil;
	uintptr_t s;

	pthread_mutex_lock(&gil->lock);
	/* Only a queued thread's: it does not look at its slice until it
	 * is handed the lock, under this mutex.  A holder or a thread off
	 * the lock reads its own without it (its events' deadline, its
	 * fast path), so its deadline is left to be reissued with the new
	 * ratio (TSan, on the stress test's renicing chaos thread). */
	if (runq_queued(&t->node)) {
		if (t->slice.left != 0)
			t->slice.deadline = policy_deadline(
				t->slice.issued, gil_slice_ns(gil),
				thread_ratio(t));
		if (t->node.deadline != GIL_URGENT) {
			runq_remove(&gil->runq, &t->node);
			t->node.deadline = t->slice.deadline;
			runq_push(&gil->runq, &t->node);
		}
	}
	s = atomic_load_explicit(&gil->state, memory_order_relaxed);
	if (s & GIL_WAITERS)
		gil_watch(gil, NULL, clock_now_ns());
	pthread_mutex_unlock(&gil->lock);
}

static int
gil_release_slow(struct bfsgil_thread *self)
{
	struct bfsgil *gil = self->gil;
	struct bfsgil_thread *to = NULL;
	uint64_t now, to_id = 0;
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
	thread_charge(self, now, runq_len(&gil->runq));
	thread_set_yield_request(self, 0);
	if (s & GIL_WAITERS) {
		to = gil_handoff(gil, self, now);
		to_id = to->id;
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
		hook_send_own_at(self, BFSGIL_EVENT_RELEASED, now, to, to_id);
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
						    memory_order_acq_rel,
						    memory_order_relaxed)) {
		BFSGIL_HAPPENS_AFTER(&self->gil->state);
		hook_send_own_at(self, BFSGIL_EVENT_RELEASED, now, NULL, 0);
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
	 * once set, stays until a handoff, or until the last waiter leaves
	 * the queue, which charges nothing either), so there is nothing to
	 * charge.  Acquire as well: a waiter that left the queue wrote our
	 * slice before it cleared the bit (gil_leave_queue), and we write
	 * it next without the mutex.  On x86 the CAS costs the same. */
	BFSGIL_HAPPENS_BEFORE(&self->gil->state);
	if (atomic_compare_exchange_strong_explicit(&self->gil->state, &expect, 0,
						    memory_order_acq_rel,
						    memory_order_relaxed)) {
		BFSGIL_HAPPENS_AFTER(&self->gil->state);
		return 0;
	}
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
	thread_charge(self, now, runq_len(&gil->runq));
	thread_set_yield_request(self, 0);
	first = runq_peek_earliest(&gil->runq);
	if (first != NULL)
		counter_add(&self->counters.yields, 1);
	if (first != NULL && self->interrupt_pending) {
		/* An interruption kept for our next wait: this would be
		 * it.  Give way, and do not wait. */
		struct bfsgil_thread *to = gil_handoff(gil, self, now);
		uint64_t to_id = to->id;

		self->interrupt_pending = false;
		counter_add(&self->counters.interrupts, 1);
		gil_watch(gil, NULL, now);
		pthread_mutex_unlock(&gil->lock);
		if (gil_hooked(gil, BFSGIL_EVENT_RELEASED))
			hook_send_own_at(self, BFSGIL_EVENT_RELEASED, now, to,
					 to_id);
		pthread_setcancelstate(cancel, NULL);
		return EINTR;
	}
	if (first != NULL && self->urgent_pending)
		/* Urged while it held: this would be its wait, and an
		 * urgent one is first, so keeping the lock is its turn
		 * (queued with the urgent key, it would hand the lock to
		 * itself). */
		self->urgent_pending = false;
	else if (first != NULL && self->slice.deadline >= first->deadline) {
		struct bfsgil_thread *to;
		uint64_t woke;

		gil_enqueue(gil, self, thread_queue_key(self), now);
		to = gil_handoff(gil, self, now);
		gil_watch(gil, self, now);
		err = gil_wait_for_grant(gil, self, now, to, to->id, 0, &woke);
		if (err == 0)
			thread_count_wait(self, now, woke);
		pthread_setcancelstate(cancel, NULL);
		return err;
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
