/*
 * env.h: how the library reads its environment variables (BFSGIL,
 * BFSGIL_TRACE, BFSGIL_TRACE_EVENTS, BFSGIL_STATS).
 *
 * With secure_getenv where the C library has it: a set-user-ID or
 * set-group-ID program then reads none of them, so that whoever runs it
 * cannot make it write files (BFSGIL_TRACE) or change how it schedules.
 * A lock made with BFSGIL_CREATE_IGNORE_ENV reads none at all.
 */
#ifndef BFSGIL_ENV_H
#define BFSGIL_ENV_H

#ifdef HAVE_CONFIG_H
# include <config.h>
#endif

#include <stdlib.h>

static inline const char *
env_get(const char *name)
{
#ifdef HAVE_SECURE_GETENV
	return secure_getenv(name);
#else
	return getenv(name);
#endif
}

#endif /* BFSGIL_ENV_H */
