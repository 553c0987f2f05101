/*
 * lthread.c: the `thread` module (see doc/lua.md).
 *
 *   thread.spawn(f, ...)  run f(...) in a new OS thread; returns a handle
 *   thread.join(t)        wait for it; f's results, or its error raised
 *   thread.nice(n)        the calling thread's nice, -20..19 (bfsgil);
 *                         true, or false where the policy has no nice
 *   thread.sleep(s)       sleep s seconds off the lock
 *   thread.name([s])      the calling thread's name, or set it
 *   thread.now()          a monotonic clock, in seconds
 *   thread.policy()       the policy's name
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>

#include "bench.h"	/* now_ns, timespec_after_ns */
#include "host.h"

static int
l_spawn(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TFUNCTION);
	lhost_spawn(L, lua_gettop(L));
	return 1;
}

static int
l_nice(lua_State *L)
{
	struct lthread *self = lhost_self();
	lua_Integer n = luaL_checkinteger(L, 1);
	const struct policy *pol = self->host->pol;
	int err;

	luaL_argcheck(L, n >= -20 && n <= 19, 1, "nice must be -20..19");
	if (pol->set_nice == NULL) {
		lua_pushboolean(L, 0);
		return 1;
	}
	err = pol->set_nice(self->pt, (int)n);
	if (err != 0)
		return luaL_error(L, "thread.nice: %s", strerror(err));
	lua_pushboolean(L, 1);
	return 1;
}

static int
l_sleep(lua_State *L)
{
	struct lthread *self = lhost_self();
	lua_Number s = luaL_checknumber(L, 1);
	struct timespec until;

	luaL_argcheck(L, s >= 0 && s < 1e9, 1, "seconds out of range");
	until = timespec_after_ns((uint64_t)(s * 1e9));
	lhost_drop(self);
	/* Absolute: a signal's EINTR (preempt.c) resumes the same sleep. */
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) ==
	       EINTR)
		;
	lhost_take(self);
	return 0;
}

static int
l_name(lua_State *L)
{
	struct lthread *self = lhost_self();

	if (!lua_isnoneornil(L, 1)) {
		size_t len;
		const char *s = luaL_checklstring(L, 1, &len);

		luaL_argcheck(L, len < sizeof(self->name), 1, "name too long");
		memcpy(self->name, s, len + 1);
		/* The OS thread's too (its first 15 bytes), for top(1),
		 * traces and bfsgil-stat (BFSGIL_TRACE, BFSGIL_STATS). */
		{
			char os[16];

			snprintf(os, sizeof(os), "%s", s);
			pthread_setname_np(pthread_self(), os);
		}
	}
	lua_pushstring(L, self->name);
	return 1;
}

static int
l_now(lua_State *L)
{
	lua_pushnumber(L, (lua_Number)now_ns() / 1e9);
	return 1;
}

static int
l_policy(lua_State *L)
{
	lua_pushstring(L, lhost_self()->host->pol->name);
	return 1;
}

int
luaopen_thread(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{ "spawn", l_spawn },
		{ "join", lhost_join },
		{ "nice", l_nice },
		{ "sleep", l_sleep },
		{ "name", l_name },
		{ "now", l_now },
		{ "policy", l_policy },
		{ NULL, NULL },
	};

	luaL_newlib(L, funcs);
	return 1;
}
