/*
 * lcompute.c: compute(n), a global: C work done with the lock released,
 * as bz2.compress or hashlib do in CPython.  One unit is 1,000 rounds of
 * a xorshift generator (about 1-2 us here); the result depends only on n,
 * so a script can check it.
 */
#include <stdint.h>

#include <lauxlib.h>

#include "host.h"

static uint64_t
compute_units(uint64_t n)
{
	uint64_t x = 88172645463325252ull;

	for (uint64_t i = 0; i < n * 1000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	return x;
}

static int
l_compute(lua_State *L)
{
	struct lthread *self = lhost_self();
	lua_Integer n = luaL_checkinteger(L, 1);
	uint64_t x;

	luaL_argcheck(L, n >= 0 && n <= (lua_Integer)1 << 40, 1,
		      "units out of range");
	lhost_drop(self);
	x = compute_units((uint64_t)n);
	lhost_take(self);
	lua_pushinteger(L, (lua_Integer)(x >> 1));
	return 1;
}

void
lcompute_register(lua_State *L)
{
	lua_register(L, "compute", l_compute);
}
