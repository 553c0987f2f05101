/*
 * observe.c: the watching layer's side of observe.h, in libbfsgil:
 * BFSGIL_TRACE and BFSGIL_STATS (envwatch.h), and recorders left on a
 * lock that goes (trace.h).
 */
#include "observe.h"
#include "envwatch.h"
#include "trace.h"

int
observe_create(struct bfsgil *gil)
{
	return envwatch_start(gil);
}

void
observe_destroy(struct bfsgil *gil)
{
	envwatch_finish(gil);
	/* Hooks go with the lock; a recorder on it is detached, so that
	 * it can still be written and destroyed. */
	trace_lock_gone(gil);
}

void
observe_after_fork_child(struct bfsgil *gil)
{
	envwatch_after_fork_child(gil);
}
