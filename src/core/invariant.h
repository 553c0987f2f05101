/*
 * invariant.h: internal invariant checks, in two levels (as userspace-rcu).
 *
 * BFSGIL_ASSERT is always on: it guards invariants whose failure means a
 * bug in bfsgil (two holders, a corrupt queue), where stopping is kinder
 * than corrupting an interpreter's heap.  It never fires on bad caller
 * input: that gets an errno value.  BFSGIL_DEBUG_ASSERT costs more (walks
 * a structure) and is compiled in only with ./configure --enable-debug.
 */
#ifndef BFSGIL_INVARIANT_H
#define BFSGIL_INVARIANT_H

#ifdef HAVE_CONFIG_H
# include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>

#define BFSGIL_ASSERT(cond)                                                  \
	do {                                                                 \
		if (__builtin_expect(!(cond), 0)) {                          \
			fprintf(stderr, "bfsgil: %s:%d: %s: invariant `%s' " \
				"broken\n", __FILE__, __LINE__, __func__,    \
				#cond);                                      \
			abort();                                             \
		}                                                            \
	} while (0)

#ifdef BFSGIL_ENABLE_DEBUG
# define BFSGIL_DEBUG_ASSERT(cond) BFSGIL_ASSERT(cond)
#else
# define BFSGIL_DEBUG_ASSERT(cond) ((void)0)
#endif

#endif /* BFSGIL_INVARIANT_H */
