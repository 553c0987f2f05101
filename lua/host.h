/*
 * host.h: bfsgil-lua, a multi-threaded host for stock Lua 5.4.
 *
 * Lua 5.4 lets OS threads share one state under one lock: the core brackets
 * every call out to C (C functions, hooks) with lua_unlock/lua_lock, so a
 * host that holds one lock around all Lua execution and lets go only inside
 * its own C functions is safe with an unmodified liblua, whose lua_lock is
 * a no-op.  Here that lock is a policy from the benchmark's layer
 * (bench/policy.h): bfsgil, newgil, oldgil or fifo.
 *
 * Who holds what:
 *  - Every Lua API call is made holding the policy lock.  Only host C code
 *    that touches no Lua state runs without it (a blocking call).
 *  - host->mutex guards the bookkeeping of OS threads (live count, names,
 *    failures); it is never held while taking the policy lock.
 *
 * Files: host.c (life of the host and its threads, errors), preempt.c
 * (asking a running Lua thread to give way), coro.c (coroutines that stay
 * preemptible), lthread.c (the thread module), ludp.c (udp), lcompute.c
 * (compute), main.c (the command line).
 */
#ifndef LUA_HOST_H
#define LUA_HOST_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <lua.h>

#include "policy.h"

#define LHOST_NAME_MAX 48

struct lhost;

/* One OS thread running Lua.  Freed when its thread has ended, its
 * handle (a Lua userdata) has been collected or closed, and no join is
 * waiting on it: @refs counts them. */
struct lthread {
	struct lhost *host;
	pthread_t tid;
	void *pt;			/* its policy handle */
	lua_State *L;			/* its Lua thread (anchored by @ref) */
	int ref;			/* registry reference, LUA_NOREF when none */
	char name[LHOST_NAME_MAX];
	/* The state running now: L, or a coroutine it resumed (coro.c).
	 * Read by the preemption signal's handler. */
	_Atomic(lua_State *) cur;
	atomic_int holding;		/* between take and drop */
	atomic_int primed;		/* preempt.c: line hook's phase */
	/* Written by the thread before it sets done, read after seeing
	 * done (under host->mutex): */
	bool failed;
	int attach_err;			/* the policy refused it a handle */
	/* Touched holding the policy lock: */
	bool joined;
	/* Under host->mutex: */
	bool done, handle_gone;
	int refs;
	pthread_cond_t done_cond;
};

struct lhost {
	const struct policy *pol;
	void *lock;			/* the policy's */
	lua_State *L;			/* the main state */
	struct lthread main;		/* the OS thread that runs the script */
	pthread_mutex_t mutex;
	pthread_cond_t idle;		/* live fell to 0 */
	int live;			/* spawned threads still running */
	int failed;			/* threads that ended in an error */
	unsigned long spawned;		/* for default names */
	/* The asker (preempt.c) and whether the policy uses it. */
	struct policy_asker asker;
};

/* host.c */

/* Make the main state, open the libraries and ours, attach the calling
 * thread and take the lock.  Returns 0 or an errno value (message on
 * stderr). */
int lhost_open(struct lhost *h, const struct policy *pol);
/* Wait (off the lock) for every spawned thread to end, close the state,
 * drop and free everything.  Returns the number of threads that failed. */
int lhost_close(struct lhost *h);
/* Run @path (or stdin if NULL) with @argv as its arg table, in the main
 * thread, lock held.  Returns 0, or nonzero after reporting an error. */
int lhost_run_script(struct lhost *h, const char *path, int argc,
		     char **argv);
/* Start an OS thread running the function and its arguments, the top
 * @nargs values of @L (all popped); lock held.  Pushes the handle
 * userdata, or raises a Lua error. */
void lhost_spawn(lua_State *L, int nargs);
/* thread.join (host.c keeps the handles). */
int lhost_join(lua_State *L);
/* Report @msg (a traceback) for thread @t on stderr and count it. */
void lhost_report(struct lthread *t, const char *msg);
/* The record of the calling OS thread (thread-local), NULL if none. */
struct lthread *lhost_self(void);
/* Drop the record's reference; frees it at zero (host->mutex not held). */
void lhost_put(struct lthread *t);

/* Take and drop the policy lock around a blocking call.  Between them the
 * caller must not touch any Lua state. */
void lhost_take(struct lthread *t);
void lhost_drop(struct lthread *t);

/* preempt.c */

/* Install the preemption signal's handler and the policy's asker, or
 * nothing for a policy that never asks.  Returns 0 or an errno value. */
int preempt_init(struct lhost *h);
/* A thread starts running @L: for a policy that never asks, install the
 * count hook that yields every poll_every instructions. */
void preempt_thread_start(struct lthread *t, lua_State *L);
/* The thread now holds the lock or runs another state: if it was asked
 * to give way meanwhile, make sure the running state looks (holding the
 * lock, in the thread itself). */
void preempt_recheck(struct lthread *t);

/* coro.c: coroutine.resume and coroutine.wrap that keep t->cur current. */
void coro_install(lua_State *L);

/* The modules. */
int luaopen_thread(lua_State *L);
int luaopen_udp(lua_State *L);
void lcompute_register(lua_State *L);

#endif /* LUA_HOST_H */
