/*
 * coro.c: coroutine.resume and coroutine.wrap, as the standard library's
 * but keeping the OS thread's record of which state it runs (t->cur).
 *
 * Why: preemption arms a hook on the state the holder is running
 * (preempt.c), and a hook belongs to one state.  A CPU-bound loop inside
 * a coroutine would never see a hook armed on the thread's main state;
 * with these, the hook goes on the coroutine while it runs.  Everything
 * else of the coroutine library is Lua's own.
 */
#include <lauxlib.h>

#include "host.h"

/* Resume @co with the top @narg values of @L.  Returns the number of
 * results moved to @L, or -1 with the error on top of @L. */
static int
resume_tracked(lua_State *L, lua_State *co, int narg)
{
	struct lthread *t = lhost_self();
	lua_State *prev = NULL;
	int status, nres;

	if (!lua_checkstack(co, narg)) {
		lua_pushliteral(L, "too many arguments to resume");
		return -1;
	}
	lua_xmove(L, co, narg);
	if (t != NULL) {
		prev = atomic_load_explicit(&t->cur, memory_order_relaxed);
		atomic_store_explicit(&t->cur, co, memory_order_relaxed);
		preempt_recheck(t);
	}
	status = lua_resume(co, L, narg, &nres);
	if (t != NULL) {
		atomic_store_explicit(&t->cur, prev, memory_order_relaxed);
		preempt_recheck(t);
	}
	if (status != LUA_OK && status != LUA_YIELD) {
		lua_xmove(co, L, 1);	/* the error */
		return -1;
	}
	if (!lua_checkstack(L, nres + 1)) {
		lua_pop(co, nres);
		lua_pushliteral(L, "too many results to resume");
		return -1;
	}
	lua_xmove(co, L, nres);
	return nres;
}

static int
co_resume(lua_State *L)
{
	lua_State *co = lua_tothread(L, 1);
	int r;

	luaL_argexpected(L, co != NULL, 1, "coroutine");
	r = resume_tracked(L, co, lua_gettop(L) - 1);
	if (r < 0) {
		lua_pushboolean(L, 0);
		lua_insert(L, -2);
		return 2;
	}
	lua_pushboolean(L, 1);
	lua_insert(L, -(r + 1));
	return r + 1;
}

/* The function coroutine.wrap returns: resume, and raise any error in
 * the caller, with the caller's position prefixed to a string message,
 * after closing the dead coroutine's to-be-closed variables. */
static int
co_wrapped(lua_State *L)
{
	lua_State *co = lua_tothread(L, lua_upvalueindex(1));
	int r = resume_tracked(L, co, lua_gettop(L));
	int status;

	if (r >= 0)
		return r;
	status = lua_status(co);
	if (status != LUA_OK && status != LUA_YIELD) {
		/* Died: close it; its error replaces ours if it has one. */
		status = lua_resetthread(co);
		if (status != LUA_OK) {
			lua_pop(L, 1);
			lua_xmove(co, L, 1);
		}
	}
	if (status != LUA_ERRMEM && lua_type(L, -1) == LUA_TSTRING) {
		luaL_where(L, 1);
		lua_insert(L, -2);
		lua_concat(L, 2);
	}
	return lua_error(L);
}

static int
co_wrap(lua_State *L)
{
	lua_State *co;

	luaL_checktype(L, 1, LUA_TFUNCTION);
	co = lua_newthread(L);
	lua_pushvalue(L, 1);
	lua_xmove(L, co, 1);
	lua_pushcclosure(L, co_wrapped, 1);
	return 1;
}

void
coro_install(lua_State *L)
{
	lua_getglobal(L, "coroutine");
	lua_pushcfunction(L, co_resume);
	lua_setfield(L, -2, "resume");
	lua_pushcfunction(L, co_wrap);
	lua_setfield(L, -2, "wrap");
	lua_pop(L, 1);
}
