/*
 * ludp.c: the `udp` module, loopback datagrams whose blocking calls let
 * the lock go, as an interpreter's socket module does (see doc/lua.md).
 *
 *   udp.bind([port])          a socket on 127.0.0.1 (port 0: any free one)
 *   s:port()                  the port it is bound to
 *   s:recvfrom([max])         data, ip, port; or nil, "timeout"
 *   s:sendto(data, ip, port)  true
 *   s:settimeout(seconds)     recvfrom gives up after that (0: never)
 *   s:close()                 an error while another thread is blocked
 *                             in a call on it (closing under it would
 *                             neither wake it nor keep its fd number)
 *   udp.ping(port, n, gap[, timeout])
 *                             a client written in C that runs wholly off
 *                             the lock: n pings gap seconds apart to
 *                             127.0.0.1:port, each waiting for its echo;
 *                             returns a table of n round trips in seconds
 *                             (false for a ping not answered in timeout,
 *                             default 1 s)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>

#include "bench.h"	/* now_ns, sleep_ns: the policy layer's library */
#include "host.h"

#define SOCKET_META "bfsgil.udp"
#define UDP_MAX 65507

struct lsock {
	int fd;
	int busy;	/* calls blocked on it off the lock (lock held) */
};

static struct lsock *
check_sock(lua_State *L)
{
	struct lsock *s = luaL_checkudata(L, 1, SOCKET_META);

	if (s->fd < 0)
		luaL_error(L, "udp: socket is closed");
	return s;
}

static struct timeval
timeval_of(double seconds)
{
	double whole;
	struct timeval tv;

	tv.tv_usec = (suseconds_t)(modf(seconds, &whole) * 1e6);
	tv.tv_sec = (time_t)whole;
	/* {0, 0} would mean "wait forever" to SO_RCVTIMEO. */
	if (seconds > 0 && tv.tv_sec == 0 && tv.tv_usec == 0)
		tv.tv_usec = 1;
	return tv;
}

static int
l_bind(lua_State *L)
{
	lua_Integer port = luaL_optinteger(L, 1, 0);
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct lsock *s;

	luaL_argcheck(L, port >= 0 && port <= 65535, 1, "port out of range");
	s = lua_newuserdatauv(L, sizeof(*s), 0);
	s->fd = -1;
	s->busy = 0;
	luaL_setmetatable(L, SOCKET_META);
	s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return luaL_error(L, "udp.bind: %s", strerror(errno));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	if (bind(s->fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		return luaL_error(L, "udp.bind: %s", strerror(errno));
	return 1;
}

static int
l_port(lua_State *L)
{
	struct lsock *s = check_sock(L);
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	if (getsockname(s->fd, (struct sockaddr *)&a, &len) != 0)
		return luaL_error(L, "udp: %s", strerror(errno));
	lua_pushinteger(L, ntohs(a.sin_port));
	return 1;
}

static int
l_settimeout(lua_State *L)
{
	struct lsock *s = check_sock(L);
	lua_Number secs = luaL_checknumber(L, 2);
	struct timeval tv;

	luaL_argcheck(L, secs >= 0 && secs < 1e9, 2, "seconds out of range");
	tv = timeval_of(secs);
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0)
		return luaL_error(L, "udp: %s", strerror(errno));
	return 0;
}

static int
l_recvfrom(lua_State *L)
{
	struct lthread *self = lhost_self();
	struct lsock *s = check_sock(L);
	lua_Integer max = luaL_optinteger(L, 2, 2048);
	struct sockaddr_in from;
	socklen_t fromlen = sizeof(from);
	char ip[INET_ADDRSTRLEN];
	luaL_Buffer b;
	char *buf;
	ssize_t n;
	int err, fd = s->fd;

	luaL_argcheck(L, max > 0 && max <= UDP_MAX, 2, "size out of range");
	buf = luaL_buffinitsize(L, &b, (size_t)max);
	s->busy++;
	lhost_drop(self);
	do
		n = recvfrom(fd, buf, (size_t)max, 0, (struct sockaddr *)&from,
			     &fromlen);
	while (n < 0 && errno == EINTR);
	err = errno;
	lhost_take(self);
	s->busy--;
	if (n < 0) {
		if (err == EAGAIN || err == EWOULDBLOCK) {
			luaL_pushresultsize(&b, 0);
			lua_pushnil(L);
			lua_pushliteral(L, "timeout");
			return 2;
		}
		return luaL_error(L, "udp: recvfrom: %s", strerror(err));
	}
	luaL_pushresultsize(&b, (size_t)n);
	inet_ntop(AF_INET, &from.sin_addr, ip, sizeof(ip));
	lua_pushstring(L, ip);
	lua_pushinteger(L, ntohs(from.sin_port));
	return 3;
}

static int
l_sendto(lua_State *L)
{
	struct lthread *self = lhost_self();
	struct lsock *s = check_sock(L);
	size_t len;
	/* Stays put off the lock: the string is on our stack, so no
	 * collector frees it, and Lua never moves a string. */
	const char *data = luaL_checklstring(L, 2, &len);
	const char *ip = luaL_checkstring(L, 3);
	lua_Integer port = luaL_checkinteger(L, 4);
	struct sockaddr_in to = { .sin_family = AF_INET };
	ssize_t n;
	int err, fd = s->fd;

	luaL_argcheck(L, port > 0 && port <= 65535, 4, "port out of range");
	if (inet_pton(AF_INET, ip, &to.sin_addr) != 1)
		return luaL_argerror(L, 3, "not an IPv4 address");
	to.sin_port = htons((uint16_t)port);
	s->busy++;
	lhost_drop(self);
	n = sendto(fd, data, len, 0, (struct sockaddr *)&to, sizeof(to));
	err = errno;
	lhost_take(self);
	s->busy--;
	if (n < 0)
		return luaL_error(L, "udp: sendto: %s", strerror(err));
	lua_pushboolean(L, 1);
	return 1;
}

static int
l_close(lua_State *L)
{
	struct lsock *s = luaL_checkudata(L, 1, SOCKET_META);

	/* (Never busy when collected: a blocked call keeps it on its
	 * stack.) */
	if (s->busy > 0)
		return luaL_error(L, "udp: close: another thread is blocked "
				  "on this socket");
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	return 0;
}

/* One ping: send, wait for the same bytes back.  Round trip in seconds,
 * or -1 if none came within the socket's timeout. */
static double
ping_once(int fd, const struct sockaddr_in *to, unsigned seq)
{
	char out[16], in[16];
	uint64_t t0 = now_ns();
	ssize_t n;

	snprintf(out, sizeof(out), "ping %u", seq);
	if (sendto(fd, out, strlen(out), 0, (const struct sockaddr *)to,
		   sizeof(*to)) < 0)
		return -1;
	for (;;) {
		n = recv(fd, in, sizeof(in), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		/* A late echo of an earlier ping: not ours, read on. */
		if ((size_t)n == strlen(out) && memcmp(in, out, (size_t)n) == 0)
			return (double)(now_ns() - t0) / 1e9;
	}
}

static int
l_ping(lua_State *L)
{
	struct lthread *self = lhost_self();
	lua_Integer port = luaL_checkinteger(L, 1);
	lua_Integer n = luaL_checkinteger(L, 2);
	lua_Number gap = luaL_checknumber(L, 3);
	lua_Number timeout = luaL_optnumber(L, 4, 1.0);
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct timeval tv;
	double *rtt;
	lua_Integer i;
	int fd;

	luaL_argcheck(L, port > 0 && port <= 65535, 1, "port out of range");
	luaL_argcheck(L, n > 0 && n <= 1000000, 2, "count out of range");
	luaL_argcheck(L, gap >= 0 && gap < 3600, 3, "gap out of range");
	luaL_argcheck(L, timeout > 0 && timeout < 3600, 4,
		      "timeout out of range");
	rtt = lua_newuserdatauv(L, (size_t)n * sizeof(*rtt), 0);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return luaL_error(L, "udp.ping: %s", strerror(errno));
	tv = timeval_of(timeout);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons((uint16_t)port);
	lhost_drop(self);
	for (i = 0; i < n; i++) {
		rtt[i] = ping_once(fd, &to, (unsigned)i);
		if (gap > 0)
			sleep_ns((uint64_t)(gap * 1e9));
	}
	lhost_take(self);
	close(fd);
	lua_createtable(L, (int)n, 0);
	for (i = 0; i < n; i++) {
		if (rtt[i] < 0)
			lua_pushboolean(L, 0);
		else
			lua_pushnumber(L, rtt[i]);
		lua_rawseti(L, -2, i + 1);
	}
	return 1;
}

int
luaopen_udp(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{ "bind", l_bind },
		{ "ping", l_ping },
		{ NULL, NULL },
	};
	static const luaL_Reg methods[] = {
		{ "port", l_port },
		{ "recvfrom", l_recvfrom },
		{ "sendto", l_sendto },
		{ "settimeout", l_settimeout },
		{ "close", l_close },
		{ NULL, NULL },
	};

	luaL_newmetatable(L, SOCKET_META);
	luaL_newlib(L, methods);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, l_close);
	lua_setfield(L, -2, "__gc");
	lua_pushcfunction(L, l_close);
	lua_setfield(L, -2, "__close");
	lua_pop(L, 1);
	luaL_newlib(L, funcs);
	return 1;
}
