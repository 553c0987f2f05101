/*
 * bfsgil.pml: a Promela model of bfsgil's acquire, release, yield, the
 * request to give way, the handoff and the take-back (doc/design.md,
 * rule 5a), on top of the futex park (src/core/park_futex.c); and, built with
 * -DLEAVE, of leaving the queue without the lock: bfsgil_timedacquire's
 * time-out and bfsgil_interrupt.  NT threads (3): thread 1 takes the lock
 * ROUNDS times, the others ROUNDS_OTHERS times (2 and 2; the liveness
 * check uses 2 and 1; the checks of leaving use fewer, see README.md).
 * doc/model/README.md says what is modelled, what is abstracted and why,
 * and how to run the checks; doc/model/run.sh is what `make model-check`
 * runs.
 *
 * Reading it against the C.  Every step names the C it stands for in a
 * comment of the form
 *	C: <file> <function>: "<C fragment>"
 * and doc/model/check-mapping.py checks that each fragment still occurs
 * in that function (whitespace ignored; "-" for the function means
 * anywhere in the file), so the model cannot drift from the code
 * unnoticed.  What exists only in the model says "model:": the ghost
 * variables of the properties, and the policy's decisions, which are
 * free choices.
 *
 * Steps.  One step is one atomic { } block (or one statement outside
 * any); another thread can act between two steps, never inside one.
 * Each step does at most one thing that a thread not holding gil->lock
 * can see or race with: a load, store or RMW of the state word, of a
 * park word or of woke_at, a write of a yield request, a futex wake.
 * What the mutex guards (the run queue, the watcher, interrupt_pending)
 * and the thread's own locals are folded into the neighbouring step: no
 * other thread can touch them at the time, so folding hides no
 * interleaving.  Taking the mutex goes at the start of a step and
 * releasing it at the end, where they commute with everything else.
 * Two exceptions, each argued where it is: a load whose only use is a
 * CAS's expected value is folded into that CAS (a failed CAS reloads
 * anyway), and take-back's revoke and its store of the state word share
 * a step (nobody can act on the state word in between: its holder is
 * asleep and the lock is not free).  A load of the state word with
 * GIL_WAITERS set and the mutex held (gil_watch, gil_leave_queue) is
 * folded too: only a thread holding the mutex can change the word then.
 *
 * Locals are reset to 0 once dead, so that states differing only in a
 * stale local are one state.
 *
 * The properties (README.md, "Properties"):
 *  - mutual exclusion: the assertions in enter_cs;
 *  - deadlock freedom: no invalid end state.  Every thread must finish
 *    its rounds; one left asleep in its park, or a CPU-bound holder
 *    never asked to give way, is an invalid end state;
 *  - no lost wake-up: the monitor's invariant (never free while the
 *    queue is non-empty; GIL_WAITERS set iff the queue is non-empty
 *    whenever the mutex is free) in every state, the same end-state
 *    check, and, built with -DLIVE, the LTL property all_served (make
 *    model-check checks it with no fairness assumption, which implies
 *    it under weak fairness; pan -a -f gives the same answer);
 *  - the lock is never lost: once every thread has finished, the lock
 *    is free and nobody is queued (the monitor);
 *  - leaving (-DLEAVE): a call that returns without the lock (EINTR,
 *    ETIMEDOUT) is no longer queued, is not the holder and has no grant
 *    or interruption on its way (gone_without: a grant racing a time-out
 *    or an interruption has exactly one outcome); gil_leave_queue's
 *    plain store of the state word finds the word as it read it, so the
 *    holder is unchanged and its fast release works again;
 *  - the C code's own assertions that the model reaches
 *    (BFSGIL_ASSERT, BFSGIL_DEBUG_ASSERT, and EPERM/EDEADLK returns that
 *    a correct caller never sees).
 *
 * Mutants (-DMUTANT_...), each a plausible slip that the checks must
 * catch; run.sh fails if one of them passes:
 *  MUTANT_GRANT_FIRST		gil_handoff posts PARK_GRANT before the
 *				state word names the new holder
 *  MUTANT_NO_POKE		gil_watch does not poke a new watcher
 *  MUTANT_REVOKE_RMW		park_revoke as a load and a store, not one
 *				fetch-and
 *  MUTANT_TAKEBACK_NO_REVOKE	gil_take_back does not ask the park
 *  MUTANT_RELEASE_IGNORES_WAITERS  the release fast path frees the lock
 *				whatever GIL_WAITERS says
 *  MUTANT_SLEEP_NO_COMPARE	the park checks the word, then sleeps,
 *				instead of FUTEX_WAIT's compare-and-sleep
 *  MUTANT_TIMEOUT_CLEARS	a timed-out park_wait clears the word and
 *				returns nothing, dropping a post that landed
 *  MUTANT_WATCHER_NEVER_DUE	gil_wait_for_grant's "now >=
 *				self->watch_until" is never true (say, two
 *				clocks mixed up): the watcher sleeps on,
 *				timed, and never asks the holder (a
 *				livelock: only all_served can catch it)
 * and of leaving (with -DLEAVE):
 *  MUTANT_LEAVE_KEEPS_WAITERS	gil_leave_queue leaves GIL_WAITERS set
 *				when the queue empties
 *  MUTANT_LEAVE_NO_WATCH	gil_leave_queue does not call gil_watch when
 *				others still wait (the leaver may have been
 *				the watcher)
 *  MUTANT_TIMEOUT_IGNORES_GRANT gil_wait_for_grant returns ETIMEDOUT once
 *				its time is up without first checking that it
 *				is still queued (a grant or an interruption
 *				may be on its way)
 *  MUTANT_INTERRUPT_UNQUEUED	bfsgil_interrupt posts PARK_CANCEL also to
 *				a thread that is not queued
 *  MUTANT_TAKEBACK_IGNORES_INTERRUPT gil_take_back revokes the grant
 *				of a thread interrupted while it was on its
 *				way, which then waits on: the interruption,
 *				promised to leave that grant standing, misses
 *				the wait (the model found this in the C code)
 */

#ifndef NT
#define NT	3	/* threads, 2 or 3 (the arrays are sized for 3) */
#endif
#ifndef ROUNDS
#define ROUNDS	2	/* acquire/release cycles of thread 1 */
#endif
#ifndef ROUNDS_OTHERS
#define ROUNDS_OTHERS	ROUNDS	/* ... and of the others */
#endif

/* The state word, (uintptr_t)holder | GIL_WAITERS, is here
 * holder * 2 | W, 0 = free, threads numbered 1..NT.
 * C: src/core/gil.h -: "#define GIL_WAITERS ((uintptr_t)1)" */
#define W		1
#define HOLDER(s)	((s) >> 1)
#define STATE(t, w)	(((t) << 1) | (w))

/* The park word's bits.
 * C: src/core/park.h -: "#define PARK_GRANT 1u"
 * C: src/core/park.h -: "#define PARK_POKE 2u"
 * C: src/core/park.h -: "#define PARK_CANCEL 8u"
 * C: src/core/park_futex.c -: "#define PARK_ASLEEP 4u"
 * C: src/core/park_futex.c -: "#define PARK_FLAGS (PARK_GRANT | PARK_POKE | PARK_CANCEL)" */
#define GRANT	1
#define POKE	2
#define ASLEEP	4
#define CANCEL	8
#define FLAGS	11

#define QLEN	(inq[1] + inq[2] + inq[3])

/* Where a thread goes once a shared tail (handoff_post, watch_tail,
 * poke_tail) is done. */
#define K_ROUND	0	/* the next round (release) */
#define K_HOLD	1	/* back to holding (take-back, yield that keeps) */
#define K_WAIT	2	/* watch, then wait for a grant (yield that hands over) */
#define K_LEFT	3	/* returned without the lock (EINTR, ETIMEDOUT), then the next round */

/* The interrupter's number, for the mutex (LEAVE). */
#define IRQ	4

byte gstate;		/* gil->state */
byte mtx;		/* gil->lock: 0 free, else the thread holding it */
bool inq[4];		/* gil->runq, as a set: its order is the policy's */
byte watcher;		/* gil->watcher, 0 = NULL */
byte pw[4];		/* each thread's park word */
bool fsleep[4];		/* asleep in FUTEX_WAIT: not yet woken nor timed out */
bool yreq[4];		/* head.yield_requested */
bool asleep_mark[4];	/* woke_at == POLICY_ASLEEP */
bool pend[4];		/* interrupt_pending (mutex) */

/* Ghosts: only the properties read them. */
byte running;		/* threads between acquire and release or yield */
byte ndone;		/* threads that finished their rounds */
#ifdef LIVE
byte budget = 1;	/* README.md, "Time" */
#endif

/*
 * The policy (deadlines, slices, the clock) is not modelled: each
 * decision of policy.c is a free choice, marked "model: policy".  That
 * covers whatever policy.c could answer, and more.
 */

/* Mutual exclusion, where a thread starts to run holding the lock:
 * nobody else runs, and the state word names it. */
inline enter_cs()
{
	assert(running == 0);
	assert(HOLDER(gstate) == me);
	tmo = false;
	running++
}

/* A call that ends without the lock (EINTR, ETIMEDOUT), as it returns:
 * it has left the queue, it does not hold, and no grant nor
 * interruption is on its way to it (a stale poke may be: it only makes
 * a later wait look again).  A grant that raced the time-out or the
 * interruption has exactly one outcome. */
inline gone_without()
{
	/* model: property, returned without the lock */
	assert(!inq[me] && HOLDER(gstate) != me && (pw[me] & (GRANT | CANCEL)) == 0);
	tmo = false
}

/* The earliest waiter other than the caller, for runq_pop_earliest and
 * runq_peek_earliest.  The caller is queued only in bfsgil_yield, behind
 * an earlier or equal deadline that queued first, so the earliest is
 * never the caller. */
inline pick_queued(out)
{
	if
	:: inq[1] && me != 1 -> out = 1
	:: inq[2] && me != 2 -> out = 2
	:: inq[3] && me != 3 -> out = 3
	:: else -> assert(false)	/* nobody to pick: never */
	fi
}

/* gil_set_holder (mutex held): the watcher role, woke_at and the yield
 * request of @t, which is not running, then the state word, last. */
inline gil_set_holder(t, asl, wbit)
{
	/* C: src/core/handoff.c gil_set_holder: "if (gil->watcher == to) gil->watcher = NULL;" */
	if
	:: watcher == t -> watcher = 0
	:: else -> skip
	fi;
	/* C: src/core/handoff.c gil_set_holder: "atomic_store_explicit(&to->woke_at, woke_at, memory_order_relaxed);" */
	asleep_mark[t] = asl;
	/* C: src/core/handoff.c gil_set_holder: "thread_set_yield_request(to, 0);" */
	yreq[t] = false;
	/* C: src/core/handoff.c gil_set_holder: "atomic_store_explicit(&gil->state, (uintptr_t)to | waiters, memory_order_release);" */
	gstate = STATE(t, wbit)
}

/* In the LIVE build, the "not yet" of a watcher's re-watch is budgeted
 * (README.md, "Time"). */
#ifdef LIVE
#define SPEND(budgeted)	if :: budgeted -> budget-- :: else -> skip fi
#else
#define SPEND(budgeted)	skip
#endif

/*
 * gil_watch's decision (mutex held): ask the holder now, or not yet;
 * then make sure a waiter watches the slice (or the time of the next
 * request) unless the one watching wakes early enough.  @self is the
 * caller if it is about to wait, else 0.  @maywait: the policy may
 * answer "not yet" (always, except in the LIVE build's time budget, which
 * @budgeted says this call spends).  Leaves in w the thread to poke, or 0;
 * the poke is the caller's next steps (poke_tail).  Its only write that
 * a lock-free path can see is the holder's yield request.
 */
inline gil_watch_decide(self, maywait, budgeted)
{
	if
	/* C: src/core/handoff.c gil_watch: "struct runq_node *first = runq_peek_earliest(&gil->runq);" */
	/* C: src/core/handoff.c gil_watch: "if (first == NULL) { gil->watcher = NULL; return; }" */
	:: QLEN == 0 -> watcher = 0
	:: else ->
		/* C: src/core/handoff.c gil_watch: "uintptr_t s = atomic_load_explicit(&gil->state, memory_order_relaxed);" */
		h = HOLDER(gstate);
		/* C: src/core/handoff.c gil_watch: "BFSGIL_ASSERT(holder != NULL && (s & GIL_WAITERS));" */
		assert(h != 0 && (gstate & W) != 0);
		if
		/* asked before and that slice has ended (a repeat), or urgent,
		 * or the waiter's deadline beats the holder's: ask now
		 * C: src/core/handoff.c gil_watch: "if (holder->asks != 0) {"
		 * C: src/core/handoff.c gil_watch: "if (now >= gil->reask_at) gil_ask(gil, holder, &view, thread_of_node(first), now);"
		 * C: src/core/handoff.c gil_watch: "} else if (first->deadline == GIL_URGENT || gil_should_ask(gil, holder, first->deadline, now, &view)) { gil_ask(gil, holder, &view, thread_of_node(first), now);"
		 * C: src/core/handoff.c gil_ask: "thread_set_yield_request(holder, 1);" */
		:: yreq[h] = true
		/* model: policy, not yet (the holder's deadline is the
		 * earlier, or it was asked and the slice of the request has
		 * not ended): someone watches until then */
		:: maywait -> SPEND(budgeted)
		fi;
		if
		/* C: src/core/handoff.c gil_watch: "if (gil->watcher != NULL && gil->watcher->watch_until <= end) return;" */
		:: watcher != 0 -> skip
		:: true ->
			/* C: src/core/handoff.c gil_watch: "w = self != NULL ? self : gil->watcher != NULL ? gil->watcher : thread_of_node(first);" */
			if
			:: self != 0 -> w = self
			:: self == 0 && watcher != 0 -> w = watcher
			:: self == 0 && watcher == 0 -> pick_queued(w)
			fi;
			/* C: src/core/handoff.c gil_watch: "BFSGIL_DEBUG_ASSERT(w != holder);" */
			assert(w != h);
			/* C: src/core/handoff.c gil_watch: "w->watch_until = end; gil->watcher = w;" */
			watcher = w;
			/* C: src/core/handoff.c gil_watch: "if (w != self) park_post(&w->park, PARK_POKE);" */
			if
			:: w == self -> w = 0
			:: else -> skip
			fi
		fi;
		h = 0
	fi;
#ifdef MUTANT_NO_POKE
	w = 0;		/* model: mutant, the poke is forgotten */
#endif
}

/* gil_handoff's first half (mutex held, someone else queued): pop the
 * earliest into to and make it the holder. */
inline handoff_decide()
{
	/* C: src/core/handoff.c gil_handoff: "struct bfsgil_thread *to = thread_of_node(runq_pop_earliest(&gil->runq));" */
	pick_queued(to);
	inq[to] = false;
#ifndef MUTANT_GRANT_FIRST
	/* C: src/core/handoff.c gil_handoff: "uintptr_t waiters = runq_len(&gil->runq) ? GIL_WAITERS : 0;" */
	/* C: src/core/handoff.c gil_handoff: "gil_set_holder(gil, to, waiters ? now : POLICY_UNTIMED, POLICY_ASLEEP, waiters);" */
	gil_set_holder(to, true, (QLEN > 0 -> W : 0))
#endif
}

/* The top of gil_wait_for_grant's loop (mutex held): whether the wait
 * is timed (the watcher, or a timed acquire still queued), then the
 * unlock. */
inline wait_top()
{
	/* C: src/core/handoff.c gil_wait_for_grant: "bool watching = gil->watcher == self;" */
	/* C: src/core/handoff.c gil_wait_for_grant: "bool queued = runq_queued(&self->node);" */
	/* C: src/core/handoff.c gil_wait_for_grant: "uint64_t until = watching ? self->watch_until : UINT64_MAX, now;" */
	/* C: src/core/handoff.c gil_wait_for_grant: "if (queued && timeout_at != 0 && timeout_at < until) until = timeout_at;" */
	timed = (watcher == me || (inq[me] && tmo));
	/* C: src/core/handoff.c gil_wait_for_grant: "pthread_mutex_unlock(&gil->lock);" */
	mtx = 0
}

/* gil_watch(gil, self, now) from a thread about to wait, then the top of
 * gil_wait_for_grant's loop: w is self, so nothing is posted. */
inline watch_self_and_unlock()
{
	gil_watch_decide(me, true, false);
	wait_top()
}

/*
 * gil_leave_queue(gil, t, now) up to its store of the state word (mutex
 * held, @t queued).  Leaves in w the thread its gil_watch pokes (others
 * still queued), or in holder the holder whose GIL_WAITERS the next step
 * clears (the queue emptied).  Its only write that a lock-free path can
 * see is the holder's yield request: gil_watch's, or the clearing.
 */
inline leave_decide(t)
{
	/* with GIL_WAITERS set, only a mutex holder changes the state word:
	 * the load is folded in
	 * C: src/core/handoff.c gil_leave_queue: "uintptr_t s = atomic_load_explicit(&gil->state, memory_order_relaxed);" */
	/* C: src/core/handoff.c gil_leave_queue: "runq_remove(&gil->runq, &t->node);" */
	inq[t] = false;
	/* C: src/core/handoff.c gil_leave_queue: "if (gil->watcher == t) gil->watcher = NULL;" */
	if
	:: watcher == t -> watcher = 0
	:: else -> skip
	fi;
	if
	/* C: src/core/handoff.c gil_leave_queue: "if (runq_len(&gil->runq) != 0) { gil_watch(gil, NULL, now); return; }" */
	:: QLEN != 0 ->
#ifndef MUTANT_LEAVE_NO_WATCH
		gil_watch_decide(0, true, false)
#else
		skip	/* model: mutant, nobody looks at the watch */
#endif
	:: else ->
		/* C: src/core/handoff.c gil_leave_queue: "BFSGIL_ASSERT(holder != NULL && (s & GIL_WAITERS));" */
		assert(HOLDER(gstate) != 0 && (gstate & W) != 0);
		holder = HOLDER(gstate);
		/* C: src/core/handoff.c gil_leave_queue: "thread_set_yield_request(holder, 0); gil->watcher = NULL;" */
		yreq[holder] = false;
		watcher = 0
	fi
}

/* gil_leave_queue's last step (mutex held, the queue empty): the holder
 * alone, by a plain store.  Its fast release could not succeed while
 * GIL_WAITERS was set, and nobody else writes the word without the
 * mutex, so the word is still what the leaver read: this is asserted. */
inline leave_store_word()
{
	/* model: property, the holder is unchanged: nobody wrote the word since it was read */
	assert(gstate == STATE(holder, W));
#ifndef MUTANT_LEAVE_KEEPS_WAITERS
	/* C: src/core/handoff.c gil_leave_queue: "atomic_store_explicit(&gil->state, (uintptr_t)holder, memory_order_release);" */
	gstate = STATE(holder, 0);
#endif
	holder = 0
}

/* After a time-out's leave_decide (mutex held): poke, or store the
 * state word, or return at once. */
inline leave_next()
{
	if
	:: w != 0 -> k = K_LEFT; goto poke_tail
	:: holder != 0 -> goto leave_store
	/* C: src/core/handoff.c gil_wait_for_grant: "gil_leave_queue(gil, self, now); pthread_mutex_unlock(&gil->lock);" */
	/* C: src/core/handoff.c gil_wait_for_grant: "thread_send_left(self, now, ETIMEDOUT); return ETIMEDOUT;" */
	:: w == 0 && holder == 0 -> mtx = 0; gone_without(); goto next_round
	fi
}

/* Where a shared tail goes next, by k (mutex released). */
inline continue_k()
{
	if
	:: k == K_HOLD -> k = 0; enter_cs(); goto holding
	:: k == K_LEFT -> k = 0; gone_without(); goto next_round
	:: k == K_ROUND -> goto next_round
	fi
}

/* gil_acquire_slow's look at the state word, mutex held: take a free
 * lock; or end at once (an interruption kept for this wait, a time-out
 * already past); or go on to announce or to the take-back. */
inline acq_load()
{
	/* C: src/core/handoff.c gil_acquire_slow: "s = atomic_load_explicit(&gil->state, memory_order_acquire);" */
	s = gstate;
	if
	/* C: src/core/handoff.c gil_acquire_slow: "if (s == 0) {" */
	/* C: src/core/handoff.c gil_acquire_slow: "if (atomic_compare_exchange_strong_explicit( &gil->state, &s, (uintptr_t)self, memory_order_acq_rel, memory_order_acquire)) {" */
	/* C: src/core/handoff.c gil_acquire_slow: "out: pthread_mutex_unlock(&gil->lock);" */
	:: s == 0 -> gstate = STATE(me, 0); mtx = 0; enter_cs(); goto holding
	:: else ->
		/* C: src/core/handoff.c gil_acquire_slow: "if (gil_state_holder(s) == self) { err = EDEADLK;" */
		assert(HOLDER(s) != me);
		if
		/* C: src/core/handoff.c gil_acquire_slow: "if (self->interrupt_pending) { self->interrupt_pending = false;" */
		/* C: src/core/handoff.c gil_acquire_slow: "err = EINTR; goto out;" */
		:: pend[me] -> pend[me] = false; s = 0; mtx = 0; gone_without(); goto next_round
		/* model: time, a timed acquire's time already past */
		/* C: src/core/handoff.c gil_acquire_slow: "if (timeout_at != 0 && clock_now_ns() >= timeout_at) {" */
		/* C: src/core/handoff.c gil_acquire_slow: "err = ETIMEDOUT; goto out;" */
		:: !pend[me] && tmo -> s = 0; mtx = 0; gone_without(); goto next_round
		/* C: src/core/handoff.c gil_acquire_slow: "if (s & GIL_WAITERS) break;" */
		/* C: src/core/handoff.c gil_acquire_slow: "holder = gil_state_holder(s);" */
		:: !pend[me] && (s & W) != 0 -> holder = HOLDER(s); s = 0; goto acq_take_back
		:: !pend[me] && (s & W) == 0 -> goto acq_announce
		fi
	fi
}

/* In the LIVE build, "now >= watch_until" after a timeout with nothing
 * posted is true, and the re-watch it leads to may say "not yet" only
 * `budget` times in all; a time-out of a timed acquire with nothing
 * posted means its time is up; and a watcher's timer does not fire while
 * the holder has a request to give way that it has not yet answered:
 * time passes, slices end, and the model's holders answer a request
 * before the next slice ends (README.md, "Time").  The safety build
 * leaves all of these free. */
/* gil_wait_for_grant's "now >= self->watch_until" may be true */
#ifdef MUTANT_WATCHER_NEVER_DUE
#define DUE_OK	false	/* model: mutant */
#else
#define DUE_OK	true
#endif

#ifdef LIVE
#define NOT_YET_OK	(got != 0)
#define MAYWAIT		(budget > 0)
#define TIMER_OK	(tmo || !yreq[HOLDER(gstate)])
#else
#define NOT_YET_OK	true
#define MAYWAIT		true
#define TIMER_OK	true
#endif

/* LEAVE: each acquire of the threads in TIMED (a mask, bit t for
 * thread t; all by default) may be bfsgil_timedacquire. */
#ifndef TIMED
#define TIMED	14
#endif
#ifdef LEAVE
#define CHOOSE_TIMED	if :: ((TIMED >> me) & 1) -> tmo = true :: skip fi
#else
#define CHOOSE_TIMED	skip
#endif

proctype thread(byte me; byte rounds)
{
	byte s, v, got, old, w, h, to, holder, round, k;
	bool took, timed, timed_out, has_slice, yielded, tmo;

	/* ---- bfsgil_acquire, bfsgil_timedacquire ---- */
next_round:
	if
	/* model: all rounds done */
	:: atomic { round == rounds -> ndone++; goto finished }
	:: atomic {
		round < rounds -> round++; yielded = false;
		/* model: bfsgil_acquire, or (LEAVE) bfsgil_timedacquire: tmo */
		CHOOSE_TIMED;
		if
		/* C: src/core/handoff.c thread_acquire_fast: "uintptr_t s = atomic_load_explicit(&gil->state, memory_order_relaxed);" */
		/* C: src/core/handoff.c thread_acquire_fast: "if (s == 0 && self->slice.left != 0) {" */
		/* C: src/core/handoff.c thread_acquire_fast: "if (atomic_compare_exchange_strong_explicit( &gil->state, &s, (uintptr_t)self, memory_order_acq_rel, memory_order_relaxed)) {" */
		/* (the load is folded into the CAS: it only decides whether to try) */
		:: has_slice && gstate == 0 -> gstate = STATE(me, 0); enter_cs(); goto holding
		/* C: src/core/handoff.c bfsgil_acquire: "if (thread_acquire_fast(self) == 0) return 0; return gil_acquire_slow(self, 0);" */
		/* C: src/core/handoff.c bfsgil_timedacquire: "if (thread_acquire_fast(self) == 0) return 0; return gil_acquire_slow(self, at);" */
		:: else -> skip
		fi
	   }
	fi;

	/* ---- gil_acquire_slow ---- */
acq_slow:
	atomic {
		/* C: src/core/handoff.c gil_acquire_slow: "pthread_mutex_lock(&gil->lock);" */
		mtx == 0 -> mtx = me;
		/* C: src/core/handoff.c gil_acquire_slow: "policy_request(&self->slice, now, gil_slice_ns(gil), thread_ratio(self));" */
		has_slice = true;
		acq_load()
	};
acq_announce:
	atomic {
		if
		/* C: src/core/handoff.c gil_acquire_slow: "if (atomic_compare_exchange_strong_explicit( &gil->state, &s, s | GIL_WAITERS," */
		/* C: src/core/handoff.c gil_acquire_slow: "s |= GIL_WAITERS; announced = true; break;" */
		:: gstate == s -> gstate = s | W; holder = HOLDER(s); s = 0; goto acq_take_back
		/* (a failed CAS loads the word; the reload at the top of the
		 * loop is folded into it) */
		:: else -> acq_load()
		fi
	};

	/* ---- gil_take_back (rule 5a), from gil_acquire_slow ---- */
acq_take_back:
	/* C: src/core/handoff.c gil_acquire_slow: "key = thread_queue_key(self); if (gil_take_back(gil, self, holder, key, now)) {" */
	if
	/* C: src/core/handoff.c gil_take_back: "if (atomic_load_explicit(&holder->woke_at, memory_order_relaxed) != POLICY_ASLEEP) return false;" */
	/* C: src/core/handoff.c gil_take_back: "if (key != GIL_URGENT && !gil_should_ask(gil, holder, key, now, &view)) return false;" */
#ifdef MUTANT_TAKEBACK_IGNORES_INTERRUPT
	:: atomic { asleep_mark[holder] -> skip }	/* model: mutant */
#else
	/* model: as above, and not interrupted while its grant was on its way */
	:: atomic { asleep_mark[holder] && !pend[holder] -> skip }
	/* C: src/core/handoff.c gil_take_back: "if (holder->interrupt_pending) return false;" */
	:: atomic { asleep_mark[holder] && pend[holder] -> goto acq_queue }
#endif
	/* model: policy, no need to ask it */
	:: atomic { asleep_mark[holder] -> goto acq_queue }
	/* C: src/core/handoff.c gil_take_back: "memory_order_relaxed) != POLICY_ASLEEP) return false;" */
	:: atomic { !asleep_mark[holder] -> goto acq_queue }
	fi;
#ifdef MUTANT_REVOKE_RMW
	old = pw[holder];	/* model: mutant, the revoke's load ... */
#endif
	atomic {
#if defined(MUTANT_TAKEBACK_NO_REVOKE)
		took = true;	/* model: mutant, no revoke */
#elif defined(MUTANT_REVOKE_RMW)
		took = (old & GRANT) != 0;	/* model: mutant ... and its store */
		pw[holder] = old & ~GRANT;
		old = 0;
#else
		/* C: src/core/handoff.c gil_take_back: "if (!park_revoke(&holder->park, PARK_GRANT)) return false;" */
		/* C: src/core/park_futex.c park_revoke: "return (atomic_fetch_and_explicit(&p->word, ~flag, memory_order_acq_rel) & flag) != 0;" */
		took = (pw[holder] & GRANT) != 0;
		pw[holder] = pw[holder] & ~GRANT;
#endif
		if
		:: took ->
			took = false;
			/* An interruption that found the grant on its way
			 * left it standing (bfsgil_interrupt): it is never
			 * taken back. */
			assert(!pend[holder]);
			/* C: src/core/handoff.c gil_take_back: "thread_set_yield_request(holder, 0);" */
			yreq[holder] = false;
			/* C: src/core/handoff.c gil_take_back: "gil_enqueue(gil, holder, holder->slice.deadline, now);" */
			/* C: src/core/handoff.c gil_enqueue: "runq_push(&gil->runq, &t->node);" */
			inq[holder] = true;
			holder = 0;
			/* C: src/core/handoff.c gil_take_back: "gil_set_holder(gil, self, now, now, GIL_WAITERS);" */
			gil_set_holder(me, false, W);
			/* C: src/core/handoff.c gil_take_back: "gil_watch(gil, NULL, now); return true;" */
			/* C: src/core/handoff.c gil_acquire_slow: "thread_count_wait(self, now, now); from = holder;" */
			k = K_HOLD;
			goto watch_tail
		:: else -> skip
		fi
	};
acq_queue:
	atomic {
		holder = 0;
		/* C: src/core/handoff.c gil_acquire_slow: "gil_enqueue(gil, self, key, now);" */
		/* C: src/core/handoff.c gil_enqueue: "runq_push(&gil->runq, &t->node);" */
		inq[me] = true;
		/* C: src/core/handoff.c gil_acquire_slow: "gil_watch(gil, self, now);" */
		/* C: src/core/handoff.c gil_acquire_slow: "err = gil_wait_for_grant(gil, self, now, NULL, 0, timeout_at, &woke);" */
		watch_self_and_unlock();
		goto park_cas
	};

	/* ---- holding: the interpreter runs ---- */
holding:
	if
	/* model: a short section (I/O bound), then release */
	:: atomic {
		running--;
		if
#ifdef MUTANT_RELEASE_IGNORES_WAITERS
		:: HOLDER(gstate) == me -> gstate = 0; goto next_round	/* model: mutant */
#else
		/* C: src/core/handoff.c bfsgil_release: "if (atomic_compare_exchange_strong_explicit(&self->gil->state, &expect, 0," */
		:: gstate == STATE(me, 0) -> gstate = 0; goto next_round
#endif
		/* C: src/core/handoff.c bfsgil_release: "return gil_release_slow(self);" */
		:: else -> goto release_slow
		fi
	   }
	/* model: CPU bound, it commits to running until asked to give way */
	:: atomic { !yielded -> goto cpu_bound }
	/* model: it yields of its own accord */
	:: atomic { !yielded -> goto yield }
	fi;
cpu_bound:
	/* Runs until asked (or until nobody else will ever want the lock),
	 * then yields.  No way out otherwise: a holder left unasked for
	 * good, with others queued, is a deadlock. */
	/* C: include/bfsgil/lock.h bfsgil_should_yield: "__atomic_load_n(&head->yield_requested, __ATOMIC_RELAXED) != 0;" */
	atomic { (yreq[me] || ndone == NT - 1) -> goto yield };

	/* ---- gil_release_slow ---- */
release_slow:
	atomic {
		/* C: src/core/handoff.c gil_release_slow: "pthread_mutex_lock(&gil->lock);" */
		mtx == 0 -> mtx = me;
		/* C: src/core/handoff.c gil_release_slow: "s = atomic_load_explicit(&gil->state, memory_order_relaxed);" */
		s = gstate;
		/* C: src/core/handoff.c gil_release_slow: "if (gil_state_holder(s) != self) { pthread_mutex_unlock(&gil->lock); return EPERM;" */
		assert(HOLDER(s) == me);
		/* C: src/core/handoff.c gil_release_slow: "thread_set_yield_request(self, 0);" */
		yreq[me] = false;
		if
		/* C: src/core/handoff.c gil_release_slow: "if (s & GIL_WAITERS) { to = gil_handoff(gil, self, now); to_id = to->id; gil_watch(gil, NULL, now);" */
		:: (s & W) != 0 -> s = 0; handoff_decide(); goto handoff_post	/* k is K_ROUND */
		/* C: src/core/handoff.c gil_release_slow: "atomic_store_explicit(&gil->state, 0, memory_order_release);" */
		/* C: src/core/handoff.c gil_release_slow: "pthread_mutex_unlock(&gil->lock); if (gil_hooked(gil, BFSGIL_EVENT_RELEASED)) hook_send_own_at(self, BFSGIL_EVENT_RELEASED, now, to, to_id); return 0;" */
		:: else -> s = 0; gstate = 0; mtx = 0; goto next_round
		fi
	};

	/* ---- bfsgil_yield ---- */
yield:
	atomic {
		running--;
		yielded = true;
		/* C: src/core/handoff.c bfsgil_yield: "s = atomic_load_explicit(&gil->state, memory_order_relaxed);" */
		s = gstate;
		/* C: src/core/handoff.c bfsgil_yield: "if (gil_state_holder(s) != self) return EPERM;" */
		assert(HOLDER(s) == me);
		if
		/* C: src/core/handoff.c bfsgil_yield: "if (!(s & GIL_WAITERS) && !__atomic_load_n(&self->head.yield_requested, __ATOMIC_RELAXED)) return 0;" */
		:: (s & W) == 0 && !yreq[me] -> s = 0; enter_cs(); goto holding
		:: else -> s = 0
		fi
	};
	atomic {
		/* C: src/core/handoff.c bfsgil_yield: "pthread_mutex_lock(&gil->lock);" */
		mtx == 0 -> mtx = me;
		/* C: src/core/handoff.c bfsgil_yield: "thread_set_yield_request(self, 0);" */
		yreq[me] = false;
		/* C: src/core/handoff.c bfsgil_yield: "first = runq_peek_earliest(&gil->runq);" */
		if
		/* an interruption kept for this wait: give way, and do not wait
		 * C: src/core/handoff.c bfsgil_yield: "if (first != NULL && self->interrupt_pending) {"
		 * C: src/core/handoff.c bfsgil_yield: "struct bfsgil_thread *to = gil_handoff(gil, self, now);"
		 * C: src/core/handoff.c bfsgil_yield: "self->interrupt_pending = false;"
		 * C: src/core/handoff.c bfsgil_yield: "gil_watch(gil, NULL, now); pthread_mutex_unlock(&gil->lock);" */
		:: QLEN > 0 && pend[me] -> pend[me] = false; handoff_decide(); k = K_LEFT; goto handoff_post
		/* C: src/core/handoff.c bfsgil_yield: "if (first != NULL && self->slice.deadline >= first->deadline) {" */
		/* C: src/core/handoff.c bfsgil_yield: "gil_enqueue(gil, self, thread_queue_key(self), now); to = gil_handoff(gil, self, now);" */
		:: QLEN > 0 && !pend[me] -> inq[me] = true; handoff_decide(); k = K_WAIT; goto handoff_post
		/* model: policy, our deadline is still the earliest */
		/* C: src/core/handoff.c bfsgil_yield: "if (first != NULL) gil_watch(gil, NULL, now); else policy_start(&self->slice, POLICY_UNTIMED);" */
		:: QLEN > 0 && !pend[me] -> k = K_HOLD; goto watch_tail
		/* C: src/core/handoff.c bfsgil_yield: "pthread_mutex_unlock(&gil->lock); pthread_setcancelstate(cancel, NULL); return 0;" */
		:: QLEN == 0 -> mtx = 0; enter_cs(); goto holding
		fi
	};

	/* ---- gil_handoff's post, then on by k (mutex held) ---- */
handoff_post:
	/* C: src/core/handoff.c gil_handoff: "park_post(&to->park, PARK_GRANT);" */
	/* C: src/core/park_futex.c park_post: "old = atomic_fetch_or_explicit(&p->word, flags, memory_order_acq_rel);" */
	atomic { old = pw[to]; pw[to] = old | GRANT };
	atomic {
		/* C: src/core/park_futex.c park_post: "if (old & PARK_ASLEEP) syscall(SYS_futex, &p->word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);" */
		if
		:: (old & ASLEEP) != 0 -> fsleep[to] = false
		:: else -> skip
		fi;
		old = 0;
#ifdef MUTANT_GRANT_FIRST
	};
	atomic {
		/* model: mutant, the state word names the new holder only now */
		gil_set_holder(to, true, (QLEN > 0 -> W : 0));
#endif
		to = 0;
		if
		/* C: src/core/handoff.c bfsgil_yield: "gil_watch(gil, self, now); err = gil_wait_for_grant(gil, self, now, to, to->id, 0, &woke);" */
		:: k == K_WAIT -> k = 0; goto yield_wait
		:: else -> goto watch_tail
		fi
	};
yield_wait:
	atomic { watch_self_and_unlock(); goto park_cas };

	/* ---- gil_watch(gil, NULL, now), then unlock, then on by k ---- */
watch_tail:
	atomic {
		gil_watch_decide(0, true, false);
		if
		:: w == 0 -> mtx = 0; continue_k()
		:: else -> skip
		fi
	};
	/* ---- gil_watch's poke of w, then unlock, then on by k ---- */
poke_tail:
	/* C: src/core/park_futex.c park_post: "old = atomic_fetch_or_explicit(&p->word, flags, memory_order_acq_rel);" */
	atomic { old = pw[w]; pw[w] = old | POKE };
	atomic {
		/* C: src/core/park_futex.c park_post: "if (old & PARK_ASLEEP) syscall(SYS_futex, &p->word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);" */
		if
		:: (old & ASLEEP) != 0 -> fsleep[w] = false
		:: else -> skip
		fi;
		old = 0;
		w = 0;
		/* C: src/core/handoff.c gil_release_slow: "pthread_mutex_unlock(&gil->lock); if (gil_hooked(gil, BFSGIL_EVENT_RELEASED)) hook_send_own_at(self, BFSGIL_EVENT_RELEASED, now, to, to_id); return 0;" */
		/* C: src/core/handoff.c gil_acquire_slow: "out: pthread_mutex_unlock(&gil->lock);" */
		/* C: src/core/handoff.c gil_wait_for_grant: "gil_leave_queue(gil, self, now); pthread_mutex_unlock(&gil->lock);" */
		mtx = 0;
		continue_k()
	};

	/* ---- gil_wait_for_grant: park_wait(&self->park, timed, until) ---- */
park_cas:
	/* C: src/core/handoff.c gil_wait_for_grant: "posted = park_wait(&self->park, until != UINT64_MAX, until);" */
	atomic {
		/* C: src/core/park_futex.c park_wait: "uint32_t v = atomic_load_explicit(&p->word, memory_order_acquire), got;" */
		/* C: src/core/park_futex.c park_wait: "while (!(v & PARK_FLAGS) && !timed_out) {" */
		/* C: src/core/park_futex.c park_wait: "if (!(v & PARK_ASLEEP)) {" */
		/* C: src/core/park_futex.c park_wait: "if (!atomic_compare_exchange_weak_explicit( &p->word, &v, v | PARK_ASLEEP," */
		/* C: src/core/park_futex.c park_wait: "continue; v |= PARK_ASLEEP;" */
		/* (the load is folded into the CAS, which reloads when it fails) */
		v = pw[me];
		if
		:: (v & FLAGS) != 0 -> goto park_consume
		:: else -> pw[me] = v | ASLEEP; v = v | ASLEEP
		fi
	};
park_sleep:
#ifdef MUTANT_SLEEP_NO_COMPARE
	if
	:: pw[me] == v -> fsleep[me] = true	/* model: mutant, two steps */
	:: else -> skip
	fi;
#else
	/* C: src/core/park_futex.c futex_sleep: "return syscall(SYS_futex, word, FUTEX_WAIT_BITSET_PRIVATE, expect," */
	atomic {
		if
		:: pw[me] == v -> fsleep[me] = true
		:: else -> skip		/* EAGAIN */
		fi
	};
#endif
	if
	/* woken by a FUTEX_WAKE, or EAGAIN: reload, look again */
	/* C: src/core/park_futex.c park_wait: "timed_out = futex_sleep(&p->word, v, timed, until_ns); v = atomic_load_explicit(&p->word, memory_order_acquire);" */
	:: atomic {
		!fsleep[me] -> v = pw[me];
		if
		:: (v & FLAGS) != 0 -> goto park_consume
		:: (v & FLAGS) == 0 && (v & ASLEEP) == 0 -> goto park_cas
		:: else -> goto park_sleep
		fi
	   }
	/* a timed wait times out, at any moment */
	/* C: src/core/park_futex.c futex_sleep: "timed ? &until : NULL, NULL, FUTEX_BITSET_MATCH_ANY) != 0 && errno == ETIMEDOUT;" */
	:: atomic { timed && fsleep[me] && TIMER_OK -> fsleep[me] = false; timed_out = true; goto park_consume }
	fi;
park_consume:
	atomic {
#ifdef MUTANT_TIMEOUT_CLEARS
		if
		:: timed_out -> pw[me] = 0; got = 0	/* model: mutant */
		:: else -> got = pw[me] & FLAGS; pw[me] = 0
		fi;
#else
		/* C: src/core/park_futex.c park_wait: "got = atomic_exchange_explicit(&p->word, 0, memory_order_acq_rel) & PARK_FLAGS;" */
		got = pw[me] & FLAGS;
		pw[me] = 0;
#endif
		v = 0;
		if
		/* C: src/core/park_futex.c park_wait: "if (got != 0 || timed_out) return got;" */
		:: got != 0 || timed_out -> timed_out = false; timed = false
		/* C: src/core/park_futex.c park_wait: "v = 0;" */
		:: else -> goto park_cas
		fi
	};

	/* ---- gil_wait_for_grant, after park_wait ---- */
	if
	/* C: src/core/handoff.c gil_wait_for_grant: "if (posted & PARK_GRANT) {" */
	:: atomic {
		(got & GRANT) != 0 ->
		/* C: src/core/handoff.c gil_wait_for_grant: "BFSGIL_DEBUG_ASSERT(gil_state_holder(atomic_load_explicit( &gil->state, memory_order_acquire)) == self);" */
		assert(HOLDER(gstate) == me);
		/* C: src/core/handoff.c gil_wait_for_grant: "atomic_store_explicit(&self->woke_at, now, memory_order_relaxed);" */
		/* C: src/core/handoff.c gil_wait_for_grant: "*woke = now; return 0;" */
		asleep_mark[me] = false;
		got = 0;
		enter_cs();
		goto holding
	   }
	/* C: src/core/handoff.c gil_wait_for_grant: "if (posted & PARK_CANCEL) {" */
	/* C: src/core/handoff.c gil_wait_for_grant: "thread_send_left(self, clock_now_ns(), EINTR); return EINTR;" */
	:: atomic { (got & (GRANT | CANCEL)) == CANCEL -> got = 0; gone_without(); goto next_round }
	:: atomic {
		/* C: src/core/handoff.c gil_wait_for_grant: "pthread_mutex_lock(&gil->lock);" */
		(got & (GRANT | CANCEL)) == 0 && mtx == 0 -> mtx = me;
		if
#ifdef MUTANT_TIMEOUT_IGNORES_GRANT
		/* model: mutant, time up: leave if queued, ETIMEDOUT either way */
		:: tmo && inq[me] -> got = 0; leave_decide(me); leave_next()
		:: tmo && !inq[me] -> got = 0; mtx = 0; gone_without(); goto next_round
#endif
		/* C: src/core/handoff.c gil_wait_for_grant: "if (!runq_queued(&self->node)) continue;" */
		:: !inq[me] -> skip
		/* model: time, now >= timeout_at */
		/* C: src/core/handoff.c gil_wait_for_grant: "if (timeout_at != 0 && now >= timeout_at) { gil_leave_queue(gil, self, now);" */
		:: inq[me] && tmo -> got = 0; leave_decide(me); leave_next()
		/* C: src/core/handoff.c gil_wait_for_grant: "if (gil->watcher == self && now >= self->watch_until) { gil->watcher = NULL; gil_watch(gil, self, now);" */
		:: inq[me] && watcher == me && DUE_OK && (!tmo || NOT_YET_OK) ->
			watcher = 0;
			gil_watch_decide(me, MAYWAIT, true)
		/* model: policy, not yet time (or not the watcher) */
		:: inq[me] && (!tmo || NOT_YET_OK) &&
		   (watcher != me || NOT_YET_OK || !DUE_OK) -> skip
		fi;
		got = 0;
		/* the loop's top again */
		wait_top();
		goto park_cas
	   }
	fi;

	/* ---- gil_leave_queue's store (the queue emptied), then ETIMEDOUT ---- */
leave_store:
	atomic {
		leave_store_word();
		/* C: src/core/handoff.c gil_wait_for_grant: "gil_leave_queue(gil, self, now); pthread_mutex_unlock(&gil->lock);" */
		/* C: src/core/handoff.c gil_wait_for_grant: "thread_send_left(self, now, ETIMEDOUT); return ETIMEDOUT;" */
		mtx = 0;
		gone_without();
		goto next_round
	};

finished:
	skip
}

#ifdef LEAVE
/*
 * bfsgil_interrupt(t), once, from a thread of its own (any thread may
 * call it, holding the GIL or not), at any moment and for any t.
 */
proctype interrupter(byte me)
{
	byte t, w, h, holder, old;

	atomic {
		/* C: src/core/handoff.c bfsgil_interrupt: "pthread_mutex_lock(&gil->lock);" */
		mtx == 0 -> mtx = me;
		/* model: which thread it interrupts */
		if
		:: t = 1
		:: t = 2
		:: NT > 2 -> t = 3
		fi;
		if
		/* C: src/core/handoff.c bfsgil_interrupt: "if (runq_queued(&t->node)) { gil_leave_queue(gil, t, clock_now_ns());" */
		:: inq[t] -> leave_decide(t)
		/* C: src/core/handoff.c bfsgil_interrupt: "} else { t->interrupt_pending = true; }" */
		:: else -> pend[t] = true;
#ifdef MUTANT_INTERRUPT_UNQUEUED
			goto irq_cancel		/* model: mutant, the cancel is posted anyway */
#endif
			/* C: src/core/handoff.c bfsgil_interrupt: "pthread_mutex_unlock(&gil->lock); return 0;" */
			t = 0; mtx = 0; goto irq_done
		fi
	};
	if
	/* gil_leave_queue's gil_watch pokes w */
	/* C: src/core/park_futex.c park_post: "old = atomic_fetch_or_explicit(&p->word, flags, memory_order_acq_rel);" */
	:: atomic { w != 0 -> old = pw[w]; pw[w] = old | POKE };
	   atomic {
		/* C: src/core/park_futex.c park_post: "if (old & PARK_ASLEEP) syscall(SYS_futex, &p->word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);" */
		if
		:: (old & ASLEEP) != 0 -> fsleep[w] = false
		:: else -> skip
		fi;
		old = 0;
		w = 0
	   }
	/* gil_leave_queue emptied the queue: the holder alone */
	:: atomic { holder != 0 -> leave_store_word() }
	/* C: src/core/handoff.c bfsgil_interrupt: "park_post(&t->park, PARK_CANCEL);" */
	/* C: src/core/park_futex.c park_post: "old = atomic_fetch_or_explicit(&p->word, flags, memory_order_acq_rel);" */
	:: atomic { w == 0 && holder == 0 -> old = pw[t]; pw[t] = old | CANCEL; goto irq_wake }
	fi;
irq_cancel:
	/* C: src/core/handoff.c bfsgil_interrupt: "park_post(&t->park, PARK_CANCEL);" */
	/* C: src/core/park_futex.c park_post: "old = atomic_fetch_or_explicit(&p->word, flags, memory_order_acq_rel);" */
	atomic { old = pw[t]; pw[t] = old | CANCEL };
irq_wake:
	atomic {
		/* C: src/core/park_futex.c park_post: "if (old & PARK_ASLEEP) syscall(SYS_futex, &p->word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);" */
		if
		:: (old & ASLEEP) != 0 -> fsleep[t] = false
		:: else -> skip
		fi;
		old = 0;
		t = 0;
		/* C: src/core/handoff.c bfsgil_interrupt: "pthread_mutex_unlock(&gil->lock); return 0;" */
		mtx = 0
	};
irq_done:
	skip
}
#endif

init
{
	/* model: start the threads */
	atomic {
		run thread(1, ROUNDS);
		run thread(2, ROUNDS_OTHERS);
#if NT > 2
		run thread(3, ROUNDS_OTHERS);
#endif
#ifdef LEAVE
		run interrupter(IRQ);
#endif
		skip
	}
}

/*
 * No lost wake-up, as an invariant of every state: the lock is never
 * free while someone is queued (a queued thread sleeps until a handoff,
 * and only a holder hands off), and whenever the mutex is free
 * GIL_WAITERS is set exactly when the queue is non-empty (src/core/gil.h: a
 * release fast path that succeeds past a queued waiter would leave it
 * asleep).  The lock is never lost: once every thread has finished all
 * its rounds, it is free and nobody is queued.  The monitor can move
 * only once the invariant is broken.
 */
#define HELD_WHILE_QUEUED	(QLEN == 0 || gstate != 0)
#define WAITERS_BIT_RIGHT	(mtx != 0 || ((gstate & W) != 0) == (QLEN != 0))
#define FREE_AT_END		(ndone < NT || (gstate == 0 && QLEN == 0))

active proctype monitor()
{
end:	if
	/* model: never free while someone is queued */
	:: atomic { !HELD_WHILE_QUEUED -> assert(HELD_WHILE_QUEUED) }
	/* model: GIL_WAITERS right whenever the mutex is free */
	:: atomic { !WAITERS_BIT_RIGHT -> assert(WAITERS_BIT_RIGHT) }
	/* model: the lock free at the end */
	:: atomic { !FREE_AT_END -> assert(FREE_AT_END) }
	fi
}

#ifdef LIVE
/*
 * No lost wake-up, as liveness: every thread finishes all its rounds,
 * so every acquire returns and every queued waiter is eventually handed
 * the lock (or takes it, or leaves).  Checked with pan -a -f: under weak
 * fairness (a thread that can move eventually does; a timed wait
 * eventually times out).  A run that stops short of it (a deadlock) or
 * loops forever without reaching it is a counterexample.
 */
ltl all_served { <> (ndone == NT) }
#endif
