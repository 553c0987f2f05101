/*
 * check_park.c: the park (src/core/park.h), where a waiting thread sleeps.
 * One body, built twice: check_park_futex against park_futex.c and
 * check_park_cond against park_cond.c (as Concurrency Kit runs one
 * validation against every lock), so both keep the same contract.
 *
 * "The owner is asleep" is a condition, not a delay: on Linux the tests
 * wait until the kernel reports the owner's task as sleeping ('S' in
 * /proc/self/task/TID/stat) before posting, so the sleeping path is the
 * one exercised.  Elsewhere they post without knowing, which still
 * checks the result.
 */
#define _GNU_SOURCE	/* CPU affinity, for the revoke race */
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
# include <sys/syscall.h>
#endif

#include "harness.h"
#include "park.h"

#define MS UINT64_C(1000000)

/* A thread waiting on a park, as bfsgil's waiters do. */
struct owner {
	struct park park;
	bool timed;
	uint64_t until_ns;
	atomic_int tid;		/* set before it first waits */
	atomic_int returned;	/* park_wait has returned */
	uint32_t got;
	uint64_t returned_at;
};

static void *
owner_main(void *arg)
{
	struct owner *o = arg;

#ifdef __linux__
	atomic_store(&o->tid, (int)syscall(SYS_gettid));
#else
	atomic_store(&o->tid, 1);
#endif
	o->got = park_wait(&o->park, o->timed, o->until_ns);
	o->returned_at = harness_now_ns();
	atomic_store(&o->returned, 1);
	return NULL;
}

/* True once task @tid of this process is asleep in the kernel. */
static bool
task_sleeping(int tid)
{
#ifdef __linux__
	char path[64], buf[256], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	f = fopen(path, "r");
	if (f == NULL)
		return false;	/* gone: the caller sees it returned */
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* "tid (comm) S ...": the state follows the last ')'. */
	p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' && p[2] == 'S';
#else
	(void)tid;
	return true;
#endif
}

/* Wait until @o's thread has started waiting and sleeps; fail if its
 * wait has already ended, since nothing was posted that should end it. */
static void
wait_until_asleep(struct owner *o)
{
	while (atomic_load(&o->tid) == 0 || !task_sleeping(atomic_load(&o->tid))) {
		ck_assert_msg(!atomic_load(&o->returned),
			      "park_wait returned early, with %#x", o->got);
		sched_yield();
	}
	ck_assert_msg(!atomic_load(&o->returned),
		      "park_wait returned early, with %#x", o->got);
}

static pthread_t
owner_start(struct owner *o, bool timed, uint64_t until_ns)
{
	memset(o, 0, sizeof(*o));
	ck_assert_int_eq(park_init(&o->park), 0);
	o->timed = timed;
	o->until_ns = until_ns;
	return harness_spawn(owner_main, o);
}

static void
owner_finish(struct owner *o, pthread_t t)
{
	harness_join(t);
	park_destroy(&o->park);
}

/* Once @o sleeps (and so has not returned), grant it the lock; its wait
 * must end with exactly that. */
static void
grant_to_sleeping_owner(struct owner *o, pthread_t t)
{
	wait_until_asleep(o);
	park_post(&o->park, PARK_GRANT);
	owner_finish(o, t);
	ck_assert_uint_eq(o->got, PARK_GRANT);
}

START_TEST(posted_before_the_wait_returns_at_once_and_is_consumed)
{
	struct park p;

	ck_assert_int_eq(park_init(&p), 0);
	park_post(&p, PARK_GRANT);
	/* Untimed: would hang (and hit the case timeout) if lost. */
	ck_assert_uint_eq(park_wait(&p, false, 0), PARK_GRANT);
	/* Consumed: a second, timed wait finds nothing. */
	ck_assert_uint_eq(park_wait(&p, true, harness_now_ns() + MS), 0);
	park_destroy(&p);
}
END_TEST

START_TEST(both_flags_posted_come_back_together)
{
	struct park p;

	ck_assert_int_eq(park_init(&p), 0);
	park_post(&p, PARK_POKE);
	park_post(&p, PARK_GRANT);
	ck_assert_uint_eq(park_wait(&p, false, 0), PARK_GRANT | PARK_POKE);
	park_destroy(&p);
}
END_TEST

START_TEST(a_sleeping_owner_is_woken_by_a_post)
{
	struct owner o;
	pthread_t t = owner_start(&o, false, 0);

	grant_to_sleeping_owner(&o, t);
}
END_TEST

START_TEST(a_sleeping_watcher_is_woken_by_a_poke_before_its_time)
{
	struct owner o;
	uint64_t until = harness_now_ns() + 60000 * MS;
	pthread_t t = owner_start(&o, true, until);

	wait_until_asleep(&o);
	park_post(&o.park, PARK_POKE);
	owner_finish(&o, t);
	ck_assert_uint_eq(o.got, PARK_POKE);
	ck_assert_uint_lt(o.returned_at, until);
}
END_TEST

START_TEST(a_timed_wait_with_nothing_posted_ends_at_its_time)
{
	struct owner o;
	uint64_t until = harness_now_ns() + 20 * MS;
	pthread_t t = owner_start(&o, true, until);

	owner_finish(&o, t);
	ck_assert_uint_eq(o.got, 0);
	ck_assert_uint_ge(o.returned_at, until);
}
END_TEST

START_TEST(a_timed_wait_already_past_returns_at_once)
{
	struct park p;

	ck_assert_int_eq(park_init(&p), 0);
	ck_assert_uint_eq(park_wait(&p, true, harness_now_ns() - MS), 0);
	/* ... but still hands over what was posted. */
	park_post(&p, PARK_GRANT);
	ck_assert_uint_eq(park_wait(&p, true, 0), PARK_GRANT);
	park_destroy(&p);
}
END_TEST

START_TEST(revoke_takes_an_unconsumed_grant_only)
{
	struct park p;

	ck_assert_int_eq(park_init(&p), 0);
	ck_assert(!park_revoke(&p, PARK_GRANT));
	park_post(&p, PARK_GRANT | PARK_POKE);
	ck_assert(park_revoke(&p, PARK_GRANT));
	ck_assert(!park_revoke(&p, PARK_GRANT));
	/* The poke stays. */
	ck_assert_uint_eq(park_wait(&p, false, 0), PARK_POKE);
	park_post(&p, PARK_GRANT);
	ck_assert_uint_eq(park_wait(&p, false, 0), PARK_GRANT);
	ck_assert(!park_revoke(&p, PARK_GRANT));
	park_destroy(&p);
}
END_TEST

START_TEST(a_revoked_grant_leaves_the_owner_asleep)
{
	struct owner o;
	pthread_t t = owner_start(&o, false, 0);

	wait_until_asleep(&o);
	park_post(&o.park, PARK_GRANT);
	if (park_revoke(&o.park, PARK_GRANT)) {
		/* The owner may have been woken; it must sleep on. */
		wait_until_asleep(&o);
		ck_assert_int_eq(atomic_load(&o.returned), 0);
		park_post(&o.park, PARK_POKE);
		owner_finish(&o, t);
		ck_assert_uint_eq(o.got, PARK_POKE);
	} else {
		owner_finish(&o, t);
		ck_assert_uint_eq(o.got, PARK_GRANT);
	}
}
END_TEST

/* Revoke racing the owner's wake-up, many times: in every round exactly
 * one of the two ends up with the grant.  The owner spins until the
 * round starts, so that its wait and the revoke overlap. */
#define RACE_ROUNDS 2000

struct race {
	struct park park;
	atomic_int round;	/* the round being played */
	atomic_int done;	/* the last round the owner finished */
	int grants[RACE_ROUNDS];
	int empty;		/* untimed waits that returned nothing */
};

/* Spin until *@v reaches @n, yielding now and then (the cores may be
 * shared). */
static void
spin_until(atomic_int *v, int n)
{
	for (unsigned i = 1; atomic_load(v) < n; i++)
		if (i % 1024 == 0)
			sched_yield();
}

/* The race needs its two sides on two CPUs at once, which the kernel's
 * placement gives only sometimes: pin them apart when we can.  The
 * CPUs are read once, before anyone is pinned (a new thread inherits
 * its creator's pinning). */
static int race_cpu[2] = { -1, -1 };

static void
race_choose_cpus(void)
{
#ifdef __linux__
	cpu_set_t allowed;
	int n = 0;

	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0)
		return;
	for (int cpu = 0; cpu < CPU_SETSIZE && n < 2; cpu++)
		if (CPU_ISSET(cpu, &allowed))
			race_cpu[n++] = cpu;
	if (n < 2)
		race_cpu[0] = race_cpu[1] = -1;
#endif
}

static void
race_pin(int side)
{
#ifdef __linux__
	cpu_set_t one;

	if (race_cpu[side] < 0)
		return;
	CPU_ZERO(&one);
	CPU_SET(race_cpu[side], &one);
	ck_assert_int_eq(pthread_setaffinity_np(pthread_self(), sizeof(one),
						&one), 0);
#else
	(void)side;
#endif
}

static void *
race_owner(void *arg)
{
	struct race *r = arg;

	race_pin(1);

	for (int i = 1; i <= RACE_ROUNDS; i++) {
		uint32_t got;

		spin_until(&r->round, i);
		/* Until the end-of-round poke; grants before it count. */
		do {
			got = park_wait(&r->park, false, 0);
			r->grants[i - 1] += (got & PARK_GRANT) != 0;
			r->empty += got == 0;
		} while (!(got & PARK_POKE));
		atomic_store(&r->done, i);
	}
	return NULL;
}

START_TEST(revoke_racing_a_wake_up_gives_the_grant_to_exactly_one)
{
	static struct race r;
	int revoked[RACE_ROUNDS], nrevoked = 0;
	pthread_t t;

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(park_init(&r.park), 0);
	race_choose_cpus();
	race_pin(0);
	t = harness_spawn(race_owner, &r);
	for (int i = 1; i <= RACE_ROUNDS; i++) {
		atomic_store(&r.round, i);
		park_post(&r.park, PARK_GRANT);
		/* A delay that sweeps from none to a few microseconds, so that
		 * the revoke lands before, during and after the owner's
		 * consuming the grant. */
		for (volatile int k = 0; k < (i % 64) * 64; k++)
			;
		revoked[i - 1] = park_revoke(&r.park, PARK_GRANT);
		nrevoked += revoked[i - 1];
		park_post(&r.park, PARK_POKE);
		spin_until(&r.done, i);
	}
	harness_join(t);
	park_destroy(&r.park);
	for (int i = 0; i < RACE_ROUNDS; i++)
		ck_assert_msg(revoked[i] + r.grants[i] == 1,
			      "round %d: revoked %d, owner got %d grants", i,
			      revoked[i], r.grants[i]);
	/* A revoke between the owner's look and its taking the flags must
	 * not end an untimed wait empty-handed (park.h). */
	ck_assert_int_eq(r.empty, 0);
	printf("park revoke race: %d of %d grants revoked, %d consumed\n",
	       nrevoked, RACE_ROUNDS, RACE_ROUNDS - nrevoked);
}
END_TEST

/* A grant posted just before, at or just after a timed wait's deadline
 * is never lost: either that wait returns it or the next one does.  Odd
 * rounds post anywhere from 100 us before the deadline to 50 us after;
 * even rounds aim within 5 us of when the last timed-out wait actually
 * returned (timer slack and wake-up make that tens of microseconds past
 * the deadline), where a wait that dropped late posts would lose them. */
#define EDGE_ROUNDS 4000

struct edge {
	struct park park;
	atomic_int round, done;
	_Atomic uint64_t deadline;
	_Atomic uint64_t late;	/* last timed-out return, past the deadline */
	int grants[EDGE_ROUNDS];
};

static void *
edge_owner(void *arg)
{
	struct edge *e = arg;

	race_pin(1);
	for (int i = 1; i <= EDGE_ROUNDS; i++) {
		uint32_t got;

		spin_until(&e->round, i);
		got = park_wait(&e->park, true, atomic_load(&e->deadline));
		if (got == 0)
			atomic_store(&e->late,
				     harness_now_ns() - atomic_load(&e->deadline));
		if (!(got & PARK_GRANT))
			/* Hangs here, until the case times out, if the
			 * grant was dropped. */
			got |= park_wait(&e->park, false, 0);
		e->grants[i - 1] = (got & PARK_GRANT) != 0;
		atomic_store(&e->done, i);
	}
	return NULL;
}

START_TEST(a_grant_posted_around_the_deadline_is_never_lost)
{
	static struct edge e;
	pthread_t t;

	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(park_init(&e.park), 0);
	race_choose_cpus();
	race_pin(0);
	t = harness_spawn(edge_owner, &e);
	for (int i = 1; i <= EDGE_ROUNDS; i++) {
		uint64_t deadline = harness_now_ns() + 100 * 1000;
		uint64_t post_at = i % 2 ?
			deadline - 100 * 1000 + (uint64_t)(i % 150) * 1000 :
			deadline + atomic_load(&e.late) - 5000 +
				(uint64_t)(i % 40) * 250;

		atomic_store(&e.deadline, deadline);
		atomic_store(&e.round, i);
		while (harness_now_ns() < post_at)
			;
		park_post(&e.park, PARK_GRANT);
		spin_until(&e.done, i);
	}
	harness_join(t);
	park_destroy(&e.park);
	for (int i = 0; i < EDGE_ROUNDS; i++)
		ck_assert_msg(e.grants[i] == 1, "round %d: grant lost", i);
}
END_TEST

static atomic_int signals_taken;

static void
count_signal(int sig)
{
	(void)sig;
	atomic_fetch_add(&signals_taken, 1);
}

START_TEST(a_signal_does_not_end_the_wait)
{
	struct sigaction sa;
	struct owner o;
	pthread_t t;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = count_signal;	/* no SA_RESTART: EINTR if anything */
	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);
	atomic_store(&signals_taken, 0);
	t = owner_start(&o, true, harness_now_ns() + 60000 * MS);
	for (int i = 1; i <= 5; i++) {
		wait_until_asleep(&o);
		ck_assert_int_eq(pthread_kill(t, SIGUSR1), 0);
		while (atomic_load(&signals_taken) < i)
			sched_yield();
	}
	grant_to_sleeping_owner(&o, t);
}
END_TEST

START_TEST(reset_after_fork_forgets_what_was_posted)
{
	struct park p;

	ck_assert_int_eq(park_init(&p), 0);
	park_post(&p, PARK_GRANT);
	ck_assert_int_eq(park_reset_after_fork(&p), 0);
	ck_assert_uint_eq(park_wait(&p, true, harness_now_ns() + MS), 0);
	park_destroy(&p);
}
END_TEST

START_TEST(a_peek_with_nothing_posted_finds_nothing)
{
	struct park p;

	ck_assert_int_eq(park_init(&p), 0);
	ck_assert_uint_eq(park_peek(&p), 0);
	park_destroy(&p);
}
END_TEST

START_TEST(a_peek_sees_what_is_posted_and_leaves_it_for_the_wait)
{
	struct park p;

	ck_assert_int_eq(park_init(&p), 0);
	park_post(&p, PARK_GRANT);
	park_post(&p, PARK_POKE);
	ck_assert_uint_eq(park_peek(&p), PARK_GRANT | PARK_POKE);
	/* Not consumed: the wait gets both, then nothing is left. */
	ck_assert_uint_eq(park_wait(&p, false, 0), PARK_GRANT | PARK_POKE);
	ck_assert_uint_eq(park_peek(&p), 0);
	park_destroy(&p);
}
END_TEST

/* A polling owner, as a waiter next in line polls for the lock. */
struct poller {
	struct park park;
	atomic_int started;
	uint32_t seen, waited;
};

static void *
poller_main(void *arg)
{
	struct poller *po = arg;

	atomic_store(&po->started, 1);
	while ((po->seen = park_peek(&po->park)) == 0)
		;
	po->waited = park_wait(&po->park, false, 0);
	return NULL;
}

START_TEST(a_post_to_a_polling_owner_is_seen_and_then_consumed)
{
	struct poller po;
	pthread_t t;

	memset(&po, 0, sizeof(po));
	ck_assert_int_eq(park_init(&po.park), 0);
	t = harness_spawn(poller_main, &po);
	/* The post may land before the first look or during the looks;
	 * either way the owner must see it (a lost post hangs the case)
	 * and its wait must then return it. */
	while (!atomic_load(&po.started))
		sched_yield();
	park_post(&po.park, PARK_GRANT);
	harness_join(t);
	ck_assert_uint_eq(po.seen, PARK_GRANT);
	ck_assert_uint_eq(po.waited, PARK_GRANT);
	park_destroy(&po.park);
}
END_TEST

Suite *
make_suite(void)
{
	Suite *s = suite_create(PARK_USES_FUTEX ? "park_futex" : "park_cond");
	const struct harness_case cases[] = {
		{ "posted_first", posted_before_the_wait_returns_at_once_and_is_consumed, 10 },
		{ "both_flags", both_flags_posted_come_back_together, 10 },
		{ "wake_on_post", a_sleeping_owner_is_woken_by_a_post, 10 },
		{ "poke_before_time", a_sleeping_watcher_is_woken_by_a_poke_before_its_time, 10 },
		{ "timeout", a_timed_wait_with_nothing_posted_ends_at_its_time, 10 },
		{ "past_deadline", a_timed_wait_already_past_returns_at_once, 10 },
		{ "revoke_unconsumed", revoke_takes_an_unconsumed_grant_only, 10 },
		{ "revoked_sleeps_on", a_revoked_grant_leaves_the_owner_asleep, 10 },
		{ "revoke_race", revoke_racing_a_wake_up_gives_the_grant_to_exactly_one, 30 },
		{ "deadline_edge", a_grant_posted_around_the_deadline_is_never_lost, 60 },
		{ "signal", a_signal_does_not_end_the_wait, 10 },
		{ "fork_reset", reset_after_fork_forgets_what_was_posted, 10 },
		{ "peek_empty", a_peek_with_nothing_posted_finds_nothing, 10 },
		{ "peek_leaves_posted", a_peek_sees_what_is_posted_and_leaves_it_for_the_wait, 10 },
		{ "post_while_polling", a_post_to_a_polling_owner_is_seen_and_then_consumed, 10 },
	};

	harness_add_cases(s, cases, HARNESS_NCASES(cases), NULL, NULL);
	return s;
}
