/*
 * preempt.c: asking a thread that runs Lua to give the lock up.
 *
 * The policy's should_yield() is one load, but Lua has no place to call it
 * at every instruction: a count hook is the only way in, and while one is
 * installed every instruction goes through the hook machinery (about 2.3x
 * slower even when the hook fires every 100,000 instructions; 5x at every
 * one: measured with a 30 M-iteration loop, see doc/lua.md).  So the hook
 * is installed only when the policy has asked the holder to give way, and
 * fires once.
 *
 * Where a thread gives way: only where a line begins or a loop jumps
 * back (Lua's line event), never between two instructions of one line,
 * as CPython 3.10+ switches only at backward jumps and calls.  So a
 * one-line read-modify-write with no call in it, `t.n = t.n + 1`, is
 * never split and stays exact across threads; one that calls a function
 * may be split inside the call.  (A count hook would fire between any
 * two instructions: 8 threads adding 100,000 each then lost up to 70% of
 * their updates under oldgil.)  Lua remembers the last line only while a
 * line hook is on, so the first line event after arming may be stale and
 * is skipped (t->primed): the thread gives way at the second.
 *
 * Who installs it: the policy calls our asker in the thread that asks,
 * under its internal lock, and lua_sethook() must not run there: it walks
 * the holder's CallInfo list, which the holder is changing (and may free
 * in a GC step) as it runs.  Lua supports calling lua_sethook() from a
 * signal handler in the thread that runs the state, as lua.c does on
 * SIGINT.  So the asker sends the holder a signal (SIGURG, as Go's runtime
 * does for its preemption: ignored by default, never sent otherwise to a
 * program that does not ask for it), and the handler, in the holder, arms
 * the hook on the state it is running.  A signal costs a few microseconds,
 * once per request; nothing at all while nobody waits.
 *
 * Races, all in one thread except the request itself:
 *  - The request is set before the asker signals, and the hook clears
 *    itself before it reads the request: a signal that lands while it
 *    clears re-arms it (a spare call later), or has its request seen now.
 *  - A signal that lands while the thread does not hold the lock, or
 *    runs no state, does nothing; so every time the thread takes the
 *    lock or switches state it checks the request itself
 *    (preempt_recheck).
 *
 * A policy that never asks (oldgil counts ticks) gets a permanent count
 * hook instead, which every poll_every instructions arms the line hook,
 * so it yields about as often as Python 2 released (every 100 ticks); its
 * cost is that policy's.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "host.h"

#define PREEMPT_SIGNAL SIGURG

static void
give_way(struct lthread *t)
{
	atomic_store_explicit(&t->holding, 0, memory_order_relaxed);
	t->host->pol->yield(t->pt);
	atomic_store_explicit(&t->holding, 1, memory_order_relaxed);
	preempt_recheck(t);
}

static void hook_line(lua_State *L, lua_Debug *ar);

/* Have @L give way at its next line event but one (the first may be
 * stale: see above).  In the thread running @L. */
static void
arm(struct lthread *t, lua_State *L)
{
	atomic_store_explicit(&t->primed, 0, memory_order_relaxed);
	lua_sethook(L, hook_line, LUA_MASKLINE, 0);
}

/* The permanent hook of a policy that never asks: every poll_every
 * instructions, give way at the next line. */
static void
hook_poll(lua_State *L, lua_Debug *ar)
{
	struct lthread *t = lhost_self();

	(void)ar;
	if (t != NULL)
		arm(t, L);
}

/* The armed hook, one-shot. */
static void
hook_line(lua_State *L, lua_Debug *ar)
{
	struct lthread *t = lhost_self();
	const struct policy *pol;

	(void)ar;
	if (t == NULL)
		return;
	if (!atomic_exchange_explicit(&t->primed, 1, memory_order_relaxed))
		return;		/* the first line event: maybe stale */
	pol = t->host->pol;
	if (pol->set_asker == NULL) {
		lua_sethook(L, hook_poll, LUA_MASKCOUNT, (int)pol->poll_every);
		give_way(t);
		return;
	}
	lua_sethook(L, NULL, 0, 0);	/* before reading the request */
	if (pol->should_yield(t->pt))
		give_way(t);
}

static void
on_preempt_signal(int sig)
{
	struct lthread *t = lhost_self();
	int saved = errno;
	lua_State *L;

	(void)sig;
	if (t != NULL &&
	    atomic_load_explicit(&t->holding, memory_order_relaxed)) {
		L = atomic_load_explicit(&t->cur, memory_order_relaxed);
		if (L != NULL)
			arm(t, L);
	}
	errno = saved;
}

/* The policy's asker: runs in the asking thread, under the policy's
 * internal lock, for a holder that is attached and holds it, so its
 * record and OS thread exist. */
static void
asked(void *udata)
{
	struct lthread *t = udata;

	if (t != NULL)
		pthread_kill(t->tid, PREEMPT_SIGNAL);
}

void
preempt_recheck(struct lthread *t)
{
	const struct policy *pol = t->host->pol;
	lua_State *L = atomic_load_explicit(&t->cur, memory_order_relaxed);

	if (pol->set_asker != NULL && L != NULL &&
	    atomic_load_explicit(&t->holding, memory_order_relaxed) &&
	    pol->should_yield(t->pt))
		arm(t, L);
}

void
preempt_thread_start(struct lthread *t, lua_State *L)
{
	const struct policy *pol = t->host->pol;

	atomic_store_explicit(&t->cur, L, memory_order_relaxed);
	if (pol->set_asker == NULL && pol->poll_every > 0)
		lua_sethook(L, hook_poll, LUA_MASKCOUNT, (int)pol->poll_every);
	else
		preempt_recheck(t);
}

int
preempt_init(struct lhost *h)
{
	struct sigaction sa;

	if (h->pol->set_asker == NULL)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_preempt_signal;
	/* A thread blocked in a system call goes back to it. */
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(PREEMPT_SIGNAL, &sa, NULL) != 0)
		return errno;
	h->asker.asked = asked;
	return h->pol->set_asker(h->lock, &h->asker);
}
