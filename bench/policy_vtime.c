/*
 * policy_vtime.c: an experiment, run only when named (bfsgil-bench
 * --policies vtime): a sketch of deadlines that advance by the lock time
 * a thread used (stride scheduling, CFS's vruntime), measured beside
 * bfsgil to decide the next design of its share rule (doc/design.md,
 * rule 2a).  Not a policy for hosts.
 *
 * Each thread has a virtual deadline @vd.  A holder's @vd grows by the
 * wall time it held, from the handoff to it (so the handoff is charged
 * to the thread that receives it), and never ends more than a slice
 * ahead of the lock's virtual time @v (the largest @vd granted).  The
 * lock goes to the earliest @vd.  A thread that comes back after time
 * off the lock is placed at most a slice behind @v (a sleeper's credit,
 * so an I/O thread still preempts).  A waiter asks the holder to give
 * way when it comes to the queue with a @vd more than half a slice
 * earlier than the holder's grown @vd (grown by wall time, whatever the
 * charge), or, at the end of the holder's slice, earlier at all: the
 * earliest waiter times the slice.  An asked holder gives way if the
 * earliest waiter's @vd is no later than its own once charged.  A
 * mutex, a binary heap of waiters and a condvar per thread; none of
 * bfsgil's fast paths.
 *
 * vtimecpu charges instead the CPU time the holder used while it held
 * (CLOCK_THREAD_CPUTIME_ID) and, once per handoff to it, a nominal 5 us:
 * time the kernel kept it off a CPU, a wake-up delayed or a holder
 * preempted, is then not charged.
 *
 * vtimecap charges like vtimecpu, but a turn that ends in a release
 * (not a yield: the thread gave the lock up on its own) 20 us at most,
 * so that what a short turn costs cannot vary much: a thread whose
 * turn cost more than the crowd's waits, under stride, until every
 * other thread has been served as much.  It undercharges a thread that
 * holds long and then releases: a sketch, not a rule.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "bench.h"
#include "policy.h"

#define VT_SLICE (5 * MS)
#define VT_GRAN (VT_SLICE / 2)

struct vt_thread {
	struct vt *gil;
	pthread_cond_t cond;
	uint64_t vd;		/* virtual deadline (pass) */
	uint64_t start;		/* when it got the lock */
	uint64_t cpu0;		/* its CPU time then (vtimecpu) */
	bool handed;		/* got it by a handoff, not yet charged */
	int fresh;		/* never had the lock */
	atomic_int interrupt;
	void *udata;
};

struct vt {
	pthread_mutex_t mutex;
	struct vt_thread *owner;
	struct vt_thread **heap;	/* waiters, a binary heap on vd */
	size_t n, cap, attached;
	uint64_t v;		/* lock's virtual time */
	bool by_cpu;		/* vtimecpu: charge CPU time, not wall */
	bool cap_release;	/* vtimecap: a release is charged at most
				 * VT_RELEASE_CAP_NS */
	const struct policy_asker *asker;
};

/* vtimecpu's nominal cost of a handoff, charged to its receiver. */
#define VT_HANDOFF_NS 5000
/* vtimecap: what a turn that ends in a release (not a yield) costs at
 * most. */
#define VT_RELEASE_CAP_NS 20000

static uint64_t
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
vt_create_as(void **lockp, bool by_cpu, bool cap_release)
{
	struct vt *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return ENOMEM;
	pthread_mutex_init(&g->mutex, NULL);
	g->by_cpu = by_cpu;
	g->cap_release = cap_release;
	*lockp = g;
	return 0;
}

static int
vt_create(void **lockp)
{
	return vt_create_as(lockp, false, false);
}

static int
vt_create_cpu(void **lockp)
{
	return vt_create_as(lockp, true, false);
}

static int
vt_create_cap(void **lockp)
{
	return vt_create_as(lockp, true, true);
}

static void
vt_destroy(void *lock)
{
	struct vt *g = lock;

	pthread_mutex_destroy(&g->mutex);
	free(g->heap);
	free(g);
}

static int
vt_attach(void *lock, void **threadp, void *udata)
{
	struct vt_thread *t = calloc(1, sizeof(*t));
	int err;

	if (t == NULL)
		return ENOMEM;
	err = cond_init_monotonic(&t->cond);
	if (err != 0) {
		free(t);
		return err;
	}
	t->gil = lock;
	t->udata = udata;
	t->fresh = 1;
	pthread_mutex_lock(&t->gil->mutex);
	if (t->gil->attached == t->gil->cap) {
		size_t cap = t->gil->cap ? 2 * t->gil->cap : 64;
		struct vt_thread **heap = realloc(t->gil->heap,
						  cap * sizeof(*heap));

		if (heap == NULL) {
			pthread_mutex_unlock(&t->gil->mutex);
			pthread_cond_destroy(&t->cond);
			free(t);
			return ENOMEM;
		}
		t->gil->heap = heap;
		t->gil->cap = cap;
	}
	t->gil->attached++;
	pthread_mutex_unlock(&t->gil->mutex);
	*threadp = t;
	return 0;
}

static void
vt_detach(void *thread)
{
	struct vt_thread *t = thread;

	pthread_mutex_lock(&t->gil->mutex);
	t->gil->attached--;
	pthread_mutex_unlock(&t->gil->mutex);
	pthread_cond_destroy(&t->cond);
	free(t);
}

static struct vt_thread *
vt_min(struct vt *g)
{
	return g->n ? g->heap[0] : NULL;
}

/* Every attached thread has a slot reserved (vt_attach). */
static void
vt_push(struct vt *g, struct vt_thread *t)
{
	size_t i;

	for (i = g->n++; i > 0 && g->heap[(i - 1) / 2]->vd > t->vd;
	     i = (i - 1) / 2)
		g->heap[i] = g->heap[(i - 1) / 2];
	g->heap[i] = t;
}

static struct vt_thread *
vt_pop(struct vt *g)
{
	struct vt_thread *top = g->heap[0], *last = g->heap[--g->n];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= g->n)
			break;
		if (c + 1 < g->n && g->heap[c + 1]->vd < g->heap[c]->vd)
			c++;
		if (g->heap[c]->vd >= last->vd)
			break;
		g->heap[i] = g->heap[c];
		i = c;
	}
	if (g->n > 0)
		g->heap[i] = last;
	return top;
}

static void
vt_ask(struct vt *g)
{
	if (g->owner == NULL ||
	    atomic_load_explicit(&g->owner->interrupt, memory_order_relaxed))
		return;
	atomic_store_explicit(&g->owner->interrupt, 1, memory_order_relaxed);
	if (g->asker != NULL)
		g->asker->asked(g->owner->udata);
}

/* Charge the holder @t up to @now (mutex held). */
static void
vt_charge(struct vt_thread *t, uint64_t now, bool release)
{
	if (t->gil->by_cpu) {
		uint64_t c = cpu_now(), used = c - t->cpu0;

		if (t->handed)
			used += VT_HANDOFF_NS;
		t->handed = false;

		if (release && t->gil->cap_release && used > VT_RELEASE_CAP_NS)
			used = VT_RELEASE_CAP_NS;
		t->vd += used;
		t->cpu0 = c;
	} else if (now > t->start) {
		t->vd += now - t->start;
	}
	t->start = now;
	/* At most a slice ahead of the lock's virtual time: a hold that
	 * the kernel stretched (the holder preempted) costs a slice at
	 * most, as a reissue does in BFS. */
	if (t->vd > t->gil->v + VT_SLICE)
		t->vd = t->gil->v + VT_SLICE;
}

/* Pass to the earliest waiter (mutex held). */
static void
vt_pass(struct vt *g, uint64_t now)
{
	struct vt_thread *n = g->n ? vt_pop(g) : NULL;

	g->owner = n;
	if (n == NULL)
		return;
	n->start = now;
	n->handed = true;
	if (n->vd > g->v)
		g->v = n->vd;
	atomic_store_explicit(&n->interrupt, 0, memory_order_relaxed);
	pthread_cond_signal(&n->cond);
	n = vt_min(g);
	if (n != NULL)
		pthread_cond_signal(&n->cond);	/* the new timer */
}

static void
vt_wait_turn(struct vt *g, struct vt_thread *t)
{
	vt_push(g, t);
	if (g->owner != NULL) {
		uint64_t now = now_ns();
		uint64_t veff = g->owner->vd + (now > g->owner->start ?
						now - g->owner->start : 0);

		if (t->vd + VT_GRAN < veff)
			vt_ask(g);
	}
	while (g->owner != t) {
		struct vt_thread *o = g->owner;

		if (o != NULL && vt_min(g) == t) {
			/* The timer: the holder's slice end. */
			struct timespec until;
			uint64_t now = now_ns(), end = o->start + VT_SLICE;

			if (now >= end) {
				if (t->vd < o->vd + (now - o->start))
					vt_ask(g);
				end = now + VT_SLICE;
			}
			until = timespec_after_ns(end - now);
			pthread_cond_timedwait(&t->cond, &g->mutex, &until);
		} else {
			pthread_cond_wait(&t->cond, &g->mutex);
		}
	}
	if (g->by_cpu)
		t->cpu0 = cpu_now();
}

static void
vt_acquire(void *thread)
{
	struct vt_thread *t = thread;
	struct vt *g = t->gil;

	pthread_mutex_lock(&g->mutex);
	if (t->fresh) {
		t->vd = g->v;
		t->fresh = 0;
	} else if (t->vd + VT_SLICE < g->v) {
		t->vd = g->v - VT_SLICE;	/* a sleeper's credit: one slice */
	}
	if (g->owner == NULL && g->n == 0) {
		g->owner = t;
		t->start = now_ns();
		if (g->by_cpu)
			t->cpu0 = cpu_now();
		if (t->vd > g->v)
			g->v = t->vd;
	} else {
		vt_wait_turn(g, t);
	}
	pthread_mutex_unlock(&g->mutex);
}

static void
vt_release(void *thread)
{
	struct vt_thread *t = thread;
	struct vt *g = t->gil;
	uint64_t now;

	pthread_mutex_lock(&g->mutex);
	now = now_ns();
	vt_charge(t, now, true);
	atomic_store_explicit(&t->interrupt, 0, memory_order_relaxed);
	vt_pass(g, now);
	pthread_mutex_unlock(&g->mutex);
}

static bool
vt_should_yield(void *thread)
{
	struct vt_thread *t = thread;

	return atomic_load_explicit(&t->interrupt, memory_order_relaxed) != 0;
}

static void
vt_yield(void *thread)
{
	struct vt_thread *t = thread;
	struct vt *g = t->gil;
	struct vt_thread *m;
	uint64_t now;

	pthread_mutex_lock(&g->mutex);
	now = now_ns();
	vt_charge(t, now, false);
	atomic_store_explicit(&t->interrupt, 0, memory_order_relaxed);
	/* On a tie it gives way: a holder capped at v + slice
	 * (vt_charge) and a waiter capped the same would otherwise tie
	 * for good, the lock's virtual time moving only at handoffs.
	 * (Moving it at yields too, as the holder's charge grows, raised
	 * the floor of every returning thread's credit with the CPU-bound
	 * threads' charges: 1,000 short holders beside 2 of them, 300
	 * served.) */
	m = vt_min(g);
	if (m != NULL && m->vd <= t->vd) {
		vt_pass(g, now);
		vt_wait_turn(g, t);
	}
	pthread_mutex_unlock(&g->mutex);
}

static int
vt_set_asker(void *lock, const struct policy_asker *a)
{
	struct vt *g = lock;

	pthread_mutex_lock(&g->mutex);
	g->asker = a;
	pthread_mutex_unlock(&g->mutex);
	return 0;
}

/* The three sketches differ only in how they create their lock. */
#define VT_POLICY(var, name_, about_, create_)				\
	const struct policy var = {					\
		.name = name_,						\
		.about = about_,					\
		.create = create_,					\
		.destroy = vt_destroy,					\
		.attach = vt_attach,					\
		.detach = vt_detach,					\
		.acquire = vt_acquire,					\
		.release = vt_release,					\
		.should_yield = vt_should_yield,			\
		.yield = vt_yield,					\
		.set_asker = vt_set_asker,				\
	}

VT_POLICY(policy_vtime, "vtime",
	  "deadlines that advance by the lock time used (a sketch)",
	  vt_create);
VT_POLICY(policy_vtimecpu, "vtimecpu",
	  "vtime, charged the holder's CPU time + 5 us a handoff",
	  vt_create_cpu);
VT_POLICY(policy_vtimecap, "vtimecap",
	  "vtimecpu, a turn that ends in a release costs 20 us at most",
	  vt_create_cap);
