/*
 * host.c: the life of the host and of its OS threads (host.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "host.h"

/* Lua's C stack use is bounded (LUAI_MAXCCALLS levels), so threads need
 * far less than the default 8 MB; 1,000 of them then cost 1 GB of
 * address space, not 8. */
#define LHOST_STACK_SIZE (1u << 20)

#define HANDLE_META "bfsgil.thread"

static __thread struct lthread *tls_self;

struct lthread *
lhost_self(void)
{
	return tls_self;
}

void
lhost_take(struct lthread *t)
{
	t->host->pol->acquire(t->pt);
	atomic_store_explicit(&t->holding, 1, memory_order_relaxed);
	preempt_recheck(t);
}

void
lhost_drop(struct lthread *t)
{
	atomic_store_explicit(&t->holding, 0, memory_order_relaxed);
	t->host->pol->release(t->pt);
}

void
lhost_report(struct lthread *t, const char *msg)
{
	struct lhost *h = t->host;

	pthread_mutex_lock(&h->mutex);
	h->failed++;
	pthread_mutex_unlock(&h->mutex);
	fflush(stdout);
	fprintf(stderr, "bfsgil-lua: thread '%s' failed: %s\n", t->name, msg);
}

/* The message handler of every protected call: the error with a
 * traceback, as lua.c's. */
static int
msg_traceback(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);

	if (msg == NULL) {
		if (luaL_callmeta(L, 1, "__tostring") &&
		    lua_type(L, -1) == LUA_TSTRING)
			return 1;
		msg = lua_pushfstring(L, "(error object is a %s value)",
				      luaL_typename(L, 1));
	}
	luaL_traceback(L, L, msg, 1);
	return 1;
}

/* Call the function below the top @nargs values of @L, protected, with
 * a traceback on error.  Leaves the results, or the message. */
static int
call_traced(lua_State *L, int nargs)
{
	int base = lua_gettop(L) - nargs, status;

	lua_pushcfunction(L, msg_traceback);
	lua_insert(L, base);
	status = lua_pcall(L, nargs, LUA_MULTRET, base);
	lua_remove(L, base);
	return status;
}

static void
lthread_free(struct lthread *t)
{
	pthread_cond_destroy(&t->done_cond);
	free(t);
}

/* One reference fewer (host->mutex held); true if that was the last. */
static bool
lthread_unref(struct lthread *t)
{
	return --t->refs == 0;
}

void
lhost_put(struct lthread *t)
{
	struct lhost *h = t->host;
	bool last;

	pthread_mutex_lock(&h->mutex);
	last = lthread_unref(t);
	pthread_mutex_unlock(&h->mutex);
	if (last)
		lthread_free(t);
}

static void *
thread_main(void *arg)
{
	struct lthread *t = arg;
	struct lhost *h = t->host;
	bool orphan, last;
	int err;

	tls_self = t;
	t->tid = pthread_self();
	err = h->pol->attach(h->lock, &t->pt, t);
	if (err != 0) {
		/* Without a handle it may not touch Lua: nothing to run.
		 * Its Lua thread is let go by the handle's collector or by
		 * join, both of which see done. */
		t->failed = true;
		t->attach_err = err;
		lhost_report(t, strerror(err));
		pthread_mutex_lock(&h->mutex);
		t->done = true;
		pthread_cond_broadcast(&t->done_cond);
		pthread_mutex_unlock(&h->mutex);
	} else {
		lhost_take(t);
		preempt_thread_start(t, t->L);
		if (call_traced(t->L, lua_gettop(t->L) - 1) != LUA_OK) {
			t->failed = true;
			lhost_report(t, lua_tostring(t->L, -1));
		}
		pthread_mutex_lock(&h->mutex);
		t->done = true;
		orphan = t->handle_gone;
		pthread_cond_broadcast(&t->done_cond);
		pthread_mutex_unlock(&h->mutex);
		/* Nobody can join it now: let its Lua thread be collected.
		 * (The handle's collector could not: it was running.) */
		if (orphan) {
			luaL_unref(t->L, LUA_REGISTRYINDEX, t->ref);
			t->ref = LUA_NOREF;
		}
		lhost_drop(t);
		h->pol->detach(t->pt);
	}
	/* Both ways done is set: what is left is the bookkeeping. */
	pthread_mutex_lock(&h->mutex);
	last = lthread_unref(t);
	if (--h->live == 0)
		pthread_cond_broadcast(&h->idle);
	pthread_mutex_unlock(&h->mutex);
	if (last)
		lthread_free(t);
	return NULL;
}

static struct lthread *
check_handle(lua_State *L, int arg)
{
	struct lthread **ud = luaL_checkudata(L, arg, HANDLE_META);

	if (*ud == NULL)
		luaL_argerror(L, arg, "thread handle already closed");
	return *ud;
}

/* __gc of a handle: the script can no longer join this thread. */
static int
handle_gc(lua_State *L)
{
	struct lthread **ud = luaL_checkudata(L, 1, HANDLE_META);
	struct lthread *t = *ud;
	struct lhost *h;
	bool last;

	if (t == NULL)
		return 0;
	*ud = NULL;
	h = t->host;
	pthread_mutex_lock(&h->mutex);
	t->handle_gone = true;
	/* Still running: the thread lets its Lua thread go when it ends
	 * (thread_main sees handle_gone). */
	if (t->done && t->ref != LUA_NOREF) {
		luaL_unref(L, LUA_REGISTRYINDEX, t->ref);
		t->ref = LUA_NOREF;
	}
	last = lthread_unref(t);
	pthread_mutex_unlock(&h->mutex);
	if (last)
		lthread_free(t);
	return 0;
}

static int
handle_tostring(lua_State *L)
{
	struct lthread **ud = luaL_checkudata(L, 1, HANDLE_META);

	if (*ud == NULL)
		lua_pushliteral(L, "thread (closed)");
	else
		lua_pushfstring(L, "thread '%s'", (*ud)->name);
	return 1;
}

void
lhost_spawn(lua_State *L, int nargs)
{
	struct lthread *self = lhost_self();
	struct lhost *h = self->host;
	struct lthread *t, **ud;
	pthread_attr_t attr;
	pthread_t tid;
	int err;

	/* The handle first (Lua may raise an out-of-memory error), then
	 * the record, so that any error from here on leaves a userdata
	 * whose collector frees it. */
	ud = lua_newuserdatauv(L, sizeof(*ud), 0);
	*ud = NULL;
	luaL_setmetatable(L, HANDLE_META);
	t = calloc(1, sizeof(*t));
	if (t == NULL || pthread_cond_init(&t->done_cond, NULL) != 0) {
		free(t);
		luaL_error(L, "thread.spawn: out of memory");
	}
	t->host = h;
	t->ref = LUA_NOREF;
	t->done = true;	/* not running: a collected handle frees all */
	t->refs = 1;	/* only the handle until the thread starts */
	*ud = t;
	lua_insert(L, -nargs - 1);
	t->L = lua_newthread(L);
	t->ref = luaL_ref(L, LUA_REGISTRYINDEX);
	if (!lua_checkstack(t->L, nargs + LUA_MINSTACK))
		luaL_error(L, "thread.spawn: too many arguments");
	lua_xmove(L, t->L, nargs);

	pthread_mutex_lock(&h->mutex);
	h->spawned++;
	snprintf(t->name, sizeof(t->name), "thread-%lu", h->spawned);
	h->live++;
	t->refs = 2;	/* the OS thread and the handle */
	t->done = false;
	pthread_mutex_unlock(&h->mutex);

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, LHOST_STACK_SIZE);
	err = pthread_create(&tid, &attr, thread_main, t);
	pthread_attr_destroy(&attr);
	if (err != 0) {
		pthread_mutex_lock(&h->mutex);
		t->done = true;
		t->refs = 1;
		if (--h->live == 0)
			pthread_cond_broadcast(&h->idle);
		pthread_mutex_unlock(&h->mutex);
		luaL_error(L, "thread.spawn: %s", strerror(err));
	}
}

/* thread.join(t): wait off the lock for @t to end; its results, or its
 * error raised again. */
int
lhost_join(lua_State *L)
{
	struct lthread **ud = luaL_checkudata(L, 1, HANDLE_META);
	struct lthread *t = check_handle(L, 1);
	struct lthread *self = lhost_self();
	struct lhost *h = t->host;
	bool done, closed;
	int n;

	if (t == self)
		return luaL_error(L, "thread.join: a thread cannot join itself");
	if (t->joined)
		return luaL_error(L, "thread.join: thread '%s' already joined",
				  t->name);
	pthread_mutex_lock(&h->mutex);
	done = t->done;
	/* Off the lock, the handle may be closed or collected: our own
	 * reference keeps the record (and its condvar) until we are back. */
	if (!done)
		t->refs++;
	pthread_mutex_unlock(&h->mutex);
	if (!done) {
		lhost_drop(self);
		pthread_mutex_lock(&h->mutex);
		while (!t->done)
			pthread_cond_wait(&t->done_cond, &h->mutex);
		pthread_mutex_unlock(&h->mutex);
		lhost_take(self);
		/* Holding the lock again: no handle can close meanwhile. */
		closed = *ud == NULL;
		lhost_put(t);
		if (closed)
			return luaL_error(L, "thread.join: the handle was "
					  "closed while joining");
	}
	/* Another joiner may have got there while we waited. */
	if (t->joined)
		return luaL_error(L, "thread.join: thread '%s' already joined",
				  t->name);
	n = lua_gettop(t->L);
	if (!t->failed && !lua_checkstack(L, n + LUA_MINSTACK))
		return luaL_error(L, "thread.join: too many results");
	t->joined = true;
	if (t->failed) {
		lua_pushfstring(L, "thread '%s' failed", t->name);
		if (t->attach_err != 0)
			lua_pushfstring(L, ": %s", strerror(t->attach_err));
		else if (n > 0 && lua_type(t->L, -1) == LUA_TSTRING)
			lua_pushfstring(L, ": %s", lua_tostring(t->L, -1));
		else
			lua_pushliteral(L, "");
		lua_concat(L, 2);
		luaL_unref(L, LUA_REGISTRYINDEX, t->ref);
		t->ref = LUA_NOREF;
		return lua_error(L);
	}
	lua_xmove(t->L, L, n);
	luaL_unref(L, LUA_REGISTRYINDEX, t->ref);
	t->ref = LUA_NOREF;
	return n;
}

static void
register_handle_meta(lua_State *L)
{
	static const luaL_Reg meta[] = {
		{ "__gc", handle_gc },
		{ "__close", handle_gc },
		{ "__tostring", handle_tostring },
		{ NULL, NULL },
	};

	luaL_newmetatable(L, HANDLE_META);
	luaL_setfuncs(L, meta, 0);
	lua_pushliteral(L, "thread");
	lua_setfield(L, -2, "__name");
	lua_pop(L, 1);
}

/* Load our modules as globals, as the standard libraries are. */
static int
open_all(lua_State *L)
{
	luaL_openlibs(L);
	register_handle_meta(L);
	luaL_requiref(L, "thread", luaopen_thread, 1);
	luaL_requiref(L, "udp", luaopen_udp, 1);
	lua_pop(L, 2);
	lcompute_register(L);
	coro_install(L);
	return 0;
}

int
lhost_open(struct lhost *h, const struct policy *pol)
{
	int err;

	memset(h, 0, sizeof(*h));
	h->pol = pol;
	h->main.host = h;
	h->main.ref = LUA_NOREF;
	h->main.refs = 1;
	snprintf(h->main.name, sizeof(h->main.name), "main");
	pthread_mutex_init(&h->mutex, NULL);
	pthread_cond_init(&h->idle, NULL);
	pthread_cond_init(&h->main.done_cond, NULL);
	err = pol->create(&h->lock);
	if (err != 0) {
		fprintf(stderr, "bfsgil-lua: creating the %s lock: %s\n",
			pol->name, strerror(err));
		return err;
	}
	err = preempt_init(h);
	if (err != 0) {
		fprintf(stderr, "bfsgil-lua: preemption: %s\n", strerror(err));
		return err;
	}
	tls_self = &h->main;
	h->main.tid = pthread_self();
	err = pol->attach(h->lock, &h->main.pt, &h->main);
	if (err != 0) {
		fprintf(stderr, "bfsgil-lua: attaching: %s\n", strerror(err));
		return err;
	}
	lhost_take(&h->main);
	h->L = luaL_newstate();
	if (h->L == NULL) {
		fprintf(stderr, "bfsgil-lua: cannot create the Lua state\n");
		return ENOMEM;
	}
	h->main.L = h->L;
	preempt_thread_start(&h->main, h->L);
	lua_pushcfunction(h->L, open_all);
	if (call_traced(h->L, 0) != LUA_OK) {
		fprintf(stderr, "bfsgil-lua: %s\n", lua_tostring(h->L, -1));
		return EINVAL;
	}
	return 0;
}

int
lhost_run_script(struct lhost *h, const char *path, int argc, char **argv)
{
	lua_State *L = h->L;
	int i, status;

	/* arg: the script at 0, its arguments from 1, as lua.c has it. */
	lua_createtable(L, argc, 1);
	lua_pushstring(L, path != NULL ? path : "-");
	lua_rawseti(L, -2, 0);
	for (i = 0; i < argc; i++) {
		lua_pushstring(L, argv[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setglobal(L, "arg");
	status = luaL_loadfile(L, path);
	if (status != LUA_OK) {
		fprintf(stderr, "bfsgil-lua: %s\n", lua_tostring(L, -1));
		lua_pop(L, 1);
		return 1;
	}
	for (i = 0; i < argc; i++)
		lua_pushstring(L, argv[i]);
	if (call_traced(L, argc) != LUA_OK) {
		lhost_report(&h->main, lua_tostring(L, -1));
		lua_pop(L, 1);
		return 1;
	}
	lua_settop(L, 0);
	return 0;
}

int
lhost_close(struct lhost *h)
{
	int failed;

	/* Like a Python program, the script ends when its threads do. */
	lhost_drop(&h->main);
	pthread_mutex_lock(&h->mutex);
	while (h->live > 0)
		pthread_cond_wait(&h->idle, &h->mutex);
	pthread_mutex_unlock(&h->mutex);
	lhost_take(&h->main);
	lua_close(h->L);
	h->L = NULL;
	lhost_drop(&h->main);
	h->pol->detach(h->main.pt);
	h->pol->destroy(h->lock);
	pthread_mutex_lock(&h->mutex);
	failed = h->failed;
	pthread_mutex_unlock(&h->mutex);
	return failed;
}
